"""Certificate rules: issue once at completion, verify, revoke, reissue, render, zip."""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.certificates.models import Certificate, CertificateCounter
from lms.content.models import Course, Module
from lms.core.db import insert_ignore
from lms.core.i18n import OSLO
from lms.core.mail import queue_mail, register_attachment_provider
from lms.core.models import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment, QuizAttempt
from lms.learning.signals import course_completed

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 bits
REGULATION_AUDIENCES = ("safety_rep", "amu")


class CertificateError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- codes and serials

def new_verification_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """Groups of four for reading aloud and typing: 7K3M-Q9TX-2HVB-WD4R-8N5P."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalize_code(text: str) -> str | None:
    """A typed or scanned code in stored form, or None when it cannot be one.

    Crockford base32: case-insensitive, separators ignored, I and L read as 1, O as 0.
    """
    if not text or len(text) > 64:
        return None
    cleaned = re.sub(r"[\s\-_.]", "", text.upper())
    cleaned = cleaned.translate(str.maketrans({"I": "1", "L": "1", "O": "0"}))
    if len(cleaned) != CODE_LENGTH or any(ch not in CROCKFORD for ch in cleaned):
        return None
    return cleaned


def next_serial(year: int) -> str:
    """HMS-<year>-<number>: one atomic UPDATE ... RETURNING per certificate."""
    insert_ignore(CertificateCounter.__table__, {"year": year, "last": 0})
    number = db.session.execute(
        update(CertificateCounter).where(CertificateCounter.year == year)
        .values(last=CertificateCounter.last + 1).returning(CertificateCounter.last)
    ).scalar_one()
    return f"HMS-{year}-{number:06d}"


def verify_url(certificate: Certificate) -> str:
    return f"{current_app.config['LMS_BASE_URL'].rstrip('/')}/verify/{format_code(certificate.verification_code)}"


# ---------------------------------------------------------------- snapshot and issue

def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise ValueError("no valid day")


def _oslo_date(moment: datetime) -> date:
    return moment.astimezone(OSLO).date()


def build_snapshot(enrollment: Enrollment, user: User, attempt: QuizAttempt | None) -> dict:
    course: Course = enrollment.course
    modules = list(db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.is_removed.is_(False)).order_by(Module.position)))
    completed = _oslo_date(enrollment.completed_at or utcnow())
    points = sorted({p for m in modules for p in (m.covers or [])}) if course.audience in REGULATION_AUDIENCES else []
    config = current_app.config
    return {
        "participant_name": user.full_name,
        "course_slug": course.slug,
        "course_title": dict(course.title),
        "course_version": course.version,
        "audience": course.audience,
        "legal_basis": dict(course.legal_basis),
        "topics": [dict(m.title) for m in modules],
        "regulation_points": points,
        "hours": course.nominal_minutes / 60,
        "learning_minutes": enrollment.seconds_total // 60,
        "score_percent": attempt.score_percent if attempt and attempt.score_percent is not None else None,
        "test_date": _oslo_date(attempt.graded_at).isoformat() if attempt and attempt.graded_at else completed.isoformat(),
        "completed_on": completed.isoformat(),
        "valid_until": _add_months(completed, course.validity_months).isoformat() if course.validity_months else None,
        "issuer_name": config["LMS_ISSUER_NAME"],
        "issuer_orgnr": config["LMS_ISSUER_ORGNR"],
        "language": enrollment.content_language,
    }


def current_certificate(enrollment_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.enrollment_id == enrollment_id, Certificate.superseded_at.is_(None)))


def issue(enrollment: Enrollment, attempt: QuizAttempt | None = None, *, mail: bool = True) -> Certificate:
    """Issue the certificate of a completed enrollment, once. Runs inside the completing transaction."""
    existing = current_certificate(enrollment.id)
    if existing is not None:
        return existing
    user = db.session.get(User, enrollment.user_id)
    assert user is not None
    snapshot = build_snapshot(enrollment, user, attempt)
    issued_at = utcnow()
    certificate = Certificate(
        serial=next_serial(_oslo_date(issued_at).year), verification_code=new_verification_code(),
        enrollment_id=enrollment.id, user_id=user.id, course_id=enrollment.course_id,
        language=enrollment.content_language, snapshot=snapshot, issued_at=issued_at,
        valid_until=date.fromisoformat(snapshot["valid_until"]) if snapshot["valid_until"] else None,
    )
    snapshot["serial"] = certificate.serial
    snapshot["verification_code"] = format_code(certificate.verification_code)
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:  # issued by a simultaneous completion
        existing = current_certificate(enrollment.id)
        if existing is None:
            raise
        return existing
    if mail:
        queue_mail(user.email, "certificate_issued", user.preferred_language,
                   attachments=[{"kind": "certificate", "id": certificate.id}],
                   user=user, course_title=course_title(certificate, user.preferred_language),
                   serial=certificate.serial, verify_url=verify_url(certificate))
    return certificate


def _on_completed(sender, enrollment: Enrollment, attempt: QuizAttempt | None = None, **_extra) -> None:
    issue(enrollment, attempt)


course_completed.connect(_on_completed, weak=False)


def course_title(certificate: Certificate, language: str) -> str:
    titles = certificate.snapshot.get("course_title", {})
    return titles.get(language) or titles.get("nb") or ""


# ---------------------------------------------------------------- look-ups

def for_user(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc())))


def get_for_user(user_id: int, serial: str) -> Certificate | None:
    if len(serial) > 20:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.serial == serial, Certificate.user_id == user_id))


def find_by_code(text: str) -> Certificate | None:
    code = normalize_code(text)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.verification_code == code))


def get_by_serial(serial: str) -> Certificate | None:
    if len(serial) > 20:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.serial == serial))


def replacement_of(certificate: Certificate) -> Certificate | None:
    return db.session.get(Certificate, certificate.replaced_by_id) if certificate.replaced_by_id else None


# ---------------------------------------------------------------- admin actions

def revoke(certificate: Certificate, reason: str) -> None:
    if certificate.revoked_at is not None:
        raise CertificateError("already_revoked")
    reason = " ".join(reason.split())
    if not reason:
        raise CertificateError("reason_required")
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason[:500]


def reissue(certificate: Certificate) -> Certificate:
    """A new certificate with the participant's current name; the old one shows "replaced by"."""
    if certificate.superseded_at is not None:
        raise CertificateError("already_replaced")
    if certificate.revoked_at is not None:
        raise CertificateError("revoked")
    user = db.session.get(User, certificate.user_id) if certificate.user_id else None
    if user is None:
        raise CertificateError("no_user")
    certificate.superseded_at = utcnow()
    db.session.flush()
    snapshot = dict(certificate.snapshot)
    snapshot["participant_name"] = user.full_name
    issued_at = utcnow()
    replacement = Certificate(
        serial=next_serial(_oslo_date(issued_at).year), verification_code=new_verification_code(),
        enrollment_id=certificate.enrollment_id, user_id=certificate.user_id, course_id=certificate.course_id,
        language=certificate.language, snapshot=snapshot, issued_at=issued_at, valid_until=certificate.valid_until,
    )
    snapshot["serial"] = replacement.serial
    snapshot["verification_code"] = format_code(replacement.verification_code)
    db.session.add(replacement)
    db.session.flush()
    certificate.replaced_by_id = replacement.id
    queue_mail(user.email, "certificate_issued", user.preferred_language,
               attachments=[{"kind": "certificate", "id": replacement.id}],
               user=user, course_title=course_title(replacement, user.preferred_language),
               serial=replacement.serial, verify_url=verify_url(replacement))
    return replacement


# ---------------------------------------------------------------- files

def render_pdf(certificate: Certificate) -> bytes:
    from lms.certificates.pdf import render_certificate

    return render_certificate(certificate.snapshot, verify_url=verify_url(certificate))


def filename(certificate: Certificate) -> str:
    return f"kursbevis-{certificate.serial}.pdf"


def _attachment(certificate_id: int) -> tuple[str, str, bytes]:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise LookupError(f"certificate {certificate_id} does not exist")
    return filename(certificate), "application/pdf", render_pdf(certificate)


register_attachment_provider("certificate", _attachment)


class _Chunks(io.RawIOBase):
    """A write-only stream that hands what was written to a generator, chunk by chunk."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer.extend(data)
        return len(data)

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def zip_stream(certificates: Iterable[Certificate]) -> Iterator[bytes]:
    """A ZIP of certificate PDFs, produced piece by piece: memory does not grow with the count."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            name = f"{certificate.snapshot.get('participant_name', '')} {certificate.serial}.pdf"
            safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip() or filename(certificate)
            with archive.open(zipfile.ZipInfo(safe, date_time=certificate.issued_at.timetuple()[:6]), "w") as entry:
                entry.write(render_pdf(certificate))
            yield sink.take()
    yield sink.take()
