"""Per-client rate limits: a token bucket in memory, or in the real Redis shared by workers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ringcheck.web import ratelimit

CHECK = "/api/v1/check?number=%2B447400123456"


def assert_limited(response: Any) -> int:
    """``response`` is a 429 with a whole-second Retry-After and a JSON error; the wait."""
    assert response.status_code == 429, response.text
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    assert int(retry_after) >= 1
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert retry_after in error["message"]
    return int(retry_after)


def statuses(client: Any, count: int, path: str = CHECK) -> list[int]:
    return [client.get(path).status_code for _ in range(count)]


def wait_for_a_token(client: Any, limit: float = 4.0) -> None:
    """Poll the API until it answers again; fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while client.get(CHECK).status_code == 429:
        assert time.monotonic() < deadline, f"no token came back within {limit} s"
        time.sleep(0.05)


class FakeClock:
    """Stands in for the time module inside ratelimit: a clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def run(take: Any, client: str) -> float:
    """``await take(client)`` for the memory limiter, which never suspends. Driven by hand
    because another suite's Playwright may keep an event loop running in this thread."""
    coroutine = take(client)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return float(done.value)
    coroutine.close()
    raise AssertionError("MemoryLimiter.take waited on something")


# In memory


def test_a_client_gets_its_burst_then_429_with_retry_after(make_client):
    client = make_client(rate_per_minute=1, rate_burst=5)
    assert statuses(client, 5) == [200] * 5
    wait = assert_limited(client.get(CHECK))
    assert 1 <= wait <= 60  # one token a minute


def test_every_api_endpoint_and_form_post_shares_the_limit(make_client):
    client = make_client(rate_per_minute=1, rate_burst=3)
    assert client.get("/api/v1/codes").status_code == 200
    assert client.post("/api/v1/check", json={"number": "+447400123456"}).status_code == 200
    assert client.post("/check", data={"number": "+447400123456"}).status_code == 400  # no token
    assert_limited(client.post("/api/v1/check/batch", json={"items": []}))
    assert_limited(client.get("/api/v1/nope"))
    assert_limited_page(client.post("/check", data={"number": "+447400123456"}))


def assert_limited_page(response: Any) -> None:
    """A person posting the form gets a page (not JSON) saying how long to wait."""
    assert response.status_code == 429, response.text
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit() and int(retry_after) >= 1
    assert response.headers["content-type"].startswith("text/html")
    assert f"wait {retry_after} second" in response.text
    assert "<script" not in response.text


def test_refused_requests_do_not_use_up_tokens(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(ratelimit, "time", clock)
    limiter = ratelimit.MemoryLimiter(rate_per_minute=60, burst=1)  # a token a second
    assert run(limiter.take, "client") == 0.0
    clock.now = 0.5
    waits = [run(limiter.take, "client") for _ in range(20)]
    assert waits == [pytest.approx(0.5)] * 20
    clock.now = 1.0
    assert run(limiter.take, "client") == 0.0


@pytest.mark.parametrize(
    "path", ["/", "/guide", "/codes", "/about", "/docs", "/number/+447400123456"]
)
def test_pages_are_not_limited(make_client, path):
    client = make_client(rate_per_minute=1, rate_burst=1)
    assert statuses(client, 10, path) == [200] * 10
    assert client.get(CHECK).status_code == 200  # and they did not use the API's token


def test_healthz_static_files_and_the_schema_are_not_limited(make_client):
    client = make_client(rate_per_minute=1, rate_burst=1)
    client.get(CHECK)
    assert_limited(client.get(CHECK))
    for path in ("/healthz", "/static/style.css", "/openapi.json"):
        assert statuses(client, 10, path) == [200] * 10, path


def test_tokens_refill_over_time(make_client):
    client = make_client(rate_per_minute=60, rate_burst=2)  # a token a second
    assert statuses(client, 2) == [200, 200]
    assert_limited(client.get(CHECK))
    wait_for_a_token(client)


def test_the_bucket_never_holds_more_than_the_burst(make_client):
    client = make_client(rate_per_minute=600, rate_burst=3)  # a token every 0.1 s
    time.sleep(0.6)  # uncapped, the bucket would now hold 3 + 6 tokens
    started = time.monotonic()
    served = statuses(client, 12)
    refilled = (time.monotonic() - started) * 10
    assert served[:3] == [200] * 3
    assert served.count(200) <= 3 + refilled + 1, served


def test_each_app_keeps_its_own_memory_limit(make_client):
    first = make_client(rate_per_minute=1, rate_burst=2)
    second = make_client(rate_per_minute=1, rate_burst=2)
    assert statuses(first, 3) == [200, 200, 429]
    assert statuses(second, 2) == [200, 200]


def test_memory_limiter_keeps_clients_apart(monkeypatch):
    monkeypatch.setattr(ratelimit, "time", FakeClock())
    limiter = ratelimit.MemoryLimiter(rate_per_minute=1, burst=2)
    assert [run(limiter.take, "198.51.100.1") for _ in range(2)] == [0.0, 0.0]
    assert run(limiter.take, "198.51.100.1") == pytest.approx(60.0)
    assert run(limiter.take, "198.51.100.2") == 0.0


def test_memory_limiter_forgets_full_buckets_when_it_holds_too_many(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(ratelimit, "time", clock)
    limiter = ratelimit.MemoryLimiter(rate_per_minute=60, burst=2, max_clients=3)
    for client in ("a", "b", "c"):
        run(limiter.take, client)
    clock.now = 10.0  # every bucket has refilled
    run(limiter.take, "d")
    assert set(limiter.buckets) == {"d"}


# In Redis (the real server on 127.0.0.1:6379, database 15)


def test_redis_limiter_gives_the_burst_then_429(redis_client):
    client = redis_client(rate_per_minute=1, rate_burst=4)
    assert statuses(client, 4) == [200] * 4
    wait = assert_limited(client.get(CHECK))
    assert 1 <= wait <= 60


def test_two_workers_on_one_redis_share_one_limit(redis_client):
    first = redis_client(rate_per_minute=1, rate_burst=6)
    second = redis_client(rate_per_minute=1, rate_burst=6)
    assert first.app is not second.app
    assert statuses(first, 3) == [200] * 3
    assert statuses(second, 3) == [200] * 3
    assert_limited(first.get(CHECK))
    assert_limited(second.get(CHECK))


def test_redis_limit_refills_over_time(redis_client):
    client = redis_client(rate_per_minute=60, rate_burst=1)  # a token a second
    assert client.get(CHECK).status_code == 200
    assert_limited(client.get(CHECK))
    wait_for_a_token(client)


def test_redis_bucket_expires_once_full_again(redis_client, redis_url):
    import redis

    client = redis_client(rate_per_minute=60, rate_burst=2)
    client.get(CHECK)
    conn = redis.Redis.from_url(redis_url)
    try:
        keys = list(conn.scan_iter(match="rc:rl:*"))
        assert len(keys) == 1
        ttl_ms = conn.pttl(keys[0])
        assert 0 < ttl_ms <= 3000  # time to refill the burst (2 s), plus a second
    finally:
        conn.close()


def test_unreachable_redis_lets_requests_through(make_client, caplog):
    client = make_client(redis_url="redis://127.0.0.1:1/0", rate_per_minute=1, rate_burst=1)
    started = time.monotonic()
    assert statuses(client, 5) == [200] * 5
    assert time.monotonic() - started < 10
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1  # said once, not on every request
