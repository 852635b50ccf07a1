from datetime import timedelta
from email.header import decode_header, make_header

from sqlalchemy import update

from lms.core.mail import queue_mail, send_pending
from lms.core.models import OutboxMessage, utcnow
from lms.extensions import db


def smtp_config(app, smtp_server):
    app.config.update(LMS_MAIL_BACKEND="smtp", LMS_MAIL_HOST=smtp_server.host,
                      LMS_MAIL_PORT=smtp_server.port)


def test_message_is_sent_by_smtp_after_commit(app, client, smtp_server, make_user, outbox):
    smtp_config(app, smtp_server)
    try:
        make_user("kari@example.no", language="uk")
        client.submit("/forgot-password", {"email": "kari@example.no"})
    finally:
        app.config["LMS_MAIL_BACKEND"] = "console"
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["To"] == "kari@example.no"
    assert "пароль" in str(make_header(decode_header(received["Subject"])))
    assert "/reset-password/" in received.get_payload(decode=True).decode()
    assert outbox.last().status == "sent"


def test_nothing_is_sent_when_the_request_fails(app, client, smtp_server):
    with app.test_request_context():
        queue_mail("x@example.no", "password_changed", "nb", user={"full_name": "X"}, reset_url="http://x")
        db.session.rollback()
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.query(OutboxMessage).count() == 0


def test_failed_sending_is_retried_later_and_gives_up_eventually(app, smtp_server):
    app.config.update(LMS_MAIL_BACKEND="smtp", LMS_MAIL_HOST="127.0.0.1", LMS_MAIL_PORT=1,
                      LMS_MAIL_TIMEOUT=2, LMS_MAIL_MAX_ATTEMPTS=2)
    try:
        with app.test_request_context():
            queue_mail("x@example.no", "password_changed", "en",
                       user={"full_name": "X"}, reset_url="http://x")
            db.session.commit()
            assert send_pending() == (0, 1)
            message = db.session.query(OutboxMessage).one()
            assert message.status == "pending" and message.attempts == 1
            assert message.last_error and message.next_attempt_at > utcnow()
            # Not due yet: nothing tried.
            assert send_pending() == (0, 0)
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
            assert send_pending() == (0, 1)
            db.session.refresh(message)
            assert message.status == "failed" and message.attempts == 2
    finally:
        app.config.update(LMS_MAIL_BACKEND="console", LMS_MAIL_MAX_ATTEMPTS=8, LMS_MAIL_TIMEOUT=10)


def test_cli_sends_due_messages(app, smtp_server):
    app.config.update(LMS_MAIL_SEND_AFTER_COMMIT=False)
    try:
        with app.test_request_context():
            queue_mail("y@example.no", "password_changed", "nb", user={"full_name": "Y"}, reset_url="http://x")
            db.session.commit()
        smtp_config(app, smtp_server)
        result = app.test_cli_runner().invoke(args=["mail", "send"])
        assert result.exit_code == 0, result.output
        assert "Sent 1" in result.output
        assert smtp_server.messages[0]["To"] == "y@example.no"
        assert "Y" in smtp_server.messages[0].get_payload(decode=True).decode()
    finally:
        app.config.update(LMS_MAIL_BACKEND="console", LMS_MAIL_SEND_AFTER_COMMIT=True)


def test_subjects_and_bodies_are_localized(app):
    from lms.core.mail import render_mail

    with app.test_request_context():
        user = {"full_name": "Olena"}
        subjects = {lang: render_mail("reset_password", lang, user=user, reset_url="u", hours=2)[0]
                    for lang in ("nb", "en", "uk")}
        assert len(set(subjects.values())) == 3
        body = render_mail("reset_password", "uk", user=user, reset_url="u", hours=2)[1]
        assert "2 години" in body
