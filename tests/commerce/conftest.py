import json

import pytest

from tests.fakestripe import start_fake_stripe

WEBHOOK_SECRET = "whsec_test_suite_secret"


@pytest.fixture
def fake_stripe(app):
    """Point the official stripe library at a Stripe-compatible server on loopback."""
    fake, server = start_fake_stripe()
    saved = {k: app.config.get(k) for k in ("LMS_STRIPE_SECRET_KEY", "LMS_STRIPE_WEBHOOK_SECRET", "LMS_STRIPE_API_BASE")}
    app.config.update(LMS_STRIPE_SECRET_KEY="sk_test_suite", LMS_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      LMS_STRIPE_API_BASE=fake.url)
    yield fake
    app.config.update(saved)
    server.shutdown()


@pytest.fixture
def send_event(client):
    """POST an event to the webhook, signed with Stripe's real scheme."""
    from lms.commerce.operations import sign

    def send(kind: str, obj: dict, event_id: str | None = None, secret: str = WEBHOOK_SECRET, signature: str | None = None):
        import secrets as s

        event = {"id": event_id or f"evt_{s.token_hex(8)}", "object": "event", "type": kind,
                 "created": 1, "livemode": False, "data": {"object": obj}}
        payload = json.dumps(event).encode()
        header = signature if signature is not None else sign(payload, secret)
        return client.post("/stripe/webhook", data=payload, headers={"Stripe-Signature": header},
                           content_type="application/json")

    return send
