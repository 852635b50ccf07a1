"""axe-core on every page a person can reach, beyond those the journeys visit."""

from lms.accounts.models import User
from lms.certificates.operations import format_code
from lms.extensions import db
from lms.organizations.operations import register_organization
from tests.certificates.test_certificates import complete
from tests.conftest import PASSWORD


def log_in(page, live_server, email):
    page.goto(live_server + "/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_every_page_passes_axe(app, live_server, page, axe, browser, make_user, load_course):
    load_course()
    load_course("betalt-kurs", meta={"price_ore": 49000})
    learner = make_user("kari@x.no", name="Kari Nordmann")
    certificate = complete(app, learner, "test-kurs")
    manager = make_user("leder@x.no", name="Lene Leder")
    admin = make_user("admin@x.no", is_admin=True, name="Ada Admin")
    with app.test_request_context():
        organization = register_organization(db.session.get(User, manager.id), name="Firma AS", orgnr="998877660",
                                             address="Gata 1", invoice_email="f@x.no", employee_count=12)
        db.session.commit()
        org_id = organization.id
    code = format_code(certificate.verification_code)

    public = ["/", "/courses", "/courses/test-kurs", "/privacy", "/verify", f"/verify/{code}", "/verify/NOPE",
              "/register", "/forgot-password", "/login"]
    for path in public:
        page.goto(live_server + path)
        axe(page)

    log_in(page, live_server, learner.email)
    for path in ["/learn/", "/certificates", "/orders", "/account", "/account/password", "/account/email",
                 "/account/delete", "/account/two-factor", "/redeem", "/organizations", "/organizations/new",
                 "/checkout/betalt-kurs", "/learn/test-kurs/test"]:
        page.goto(live_server + path)
        axe(page)
    page.get_by_role("button", name="Logg ut").click()

    log_in(page, live_server, manager.email)
    for path in [f"/organizations/{org_id}", f"/organizations/{org_id}/settings", f"/organizations/{org_id}/buy",
                 f"/organizations/{org_id}/api-tokens"]:
        page.goto(live_server + path)
        axe(page)
    page.get_by_role("button", name="Logg ut").click()

    log_in(page, live_server, admin.email)
    for path in ["/admin/", "/admin/users", f"/admin/users/{learner.id}", "/admin/courses", "/admin/licenses",
                 "/admin/audit", "/admin/orders", "/admin/discount-codes", "/admin/discount-codes/new",
                 "/admin/certificates", "/admin/organizations", "/missing-page"]:
        page.goto(live_server + path)
        axe(page)
