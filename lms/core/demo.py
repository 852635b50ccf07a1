"""Demo data for a new installation: idempotent, never in production."""

from __future__ import annotations

from collections.abc import Iterator

from lms.extensions import db

DEMO_PASSWORD = "demo-hms-2026"
DEMO_ORGNR = "998877660"  # a made-up organization number with a valid MOD11 check digit
DEMO_LICENSE = "DEMO-BYGG-2026"

DEMO_USERS = [
    # email, full name, language, platform admin
    ("admin@demo.no", "Ada Administrator", "nb", True),
    ("leder@demo.no", "Lene Leder", "nb", False),
    ("ansatt@demo.no", "Ola Ansatt", "nb", False),
]


def load_demo() -> Iterator[str]:
    """Create what is missing of the demo data; yields one line per thing done."""
    from lms.accounts import operations as accounts

    for email, name, language, is_admin in DEMO_USERS:
        user = accounts.get_user_by_email(email)
        if user is None:
            accounts.create_user(email, name, DEMO_PASSWORD, language=language, is_admin=is_admin)
            yield f"Created demo user {email}"
        else:
            yield f"Demo user {email} already exists"
    db.session.commit()
    yield from _demo_learning()
    yield from _demo_campaign()
    db.session.commit()
    yield ""
    yield "Demo logins (password for all: " + DEMO_PASSWORD + "):"
    yield "  admin@demo.no   platform administrator"
    yield "  leder@demo.no   manager of the demo company Demo Bygg AS (license code DEMO-BYGG-2026)"
    yield "  ansatt@demo.no  employee (learner)"


def _demo_learning() -> Iterator[str]:
    from lms.accounts.operations import get_user_by_email
    from lms.learning import operations as learning

    course = learning.get_course("hms-for-arbeidstakere")
    if course is None:
        yield "Courses are not loaded: run 'flask --app lms courses sync' first"
        return
    from sqlalchemy import select

    from lms.organizations import operations as orgs
    from lms.organizations.models import License, Organization

    manager = get_user_by_email("leder@demo.no")
    employee = get_user_by_email("ansatt@demo.no")
    assert manager is not None and employee is not None
    company = db.session.scalar(select(Organization).where(Organization.orgnr == DEMO_ORGNR))
    if company is None:
        company = orgs.register_organization(manager, name="Demo Bygg AS", orgnr=DEMO_ORGNR,
                                             address="Byggveien 1, 0150 Oslo", invoice_email="faktura@demo.no",
                                             employee_count=12)
        yield "Created the demo company Demo Bygg AS, managed by leder@demo.no"
    license_ = db.session.scalar(select(License).where(License.code == DEMO_LICENSE))
    if license_ is None:
        license_ = License(organization_id=company.id, course_id=course.id, code=DEMO_LICENSE, seats_total=5,
                           seats_used=0, source="admin")
        db.session.add(license_)
        db.session.flush()
        yield f"Created license {DEMO_LICENSE}: 5 seats of {course.slug}"
    if learning.get_enrollment(employee.id, course.slug) is None:
        orgs.redeem(employee, DEMO_LICENSE, language="nb")
        yield f"ansatt@demo.no took a seat of {DEMO_LICENSE}"


def _demo_campaign() -> Iterator[str]:
    from datetime import timedelta

    from lms.commerce import operations as commerce
    from lms.core.models import utcnow

    if commerce.find_code("HMS2024") is None:
        code = commerce.save_code(
            None, text="HMS2024", description="Demo campaign", kind="percent", value=25, valid_from=None,
            valid_until=utcnow() + timedelta(days=30), max_uses=None, per_user_limit=1, min_quantity=1,
            course_ids=None, is_active=True, is_campaign=True)
        yield f"Created the campaign code {code.code}: 25 % off until {code.valid_until:%Y-%m-%d %H:%M} UTC"
    else:
        yield "Campaign code HMS2024 already exists"
