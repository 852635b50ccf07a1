"""Certificates in the application: issued once at completion, verified, downloaded, revoked, reissued."""

import io
import re
import threading
import zipfile
from email.header import decode_header, make_header

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.certificates import operations as ops
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.learning import operations as learning
from lms.learning.models import Enrollment


def complete(app, user, slug, language="nb"):
    """Enroll, finish and pass a fixture course through the operations; returns the certificate."""
    with app.test_request_context():
        course = learning.get_course(slug)
        enrollment = learning.enroll(db.session.get(User, user.id), course, "free", language=language)
        enrollment.seconds_total = course.minimum_minutes * 60 + 300
        modules = learning.outline(course.id)
        for module in modules:
            for lesson in module.lessons:
                learning.complete_lesson(enrollment, lesson)
            questions = learning.module_questions(module.id)
            progress = learning.progress_of(enrollment.id)
            learning.submit_module_check(enrollment, module, progress,
                                         {f"q{q.id}": sorted(q.correct_ids) for q in questions})
        status = learning.test_status(enrollment, modules, learning.progress_of(enrollment.id))
        attempt = learning.start_attempt(enrollment, status)
        questions = learning.attempt_questions(attempt)
        learning.submit_attempt(enrollment, attempt, {f"q{q.id}": sorted(q.correct_ids) for q in questions})
        db.session.commit()
        certificate = db.session.scalar(select(Certificate).where(Certificate.enrollment_id == enrollment.id))
        db.session.expunge(certificate)
        return certificate


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_completion_issues_one_certificate_with_a_snapshot(app, make_user, load_course, outbox):
    load_course(audience="safety_rep", meta={"validity_months": 24})
    user = make_user(name="Bjørn Ødegård")
    certificate = complete(app, user, "test-kurs")
    assert re.fullmatch(r"HMS-\d{4}-000001", certificate.serial)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{20}", certificate.verification_code)
    snap = certificate.snapshot
    assert snap["participant_name"] == "Bjørn Ødegård"
    assert snap["regulation_points"] == list("abcdef")
    assert snap["score_percent"] == 100 and snap["learning_minutes"] >= 10
    assert snap["topics"][0]["nb"] == "Modul 1 (nb)"
    assert snap["valid_until"] and certificate.valid_until is not None
    # The PDF goes out by e-mail, as an attachment, through the outbox.
    mail = outbox.last(user.email)
    assert mail.attachments == [{"kind": "certificate", "id": certificate.id}]
    assert certificate.serial in mail.body_text
    # Later edits to the profile do not change an issued certificate.
    with app.app_context():
        db.session.get(User, user.id).full_name = "Someone Else"
        db.session.commit()
        assert db.session.get(Certificate, certificate.id).snapshot["participant_name"] == "Bjørn Ødegård"


def test_completion_triggered_twice_at_once_gives_one_certificate(app, make_user, load_course):
    load_course()
    user = make_user()
    with app.test_request_context():
        course = learning.get_course("test-kurs")
        enrollment = learning.enroll(db.session.get(User, user.id), course, "free")
        enrollment_id = enrollment.id
        db.session.commit()
    barrier = threading.Barrier(2)
    results = []

    def issue():
        with app.test_request_context():
            own = db.session.get(Enrollment, enrollment_id)
            barrier.wait()
            try:
                ops.issue(own, None, mail=False)
                db.session.commit()
                results.append("ok")
            except Exception as exc:  # the loser of a race is refused by the unique index
                db.session.rollback()
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1
    assert "ok" in results


def test_learner_downloads_own_certificate_only(app, client, make_user, load_course, login):
    load_course()
    owner = make_user("olena@example.no", name="Олена Коваленко", language="uk")
    certificate = complete(app, owner, "test-kurs", language="uk")
    login(owner)
    listing = client.get("/certificates")
    assert certificate.serial in listing.text
    dashboard = client.get("/learn/")
    assert f"/certificates/{certificate.serial}.pdf" in dashboard.text
    response = client.get(f"/certificates/{certificate.serial}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="kursbevis-{certificate.serial}.pdf"'
    text = pdf_text(response.data)
    assert "Олена Коваленко" in text
    assert certificate.serial in text
    assert ops.format_code(certificate.verification_code) in text.replace("\n", "")
    client.submit("/logout", {}, form_url="/account")
    stranger = make_user("stranger@example.no")
    login(stranger)
    assert client.get(f"/certificates/{certificate.serial}.pdf").status_code == 404
    assert client.get("/certificates/HMS-9999-999999.pdf").status_code == 404


def test_verify_page_states(app, client, make_user, load_course):
    load_course(meta={"validity_months": 12})
    user = make_user(name="Bjørn Ødegård")
    certificate = complete(app, user, "test-kurs")
    code = ops.format_code(certificate.verification_code)
    valid = client.get(f"/verify/{code}")
    assert valid.status_code == 200
    assert "Gyldig" in valid.text and "Bjørn Ødegård" in valid.text and "Testkurs (nb)" in valid.text
    assert user.email not in valid.text  # nothing more than name, course, dates and issuer
    # Typed in lower case, without dashes, with O for 0: still found.
    assert client.get("/verify/" + certificate.verification_code.lower().replace("0", "o")).status_code == 200
    assert client.get(f"/verify?code={code}").headers["Location"].endswith(f"/verify/{code}")
    for bad in ["nope", "x" * 500, "%00", "AAAA-AAAA-AAAA-AAAA-AAAA", "../../etc/passwd"]:
        response = client.get(f"/verify/{bad}")
        assert response.status_code == 404
        assert "Fant ikke kursbeviset" in response.text
    with app.app_context():
        row = db.session.get(Certificate, certificate.id)
        row.valid_until = row.valid_until.replace(year=2000)
        db.session.commit()
    assert "Utløpt" in client.get(f"/verify/{code}").text
    with app.app_context():
        ops.revoke(db.session.get(Certificate, certificate.id), "Gjennomført av en annen person")
        db.session.commit()
    revoked = client.get(f"/verify/{code}")
    assert "Tilbakekalt" in revoked.text and "Gjennomført av en annen person" in revoked.text
    uk = client.get(f"/verify/{code}", headers={"Accept-Language": "uk"})
    assert "Відкликано" in uk.text


def test_admin_revokes_and_reissues(app, client, make_user, load_course, login):
    load_course()
    learner = make_user("kari@example.no", name="Kari Nordman")
    certificate = complete(app, learner, "test-kurs")
    admin = make_user("boss@example.no", is_admin=True)
    login(admin)
    assert certificate.serial in client.get("/admin/certificates?q=Nordman").text
    with app.app_context():
        db.session.get(User, learner.id).full_name = "Kari Nordmann"
        db.session.commit()
    url = f"/admin/certificates/{certificate.serial}"
    response = client.submit(url, {"reissue-submit": "1"})
    assert response.status_code == 303
    new_serial = response.headers["Location"].rsplit("/", 1)[1]
    assert new_serial != certificate.serial
    with app.app_context():
        old = db.session.get(Certificate, certificate.id)
        new = db.session.scalar(select(Certificate).where(Certificate.serial == new_serial))
        assert old.status == "replaced" and old.replaced_by_id == new.id
        assert new.snapshot["participant_name"] == "Kari Nordmann"
    old_page = client.get(f"/verify/{ops.format_code(certificate.verification_code)}")
    assert "Erstattet" in old_page.text and new_serial in old_page.text
    empty = client.submit(f"/admin/certificates/{new_serial}", {"revoke-reason": "  ", "revoke-submit": "1"})
    assert empty.status_code == 200 and "Oppgi en grunn" in empty.text
    client.submit(f"/admin/certificates/{new_serial}", {"revoke-reason": "Feil kurs", "revoke-submit": "1"})
    with app.app_context():
        assert db.session.scalar(select(Certificate.revoked_reason).where(Certificate.serial == new_serial)) == "Feil kurs"
    client.submit("/logout", {}, form_url="/account")
    login(learner)
    assert client.get("/admin/certificates").status_code == 403
    assert client.post(url, data={"reissue-submit": "1"}).status_code in (400, 403)


def test_certificate_mail_with_pdf_reaches_a_real_smtp_server(app, make_user, load_course, smtp_server):
    load_course()
    app.config.update(LMS_MAIL_BACKEND="smtp", LMS_MAIL_HOST=smtp_server.host, LMS_MAIL_PORT=smtp_server.port,
                      LMS_MAIL_SEND_AFTER_COMMIT=False)
    try:
        user = make_user("olena@example.no", name="Олена Коваленко", language="uk")
        certificate = complete(app, user, "test-kurs", language="uk")
        with app.app_context():
            from lms.core.mail import send_pending

            assert send_pending() == (1, 0)
    finally:
        app.config.update(LMS_MAIL_BACKEND="console", LMS_MAIL_SEND_AFTER_COMMIT=True)
    message = smtp_server.messages[0]
    assert "свідоцтво" in str(make_header(decode_header(message["Subject"]))).lower()
    attachments = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert attachments and attachments[0].get_filename() == f"kursbevis-{certificate.serial}.pdf"
    assert "Олена Коваленко" in pdf_text(attachments[0].get_payload(decode=True))


def test_zip_of_certificates_streams(app, make_user, load_course):
    load_course()
    certificates = [complete(app, make_user(f"u{n}@example.no", name=f"Person {n}"), "test-kurs") for n in range(3)]
    with app.test_request_context():
        rows = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
        chunks = list(ops.zip_stream(rows))
    assert len(chunks) >= 3
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    names = archive.namelist()
    assert names == [f"Person {n} {c.serial}.pdf" for n, c in enumerate(certificates)]
    assert "Person 2" in pdf_text(archive.read(names[2]))


def test_preview_command_writes_each_language(app, tmp_path):
    runner = app.test_cli_runner()
    for language in ("nb", "en", "uk"):
        out = tmp_path / f"preview-{language}.pdf"
        result = runner.invoke(args=["certificates", "preview", "--lang", language, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert PdfReader(str(out)).pages
    bad = runner.invoke(args=["certificates", "preview", "--lang", "de", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0


@pytest.mark.parametrize("typed", ["7k3m q9tx 2hvb wd4r 8n5p", "7K3M-Q9TX-2HVB-WD4R-8N5P", "7K3MQ9TX2HVBWD4R8N5P"])
def test_codes_are_normalized(typed):
    assert ops.normalize_code(typed) == "7K3MQ9TX2HVBWD4R8N5P"


def test_codes_that_cannot_be_codes():
    for typed in ["", "U" * 20, "7K3M", "7K3M-Q9TX-2HVB-WD4R-8N5P-EXTRA", "ø" * 20]:
        assert ops.normalize_code(typed) is None
