"""Structured JSON logs with a request id, and the health endpoints."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time

from flask import Blueprint, Flask, g, jsonify, request
from sqlalchemy import text

from lms.extensions import db

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("lms.request")

bp = Blueprint("health", __name__)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms", "user_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            try:
                record.request_id = g.get("request_id", "-")
            except RuntimeError:
                record.request_id = "-"
        return True


def configure_logging(json_logs: bool) -> None:
    formatter: logging.Formatter = JsonFormatter() if json_logs else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_lms", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._lms = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.handlers = [h for h in root.handlers if not isinstance(h, logging.StreamHandler)] + [handler]
    handler.setFormatter(formatter)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if request.endpoint not in ("static", "health.healthz", "health.readyz"):
        log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1),
        })
    return response


@bp.get("/healthz")
def healthz():
    """Alive, and the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # the load balancer needs an answer, not a 500 page
        log.error("health check: database unreachable: %s", exc)
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready for traffic: database migrated to the latest revision and the course catalogue loaded."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    try:
        connection = db.session.connection()
        current = MigrationContext.configure(connection).get_current_heads()
        config = current_app.extensions["migrate"].migrate.get_config(current_app.extensions["migrate"].directory)
        heads = ScriptDirectory.from_config(config).get_heads()
        courses = db.session.execute(text("SELECT COUNT(*) FROM courses")).scalar_one()
    except Exception as exc:
        log.error("readiness check failed: %s", exc)
        return jsonify({"status": "error", "detail": "database unreachable or not migrated"}), 503
    checks = {"migrations": set(current) == set(heads), "courses_loaded": courses > 0}
    status = 200 if all(checks.values()) else 503
    return jsonify({"status": "ok" if status == 200 else "not ready", **checks}), status
