import json
import logging

from lms.core.observability import JsonFormatter, RequestIdFilter


def test_healthz_and_readyz(client, load_course):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json == {"status": "ok", "database": "ok"}
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json["courses_loaded"] is False
    assert not_ready.json["migrations"] is True
    load_course()
    assert client.get("/readyz").json == {"status": "ok", "migrations": True, "courses_loaded": True}


def test_healthz_reports_an_unreachable_database(make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"
    assert broken.test_client().get("/readyz").status_code == 503


def test_request_id_is_kept_or_made(client):
    assert client.get("/", headers={"X-Request-ID": "lb-7f3a"}).headers["X-Request-ID"] == "lb-7f3a"
    made = client.get("/", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert made != "<script>" and len(made) == 16


def test_json_log_lines_carry_the_request_id(app, client, caplog):
    caplog.set_level(logging.INFO, logger="lms.request")
    client.get("/courses", headers={"X-Request-ID": "req-42"})
    record = next(r for r in caplog.records if r.name == "lms.request")
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["path"] == "/courses" and line["status"] == 200
    assert line["level"] == "info" and isinstance(line["duration_ms"], float)
