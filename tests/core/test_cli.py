from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db


def test_demo_creates_the_logins_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Created demo user admin@demo.no" in first.output
    assert "demo-hms-2026" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already exists" in second.output
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
    assert set(users) == {"admin@demo.no", "leder@demo.no", "ansatt@demo.no"}
    assert users["admin@demo.no"].is_admin and not users["ansatt@demo.no"].is_admin


def test_demo_logins_work(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    response = client.submit("/login", {"email": "admin@demo.no", "password": "demo-hms-2026"})
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 200


def test_demo_refuses_in_production(app):
    app.config["LMS_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo"])
    finally:
        app.config["LMS_ENV"] = "development"
    assert result.exit_code != 0
    assert "refusing" in result.output
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_create_admin(app, make_user):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "Root@Example.no", "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    assert "Created platform administrator root@example.no" in result.output
    make_user("existing@example.no")
    promoted = runner.invoke(args=["users", "create-admin", "existing@example.no"])
    assert "now a platform administrator" in promoted.output
    weak = runner.invoke(args=["users", "create-admin", "weak@example.no", "--password", "short"])
    assert weak.exit_code != 0
    with app.app_context():
        admins = set(db.session.scalars(select(User.email).where(User.is_admin.is_(True))))
    assert admins == {"root@example.no", "existing@example.no"}
