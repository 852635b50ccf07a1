"""Test fixtures: one app per database backend, real commits, tables emptied after each test.

Every test that uses ``app`` runs on SQLite and, when LMS_TEST_DATABASE_URL is set, on
PostgreSQL too. Browser tests run on SQLite only.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "")
PASSWORD = "correct horse battery staple"

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_report_header(config):
    lines = ["database backends: " + ", ".join(BACKENDS)]
    if not PG_URL:
        lines.append("PostgreSQL: skipped (set LMS_TEST_DATABASE_URL to run every test on it too)")
    if not REDIS_URL:
        lines.append("Redis: skipped (set LMS_TEST_REDIS_URL for the Redis rate-limit tests)")
    return lines


def pytest_collection_modifyitems(config, items):
    """Browser tests drive one live server: run them on SQLite only."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if item.get_closest_marker("browser") and callspec and callspec.params.get("backend") == "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pg_url_with_schema(schema: str) -> str:
    """The PostgreSQL test URL with its own schema, so suites sharing one database do not collide."""
    url = make_url(PG_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def reset_pg_schema(schema: str) -> None:
    engine = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def database_url(backend: str, tmp_dir: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    reset_pg_schema(name)
    return pg_url_with_schema(name)


def make_config(url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
        "LMS_MAIL_BACKEND": "console",
        "LMS_ARGON2_TIME_COST": 1,
        "LMS_ARGON2_MEMORY_KIB": 1024,
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


def upgrade_database(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend: str, tmp_path_factory) -> Iterator[Flask]:
    from lms import create_app
    from lms.extensions import db

    url = database_url(backend, tmp_path_factory.mktemp("db"), "lms_test")
    application = create_app(make_config(url))
    upgrade_database(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    from lms.extensions import db

    with application.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


@pytest.fixture
def db_session(app_ctx):
    from lms.extensions import db

    return db.session


class Client(FlaskClient):
    """A test client that fills in the CSRF token the way a browser would."""

    def csrf_token(self, url: str) -> str:
        page = self.get(url)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {url} ({page.status_code})"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, *, form_url: str | None = None, **kwargs):
        """GET form_url (default: url) for a token, then POST data to url."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token(form_url or url))
        return self.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_user(app: Flask) -> Callable[..., object]:
    """Factory: a confirmed user, committed. Returns the User."""
    from lms.accounts import operations as ops
    from lms.extensions import db

    counter = {"n": 0}

    def factory(email: str | None = None, *, password: str = PASSWORD, name: str = "Kari Nordmann",
                language: str = "nb", is_admin: bool = False, verified: bool = True):
        counter["n"] += 1
        with app.test_request_context():
            user = ops.create_user(email or f"user{counter['n']}@example.no", name, password,
                                   language=language, is_admin=is_admin, verified=verified)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def login(client: Client) -> Callable[..., object]:
    def do_login(user_or_email, password: str = PASSWORD, *, c: Client | None = None):
        email = getattr(user_or_email, "email", user_or_email)
        target = c or client
        response = target.submit("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        return response

    return do_login


@dataclass
class Outbox:
    app: Flask

    def messages(self, recipient: str | None = None):
        from sqlalchemy import select

        from lms.core.models import OutboxMessage
        from lms.extensions import db

        with self.app.app_context():
            stmt = select(OutboxMessage).order_by(OutboxMessage.id)
            if recipient:
                stmt = stmt.where(OutboxMessage.recipient == recipient)
            rows = list(db.session.scalars(stmt))
            db.session.expunge_all()
            return rows

    def last(self, recipient: str | None = None):
        messages = self.messages(recipient)
        assert messages, f"no e-mail to {recipient or 'anyone'}"
        return messages[-1]

    def link(self, recipient: str | None = None, pattern: str = r"https?://[^\s]+") -> str:
        match = re.search(pattern, self.last(recipient).body_text)
        assert match, "no link in the e-mail"
        return match.group(0)


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(app)


def path_of(link: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(link)
    return parts.path + (("?" + parts.query) if parts.query else "")


@dataclass
class SMTPCapture:
    host: str
    port: int
    messages: list = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[SMTPCapture]:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    capture = SMTPCapture("127.0.0.1", _free_port())

    class Keep(Message):
        def handle_message(self, message):
            capture.messages.append(message)

    controller = Controller(Keep(), hostname=capture.host, port=capture.port)
    controller.start()
    try:
        yield capture
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def load_course(app, tmp_path):
    """Factory: write a fixture course (tests.coursefactory) and sync it; returns its slug."""
    from lms.content.loader import load_course as load
    from lms.content.operations import sync_course
    from lms.extensions import db
    from tests.coursefactory import write_course

    def factory(slug: str = "test-kurs", **options) -> str:
        folder = write_course(tmp_path / "courses", slug, **options)
        data, problems = load(folder, folder.parent)
        assert problems == [], problems
        with app.test_request_context():
            sync_course(data)
            db.session.commit()
        return slug

    return factory


@pytest.fixture
def enrolled(app, make_user, load_course, login):
    """A logged-in learner enrolled (free) in a fixture course: returns (user, slug)."""
    from lms.extensions import db
    from lms.learning import operations as learning

    def factory(slug: str = "test-kurs", language: str = "nb", **options):
        load_course(slug, **options)
        user = make_user(language=language)
        with app.test_request_context():
            from lms.accounts.models import User

            course = learning.get_course(slug)
            learning.enroll(db.session.get(User, user.id), course, "free", language=language)
            db.session.commit()
        login(user)
        return user, slug

    return factory


@pytest.fixture
def make_app(app):
    """Factory: another app on the same database with overrides; its connections are closed after."""
    from lms import create_app
    from lms.extensions import db

    made = []

    def factory(**overrides):
        other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], **overrides))
        made.append(other)
        return other

    yield factory
    for other in made:
        with other.app_context():
            db.engine.dispose()


def done_marks(html: str) -> int:
    """Done marks (✓) in the course outline beside the lesson (the wide copy of the outline)."""
    start = html.find('class="outline outline-wide"')
    end = html.find("</nav>", start)
    assert start != -1, "no course outline on the page"
    return html[start:end].count("✓")
