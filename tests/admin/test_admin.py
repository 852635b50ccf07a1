"""Platform administration: statistics, users, courses, licenses and the audit log; personal data."""

import json
import re

from sqlalchemy import select

from lms.accounts.models import User
from lms.admin import operations as ops
from lms.admin.models import AuditEvent
from lms.certificates.models import Certificate
from lms.certificates.operations import format_code
from lms.core.models import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from tests.certificates.test_certificates import complete
from tests.conftest import PASSWORD


def admin_client(client, make_user, login):
    admin = make_user("admin@p.no", is_admin=True, name="Ada Admin")
    login(admin)
    return admin


def test_statistics_and_charts(app, client, make_user, login, load_course):
    load_course()
    learners = [make_user(f"l{n}@x.no", name=f"Learner {n}") for n in range(3)]
    complete(app, learners[0], "test-kurs")
    complete(app, learners[1], "test-kurs")
    with app.test_request_context():
        from lms.learning.operations import enroll, get_course

        enroll(db.session.get(User, learners[2].id), get_course("test-kurs"), "free")
        db.session.commit()
        figures = {f.course.slug: f for f in ops.course_figures()}["test-kurs"]
        assert (figures.enrolled, figures.completed, figures.completion_rate) == (3, 2, 67)
        assert figures.pass_rate == 100 and figures.median_minutes is not None
        assert [count for _, count in figures.funnel] == [2, 2]
        weeks, activity = ops.weekly_activity()
        course_id = figures.course.id
        assert sum(activity[course_id]["enrolled"]) == 3 and sum(activity[course_id]["completed"]) == 2
        assert activity[course_id]["enrolled"][-1] == 3  # this week
    admin_client(client, make_user, login)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 4 and 'class="bar"' in page.text
    assert "67 %" in page.text
    assert "Vis som tabell" in page.text or "Show as a table" in page.text


def test_revenue_leaves_out_refunds(app, make_user, load_course):
    from lms.commerce.models import Order

    load_course(meta={"price_ore": 100000})
    user = make_user()
    with app.app_context():
        for status, net in (("paid", 100000), ("invoiced", 50000), ("refunded", 70000), ("pending", 30000)):
            db.session.add(Order(user_id=user.id, status=status, buyer_email="a@b.no", buyer_name="A", language="nb",
                                 vat_percent=25, subtotal_ore=net, discount_ore=0, net_ore=net, vat_ore=net // 4,
                                 total_ore=net + net // 4, paid_at=utcnow()))
        db.session.commit()
        months = ops.monthly_revenue()
    assert len(months) == 12 and months[-1][1] == 150000


def test_admin_pages_refuse_everyone_else(client, make_user, login):
    for url in ["/admin/", "/admin/users", "/admin/courses", "/admin/licenses", "/admin/audit"]:
        assert client.get(url).status_code == 302
    login(make_user("learner@x.no"))
    for url in ["/admin/", "/admin/users", "/admin/courses", "/admin/licenses", "/admin/audit", "/admin/users/1"]:
        assert client.get(url).status_code == 403
    assert client.post("/admin/courses", data={}).status_code in (400, 403)


def test_deactivate_user_ends_sessions_and_is_audited(app, client, make_user, login):
    victim = make_user("victim@x.no")
    other = app.test_client()
    other.post("/login", data={"email": victim.email, "password": PASSWORD,
                               "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', other.get("/login").text).group(1)})
    assert other.get("/account").status_code == 200
    admin = admin_client(client, make_user, login)
    response = client.submit(f"/admin/users/{victim.id}", {"action": "deactivate"})
    assert response.status_code == 303
    assert other.get("/account").status_code == 302
    assert client.submit(f"/admin/users/{admin.id}", {"action": "deactivate"}).status_code == 400
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))
        assert event.actor_email == "admin@p.no" and event.before == {"is_deactivated": False}
        assert event.after == {"is_deactivated": True} and event.summary == "victim@x.no"
    log = client.get("/admin/audit?action=user.deactivate")
    assert "victim@x.no" in log.text
    assert "victim@x.no" not in client.get("/admin/audit?action=course.publish").text


def test_resend_confirmation(app, client, make_user, login, outbox):
    pending = make_user("pending@x.no", verified=False)
    admin_client(client, make_user, login)
    client.submit(f"/admin/users/{pending.id}", {"action": "resend"})
    assert "/confirm/" in outbox.last("pending@x.no").body_text


def test_unpublish_a_course(app, client, make_user, login, load_course):
    load_course()
    admin_client(client, make_user, login)
    with app.app_context():
        from lms.content.models import Course

        course_id = db.session.scalar(select(Course.id))
    client.submit("/admin/courses", {"course_id": str(course_id), "action": "unpublish"})
    assert client.get("/courses/test-kurs").status_code == 404
    assert "test-kurs" not in client.get("/courses").text
    assert "versjon 2026.1" in client.get("/admin/courses").text
    client.submit("/admin/courses", {"course_id": str(course_id), "action": "publish"})
    assert client.get("/courses/test-kurs").status_code == 200
    assert client.submit("/admin/courses", {"course_id": "999", "action": "publish"}).status_code == 400
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == ["course.unpublish", "course.publish"]


def test_licenses_for_invoice_customers(app, client, make_user, login, load_course):
    from lms.organizations.models import License
    from lms.organizations.operations import register_organization

    load_course()
    owner = make_user("owner@x.no")
    with app.test_request_context():
        organization = register_organization(db.session.get(User, owner.id), name="Faktura AS", orgnr="998877660",
                                             address="", invoice_email="f@x.no", employee_count=8)
        db.session.commit()
        org_id = organization.id
    admin_client(client, make_user, login)
    with app.app_context():
        from lms.content.models import Course

        course_id = db.session.scalar(select(Course.id))
    bad = client.submit("/admin/licenses", {"organization": str(org_id), "course": str(course_id), "seats": "0"})
    assert bad.status_code == 200
    client.submit("/admin/licenses", {"organization": str(org_id), "course": str(course_id), "seats": "20"})
    client.submit("/admin/licenses", {"organization": str(org_id), "course": str(course_id), "seats": "5"})
    with app.app_context():
        license_ = db.session.scalar(select(License))
        assert license_.seats_total == 25
        license_id = license_.id
    client.submit(f"/admin/licenses/{license_id}/extend", {"valid_until": "2030-06-30"}, form_url="/admin/licenses")
    with app.app_context():
        assert db.session.get(License, license_id).valid_until.date().isoformat() in ("2030-06-30", "2030-06-29")
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["license.add_seats", "license.add_seats", "license.extend"]


def test_revoking_a_certificate_is_in_the_audit_log(app, client, make_user, login, load_course):
    load_course()
    certificate = complete(app, make_user("kari@x.no", name="Kari"), "test-kurs")
    admin_client(client, make_user, login)
    client.submit(f"/admin/certificates/{certificate.serial}", {"revoke-reason": "Feil person", "revoke-submit": "1"})
    log = client.get("/admin/audit")
    assert "certificate.revoke" in log.text and certificate.serial in log.text and "Feil person" in log.text


# ---------------------------------------------------------------- personal data

def test_export_personal_data(app, client, make_user, login, load_course):
    load_course()
    user = make_user("kari@x.no", name="Kari Nordmann")
    certificate = complete(app, user, "test-kurs")
    login(user)
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert 'filename="mine-data.json"' in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == "kari@x.no"
    assert data["enrollments"][0]["course"] == "test-kurs" and data["enrollments"][0]["final_test_attempts"]
    assert data["certificates"][0]["serial"] == certificate.serial
    assert all("token" not in json.dumps(s) for s in data["sessions"])
    assert "password" not in response.text


def test_delete_account_keeps_certificates_verifiable(app, client, make_user, login, load_course):
    load_course()
    user = make_user("kari@x.no", name="Kari Nordmann")
    certificate = complete(app, user, "test-kurs")
    login(user)
    wrong = client.submit("/account/delete", {"password": "not the password", "confirm": "y"})
    assert wrong.status_code == 200 and "Nåværende passord er feil." in wrong.text
    unticked = client.submit("/account/delete", {"password": PASSWORD})
    assert unticked.status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).email == "kari@x.no"
    done = client.submit("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert done.status_code == 303
    assert client.get("/account").status_code == 302
    bad_login = client.submit("/login", {"email": "kari@x.no", "password": PASSWORD})
    assert "feil" in bad_login.text
    with app.app_context():
        gone = db.session.get(User, user.id)
        assert gone.email.endswith("@deleted.invalid") and gone.full_name != "Kari Nordmann" and gone.is_deactivated
        assert db.session.scalar(select(Enrollment.completed_at)) is not None
        assert db.session.get(Certificate, certificate.id).snapshot["participant_name"] == "Kari Nordmann"
    verified = client.get(f"/verify/{format_code(certificate.verification_code)}")
    assert verified.status_code == 200 and "Kari Nordmann" in verified.text and "Gyldig" in verified.text


def test_last_manager_cannot_delete_the_account(app, client, make_user, login):
    from lms.organizations.operations import register_organization

    manager = make_user("boss@x.no")
    with app.test_request_context():
        register_organization(db.session.get(User, manager.id), name="Solo AS", orgnr="998877660", address="",
                              invoice_email="s@x.no", employee_count=3)
        db.session.commit()
    login(manager)
    response = client.submit("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 200 and "Solo" not in response.text
    with app.app_context():
        assert db.session.get(User, manager.id).email == "boss@x.no"


def test_privacy_page_in_three_languages(client):
    for language, heading in (("nb", "Personvern"), ("en", "Privacy"), ("uk", "Конфіденційність")):
        page = client.get("/privacy", headers={"Accept-Language": language})
        assert page.status_code == 200 and f'<html lang="{language}">' in page.text
        assert "Datatilsynet" in page.text
    assert "Stripe" in client.get("/privacy").text
