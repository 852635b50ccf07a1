"""Companies, licenses and seats, invitations, the training record and its exports."""

import csv
import io
import re
import threading
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.organizations import operations as ops
from lms.organizations.models import Invitation, License, Membership, Organization, SeatAssignment
from tests.conftest import PASSWORD, path_of

ORGNR = "998877660"
ORGNR_B = "974760673"


@pytest.fixture
def company(app, make_user, load_course):
    """Organization A managed by manager@a.no with a 5-seat license of a fixture course."""
    load_course("ansatt-kurs", meta={"price_ore": 59000})
    manager = make_user("manager@a.no", name="Mona Manager")
    with app.test_request_context():
        from lms.learning.operations import get_course

        organization = ops.register_organization(db.session.get(User, manager.id), name="Bygg A AS", orgnr=ORGNR,
                                                 address="", invoice_email="faktura@a.no", employee_count=40)
        license_ = ops.add_seats(organization, get_course("ansatt-kurs"), 5, source="admin")
        db.session.commit()
        return {"id": organization.id, "code": license_.code, "license_id": license_.id, "manager": manager}


def redeem_as(app, user, code):
    with app.test_request_context(method="POST"):
        seat = ops.redeem(db.session.get(User, user.id), code)
        db.session.commit()
        return seat.id


def complete_course(app, user, slug="ansatt-kurs"):
    """Finish and pass the course the user holds a seat for (through the learning operations)."""
    from tests.certificates.test_certificates import complete

    return complete(app, user, slug)


def test_orgnr_mod11():
    for good in ("998877660", "974760673", "923609016", "974 760 673"):
        assert ops.valid_orgnr(good), good
    for bad in ("998877661", "12345678", "1234567890", "abcdefghi", "", "97476067 3x"):
        assert not ops.valid_orgnr(bad), bad


def test_register_company_with_clear_errors(app, client, make_user, login):
    login(make_user())
    data = {"name": "Bygg AS", "orgnr": "998877661", "address": "Veien 1", "invoice_email": "f@bygg.no",
            "employee_count": "12"}
    bad = client.submit("/organizations/new", data)
    assert bad.status_code == 200 and "ikke et gyldig organisasjonsnummer" in bad.text.lower()
    good = client.submit("/organizations/new", dict(data, orgnr="998 877 660"))
    assert good.status_code == 303
    with app.app_context():
        organization = db.session.scalar(select(Organization))
        assert organization.orgnr == "998877660"
        assert db.session.scalar(select(Membership.role)) == "manager"
    again = client.submit("/organizations/new", dict(data, orgnr="998877660"))
    assert "allerede registrert" in again.text


def test_authorization_matrix(app, client, make_user, login, company):
    """learner, manager of A, manager of B, admin, anonymous × every endpoint of organization A."""
    with app.test_request_context():
        other = make_user("manager@b.no")
        ops.register_organization(db.session.get(User, other.id), name="B AS", orgnr=ORGNR_B, address="",
                                  invoice_email="b@b.no", employee_count=3)
        db.session.commit()
    learner = make_user("learner@a.no")
    seat_id = redeem_as(app, learner, company["code"])
    with app.app_context():
        invitation = Invitation(organization_id=company["id"], license_id=company["license_id"], email="x@a.no")
        db.session.add(invitation)
        db.session.commit()
        invitation_id = invitation.id
    admin = make_user("admin@p.no", is_admin=True)
    org = company["id"]
    gets = [f"/organizations/{org}", f"/organizations/{org}/settings", f"/organizations/{org}/buy",
            f"/organizations/{org}/invite", f"/organizations/{org}/training-record.csv",
            f"/organizations/{org}/training-record.xlsx", f"/organizations/{org}/certificates.zip"]
    posts = [f"/organizations/{org}/remind", f"/organizations/{org}/invitations/{invitation_id}/resend",
             f"/organizations/{org}/managers"]
    expected = {"anonymous": 302, "learner": 403, "manager_b": 403, "manager_a": 200, "admin": 200}
    users = {"learner": learner, "manager_b": other, "manager_a": company["manager"], "admin": admin}
    for who, code in expected.items():
        visitor = app.test_client()
        if who != "anonymous":
            visitor.post("/login", data={"email": users[who].email, "password": PASSWORD,
                                         "csrf_token": _token(visitor, "/login")})
        for url in gets:
            response = visitor.get(url)
            assert response.status_code == code, (who, url)
            response.close()
        token = _token(visitor, "/")
        for url in posts:
            status = visitor.post(url, data={"csrf_token": token, "email": "new@a.no"}).status_code
            assert status == (303 if code == 200 else code), (who, url, status)
        assert visitor.get("/organizations/9999").status_code == (302 if who == "anonymous" else 404)
    # Release by manager B is refused; by manager A it works.
    login(other)
    assert client.submit(f"/organizations/{org}/seats/{seat_id}/release", {}, form_url="/").status_code == 403


def _token(client, url):
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get(url).text)
    return match.group(1)


def test_200_simultaneous_redemptions_of_50_seats(app, make_user, load_course):
    load_course("kurs", meta={"price_ore": 59000})
    with app.test_request_context():
        from lms.learning.operations import get_course

        owner = make_user("owner@a.no")
        organization = ops.register_organization(db.session.get(User, owner.id), name="A", orgnr=ORGNR, address="",
                                                 invoice_email="a@a.no", employee_count=300)
        license_ = ops.add_seats(organization, get_course("kurs"), 50, source="admin")
        db.session.commit()
        code = license_.code
        users = []
        from lms.accounts.operations import create_user

        for n in range(200):
            users.append(create_user(f"employee{n}@a.no", f"Employee {n}", "pw-pw-pw-pw-pw").id)
        db.session.commit()
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(ids):
        barrier.wait()
        for user_id in ids:
            with app.test_request_context(method="POST"):
                try:
                    ops.redeem(db.session.get(User, user_id), code)
                    db.session.commit()
                    result = "ok"
                except ops.OrganizationError as exc:
                    db.session.rollback()
                    result = exc.code
                except Exception as exc:  # anything else would be a server error
                    db.session.rollback()
                    result = f"error: {type(exc).__name__}: {exc}"
                finally:
                    db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(users[i::20],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 200
    assert outcomes.count("ok") == 50, sorted(set(outcomes))
    assert outcomes.count("used_up") == 150, sorted(set(outcomes))
    with app.app_context():
        assert db.session.scalar(select(License.seats_used)) == 50
        assert db.session.scalar(select(func.count(SeatAssignment.id))) == 50
        assert db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.source == "license")) == 50


def test_each_refusal_has_its_own_message(app, client, make_user, login, company):
    user = make_user("worker@a.no")
    login(user)
    cases = {
        "ZZZZ-ZZZZ-ZZZZ-ZZZZ": "Vi kjenner ikke igjen den lisenskoden",
        "ikke en kode!": "ser ikke ut som en lisenskode",
    }
    for code, text in cases.items():
        response = client.submit("/redeem", {"code": code})
        assert response.status_code == 200 and text in response.text, (code, response.text[-3000:])
    assert client.submit("/redeem", {"code": company["code"].lower().replace("-", "")}).status_code == 303
    again = client.submit("/redeem", {"code": company["code"]})
    assert "allerede brukt den lisenskoden" in again.text
    with app.app_context():
        license_ = db.session.get(License, company["license_id"])
        license_.seats_total = license_.seats_used
        db.session.commit()
    other = make_user("late@a.no")
    client.submit("/logout", {}, form_url="/account")
    login(other)
    full = client.submit("/redeem", {"code": company["code"]})
    assert "Alle plassene" in full.text
    with app.app_context():
        license_ = db.session.get(License, company["license_id"])
        license_.seats_total, license_.valid_until = 10, license_.created_at - timedelta(days=1)
        db.session.commit()
    expired = client.submit("/redeem", {"code": company["code"]})
    assert "utløpt" in expired.text
    with app.app_context():
        assert db.session.scalar(select(func.count(SeatAssignment.id))) == 1


def test_code_at_registration_takes_a_seat_on_confirmation(app, client, outbox, company):
    data = {"full_name": "Олена Коваленко", "email": "olena@a.no", "password": PASSWORD, "password_repeat": PASSWORD,
            "language": "uk", "code": company["code"]}
    assert client.submit("/register", data).status_code == 303
    link = outbox.link("olena@a.no")
    confirmed = client.submit(path_of(link), {})
    assert confirmed.headers["Location"] == "/learn/ansatt-kurs"
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment))
        assert enrollment.source == "license" and enrollment.content_language == "uk"
        assert db.session.scalar(select(User.signup_code).where(User.email == "olena@a.no")) is None


def test_invitations_paste_and_csv(app, client, login, company, outbox):
    login(company["manager"])
    url = f"/organizations/{company['id']}/invite"
    bad = client.submit(url, {"license": str(company["license_id"]), "emails": "a@a.no, not-an-address", "language": "nb"})
    assert bad.status_code == 200 and "not-an-address" in bad.text
    assert outbox.messages("a@a.no") == []
    csv_bytes = "\ufeffNavn;E-post\nPer Hansen;per@a.no\nКарина;karina@a.no\n".encode()
    response = client.post(url, data={"csrf_token": client.csrf_token(url), "license": str(company["license_id"]),
                                      "emails": "a@a.no\nb@a.no", "language": "uk",
                                      "csv_file": (io.BytesIO(csv_bytes), "ansatte.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    for email in ("a@a.no", "b@a.no", "per@a.no", "karina@a.no"):
        message = outbox.last(email)
        assert company["code"] in message.body_text and "/register?code=" in message.body_text
    assert "Per Hansen" in outbox.last("per@a.no").body_text
    again = client.submit(url, {"license": str(company["license_id"]), "emails": "a@a.no", "language": "nb"})
    assert again.status_code == 303
    assert len(outbox.messages("a@a.no")) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 4


def test_invitation_statuses_reminders_and_resend(app, client, login, make_user, company, outbox):
    login(company["manager"])
    url = f"/organizations/{company['id']}/invite"
    client.submit(url, {"license": str(company["license_id"]), "emails": "new@a.no started@a.no done@a.no", "language": "nb"})
    started, done = make_user("started@a.no"), make_user("done@a.no", name="Dina Done")
    redeem_as(app, started, company["code"])
    redeem_as(app, done, company["code"])
    with app.app_context():
        db.session.execute(Enrollment.__table__.update().values(started_at=func.now()))
        db.session.commit()
    complete_course(app, done)
    statuses = {row["invitation"].email: row["status"] for row in _rows(app, company["id"])}
    assert statuses == {"new@a.no": "invited", "started@a.no": "started", "done@a.no": "completed"}
    # Reminders: nobody is due within a week of the invitation.
    with app.test_request_context(method="POST"):
        assert ops.send_reminders() == 0
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation)):
            invitation.last_sent_at = invitation.last_sent_at - timedelta(days=8)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "Queued 2 reminder(s)" in result.output
    assert "Påminnelse" in outbox.last("new@a.no").subject
    again = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "Queued 0 reminder(s)" in again.output
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id).where(Invitation.email == "new@a.no"))
    before = len(outbox.messages("new@a.no"))
    client.submit(f"/organizations/{company['id']}/invitations/{invitation_id}/resend", {}, form_url=f"/organizations/{company['id']}")
    assert len(outbox.messages("new@a.no")) == before + 1


def _rows(app, organization_id):
    with app.app_context():
        rows = ops.invitation_rows(organization_id)
        for row in rows:
            db.session.expunge(row["invitation"])
        return rows


def test_buying_seats_creates_then_tops_up_a_license(app, client, login, company, outbox):
    login(company["manager"])
    with app.app_context():
        from lms.content.models import Course

        course_id = db.session.scalar(select(Course.id).where(Course.slug == "ansatt-kurs"))
    buy_url = f"/organizations/{company['id']}/buy"
    for quantity in ("10", "15"):
        response = client.submit(buy_url, {"course": str(course_id), "quantity": quantity, "code": "", "pay": "1"})
        assert response.headers["Location"].startswith("/checkout/test-payment/")
        client.submit(response.headers["Location"], {"action": "pay"})
    with app.app_context():
        license_ = db.session.get(License, company["license_id"])
        assert license_.seats_total == 5 + 10 + 15  # the open license was topped up
    ready = [m for m in outbox.messages("manager@a.no") if company["code"] in m.body_text]
    assert len(ready) == 2  # one "seats are ready" message per purchase, with the license code
    bad = client.submit(buy_url, {"course": str(course_id), "quantity": "5000", "pay": "1"})
    assert bad.status_code == 200 and "1 000" in bad.text


def test_invoice_request_approved_by_an_admin(app, client, login, make_user, company):
    login(company["manager"])
    with app.app_context():
        from lms.content.models import Course

        course_id = db.session.scalar(select(Course.id).where(Course.slug == "ansatt-kurs"))
    response = client.submit(f"/organizations/{company['id']}/buy",
                             {"course": str(course_id), "quantity": "20", "invoice": "1"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(License, company["license_id"]).seats_total == 5
    client.submit("/logout", {}, form_url="/account")
    login(make_user("admin@p.no", is_admin=True))
    page = client.get("/admin/organizations")
    order_id = re.search(r"/admin/invoice-requests/(\d+)/approve", page.text).group(1)
    assert client.submit(f"/admin/invoice-requests/{order_id}/approve", {}, form_url="/admin/organizations").status_code == 303
    with app.app_context():
        from lms.commerce.models import Order

        assert db.session.get(Order, int(order_id)).status == "invoiced"
        assert db.session.get(License, company["license_id"]).seats_total == 25
    twice = client.submit(f"/admin/invoice-requests/{order_id}/approve", {}, form_url="/admin/organizations")
    assert twice.status_code == 303
    with app.app_context():
        assert db.session.get(License, company["license_id"]).seats_total == 25


def test_dashboard_record_filters_and_role_coverage(app, client, login, make_user, company):
    for n, name in enumerate(["Anne", "Bjørn", "Cecilie"]):
        redeem_as(app, make_user(f"e{n}@a.no", name=name), company["code"])
    complete_course(app, _user(app, "e1@a.no"))
    login(company["manager"])
    page = client.get(f"/organizations/{company['id']}")
    assert page.text.count("@a.no</span>") >= 3
    assert "Arbeidsmiljøutvalgets medlemmer" in page.text or "AML § 7-4" in page.text
    completed = client.get(f"/organizations/{company['id']}?status=completed")
    assert "Bjørn" in completed.text and "Anne" not in completed.text
    search = client.get(f"/organizations/{company['id']}?q=cecil")
    assert "Cecilie" in search.text and "Anne" not in search.text
    ordered = client.get(f"/organizations/{company['id']}?sort=name&dir=desc")
    assert ordered.text.index("Cecilie") < ordered.text.index("Anne")
    assert client.get(f"/organizations/{company['id']}?page=x&sort=';drop&status=nope&course=abc").status_code == 200
    with app.test_request_context():
        coverage = {c.role: c for c in ops.role_coverage(db.session.get(Organization, company["id"]))}
    assert coverage["leader"].missing and coverage["safety_rep"].required == "required"
    assert coverage["amu"].required == "required"  # 40 employees


def _user(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def test_exports_csv_xlsx_zip(app, client, login, make_user, company):
    evil = make_user("evil@a.no", name='=HYPERLINK("http://evil","klikk")')
    redeem_as(app, evil, company["code"])
    done = make_user("done@a.no", name="Bjørn Ødegård")
    redeem_as(app, done, company["code"])
    certificate = complete_course(app, done)
    login(company["manager"])
    response = client.get(f"/organizations/{company['id']}/training-record.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Navn"
    by_email = {r[1]: r for r in rows[1:]}
    assert by_email["evil@a.no"][0].startswith("'=")
    assert by_email["done@a.no"][8] == certificate.serial
    workbook = load_workbook(io.BytesIO(client.get(f"/organizations/{company['id']}/training-record.xlsx").data))
    sheet = workbook.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Navn"
    assert any(row[0] == "'" + '=HYPERLINK("http://evil","klikk")' for row in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/organizations/{company['id']}/certificates.zip").data))
    assert archive.namelist() == [f"Bjørn Ødegård {certificate.serial}.pdf"]
    pdf = client.get(f"/organizations/{company['id']}/certificates/{certificate.serial}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert client.get(f"/organizations/{company['id']}/certificates/HMS-1999-000001.pdf").status_code == 404


def test_release_a_seat_only_before_the_course_is_started(app, client, login, make_user, company):
    idle, busy = make_user("idle@a.no"), make_user("busy@a.no")
    idle_seat = redeem_as(app, idle, company["code"])
    busy_seat = redeem_as(app, busy, company["code"])
    with app.app_context():
        db.session.execute(Enrollment.__table__.update().where(Enrollment.user_id == busy.id).values(started_at=func.now()))
        db.session.commit()
    login(company["manager"])
    base = f"/organizations/{company['id']}/seats"
    client.submit(f"{base}/{busy_seat}/release", {}, form_url=f"/organizations/{company['id']}")
    client.submit(f"{base}/{idle_seat}/release", {}, form_url=f"/organizations/{company['id']}")
    with app.app_context():
        assert db.session.get(License, company["license_id"]).seats_used == 1
        assert db.session.get(SeatAssignment, idle_seat) is None
        assert db.session.scalar(select(Enrollment.withdrawn_at).where(Enrollment.user_id == idle.id)) is not None
    # The freed seat can go to someone else.
    redeem_as(app, make_user("next@a.no"), company["code"])


def test_a_manager_invites_another_manager(app, client, login, make_user, company, outbox):
    login(company["manager"])
    client.submit(f"/organizations/{company['id']}/managers", {"email": "second@a.no"},
                  form_url=f"/organizations/{company['id']}/settings")
    link = outbox.link("second@a.no", r"https?://[^\s]+/organizations/accept/[^\s]+")
    client.submit("/logout", {}, form_url="/account")
    wrong = make_user("someone@else.no")
    login(wrong)
    client.submit(path_of(link), {})
    with app.app_context():
        assert ops.role_of(wrong.id, company["id"]) is None
    client.submit("/logout", {}, form_url="/account")
    second = make_user("second@a.no")
    login(second)
    done = client.submit(path_of(link), {})
    assert done.headers["Location"] == f"/organizations/{company['id']}"
    with app.app_context():
        assert ops.role_of(second.id, company["id"]) == "manager"


def test_invitee_parsing_limits():
    invitees, bad = ops.parse_invitees("A@B.no, a@b.no; c@d.no\n<e@f.no>")
    assert [i.email for i in invitees] == ["a@b.no", "c@d.no", "e@f.no"] and bad == []
    with pytest.raises(ops.OrganizationError):
        ops.parse_invitees("", b"\xff\xfe\x00bad")
    with pytest.raises(ops.OrganizationError):
        ops.parse_invitees(" ".join(f"p{n}@x.no" for n in range(501)))
