"""The JSON API: scoping to the token's organization, fields, pagination, filters and JSON errors."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lms.accounts.models import User
from lms.api import operations as api_ops
from lms.certificates import operations as cert_ops
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.learning.models import Enrollment
from tests.api.conftest import ORGNR_A, bearer, make_token, redeem_as

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def complete(app, user, slug):
    from tests.certificates.test_certificates import complete as finish

    return finish(app, user, slug)


def get_json(client, url, token=None, status=200):
    response = client.get(url, headers=bearer(token) if token else {})
    assert response.status_code == status, (url, response.status_code, response.text)
    assert response.mimetype == "application/json", response.text
    return response.json


def walk(client, url, token, limit):
    """Every page of a list, following next_cursor; returns the objects and the page sizes."""
    items, sizes, cursor = [], [], None
    while True:
        separator = "&" if "?" in url else "?"
        page = get_json(client, f"{url}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else ""), token)
        assert set(page) == {"data", "next_cursor"}
        items += page["data"]
        sizes.append(len(page["data"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return items, sizes
        assert len(sizes) < 50, "the cursor does not advance"


def test_a_token_only_ever_sees_its_own_organization(app, client, two_companies):
    a, b = two_companies
    complete(app, a.employees[0], "ansatt-kurs")
    complete(app, b.employees[0], "leder-kurs")
    token_a, token_b = make_token(app, a.id), make_token(app, b.id)
    a_ids = {p.id for p in a.employees}
    b_ids = {p.id for p in b.employees}
    for token, own, other in ((token_a, a_ids, b_ids), (token_b, b_ids, a_ids)):
        employees = get_json(client, "/api/v1/employees", token)["data"]
        assert {e["id"] for e in employees} == own
        enrollments = get_json(client, "/api/v1/enrollments", token)["data"]
        assert {e["employee_id"] for e in enrollments} == own
        certificates = get_json(client, "/api/v1/certificates", token)["data"]
        assert len(certificates) == 1 and certificates[0]["employee_id"] in own
        # Cursors cannot reach across: walking from the start shows only the token's own rows.
        for url in ("/api/v1/employees", "/api/v1/enrollments", "/api/v1/certificates"):
            items, _sizes = walk(client, url, token, 1)
            ids = {item.get("employee_id", item.get("id")) for item in items}
            assert not ids & other, url
    # Managers are not employees unless they hold a seat.
    assert a.manager.id not in {e["id"] for e in get_json(client, "/api/v1/employees", token_a)["data"]}


def test_a_person_with_seats_in_both_organizations(app, client, two_companies):
    """Each organization sees the person, but only the course it gave the seat for."""
    a, b = two_companies
    shared = a.employees[0]
    redeem_as(app, shared, b.code)
    token_a, token_b = make_token(app, a.id), make_token(app, b.id)
    for token, course in ((token_a, "ansatt-kurs"), (token_b, "leder-kurs")):
        mine = [e for e in get_json(client, "/api/v1/enrollments", token)["data"] if e["employee_id"] == shared.id]
        assert [e["course"] for e in mine] == [course]
        employee = next(e for e in get_json(client, "/api/v1/employees", token)["data"] if e["id"] == shared.id)
        assert employee["courses_count"] == 1


def test_employee_fields_and_pages(app, client, make_company):
    company = make_company(ORGNR_A, employees=5)
    complete(app, company.employees[1], "ansatt-kurs")
    token = make_token(app, company.id)
    first = get_json(client, "/api/v1/employees?limit=2", token)
    assert len(first["data"]) == 2 and first["next_cursor"]
    person = first["data"][1]
    assert person == {"id": company.employees[1].id, "name": "Person 1 A", "email": "person1@a.no",
                      "courses_count": 1, "completed_count": 1}
    items, sizes = walk(client, "/api/v1/employees", token, 2)
    assert sizes == [2, 2, 1]
    ids = [item["id"] for item in items]
    assert ids == sorted(ids) and len(set(ids)) == 5 == len(ids)
    # The default page holds them all; limit 200 is allowed.
    assert len(get_json(client, "/api/v1/employees", token)["data"]) == 5
    assert get_json(client, "/api/v1/employees?limit=200", token)["next_cursor"] is None
    # Exactly a full last page: no empty page after it.
    assert walk(client, "/api/v1/employees", token, 5)[1] == [5]


def test_enrollment_fields_statuses_and_certificate(app, client, make_company):
    company = make_company(ORGNR_A, employees=3)
    done, started, waiting = company.employees
    certificate = complete(app, done, "ansatt-kurs")
    with app.app_context():
        db.session.execute(update(Enrollment).where(Enrollment.user_id == started.id)
                           .values(started_at=datetime(2026, 2, 1, 9, 30, tzinfo=UTC), seconds_total=754))
        db.session.commit()
    token = make_token(app, company.id)
    rows = {e["employee_id"]: e for e in get_json(client, "/api/v1/enrollments", token)["data"]}
    assert set(rows) == {done.id, started.id, waiting.id}
    row = rows[done.id]
    assert set(row) == {"id", "employee_id", "employee_name", "employee_email", "course", "course_title", "status",
                        "enrolled_at", "started_at", "completed_at", "updated_at", "learning_minutes",
                        "certificate_serial"}
    assert row["status"] == "completed" and row["certificate_serial"] == certificate.serial
    assert row["course"] == "ansatt-kurs" and row["course_title"]
    assert row["employee_name"] == "Person 0 A" and row["employee_email"] == "person0@a.no"
    assert row["learning_minutes"] >= 10
    for key in ("enrolled_at", "started_at", "completed_at", "updated_at"):
        assert ISO_UTC.match(row[key]), (key, row[key])
    assert rows[started.id]["status"] == "started"
    assert rows[started.id]["started_at"] == "2026-02-01T09:30:00Z"
    assert rows[started.id]["learning_minutes"] == 12 and rows[started.id]["certificate_serial"] is None
    assert rows[waiting.id]["status"] == "not_started"
    assert rows[waiting.id]["started_at"] is None and rows[waiting.id]["completed_at"] is None
    # A revoked certificate is no longer given as the enrollment's certificate.
    with app.test_request_context():
        cert_ops.revoke(db.session.get(Certificate, certificate.id), "Feil person")
        db.session.commit()
    rows = {e["employee_id"]: e for e in get_json(client, "/api/v1/enrollments", token)["data"]}
    assert rows[done.id]["certificate_serial"] is None


def test_updated_since(app, client, make_company):
    company = make_company(ORGNR_A, employees=4)
    old = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    people = company.employees
    with app.app_context():
        db.session.execute(update(Enrollment).values(created_at=old))
        # 0: nothing since; 1: started in 2026; 2: completed in 2026; 3: active (a lesson) in 2026.
        for person, values in ((people[1], {"started_at": datetime(2026, 1, 10, tzinfo=UTC)}),
                               (people[2], {"started_at": old, "completed_at": datetime(2026, 3, 1, tzinfo=UTC)}),
                               (people[3], {"started_at": old,
                                            "last_activity_at": datetime(2026, 2, 1, 7, 0, tzinfo=UTC)})):
            db.session.execute(update(Enrollment).where(Enrollment.user_id == person.id).values(**values))
        db.session.commit()
    token = make_token(app, company.id)

    def since(value):
        from urllib.parse import quote

        data = get_json(client, "/api/v1/enrollments?updated_since=" + quote(value), token)["data"]
        return {e["employee_id"] for e in data}

    everyone = {p.id for p in people}
    assert since("2025-01-01T00:00:00Z") == everyone
    assert since("2026-01-01T00:00:00Z") == {people[1].id, people[2].id, people[3].id}
    assert since("2026-02-01T07:00:00Z") == {people[2].id, people[3].id}  # at the moment itself: included
    assert since("2026-02-01T08:00:01+01:00") == {people[2].id}            # 07:00:01 UTC
    assert since("2026-03-01T00:00:00.000001Z") == set()
    assert since("2026-02-28T23:30:00-01:00") == set()                     # 00:30 UTC on 1 March
    assert since("0001-01-01T00:00:00+23:59") == everyone                   # before the calendar begins
    assert since("9999-12-31T23:59:59-23:59") == set()
    rows = {e["employee_id"]: e for e in get_json(client, "/api/v1/enrollments", token)["data"]}
    assert rows[people[0].id]["updated_at"] == "2025-06-01T12:00:00Z"
    assert rows[people[3].id]["updated_at"] == "2026-02-01T07:00:00Z"
    # Combined with pages.
    items, sizes = walk(client, "/api/v1/enrollments?updated_since=2026-01-01T00:00:00Z", token, 2)
    assert sizes == [2, 1] and {i["employee_id"] for i in items} == {people[1].id, people[2].id, people[3].id}


@pytest.mark.parametrize("query, code", [
    ("limit=0", "invalid_limit"), ("limit=201", "invalid_limit"), ("limit=abc", "invalid_limit"),
    ("limit=", "invalid_limit"), ("limit=-1", "invalid_limit"), ("limit=1.5", "invalid_limit"),
    ("limit=%2B5", "invalid_limit"), ("limit=%205", "invalid_limit"),
    ("cursor=", "invalid_cursor"), ("cursor=!!", "invalid_cursor"), ("cursor=abc%3D", "invalid_cursor"),
    ("cursor=AAAAAAA", "invalid_cursor"), ("cursor=A%0A", "invalid_cursor"),
    ("updated_since=yesterday", "invalid_timestamp"), ("updated_since=2026-01-01", "invalid_timestamp"),
    ("updated_since=2026-01-01T00:00:00", "invalid_timestamp"),
    ("updated_since=2026-13-01T00:00:00Z", "invalid_timestamp"),
    ("updated_since=2026-02-30T00:00:00Z", "invalid_timestamp"),
    ("updated_since=2026-01-01T24:00:00Z", "invalid_timestamp"),
    ("updated_since=0000-01-01T00:00:00Z", "invalid_timestamp"),
    ("updated_since=2026-01-01T00:00:00Z%0A", "invalid_timestamp"),
    ("updated_since=", "invalid_timestamp"),
])
def test_bad_parameters_are_422(app, client, make_company, query, code):
    company = make_company(ORGNR_A, employees=1)
    token = make_token(app, company.id)
    path = "/api/v1/enrollments" if query.startswith("updated_since") else "/api/v1/employees"
    body = get_json(client, f"{path}?{query}", token, status=422)
    assert body["error"]["code"] == code and body["error"]["message"]


def test_cursor_round_trip():
    for value in (0, 1, 63, 64, 4095, 2**31 - 1):
        cursor = api_ops.encode_cursor(value)
        assert re.fullmatch(api_ops.CURSOR_PATTERN, cursor)
        assert api_ops.decode_cursor(cursor) == value
    assert api_ops.decode_cursor("______") == 2**31 - 1  # past any id: an empty page, not an error


def test_a_cursor_past_the_end_gives_an_empty_page(app, client, make_company):
    company = make_company(ORGNR_A, employees=1)
    token = make_token(app, company.id)
    for url in ("/api/v1/employees", "/api/v1/enrollments", "/api/v1/certificates"):
        assert get_json(client, url + "?cursor=______", token) == {"data": [], "next_cursor": None}


def test_unauthorized_is_json_with_a_challenge(app, client, make_company):
    company = make_company(ORGNR_A, employees=1)
    make_token(app, company.id)
    cases = [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"},
             {"Authorization": "Bearer hms_not-a-real-token"}, {"Authorization": "Bearer " + "x" * 500},
             {"Authorization": "Bearer " + make_token(app, company.id)[:-1]}]
    for headers in cases:
        for url in ("/api/v1/employees", "/api/v1/enrollments", "/api/v1/certificates"):
            response = client.get(url, headers=headers)
            assert response.status_code == 401, (headers, url)
            assert response.mimetype == "application/json"
            assert response.json["error"]["code"] in ("unauthorized", "invalid_token")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "Set-Cookie" not in response.headers


def test_errors_are_json_never_html(app, client, make_company, monkeypatch):
    company = make_company(ORGNR_A, employees=1)
    token = make_token(app, company.id)
    not_found = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert not_found.status_code == 404 and not_found.json["error"]["code"] == "not_found"
    assert client.get("/api/v2/employees").json["error"]["code"] == "not_found"
    for method in ("post", "put", "delete", "patch", "options"):
        response = getattr(client, method)("/api/v1/employees", headers=bearer(token))
        assert response.status_code == 405, method
        assert response.mimetype == "application/json" and response.json["error"]["code"] == "method_not_allowed"
        assert "GET" in response.headers["Allow"]
    head = client.head("/api/v1/employees", headers=bearer(token))
    assert head.status_code == 200 and head.mimetype == "application/json"

    def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(api_ops, "employees", broken)
    failed = client.get("/api/v1/employees", headers=bearer(token))
    assert failed.status_code == 500 and failed.mimetype == "application/json"
    assert failed.json == {"error": {"code": "internal_error", "message": failed.json["error"]["message"]}}
    assert "database on fire" not in failed.text
    # Outside /api/ the error pages are still HTML.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_responses_are_not_cached_and_set_no_cookie(app, client, make_company):
    company = make_company(ORGNR_A, employees=1)
    token = make_token(app, company.id)
    response = client.get("/api/v1/employees", headers=bearer(token))
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


@pytest.fixture
def limited_app(make_app):
    """An app with rate limits on; the shared limiter is switched back off for the tests after."""
    from lms.extensions import limiter

    was_enabled = limiter.enabled
    yield make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", LMS_API_LIMIT="2 per minute")
    limiter.enabled = was_enabled


def test_rate_limit_is_json(app, limited_app, make_company):
    company = make_company(ORGNR_A, employees=1)
    token, other = make_token(app, company.id), make_token(app, company.id)
    limited = limited_app
    client = limited.test_client()
    codes = [client.get("/api/v1/employees", headers=bearer(token)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get("/api/v1/certificates", headers=bearer(token))  # one budget for all endpoints
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.json["error"]["code"] == "rate_limited"
    assert refused.headers.get("Retry-After")
    # Another token has its own budget; without a token the caller's address counts.
    assert client.get("/api/v1/employees", headers=bearer(other)).status_code == 200
    public = [client.get("/api/v1/verify/XXXX").status_code for _ in range(3)]
    assert public == [404, 404, 429]


def test_certificates_fields_statuses_and_replacement(app, client, make_company):
    company = make_company(ORGNR_A, employees=3)
    valid = complete(app, company.employees[0], "ansatt-kurs")
    revoked = complete(app, company.employees[1], "ansatt-kurs")
    replaced = complete(app, company.employees[2], "ansatt-kurs")
    with app.test_request_context():
        cert_ops.revoke(db.session.get(Certificate, revoked.id), "Juks")
        db.session.get(User, company.employees[2].id).full_name = "Person To Nytt Navn"
        replacement = cert_ops.reissue(db.session.get(Certificate, replaced.id))
        db.session.commit()
        replacement_serial = replacement.serial
    token = make_token(app, company.id)
    rows = {c["serial"]: c for c in get_json(client, "/api/v1/certificates", token)["data"]}
    assert set(rows) == {valid.serial, revoked.serial, replacement_serial}  # the replaced one is not current
    row = rows[valid.serial]
    assert set(row) == {"serial", "employee_id", "employee_name", "course", "course_title", "completed_on",
                        "valid_until", "status", "verification_url"}
    assert row["status"] == "valid" and row["employee_id"] == company.employees[0].id
    assert row["employee_name"] == "Person 0 A" and row["course"] == "ansatt-kurs"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["completed_on"])
    assert row["verification_url"].endswith("/verify/" + cert_ops.format_code(valid.verification_code))
    assert rows[revoked.serial]["status"] == "revoked"
    assert rows[replacement_serial]["employee_name"] == "Person To Nytt Navn"
    items, sizes = walk(client, "/api/v1/certificates", token, 2)
    assert sizes == [2, 1] and len({i["serial"] for i in items}) == 3


def test_public_verification(app, client, make_company):
    company = make_company(ORGNR_A, employees=2)
    valid = complete(app, company.employees[0], "ansatt-kurs")
    revoked = complete(app, company.employees[1], "ansatt-kurs")
    with app.test_request_context():
        cert_ops.revoke(db.session.get(Certificate, revoked.id), "Feil")
        db.session.commit()
    body = get_json(client, "/api/v1/verify/" + cert_ops.format_code(valid.verification_code))
    assert body == {"status": "valid", "serial": valid.serial, "participant_name": "Person 0 A",
                    "course_title": body["course_title"], "completed_on": body["completed_on"],
                    "valid_until": body["valid_until"], "issuer": app.config["LMS_ISSUER_NAME"]}
    assert body["course_title"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["completed_on"])
    # Typed in lower case without hyphens still verifies.
    assert get_json(client, "/api/v1/verify/" + valid.verification_code.lower())["serial"] == valid.serial
    assert get_json(client, "/api/v1/verify/" + revoked.verification_code)["status"] == "revoked"
    unknown = get_json(client, "/api/v1/verify/0000-0000-0000-0000-0000", status=404)
    assert unknown["error"]["code"] == "not_found"
    assert get_json(client, "/api/v1/verify/" + "x" * 300, status=404)["error"]["code"] == "not_found"
    # A token is not needed, and an invalid one does not matter.
    assert client.get("/api/v1/verify/" + valid.verification_code,
                      headers={"Authorization": "Bearer nonsense"}).status_code == 200


def test_expired_certificate_status(app, client, make_company):
    company = make_company(ORGNR_A, employees=1)
    certificate = complete(app, company.employees[0], "ansatt-kurs")
    with app.app_context():
        db.session.execute(update(Certificate).values(valid_until=(datetime.now(UTC) - timedelta(days=3)).date()))
        db.session.commit()
    token = make_token(app, company.id)
    assert get_json(client, "/api/v1/certificates", token)["data"][0]["status"] == "expired"
    assert get_json(client, "/api/v1/verify/" + certificate.verification_code)["status"] == "expired"


def test_released_seat_disappears(app, client, make_company):
    company = make_company(ORGNR_A, employees=2)
    token = make_token(app, company.id)
    from lms.organizations import operations as org_ops
    from lms.organizations.models import Organization, SeatAssignment

    with app.test_request_context():
        seat_id = db.session.scalar(select(SeatAssignment.id).where(SeatAssignment.user_id == company.employees[0].id))
        org_ops.release_seat(db.session.get(Organization, company.id), seat_id)
        db.session.commit()
    assert {e["id"] for e in get_json(client, "/api/v1/employees", token)["data"]} == {company.employees[1].id}
    assert {e["employee_id"] for e in get_json(client, "/api/v1/enrollments", token)["data"]} == {
        company.employees[1].id}
