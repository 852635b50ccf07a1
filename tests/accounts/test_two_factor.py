"""Two-factor authentication: set-up with a QR code, log-in with a code, replay refused, recovery codes,
required for administrators (production) and for managers when the organization says so."""

import re
import time

import pyotp
from sqlalchemy import func, select

from lms.accounts.models import RecoveryCode, User
from lms.extensions import db
from tests.conftest import PASSWORD


def set_up(client):
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.text).group(1)
    wrong = client.submit("/account/two-factor", {"code": "000000"})
    assert "Koden er feil eller allerede brukt." in wrong.text
    done = client.submit("/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", done.text)
    assert len(codes) == 10
    return secret, codes


def log_in_with_password(client, user):
    response = client.submit("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 303
    return response


def test_set_up_then_log_in_with_a_code(app, client, make_user, login):
    user = make_user("kari@x.no")
    login(user)
    secret, codes = set_up(client)
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.totp_secret == secret and stored.totp_enabled_at is not None
        assert db.session.scalar(select(func.count(RecoveryCode.id))) == 10
        assert all(c.replace("-", "") not in (r.code_hash or "") for c in codes for r in db.session.scalars(select(RecoveryCode)))
    client.submit("/logout", {}, form_url="/account")
    response = log_in_with_password(client, user)
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/account").status_code == 302  # not logged in before the second factor
    bad = client.submit("/login/two-factor", {"code": "123456"})
    assert bad.status_code == 200 and client.get("/account").status_code == 302
    # A code used at set-up cannot be used again (replay); wait for the next one when needed.
    code = pyotp.TOTP(secret).now()
    with app.app_context():
        last = db.session.get(User, user.id).totp_last_step
    if int(time.time() // 30) <= last:
        replay = client.submit("/login/two-factor", {"code": code})
        assert client.get("/account").status_code == 302 and replay.status_code == 200
        code = pyotp.TOTP(secret).at(time.time() + 30)
    ok = client.submit("/login/two-factor", {"code": code})
    assert ok.status_code == 303 and client.get("/account").status_code == 200


def test_recovery_codes_work_once(app, client, make_user, login):
    user = make_user("kari@x.no")
    login(user)
    _, codes = set_up(client)
    client.submit("/logout", {}, form_url="/account")
    log_in_with_password(client, user)
    assert client.submit("/login/two-factor", {"code": codes[0].lower()}).status_code == 303
    client.submit("/logout", {}, form_url="/account")
    log_in_with_password(client, user)
    again = client.submit("/login/two-factor", {"code": codes[0]})
    assert again.status_code == 200 and client.get("/account").status_code == 302


def test_the_pending_login_expires(app, client, make_user, login):
    user = make_user("kari@x.no")
    login(user)
    secret, _ = set_up(client)
    client.submit("/logout", {}, form_url="/account")
    log_in_with_password(client, user)
    with client.session_transaction() as session:
        session["tfa_pending"]["at"] -= 600
        session.modified = True
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_administrators_must_set_it_up_when_required(app, client, make_user, login):
    app.config["LMS_REQUIRE_ADMIN_2FA"] = True
    try:
        admin = make_user("admin@x.no", is_admin=True)
        login(admin)
        response = client.get("/admin/")
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
        assert client.get("/account/two-factor").status_code == 200
        set_up(client)
        assert client.get("/admin/").status_code == 200
        page = client.get("/account/two-factor")
        assert "kan ikke slås av" in page.text or "cannot be turned off" in page.text
        refused = client.submit("/account/two-factor", {"code": "000000", "action": "disable"})
        assert refused.status_code in (200, 400)
        with app.app_context():
            assert db.session.get(User, admin.id).totp_enabled_at is not None
    finally:
        app.config["LMS_REQUIRE_ADMIN_2FA"] = False


def test_an_organization_can_require_it_for_managers(app, client, make_user, login):
    from lms.organizations.operations import register_organization

    manager = make_user("boss@x.no")
    with app.test_request_context():
        organization = register_organization(db.session.get(User, manager.id), name="Sikker AS", orgnr="998877660",
                                             address="", invoice_email="s@x.no", employee_count=50)
        organization.require_two_factor = True
        db.session.commit()
        org_id = organization.id
    login(manager)
    response = client.get(f"/organizations/{org_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
    set_up(client)
    assert client.get(f"/organizations/{org_id}").status_code == 200


def test_turning_it_off_needs_a_code(app, client, make_user, login):
    user = make_user("kari@x.no")
    login(user)
    secret, codes = set_up(client)
    client.submit("/account/two-factor", {"code": "111111", "action": "disable"})
    with app.app_context():
        assert db.session.get(User, user.id).totp_enabled_at is not None
    client.submit("/account/two-factor", {"code": codes[3], "action": "disable"})
    with app.app_context():
        assert db.session.get(User, user.id).totp_enabled_at is None
        assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0
