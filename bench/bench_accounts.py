"""Login cost (argon2id at the OWASP parameters) and 200 simultaneous redemptions of a 50-seat license.

Prints a Markdown section. SQLite by default; PostgreSQL with LMS_BENCH_DATABASE_URL (the
database's tables are replaced). Run: .venv/bin/python bench/bench_accounts.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def login_cost() -> tuple[float, float]:
    """(median ms to hash, median ms to verify) with the production parameters."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    digest = hasher.hash("a long enough passphrase")
    hashes, verifies = [], []
    for _ in range(15):
        started = time.perf_counter()
        hasher.hash("a long enough passphrase")
        hashes.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        hasher.verify(digest, "a long enough passphrase")
        verifies.append((time.perf_counter() - started) * 1000)
    return statistics.median(hashes), statistics.median(verifies)


def redemption_race(url: str | None) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select

    from lms import create_app
    from lms.accounts.models import User
    from lms.content.operations import sync_library
    from lms.extensions import db
    from lms.learning.models import Enrollment
    from lms.organizations import operations as orgs
    from lms.organizations.models import License, Membership, Organization

    folder = tempfile.mkdtemp(prefix="lms-bench-accounts-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder}/accounts.db", "RATELIMIT_ENABLED": False,
                      "LMS_MAIL_BACKEND": "console", "SECRET_KEY": "bench-secret-key-that-is-long-enough-123456"})
    with app.app_context():
        if url:
            db.drop_all()
            db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
    with app.test_request_context():
        sync_library(Path(app.config["LMS_COURSES_DIR"]))
        from lms.learning.operations import get_course

        organization = Organization(name="Kø AS", orgnr="998877660", address="", invoice_email="k@bench.example",
                                    employee_count=250)
        db.session.add(organization)
        db.session.flush()
        license_ = orgs.add_seats(organization, get_course("hms-for-arbeidstakere"), 50, source="admin")
        db.session.execute(insert(User), [
            {"email": f"racer{n:03d}@bench.example", "full_name": f"Racer {n}", "password_hash": "x",
             "preferred_language": "nb", "is_admin": False, "is_deactivated": False} for n in range(200)])
        db.session.commit()
        code = license_.code
        ids = list(db.session.scalars(select(User.id).where(User.email.like("racer%")).order_by(User.id)))
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker(chunk):
        barrier.wait()
        for user_id in chunk:
            with app.test_request_context(method="POST"):
                try:
                    orgs.redeem(db.session.get(User, user_id), code)
                    db.session.commit()
                    outcome = "seat"
                except orgs.OrganizationError as exc:
                    db.session.rollback()
                    outcome = exc.code
                except Exception as exc:  # would be a server error
                    db.session.rollback()
                    outcome = f"error {type(exc).__name__}"
                finally:
                    db.session.remove()
            with lock:
                outcomes.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(ids[i::20],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    with app.app_context():
        seats_used = db.session.scalar(select(License.seats_used))
        enrolled = db.session.scalar(select(func.count(Enrollment.id)))
        members = db.session.scalar(select(func.count(Membership.id)))
        db.engine.dispose()
    return {"seconds": seconds, "seats": outcomes.count("seat"), "refused": outcomes.count("used_up"),
            "errors": sum(1 for o in outcomes if o.startswith("error")), "seats_used": seats_used,
            "enrolled": enrolled, "members": members}


def main() -> None:
    import logging

    logging.disable(logging.INFO)
    url = os.environ.get("LMS_BENCH_DATABASE_URL")
    hash_ms, verify_ms = login_cost()
    race = redemption_race(url)
    print("## Logging in and redeeming license codes")
    print()
    print("| what | figure |")
    print("|---|---:|")
    print(f"| argon2id hash (19 MiB, 2 passes, 1 lane), median | {hash_ms:.0f} ms |")
    print(f"| argon2id verify at log-in, median | {verify_ms:.0f} ms |")
    print(f"| 200 simultaneous redemptions of a 50-seat code ({'PostgreSQL' if url else 'SQLite'}, 20 threads) | "
          f"{race['seconds']:.1f} s |")
    print(f"| seats taken / clear refusals / server errors | {race['seats']} / {race['refused']} / {race['errors']} |")
    print(f"| enrollments created, seats counted on the license | {race['enrolled']}, {race['seats_used']} |")
    ok = race["seats"] == race["enrolled"] == race["seats_used"] == 50 and race["refused"] == 150 and not race["errors"]
    print()
    print(f"Exactly 50 seats, 150 refusals, no error: **{'yes' if ok else 'NO'}**.")


if __name__ == "__main__":
    main()
