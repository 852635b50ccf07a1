"""A Stripe-compatible server on loopback: records what the official library sends, answers like Stripe.

Only what the platform uses: Checkout Sessions (create, list, retrieve) and Refunds (create).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (line_items[0][price_data][unit_amount]=...) back into nested data."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            nxt = None if last else parts[index + 1]
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append({} if not nxt or not nxt.isdigit() else [])
                if last:
                    node[position] = value
                else:
                    if not isinstance(node[position], (dict, list)) or (nxt.isdigit() and not isinstance(node[position], list)):
                        node[position] = [] if nxt.isdigit() else {}
                    node = node[position]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt.isdigit() else {})
    return root


@dataclass
class FakeStripe:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    fail_times: int = 0  # answer this many requests with a server error (the library retries)

    def calls(self, method: str, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]

    def mark_paid(self, session_id: str) -> dict[str, Any]:
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid",
                       payment_intent=session.get("payment_intent") or f"pi_{secrets.token_hex(8)}")
        return session

    def app(self, environ, start_response):
        request = Request(environ)
        body = request.get_data(as_text=True)
        data = unflatten(parse_qsl(body, keep_blank_values=True)) if body else {}
        if request.method == "GET":
            data = unflatten(list(request.args.items(multi=True)))
        self.requests.append({"method": request.method, "path": request.path, "data": data,
                              "authorization": request.headers.get("Authorization", "")})
        if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
            return self._json(environ, start_response, {"error": {"type": "invalid_request_error",
                                                          "message": "Invalid API Key provided"}}, 401)
        if self.fail_times > 0:
            self.fail_times -= 1
            return self._json(environ, start_response, {"error": {"type": "api_error", "message": "Something went wrong"}}, 500)
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
            return self._json(environ, start_response, self._create_session(data))
        if request.method == "GET" and request.path == "/v1/checkout/sessions":
            listed = sorted(self.sessions.values(), key=lambda s: s["created"], reverse=True)
            return self._json(environ, start_response, {"object": "list", "url": "/v1/checkout/sessions",
                                               "has_more": False, "data": listed})
        match = re.fullmatch(r"/v1/checkout/sessions/([\w-]+)", request.path)
        if request.method == "GET" and match and match.group(1) in self.sessions:
            return self._json(environ, start_response, self.sessions[match.group(1)])
        if request.method == "POST" and request.path == "/v1/refunds":
            refund = {"id": f"re_{secrets.token_hex(8)}", "object": "refund", "status": "succeeded",
                      "payment_intent": data.get("payment_intent"), "metadata": data.get("metadata", {})}
            self.refunds.append(refund)
            return self._json(environ, start_response, refund)
        return self._json(environ, start_response, {"error": {"type": "invalid_request_error",
                                                      "message": f"Unrecognized request URL ({request.method}: {request.path})"}}, 404)

    def _create_session(self, data: dict[str, Any]) -> dict[str, Any]:
        session_id = f"cs_test_{secrets.token_hex(12)}"
        amount = sum(int(item["price_data"]["unit_amount"]) * int(item["quantity"]) for item in data.get("line_items", []))
        session = {
            "id": session_id, "object": "checkout.session", "mode": data.get("mode"), "status": "open",
            "payment_status": "unpaid", "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "client_reference_id": data.get("client_reference_id"), "customer_email": data.get("customer_email"),
            "amount_total": amount, "currency": "nok", "created": int(time.time()),
            "expires_at": int(data.get("expires_at", 0)), "metadata": data.get("metadata", {}),
            "payment_intent": None, "success_url": data.get("success_url"), "cancel_url": data.get("cancel_url"),
        }
        self.sessions[session_id] = session
        return session

    @staticmethod
    def _json(environ, start_response, payload: dict[str, Any], status: int = 200):
        response = Response(json.dumps(payload), status=status, mimetype="application/json",
                            headers={"Request-Id": f"req_{secrets.token_hex(6)}"})
        return response(environ, start_response)


def start_fake_stripe() -> tuple[FakeStripe, Any]:
    fake = FakeStripe()
    server = make_server("127.0.0.1", 0, fake.app, threaded=True)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return fake, server
