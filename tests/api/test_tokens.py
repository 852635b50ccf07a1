"""Token pages for organization managers: create (shown once), list, revoke; who may do it."""

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from lms.admin.models import AuditEvent
from lms.api.models import ApiToken
from lms.core.models import utcnow
from lms.extensions import db
from tests.api.conftest import ORGNR_A, ORGNR_B, bearer
from tests.conftest import PASSWORD

TOKEN = re.compile(r"hms_[A-Za-z0-9_-]{43}")


def create_on_page(client, org_id: int, name: str) -> str:
    response = client.submit(f"/organizations/{org_id}/api-tokens", {"name": name})
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    found = set(TOKEN.findall(response.text))
    assert len(found) == 1, found
    return found.pop()


def test_token_lifecycle(app, client, login, make_company):
    company = make_company(ORGNR_A, employees=1)
    login(company.manager)
    page = client.get(f"/organizations/{company.id}/api-tokens")
    assert page.status_code == 200 and not TOKEN.search(page.text)
    settings = client.get(f"/organizations/{company.id}/settings")
    assert f'href="/organizations/{company.id}/api-tokens"' in settings.text

    raw = create_on_page(client, company.id, "  Visma   HR ")
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.name == "Visma HR" and token.organization_id == company.id
        assert token.created_by_id == company.manager.id
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert token.token_prefix == raw[:8] and raw.startswith("hms_")
        assert raw not in (token.name, token.token_prefix, token.token_hash)
        assert token.last_used_at is None and token.revoked_at is None
        assert db.session.scalar(select(AuditEvent.action)) == "api_token.create"
        token_id = token.id

    # The list shows the prefix only: never the token again.
    listing = client.get(f"/organizations/{company.id}/api-tokens")
    assert raw not in listing.text and f"{raw[:8]}…" in listing.text and "Visma HR" in listing.text

    used = client.get("/api/v1/employees", headers=bearer(raw))
    assert used.status_code == 200 and len(used.json["data"]) == 1
    with app.app_context():
        assert db.session.get(ApiToken, token_id).last_used_at is not None

    revoked = client.submit(f"/organizations/{company.id}/api-tokens/{token_id}/revoke", {},
                            form_url=f"/organizations/{company.id}/api-tokens")
    assert revoked.status_code == 303
    after = client.get(revoked.headers["Location"])
    assert "Visma HR" in after.text
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
    refused = client.get("/api/v1/employees", headers=bearer(raw))
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "invalid_token"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    # Revoking again is harmless.
    again = client.submit(f"/organizations/{company.id}/api-tokens/{token_id}/revoke", {},
                          form_url=f"/organizations/{company.id}/api-tokens")
    assert again.status_code == 303


def test_a_name_is_required(app, client, login, make_company):
    company = make_company(ORGNR_A)
    login(company.manager)
    response = client.submit(f"/organizations/{company.id}/api-tokens", {"name": "   "})
    assert response.status_code == 200 and not TOKEN.search(response.text)
    assert 'aria-invalid="true"' in response.text
    too_long = client.submit(f"/organizations/{company.id}/api-tokens", {"name": "x" * 101})
    assert not TOKEN.search(too_long.text)
    without_csrf = client.post(f"/organizations/{company.id}/api-tokens", data={"name": "HR"})
    assert without_csrf.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def _visitor(app, user=None):
    visitor = app.test_client()
    if user is not None:
        page = visitor.get("/login")
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        assert visitor.post("/login", data={"email": user.email, "password": PASSWORD,
                                             "csrf_token": csrf}).status_code == 303
    return visitor


def _csrf(visitor) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', visitor.get("/").text).group(1)


def test_only_the_organizations_managers(app, make_user, make_company):
    a = make_company(ORGNR_A, employees=1, prefix="a")
    b = make_company(ORGNR_B, course="leder-kurs", prefix="b")
    with app.test_request_context():
        from lms.api import operations as api_ops

        token, _raw = api_ops.create_token(a.id, "A's HR", a.manager.id)
        db.session.commit()
        token_id = token.id
    admin = make_user("admin@p.no", is_admin=True)
    page = f"/organizations/{a.id}/api-tokens"
    revoke = f"/organizations/{a.id}/api-tokens/{token_id}/revoke"
    expected = {"anonymous": 302, "learner": 403, "manager_b": 403, "manager_a": 200, "admin": 200}
    users = {"anonymous": None, "learner": a.employees[0], "manager_b": b.manager, "manager_a": a.manager,
             "admin": admin}
    for who, status in expected.items():
        visitor = _visitor(app, users[who])
        listing = visitor.get(page)
        assert listing.status_code == status, who
        if status != 200:
            assert "A&#39;s HR" not in listing.text and "A's HR" not in listing.text
            token = _csrf(visitor)
            assert visitor.post(page, data={"csrf_token": token, "name": "Sneaky"}).status_code == status, who
            assert visitor.post(revoke, data={"csrf_token": token}).status_code == status, who
    # Manager B revoking A's token through B's own organization: it does not exist there.
    visitor = _visitor(app, b.manager)
    assert visitor.post(f"/organizations/{b.id}/api-tokens/{token_id}/revoke",
                        data={"csrf_token": _csrf(visitor)}).status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None
        assert db.session.scalar(select(ApiToken).where(ApiToken.name == "Sneaky")) is None
    # Without the form's CSRF token nothing is revoked.
    visitor = _visitor(app, a.manager)
    assert visitor.post(revoke).status_code == 400
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_last_used_is_written_at_most_once_a_minute(app, client, make_company):
    company = make_company(ORGNR_A)
    with app.test_request_context():
        from lms.api import operations as api_ops

        token, raw = api_ops.create_token(company.id, "HR", None)
        db.session.commit()
        token_id = token.id
    assert client.get("/api/v1/employees", headers=bearer(raw)).status_code == 200
    with app.app_context():
        first = db.session.get(ApiToken, token_id).last_used_at
        assert first is not None
    assert client.get("/api/v1/employees", headers=bearer(raw)).status_code == 200
    with app.app_context():
        assert db.session.get(ApiToken, token_id).last_used_at == first
        db.session.get(ApiToken, token_id).last_used_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    assert client.get("/api/v1/employees", headers=bearer(raw)).status_code == 200
    with app.app_context():
        assert db.session.get(ApiToken, token_id).last_used_at > first
