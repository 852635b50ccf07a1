"""CSRF on every state-changing route, headers on every page, escaping everywhere, SQL metacharacters."""

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import PASSWORD

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Routes that take POSTs without a form: Stripe's webhook (signed) and the JSON API (token).
CSRF_EXEMPT = {"commerce.webhook"}


def _sample_url(app, rule) -> str:
    values = {arg: (1 if isinstance(rule._converters[arg], type(app.url_map.converters["int"](app.url_map))) else "x")
              for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_state_changing_route_refuses_a_post_without_csrf(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.endpoint in CSRF_EXEMPT or rule.rule.startswith("/api/"):
            continue
        response = client.post(_sample_url(app, rule), data={"x": "1"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        checked += 1
    assert checked >= 30


def test_security_headers_on_every_page(app, client, make_user, login):
    login(make_user("admin@x.no", is_admin=True))
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments or rule.endpoint == "static":
            continue
        response = client.get(rule.rule)
        headers = response.headers
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), rule.rule
        assert headers.get("X-Content-Type-Options") == "nosniff", rule.rule
        assert headers.get("Referrer-Policy"), rule.rule
        response.close()
        checked += 1
    assert checked >= 20


@pytest.fixture
def hostile(app, make_user, load_course):
    """A learner and a company whose names are attacks, and a course completed by the learner."""
    from lms.organizations import operations as orgs
    from tests.certificates.test_certificates import complete

    load_course("kurs", meta={"price_ore": 10000})
    learner = make_user("x@evil.no", name=XSS)
    manager = make_user("m@evil.no", name="=cmd|' /C calc'!A0")
    with app.test_request_context(method="POST"):
        from lms.learning.operations import get_course

        company = orgs.register_organization(db.session.get(User, manager.id), name=XSS, orgnr="998877660",
                                             address=XSS, invoice_email="f@evil.no", employee_count=3)
        license_ = orgs.add_seats(company, get_course("kurs"), 5, source="admin")
        orgs.redeem(db.session.get(User, learner.id), license_.code)
        orgs.redeem(db.session.get(User, manager.id), license_.code)
        db.session.commit()
        company_id = company.id
    certificate = complete(app, learner, "kurs")
    return {"learner": learner, "manager": manager, "company_id": company_id, "certificate": certificate}


def test_attack_strings_come_out_escaped_in_html(app, client, login, make_user, hostile):
    login(hostile["manager"])
    for url in (f"/organizations/{hostile['company_id']}", f"/organizations/{hostile['company_id']}/settings",
                "/organizations"):
        page = client.get(url)
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, url
        assert "&lt;script&gt;alert" in page.text, url
    client.submit("/logout", {}, form_url="/account")
    login(make_user("admin@x.no", is_admin=True))
    for url in ("/admin/users", f"/admin/users/{hostile['learner'].id}", "/admin/certificates",
                f"/admin/certificates/{hostile['certificate'].serial}"):
        page = client.get(url)
        assert "<script>alert" not in page.text, url
    from lms.certificates.operations import format_code

    verify = client.get(f"/verify/{format_code(hostile['certificate'].verification_code)}")
    assert "<script>alert" not in verify.text and "&lt;script&gt;" in verify.text


def test_attack_strings_in_pdf_csv_and_xlsx(app, client, login, hostile):
    login(hostile["manager"])
    org = hostile["company_id"]
    pdf = client.get(f"/organizations/{org}/certificates/{hostile['certificate'].serial}.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "<script>" in text  # printed as plain text: a PDF has no markup to inject into
    rows = list(csv.reader(io.StringIO(client.get(f"/organizations/{org}/training-record.csv").data.decode("utf-8-sig"))))
    names = {row[1]: row[0] for row in rows[1:]}
    assert names["m@evil.no"].startswith("'=")
    assert names["x@evil.no"] == XSS
    sheet = load_workbook(io.BytesIO(client.get(f"/organizations/{org}/training-record.xlsx").data)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type == "s" for c in cells if c.value)
    assert any(c.value == "'=cmd|' /C calc'!A0" for c in cells)


def test_course_text_cannot_inject_markup(app, tmp_path):
    from lms.content.markdown import render_lesson

    html = render_lesson('<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<iframe src="//evil"></iframe>\n\n'
                         '![a](images/x.png" onerror="alert(1))', "/m", {})
    assert "<script" not in html and "<iframe" not in html and 'href="javascript' not in html
    assert "onerror" not in html.replace("&quot;", '"').split("<img")[0] or "<img" not in html


@pytest.mark.parametrize("query", ["' OR 1=1 --", "%", "_", "\\", '"; DROP TABLE users; --', "a\x00b"])
def test_sql_metacharacters_are_harmless(app, client, make_user, login, query):
    make_user("someone@x.no", name="Someone")
    login(make_user("admin@x.no", is_admin=True, name="Admin Person"))
    response = client.get("/admin/users", query_string={"q": query})
    assert response.status_code == 200
    assert "someone@x.no" not in response.text
    assert client.get("/admin/certificates", query_string={"q": query}).status_code == 200
    assert client.get("/admin/orders", query_string={"q": query, "status": query}).status_code == 200
    assert client.get("/courses", query_string={"audience": query, "language": query}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "someone@x.no")) is not None


def test_login_next_refuses_open_redirects_with_tricks(client, make_user):
    user = make_user()
    for target in ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
                   "http:evil.example", "/%2F%2Fevil.example", "java\nscript:alert(1)"]:
        client.get("/")
        response = client.submit("/login", {"email": user.email, "password": PASSWORD, "next": target})
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), target
        assert "evil" not in location or location.startswith("/%2F"), target
        client.submit("/logout", {}, form_url="/account")


def test_search_text_drops_control_characters():
    from lms.core.pagination import like_pattern, search_text

    assert search_text("  kari\x00\n\t ") == "kari"
    assert search_text("x" * 500, 100) == "x" * 100
    assert like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"
