"""Demo data for a new installation: idempotent, never in production."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

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
    yield from _demo_activity()
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


DEMO_LEARNERS = 24


def _demo_activity() -> Iterator[str]:
    """Two dozen employees of the demo company over the last ten weeks: some finished, some under way.

    Their seats, progress, final tests and certificates are made through the same operations a
    real learner goes through, with the dates moved back, so the statistics have something to show.
    """
    import random
    from datetime import timedelta

    from lms.accounts import operations as accounts
    from lms.certificates.models import Certificate
    from lms.core.models import utcnow
    from lms.learning import operations as learning
    from lms.learning.models import Enrollment
    from lms.organizations import operations as orgs

    if accounts.get_user_by_email("demo.ansatt01@demo.no") is not None:
        yield "Demo learning activity already exists"
        return
    course = learning.get_course("hms-for-arbeidstakere")
    company = orgs.find_license(DEMO_LICENSE)
    if course is None or company is None:
        return
    from lms.organizations.models import Organization

    license_ = orgs.add_seats(db.session.get(Organization, company.organization_id), course, DEMO_LEARNERS,
                              source="admin")
    rng = random.Random(2026)
    names = ["Anne", "Bjørn", "Cecilie", "Dag", "Eva", "Fredrik", "Gro", "Hassan", "Ida", "Jonas", "Kari", "Lars",
             "Mona", "Nils", "Olena", "Petter", "Randi", "Sara", "Tor", "Una", "Vegard", "Wenche", "Yusuf", "Åse"]
    surnames = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Kovalenko"]
    completed = 0
    hash_ = accounts.hash_password(DEMO_PASSWORD)
    for n in range(DEMO_LEARNERS):
        user = accounts.create_user(f"demo.ansatt{n + 1:02d}@demo.no", f"{names[n]} {rng.choice(surnames)}",
                                    DEMO_PASSWORD, language="uk" if names[n] == "Olena" else "nb")
        user.password_hash = hash_
        seat = orgs.redeem(user, license_.code, language=user.preferred_language)
        enrollment = db.session.get(Enrollment, seat.enrollment_id)
        started = utcnow() - timedelta(days=rng.randint(3, 70))
        modules = learning.outline(course.id)
        reach = rng.randint(0, len(modules)) if n % 3 else len(modules)
        for module in modules[:reach]:
            for lesson in module.lessons:
                learning.complete_lesson(enrollment, lesson)
            questions = learning.module_questions(module.id)
            learning.submit_module_check(enrollment, module, learning.progress_of(enrollment.id),
                                         {f"q{q.id}": sorted(q.correct_ids) for q in questions})
        enrollment.seconds_total = reach * 9 * 60 + rng.randint(0, 600)
        enrollment.started_at, enrollment.created_at = started, started
        if reach == len(modules):
            status = learning.test_status(enrollment, modules, learning.progress_of(enrollment.id))
            attempt = learning.start_attempt(enrollment, status, rng)
            questions = learning.attempt_questions(attempt)
            answers = {f"q{q.id}": sorted(q.correct_ids) if rng.random() < 0.93 else [q.option_ids()[0]]
                       for q in questions}
            learning.submit_attempt(enrollment, attempt, answers)
            finished = started + timedelta(days=rng.randint(0, 2), hours=2)
            if enrollment.completed_at is not None:
                enrollment.completed_at = finished
                certificate = db.session.scalar(select(Certificate).where(Certificate.enrollment_id == enrollment.id))
                if certificate is not None:
                    certificate.issued_at = finished
                completed += 1
    yield f"Created {DEMO_LEARNERS} demo employees of Demo Bygg AS with learning activity ({completed} completed)"
