"""Two companies with seats, employees, enrollments and certificates, and tokens for each."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from lms.accounts.models import User
from lms.extensions import db
from lms.organizations import operations as org_ops

ORGNR_A = "998877660"
ORGNR_B = "974760673"


@dataclass
class Company:
    id: int
    code: str
    manager: object
    employees: list = field(default_factory=list)


def redeem_as(app, user, code: str) -> None:
    with app.test_request_context(method="POST"):
        org_ops.redeem(db.session.get(User, user.id), code)
        db.session.commit()


def make_token(app, organization_id: int, name: str = "HR") -> str:
    from lms.api import operations as api_ops

    with app.test_request_context():
        _token, raw = api_ops.create_token(organization_id, name, None)
        db.session.commit()
        return raw


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_company(app, make_user, load_course):
    """Factory: an organization with a license of a fixture course and `employees` seats taken."""
    loaded: set[str] = set()

    def factory(orgnr: str, *, course: str = "ansatt-kurs", employees: int = 0, seats: int = 20,
                prefix: str = "a") -> Company:
        if course not in loaded:
            load_course(course, meta={"price_ore": 59000})
            loaded.add(course)
        manager = make_user(f"manager@{prefix}.no", name=f"Manager {prefix.upper()}")
        with app.test_request_context():
            from lms.learning.operations import get_course

            organization = org_ops.register_organization(
                db.session.get(User, manager.id), name=f"Bygg {prefix.upper()} AS", orgnr=orgnr, address="",
                invoice_email=f"faktura@{prefix}.no", employee_count=40)
            license_ = org_ops.add_seats(organization, get_course(course), seats, source="admin")
            db.session.commit()
            company = Company(organization.id, license_.code, manager)
        for n in range(employees):
            person = make_user(f"person{n}@{prefix}.no", name=f"Person {n} {prefix.upper()}")
            redeem_as(app, person, company.code)
            company.employees.append(person)
        return company

    return factory


@pytest.fixture
def two_companies(make_company):
    """A (3 employees) and B (2 employees), each with its own course."""
    a = make_company(ORGNR_A, course="ansatt-kurs", employees=3, prefix="a")
    b = make_company(ORGNR_B, course="leder-kurs", employees=2, prefix="b")
    return a, b
