"""Prices, discount codes, Stripe Checkout and webhooks, test payments, refunds, reconcile."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.commerce import operations as ops
from lms.commerce.models import DiscountCode, Order, PaymentEvent
from lms.core.models import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment

PRICE = 249000  # 2 490 kr excl. VAT


@pytest.fixture
def paid_course(load_course):
    return load_course("betalt-kurs", meta={"price_ore": PRICE})


def make_code(app, code="HMS2024", **fields):
    values = dict(text=code, description="", kind="percent", value=25, valid_from=None, valid_until=None,
                  max_uses=None, per_user_limit=1, min_quantity=1, course_ids=None, is_active=True, is_campaign=False)
    values.update(fields)
    with app.test_request_context():
        saved = ops.save_code(None, **values)
        db.session.commit()
        return saved.id


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def order_of(app):
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()))
        db.session.expunge(order)
        return order


def buy(client, slug="betalt-kurs", code=""):
    return client.submit(f"/checkout/{slug}", {"code": code}, form_url=f"/checkout/{slug}")


# ---------------------------------------------------------------- prices and codes

def test_quote_with_vat_discount_and_volume(app, paid_course):
    with app.test_request_context():
        from lms.learning.operations import get_course

        course = get_course(paid_course)
        plain = ops.quote(course)
        assert (plain.net_ore, plain.vat_ore, plain.total_ore) == (249000, 62250, 311250)
        code = DiscountCode(code="X", percent=25)
        with_code = ops.quote(course, 1, code)
        assert (with_code.discount_ore, with_code.net_ore, with_code.vat_ore, with_code.total_ore) == (62250, 186750, 46688, 233438)
        seats = ops.quote(course, 50)
        assert seats.unit_price_ore == 249000 * 80 // 100  # 20 % volume price from 50 seats
        fixed = ops.quote(course, 3, DiscountCode(code="Y", amount_ore=50000))
        assert fixed.discount_ore == 150000 and fixed.total_ore == fixed.net_ore + fixed.vat_ore


def test_checkout_page_explains_each_code_error(app, client, make_user, login, paid_course, load_course):
    login(make_user())
    load_course("annet-kurs", meta={"price_ore": 10000})
    with app.app_context():
        from lms.content.models import Course

        other_id = db.session.scalar(select(Course.id).where(Course.slug == "annet-kurs"))
    now = utcnow()
    make_code(app, "FUTURE", valid_from=now + timedelta(days=2))
    make_code(app, "OLD", valid_until=now - timedelta(days=1))
    make_code(app, "FULL", max_uses=1)
    with app.app_context():
        db.session.execute(DiscountCode.__table__.update().where(DiscountCode.code == "FULL").values(uses_count=1))
        db.session.commit()
    make_code(app, "OTHER", course_ids=[other_id])
    make_code(app, "TEAM", min_quantity=10)
    make_code(app, "OFF", is_active=False)
    expected = {
        "NOPE": "Vi kjenner ikke igjen koden.",
        "FUTURE": "Koden gjelder ikke ennå: den gjelder fra",
        "OLD": "Koden gikk ut",
        "FULL": "Koden er brukt opp.",
        "OTHER": "Koden gjelder ikke for dette kurset.",
        "TEAM": "Koden krever minst 10 plasser.",
        "OFF": "Koden er ikke lenger i bruk.",
    }
    for code, message in expected.items():
        page = client.get(f"/checkout/betalt-kurs?code={code.lower()}")
        assert page.status_code == 200
        assert message in page.text, (code, message)
        # Paying with a refused code changes nothing.
        response = buy(client, code=code)
        assert response.status_code == 303
    assert count(app, Order) == 0


def test_code_uses_are_taken_atomically(app, make_user, paid_course):
    code_id = make_code(app, "FEW", max_uses=5, per_user_limit=None)
    users = [make_user(f"buyer{n}@example.no") for n in range(20)]
    barrier = threading.Barrier(len(users))
    outcomes = []

    def attempt(user):
        with app.test_request_context():
            from lms.learning.operations import get_course

            barrier.wait()
            try:
                ops.start_checkout(db.session.get(User, user.id), get_course(paid_course), "few")
                db.session.commit()
                outcomes.append("ok")
            except ops.CommerceError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            except Exception as exc:  # SQLite may refuse a writer under contention: also a refusal
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") <= 5
    with app.app_context():
        code = db.session.get(DiscountCode, code_id)
        assert code.uses_count == outcomes.count("ok") == db.session.scalar(
            select(func.count(Order.id)).where(Order.discount_code_id == code_id))
    assert outcomes.count("ok") == 5 or app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


# ---------------------------------------------------------------- Stripe Checkout and webhooks

def test_stripe_happy_path(app, client, make_user, login, paid_course, fake_stripe, send_event, outbox):
    make_code(app, "HMS2024")
    user = make_user("kari@example.no")
    login(user)
    response = buy(client, code="hms2024")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    sent = fake_stripe.calls("POST", "/v1/checkout/sessions")[0]["data"]
    assert sent["mode"] == "payment" and sent["customer_email"] == "kari@example.no"
    assert sent["line_items"][0]["quantity"] == "1"
    assert sent["line_items"][0]["price_data"]["currency"] == "nok"
    assert sent["line_items"][0]["price_data"]["unit_amount"] == "233438"
    order = order_of(app)
    assert sent["client_reference_id"] == str(order.id) and sent["metadata"]["order_id"] == str(order.id)
    assert 29 * 60 <= int(sent["expires_at"]) - int(utcnow().timestamp()) <= 31 * 60
    assert sent["success_url"].endswith(f"/orders/{order.id}/success?session_id={{CHECKOUT_SESSION_ID}}")
    assert fake_stripe.calls("POST", "/v1/checkout/sessions")[0]["authorization"] == "Bearer sk_test_suite"
    # The success page never fulfills: it waits for the webhook.
    waiting = client.get(f"/orders/{order.id}/success?session_id={order.stripe_session_id}")
    assert "Betaling mottatt, vi gjør klar kurset ditt" in waiting.text
    assert count(app, Enrollment) == 0
    session = fake_stripe.mark_paid(order.stripe_session_id)
    assert send_event("checkout.session.completed", session).status_code == 200
    assert order_of(app).status == "paid"
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment))
        assert enrollment.source == "purchase" and enrollment.source_ref == f"order:{order.id}"
    receipt = outbox.last("kari@example.no")
    assert "1 867,50" in receipt.body_text.replace("\xa0", " ") and "466,88" in receipt.body_text.replace("\xa0", " ")
    assert "923609016" in receipt.body_text
    ready = client.get(f"/orders/{order.id}/success")
    assert "/learn/betalt-kurs" in ready.text


def test_same_event_five_times_is_applied_once(app, client, make_user, login, paid_course, fake_stripe, send_event, outbox):
    login(make_user())
    buy(client)
    order = order_of(app)
    session = fake_stripe.mark_paid(order.stripe_session_id)
    results = [send_event("checkout.session.completed", session, event_id="evt_same") for _ in range(5)]
    assert [r.status_code for r in results] == [200] * 5
    assert [r.json["result"] for r in results] == ["fulfilled"] + ["duplicate"] * 4
    assert count(app, PaymentEvent) == 1
    assert count(app, Enrollment) == 1
    assert len([m for m in outbox.messages() if "Kvittering" in m.subject or "Receipt" in m.subject]) == 1


def test_async_success_before_completed(app, client, make_user, login, paid_course, fake_stripe, send_event):
    login(make_user())
    buy(client)
    order = order_of(app)
    session = fake_stripe.mark_paid(order.stripe_session_id)
    assert send_event("checkout.session.async_payment_succeeded", session).json["result"] == "fulfilled"
    late = dict(session, payment_status="unpaid")
    assert send_event("checkout.session.completed", late).status_code == 200
    assert order_of(app).status == "paid"
    assert count(app, Enrollment) == 1


def test_async_failure_and_unpaid_completion(app, client, make_user, login, paid_course, fake_stripe, send_event):
    make_code(app, "HMS2024")
    login(make_user())
    buy(client, code="HMS2024")
    order = order_of(app)
    session = fake_stripe.sessions[order.stripe_session_id]
    assert send_event("checkout.session.completed", dict(session, status="complete")).json["result"] == "awaiting payment"
    assert order_of(app).status == "processing"
    assert send_event("checkout.session.async_payment_failed", session).json["result"] == "failed"
    assert order_of(app).status == "failed"
    with app.app_context():
        assert db.session.scalar(select(DiscountCode.uses_count)) == 0
    assert count(app, Enrollment) == 0


def test_bad_or_missing_signature_changes_nothing(app, client, make_user, login, paid_course, fake_stripe, send_event):
    login(make_user())
    buy(client)
    session = fake_stripe.mark_paid(order_of(app).stripe_session_id)
    for response in (send_event("checkout.session.completed", session, secret="whsec_wrong"),
                     send_event("checkout.session.completed", session, signature=""),
                     send_event("checkout.session.completed", session, signature="t=1,v1=deadbeef"),
                     client.post("/stripe/webhook", data=b"not json", headers={"Stripe-Signature": "t=1,v1=x"})):
        assert response.status_code == 400
        assert response.is_json and response.json["error"] == "bad_signature"
    assert count(app, PaymentEvent) == 0
    assert order_of(app).status == "pending"


def test_two_webhooks_for_one_session_at_once(app, client, make_user, login, paid_course, fake_stripe):
    login(make_user())
    buy(client)
    order = order_of(app)
    session = fake_stripe.mark_paid(order.stripe_session_id)
    barrier = threading.Barrier(2)
    results = []

    def deliver(kind):
        import json

        from lms.commerce.operations import sign
        from tests.commerce.conftest import WEBHOOK_SECRET

        payload = json.dumps({"id": f"evt_{kind}", "type": kind, "data": {"object": session}}).encode()
        other = app.test_client()
        barrier.wait()
        response = other.post("/stripe/webhook", data=payload, content_type="application/json",
                              headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)})
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=deliver, args=(k,)) for k in
               ("checkout.session.completed", "checkout.session.async_payment_succeeded")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order_of(app).status == "paid"
    assert count(app, Enrollment) == 1
    fulfilled = [r for code, r in results if code == 200 and r and r.get("result") == "fulfilled"]
    assert len(fulfilled) == 1, results


def test_expired_session_gives_the_code_use_back(app, client, make_user, login, paid_course, fake_stripe, send_event):
    make_code(app, "HMS2024", max_uses=1)
    login(make_user())
    buy(client, code="HMS2024")
    with app.app_context():
        assert db.session.scalar(select(DiscountCode.uses_count)) == 1
    order = order_of(app)
    session = dict(fake_stripe.sessions[order.stripe_session_id], status="expired")
    assert send_event("checkout.session.expired", session).json["result"] == "expired"
    assert send_event("checkout.session.expired", session).json["result"] == "ignored"
    with app.app_context():
        assert db.session.scalar(select(DiscountCode.uses_count)) == 0
    assert order_of(app).status == "expired"


def test_full_discount_enrolls_without_stripe(app, client, make_user, login, paid_course, fake_stripe):
    make_code(app, "GRATIS", value=100)
    login(make_user())
    response = buy(client, code="gratis")
    assert response.headers["Location"] == "/learn/betalt-kurs"
    assert fake_stripe.calls("POST", "/v1/checkout/sessions") == []
    order = order_of(app)
    assert (order.status, order.total_ore, order.payment_method) == ("paid", 0, "free")
    assert count(app, Enrollment) == 1


def test_refund_withdraws_an_enrollment_not_started(app, client, make_user, login, paid_course, fake_stripe, send_event):
    buyer = make_user("buyer@example.no")
    login(buyer)
    buy(client)
    order = order_of(app)
    session = fake_stripe.mark_paid(order.stripe_session_id)
    send_event("checkout.session.completed", session)
    client.submit("/logout", {}, form_url="/account")
    login(make_user("boss@example.no", is_admin=True))
    assert client.submit(f"/admin/orders/{order.id}", {}).status_code == 303
    refund = fake_stripe.calls("POST", "/v1/refunds")[0]["data"]
    assert refund["payment_intent"] == session["payment_intent"]
    assert order_of(app).status == "paid"  # until Stripe confirms
    charge = {"id": "ch_1", "object": "charge", "payment_intent": session["payment_intent"], "refunded": True}
    assert send_event("charge.refunded", charge).json["result"] == "refunded"
    assert order_of(app).status == "refunded"
    with app.app_context():
        assert db.session.scalar(select(Enrollment.withdrawn_at)) is not None
    # A late completion event does not bring a refunded order back.
    send_event("checkout.session.completed", session)
    assert order_of(app).status == "refunded"


def test_stripe_failure_at_checkout_changes_nothing(app, client, make_user, login, paid_course, fake_stripe):
    make_code(app, "HMS2024")
    login(make_user())
    fake_stripe.fail_times = 10
    response = buy(client, code="HMS2024")
    assert response.status_code == 303 and response.headers["Location"] == "/checkout/betalt-kurs"
    assert count(app, Order) == 0
    with app.app_context():
        assert db.session.scalar(select(DiscountCode.uses_count)) == 0


def test_reconcile_fulfills_what_the_webhook_missed(app, client, make_user, login, paid_course, fake_stripe):
    login(make_user())
    buy(client)
    order = order_of(app)
    fake_stripe.mark_paid(order.stripe_session_id)
    result = app.test_cli_runner().invoke(args=["stripe", "reconcile", "--since", "3d"])
    assert result.exit_code == 0, result.output
    assert f"order {order.number} fulfilled now" in result.output
    assert order_of(app).status == "paid"
    again = app.test_cli_runner().invoke(args=["stripe", "reconcile", "--since", "3d"])
    assert "already fulfilled" in again.output
    bad = app.test_cli_runner().invoke(args=["stripe", "reconcile", "--since", "soon"])
    assert bad.exit_code != 0


# ---------------------------------------------------------------- test payments, pages, codes

def test_test_payment_page_pays_through_signed_events(app, client, make_user, login, paid_course, outbox):
    make_code(app, "HMS2024", max_uses=2)
    login(make_user("kari@example.no"))
    response = buy(client, code="HMS2024")
    page_url = response.headers["Location"]
    assert page_url.startswith("/checkout/test-payment/")
    page = client.get(page_url)
    assert "Testbetaling, ingen penger trekkes." in page.text
    paid = client.submit(page_url, {"action": "pay"})
    assert paid.status_code == 303
    order = order_of(app)
    assert order.status == "paid" and order.payment_method == "test"
    with app.app_context():
        assert db.session.scalar(select(PaymentEvent.type)) == "checkout.session.completed"
    receipt = client.get(f"/orders/{order.id}")
    assert "622,50" in receipt.text.replace("\xa0", " ")
    assert "Mva. 25 %" in receipt.text
    assert "Kvittering" in outbox.last("kari@example.no").subject


def test_cancelled_test_payment_releases_the_code(app, client, make_user, login, paid_course):
    make_code(app, "HMS2024", max_uses=1)
    login(make_user())
    page_url = buy(client, code="HMS2024").headers["Location"]
    client.submit(page_url, {"action": "cancel"})
    assert order_of(app).status == "expired"
    with app.app_context():
        assert db.session.scalar(select(DiscountCode.uses_count)) == 0


def test_orders_and_receipts_belong_to_their_buyer(app, client, make_user, login, paid_course):
    login(make_user("a@example.no"))
    page_url = buy(client).headers["Location"]
    client.submit(page_url, {"action": "pay"})
    order = order_of(app)
    assert client.get("/orders").status_code == 200
    client.submit("/logout", {}, form_url="/account")
    login(make_user("b@example.no"))
    for url in (f"/orders/{order.id}", f"/orders/{order.id}/success", f"/checkout/test-payment/{order.id}"):
        assert client.get(url).status_code == 404
    assert client.get("/admin/orders").status_code == 403


def test_campaign_banner_with_countdown(app, client):
    assert "campaign-heading" not in client.get("/").text
    make_code(app, "HMS2024", valid_until=utcnow() + timedelta(days=30), is_campaign=True)
    page = client.get("/")
    assert "25 % rabatt" in page.text.replace("\xa0", " ") and "HMS2024" in page.text
    assert "data-countdown-to=" in page.text and "countdown.js" in page.text
    with app.app_context():
        db.session.execute(DiscountCode.__table__.update().values(valid_until=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert "campaign-heading" not in client.get("/").text


def test_registration_tells_known_codes_from_unknown(app, client, outbox):
    make_code(app, "HMS2024")
    data = {"full_name": "Kari Nordmann", "email": "kari@example.no", "password": "correct horse battery",
            "password_repeat": "correct horse battery", "language": "nb"}
    refused = client.submit("/register", dict(data, code="TULL-123"))
    assert refused.status_code == 200 and "Vi kjenner ikke igjen koden." in refused.text
    assert count(app, User) == 0
    accepted = client.submit("/register", dict(data, code="hms2024"))
    assert accepted.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User.signup_code)) == "HMS2024"


def test_admin_manages_codes(app, client, make_user, login, paid_course):
    login(make_user("boss@example.no", is_admin=True))
    form = {"code": "sommer-25", "description": "Sommer", "kind": "percent", "value": "150",
            "valid_from": "2026-06-01T00:00", "valid_until": "2026-05-01T00:00", "min_quantity": "1",
            "per_user_limit": "1", "is_active": "y"}
    bad = client.submit("/admin/discount-codes/new", form)
    assert bad.status_code == 200
    assert "mellom 1 og 100" in bad.text and "Sluttidspunktet må være etter starttidspunktet." in bad.text
    assert count(app, DiscountCode) == 0
    good = client.submit("/admin/discount-codes/new", dict(form, value="25", valid_until="2026-08-31T23:59",
                                                            is_campaign="y"))
    assert good.status_code == 303
    with app.app_context():
        code = db.session.scalar(select(DiscountCode))
        assert code.code == "SOMMER-25" and code.is_campaign
        assert code.valid_from.isoformat() == "2026-05-31T22:00:00+00:00"  # Oslo summer time
    duplicate = client.submit("/admin/discount-codes/new", dict(form, value="10", valid_until=""))
    assert "allerede" in duplicate.text
    assert "SOMMER-25" in client.get("/admin/discount-codes").text
