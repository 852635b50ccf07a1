import os

import pytest



def limited_app(make_app, storage="memory://"):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, LMS_LOGIN_LIMIT="3 per minute",
                    LMS_RESET_LIMIT="2 per minute", LMS_REGISTER_LIMIT="2 per minute")


def hammer(client, url, data, times):
    import re

    responses = []
    for _ in range(times):
        page = client.get(url)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        responses.append(client.post(url, data=dict(data, csrf_token=token.group(1) if token else "")))
    return responses


def codes(responses):
    return [r.status_code for r in responses]


def test_login_is_rate_limited(make_app):
    client = limited_app(make_app).test_client()
    responses = hammer(client, "/login", {"email": "a@example.no", "password": "wrong password"}, 5)
    assert codes(responses) == [200, 200, 200, 429, 429]
    assert "For mange forsøk" in responses[-1].text
    # Reading the page is not limited.
    assert client.get("/login").status_code == 200


def test_reset_and_register_are_rate_limited(make_app):
    client = limited_app(make_app).test_client()
    assert codes(hammer(client, "/forgot-password", {"email": "a@example.no"}, 3))[-1] == 429
    assert codes(hammer(client, "/register", {"email": "bad"}, 3))[-1] == 429


@pytest.mark.skipif(not os.environ.get("LMS_TEST_REDIS_URL"), reason="LMS_TEST_REDIS_URL is not set")
def test_limits_are_shared_through_redis(make_app):
    import redis

    url = os.environ["LMS_TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    first = limited_app(make_app, url).test_client()
    second = limited_app(make_app, url).test_client()  # another app instance, same Redis
    assert codes(hammer(first, "/login", {"email": "a@example.no", "password": "x"}, 2)) == [200, 200]
    assert codes(hammer(second, "/login", {"email": "a@example.no", "password": "x"}, 2)) == [200, 429]
