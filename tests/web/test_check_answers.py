"""GET /api/v1/check: answers carry community reports, and kept answers never go stale
beyond what the community cache allows (src/ringcheck/web/answers.py, web/cache.py)."""

from __future__ import annotations

import asyncio

import pytest

from ringcheck.settings import Settings
from ringcheck.web.answers import CheckAnswers

NUMBER = "+2250712345678"


def report(client, number: str = NUMBER, category: str = "one_ring_callback"):
    response = client.post("/api/v1/reports", json={"number": number, "category": category})
    assert response.status_code in (200, 201), response.text
    return response


def test_a_number_nobody_reported_has_no_community_block(client):
    body = client.get("/api/v1/check", params={"number": NUMBER}).json()
    assert "community" not in body
    assert all(r["code"] != "community_reports" for r in body["verdict"]["reasons"])


def test_a_report_shows_in_the_next_check_from_the_same_worker(client):
    before = client.get("/api/v1/check", params={"number": NUMBER}).json()
    report(client)
    after = client.get("/api/v1/check", params={"number": NUMBER}).json()
    assert "community" not in before
    assert after["community"]["total"] == 1
    assert after["community"]["by_category"]["one_ring_callback"] == 1
    assert "community_reports" in {r["code"] for r in after["verdict"]["reasons"]}


def test_a_report_on_a_neighbour_shows_in_the_neighbour_counts(client):
    report(client, number=NUMBER[:-1] + "9")
    body = client.get("/api/v1/check", params={"number": NUMBER}).json()
    last_digit = next(n for n in body["community"]["neighbours"] if n["digits"] == 1)
    assert body["community"]["total"] == 0
    assert last_digit["reports"] == 1


def test_fast_lane_and_framework_route_answer_alike(client):
    app = client.app
    for query in (f"number={NUMBER}", "number=hello", "rang=2", f"number={NUMBER}&rang=x"):
        fast = client.get(f"/api/v1/check?{query}")
        status, body = asyncio.run(app.state.check_answers.answer(query.encode()))
        assert (fast.status_code, fast.content) == (status, body)


def test_a_kept_answer_is_the_same_bytes_as_a_fresh_one(make_client):
    kept = make_client()
    fresh = make_client(community_cache_seconds=0)
    for _ in range(2):
        a = kept.get("/api/v1/check", params={"number": NUMBER, "rang": "2"})
        b = fresh.get("/api/v1/check", params={"number": NUMBER, "rang": "2"})
        assert a.content == b.content
    answers = kept.app.state.check_answers
    assert answers.kept.hits >= 1
    assert fresh.app.state.check_answers.kept.hits == 0


def test_with_no_cache_time_nothing_is_kept(make_client):
    client = make_client(community_cache_seconds=0)
    for _ in range(3):
        client.get("/api/v1/check", params={"number": NUMBER})
    answers = client.app.state.check_answers
    assert (answers.kept.hits, answers.kept.misses, len(answers.kept)) == (0, 3, 0)


def test_kept_answers_are_bounded():
    answers = CheckAnswers(Settings(), max_answers=5)
    for n in range(20):
        asyncio.run(answers.answer(f"number=%2B44740012340{n:02d}".encode()))
    assert len(answers.kept) == 5


def test_kept_answers_expire():
    clock = [1000.0]
    answers = CheckAnswers(Settings(community_cache_seconds=5), timer=lambda: clock[0])
    asyncio.run(answers.answer(b"number=%2B447400123456"))
    asyncio.run(answers.answer(b"number=%2B447400123456"))
    clock[0] += 6
    asyncio.run(answers.answer(b"number=%2B447400123456"))
    assert (answers.kept.hits, answers.kept.misses) == (1, 2)


@pytest.mark.parametrize("query", [b"number=" + b"9" * 5000, b"number=%2B44&" + b"x" * 3000])
def test_very_long_queries_are_answered_but_not_kept(query):
    answers = CheckAnswers(Settings())
    status, _ = asyncio.run(answers.answer(query))
    assert status in (400, 422)
    assert len(answers.kept) == 0


def test_the_check_still_answers_when_the_database_is_gone(client):
    client.app.state.store.close()
    client.app.state.community.clear()
    response = client.get("/api/v1/check", params={"number": "+447400123456"})
    assert response.status_code == 200
    assert response.json()["verdict"]["level"] in ("low", "caution", "high", "very_high")


def test_post_check_and_batch_carry_community_reports_too(client):
    report(client)
    single = client.post("/api/v1/check", json={"number": NUMBER}).json()
    batch = client.post(
        "/api/v1/check/batch", json={"items": [{"number": NUMBER}, {"number": "+447400123456"}]}
    ).json()["results"]
    assert single["community"]["total"] == 1
    assert batch[0]["community"]["total"] == 1
    assert "community" not in batch[1]
