"""Community reports on the web: the no-JavaScript form, the reports API, /recent, the
per-worker cache, moderation routes and the start-up schema check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import html5lib
import pytest
from click.testing import CliRunner

from ringcheck.cli import cli
from ringcheck.community import Community
from ringcheck.settings import Settings
from ringcheck.store import SchemaError, Store
from ringcheck.store import engine as store_engine
from ringcheck.web import csrf
from ringcheck.web.app import create_app
from ringcheck.web.community import CommunityCache

NUMBER = "+2250700000001"  # Côte d'Ivoire mobile: a typical one-ring number
NEIGHBOUR = "+2250700000002"
PAGE = f"/number/{NUMBER}"
TOKEN = "t" * 40


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """The test database, opened directly, to see what was (not) stored."""
    with Store.open(Settings(database_url=database_url, reports_per_hour=100_000)) as opened:
        yield opened


def parse(html: str) -> Any:
    return html5lib.parse(html, namespaceHTMLElements=False)


def csrf_token(html: str) -> str:
    fields = [el for el in parse(html).iter("input") if el.get("name") == csrf.FIELD]
    return str(fields[0].get("value"))


def text_of(html: str) -> str:
    return " ".join("".join(parse(html).find(".//main").itertext()).split())


def counts(html: str) -> dict[str, int]:
    """The "What people said" table: category label -> reports."""
    table = parse(html).find(".//table[@class='counts']")
    rows = [[("".join(td.itertext())).strip() for td in tr.iter("td")] for tr in table.iter("tr")]
    return {row[0]: int(row[1]) for row in rows if row}


def send_form(client: Any, data: dict[str, str], number: str = NUMBER) -> Any:
    token = csrf_token(client.get(f"/number/{number}").text)
    return client.post(
        f"/number/{number}/report", data={**data, csrf.FIELD: token}, follow_redirects=False
    )


def post_api(client: Any, **body: Any) -> Any:
    return client.post("/api/v1/reports", json={"number": NUMBER, **body})


def total(store: Store, number: str = NUMBER) -> int:
    return store.reports(number, include_hidden=True).total


def nothing_stored(store: Store) -> bool:
    return not store.recent(days=1, limit=100)


# The report form, without JavaScript
# ---------------------------------------------------------------------------------------------


def test_report_form_saves_then_redirects_to_the_page_that_counts_it(client, store):
    before = client.get(PAGE)
    assert before.status_code == 200
    assert "Nobody has reported this number yet." in text_of(before.text)
    form = parse(before.text).find(".//form[@class='report']")
    assert form.get("method") == "post" and form.get("action") == f"{PAGE}/report"
    radios = [el.get("value") for el in form.iter("input") if el.get("type") == "radio"]
    assert "one_ring_callback" in radios and "legitimate" in radios

    sent = send_form(client, {"category": "one_ring_callback", "rang": "2", "comment": "Rang once"})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{PAGE}?reported=new"
    after = client.get(sent.headers["location"])
    assert after.status_code == 200
    words = text_of(after.text)
    assert "Thank you. Your report is saved" in words
    assert "1 report from 1 person" in words
    assert counts(after.text) == {"Rang once, wants a call back": 1}
    assert "Rang once" in words
    assert total(store) == 1


def test_sending_the_form_again_updates_the_same_report(client, store):
    send_form(client, {"category": "silent"})
    again = send_form(client, {"category": "sales"})
    assert again.headers["location"] == f"{PAGE}?reported=updated"
    assert "We updated the report you sent earlier" in client.get(again.headers["location"]).text
    assert [r.category for r in store.reports(NUMBER).items] == ["sales"]


def test_a_form_error_keeps_what_was_typed_and_saves_nothing(client, store):
    answer = send_form(client, {"claimed": "", "rang": "3", "comment": "They said <press 1>"})
    assert answer.status_code == 422
    page = parse(answer.text)
    assert "There is a problem with your report" in text_of(answer.text)
    assert "Choose what kind of call it was." in text_of(answer.text)
    assert page.find(".//textarea[@id='report-comment']").text == "They said <press 1>"
    assert page.find(".//input[@id='report-rang']").get("value") == "3"
    assert answer.text.startswith("<!doctype html>")
    assert "<title>Error:" in answer.text
    assert nothing_stored(store)


def test_who_they_said_needs_the_impersonation_category(client, store):
    answer = send_form(client, {"category": "silent", "claimed": "HMRC"})
    assert answer.status_code == 422
    assert "choose 'Pretended to be someone else'" in text_of(answer.text)
    assert parse(answer.text).find(".//input[@id='report-claimed']").get("value") == "HMRC"
    assert send_form(client, {"category": "impersonation", "claimed": "HMRC"}).status_code == 303
    assert store.reports(NUMBER).items[0].claimed == "HMRC"


def test_an_expired_form_token_saves_nothing_and_says_so(client, store):
    client.get(PAGE)
    answer = client.post(f"{PAGE}/report", data={"category": "silent", csrf.FIELD: "forged.token"})
    assert answer.status_code == 400
    assert "your report was not saved" in text_of(answer.text)
    assert nothing_stored(store)


def test_a_number_that_cannot_exist_gets_no_form_and_cannot_be_reported(client, store):
    page = client.get("/number/+2341234")
    assert page.status_code in (200, 400)
    assert parse(page.text).find(".//form[@class='report']") is None
    token = csrf_token(client.get(PAGE).text)
    answer = client.post(
        "/number/+2341234/report", data={"category": "silent", "csrf_token": token}
    )
    assert 400 <= answer.status_code < 500
    assert nothing_stored(store)


HTML = "<script>alert(1)</script>"
SQL = "'; DROP TABLE reports; --"
HUGE = "x" * 10_000
CONTROL = "ring\x00\x07ring"
BIDI = "safe \u202egnp.exe"
EMOJI = "😀" * 600
# Text fields accept HTML- or SQL-looking text (shown escaped); these they refuse.
BAD_TEXT = [HUGE, CONTROL, BIDI, EMOJI]
BAD_ANY = [HTML, SQL, *BAD_TEXT, "NaN", "-1", "1e309"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", v) for v in BAD_ANY]
    + [("rang", v) for v in BAD_ANY]
    + [("comment", v) for v in BAD_TEXT]
    + [("claimed", v) for v in BAD_TEXT],
)
def test_hostile_form_input_is_a_clear_4xx_and_stores_nothing(client, store, field, value):
    data = {"category": "impersonation", "rang": "2", field: value}
    answer = send_form(client, data)
    assert 400 <= answer.status_code < 500, answer.status_code
    assert "There is a problem with your report" in text_of(answer.text)
    assert "<script>alert" not in answer.text
    assert nothing_stored(store)


@pytest.mark.parametrize(
    ("field", "value"),
    [("number", v) for v in [*BAD_ANY, "+44", "0", "+2250", "", "withheld", "١٢"]]
    + [("category", v) for v in [*BAD_ANY, None, 1, "Silent"]]
    + [("rang_seconds", v) for v in [*BAD_ANY, -1, 3601, True]]
    + [("comment", v) for v in [*BAD_TEXT, 5]]
    + [("claimed", v) for v in [*BAD_TEXT, "x" * 101]],
)
def test_hostile_api_input_is_a_clear_4xx_and_stores_nothing(client, store, field, value):
    body = {"number": NUMBER, "category": "impersonation", field: value}
    answer = client.post("/api/v1/reports", json=body)
    assert answer.status_code in (400, 422), answer.text
    error = answer.json()["error"]
    assert error["code"] and error["message"]
    assert b"<script" not in answer.content
    assert nothing_stored(store)


def test_api_refuses_bodies_that_are_too_big_or_not_json(client, store):
    big = client.post("/api/v1/reports", content=b'{"comment": "' + b"x" * 600_000 + b'"}')
    assert big.status_code == 413
    assert client.post("/api/v1/reports", content=b"{nope").status_code == 422
    assert client.post("/api/v1/reports", json=[1, 2]).status_code == 422
    assert nothing_stored(store)


def test_comments_are_escaped_and_cleaned_on_the_page_and_in_the_api(client):
    comment = f"{HTML} {SQL} call 07400 123456 or mail me@example.com"
    assert post_api(client, category="one_ring_callback", comment=comment).status_code == 201
    page = client.get(PAGE)
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    shown = text_of(page.text)
    assert "07400 123456" not in shown and "me@example.com" not in shown
    assert "[number removed]" in shown and "[email removed]" in shown
    api = client.get(f"/api/v1/numbers/{NUMBER}/reports")
    assert b"<script" not in api.content  # JSON escapes < and >
    saved = api.json()["reports"][0]["comment"]
    assert saved.startswith(HTML) and "[number removed]" in saved
    assert api.json()["community"]["comments"][0]["text"] == saved


# The reports API
# ---------------------------------------------------------------------------------------------


def test_api_report_is_201_then_200_when_it_updates_the_same_reporter(make_client, store):
    client = make_client(client_host="198.51.100.1")
    first = post_api(client, category="silent", rang_seconds=3)
    assert first.status_code == 201
    assert first.json()["created"] is True
    report = first.json()["report"]
    assert report["e164"] == NUMBER and report["rang_seconds"] == 3 and not report["hidden"]
    second = client.post(
        "/api/v1/reports", json={"number": "+225 07 00 00 00 01", "category": "sales"}
    )
    assert second.status_code == 200
    assert second.json()["created"] is False
    assert second.json()["report"]["id"] == report["id"]
    other = make_client(client_host="198.51.100.2")
    assert post_api(other, category="silent").status_code == 201
    assert total(store) == 2


def test_a_number_in_national_form_is_stored_as_e164(client, store):
    answer = client.post("/api/v1/reports", json={"number": "07400 123456", "category": "sales"})
    assert answer.status_code == 201
    assert answer.json()["report"]["e164"] == "+447400123456"
    assert total(store, "+447400123456") == 1


def test_over_the_hourly_limit_is_429_with_retry_after(make_client, store):
    client = make_client(reports_per_hour=2)
    for n in range(2):
        assert post_api(client, number=f"+22507000000{n}5", category="silent").status_code == 201
    refused = post_api(client, category="silent")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["error"]["code"] == "too_many_reports"
    page = send_form(client, {"category": "silent"})
    assert page.status_code == 429
    assert int(page.headers["retry-after"]) > 0
    assert "Please try again in about" in text_of(page.text)
    assert total(store) == 0


def test_the_hourly_limit_holds_across_two_workers_sharing_a_database(make_client, store):
    one = make_client(reports_per_hour=3, client_host="192.0.2.7")
    two = make_client(reports_per_hour=3, client_host="192.0.2.7")
    assert post_api(one, number="+2250700000011", category="silent").status_code == 201
    assert post_api(two, number="+2250700000012", category="silent").status_code == 201
    assert post_api(one, number="+2250700000013", category="silent").status_code == 201
    assert post_api(two, number="+2250700000014", category="silent").status_code == 429
    assert post_api(one, number="+2250700000015", category="silent").status_code == 429


def test_reports_come_in_pages(client, store):
    for n in range(25):
        store.add_report(number=NUMBER, category="one_ring_callback", client=f"10.0.0.{n}")
    url = f"/api/v1/numbers/{NUMBER}/reports"
    last = client.get(url, params={"page": 3, "per_page": 10}).json()
    assert (last["total"], last["pages"], last["page"], last["per_page"]) == (25, 3, 3, 10)
    assert len(last["reports"]) == 5
    first = client.get(url, params={"per_page": 10}).json()["reports"]
    assert len({r["id"] for r in first} | {r["id"] for r in last["reports"]}) == 15
    assert client.get(url, params={"page": 9}).json()["reports"] == []
    assert client.get(url, params={"per_page": 101}).status_code == 422
    assert client.get(url, params={"page": 0}).status_code == 422
    assert client.get("/api/v1/numbers/hello/reports").status_code == 400


def test_a_number_without_reports_has_no_community_block(client):
    body = client.get(f"/api/v1/numbers/{NUMBER}/reports").json()
    assert body == {
        "number": NUMBER,
        "community": None,
        "reports": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
        "pages": 1,
    }


# The number page with reports
# ---------------------------------------------------------------------------------------------


def test_three_reporters_reach_the_verdict_and_neighbours_are_counted(client, store):
    for n in range(3):
        store.add_report(number=NUMBER, category="one_ring_callback", client=f"r{n}")
    store.add_report(number="+2250700000009", category="one_ring_callback", client="x")
    store.add_report(number="+2250700000077", category="recorded_press_1", client="y")
    words = text_of(client.get(PAGE).text)
    assert "3 reports from 3 people" in words
    assert "2 people reported 2 numbers next to this one (the same but for the last two" in words
    assert "1 of them differs only in the last digit." in words
    assert words.count("next to this one") == 1  # the wider range holds the closer one
    check = client.get("/api/v1/check", params={"number": NUMBER}).json()
    page_reasons = client.get(PAGE).text
    assert "community_reports" not in page_reasons  # codes stay out of the page
    assert check["number"]["e164"] == NUMBER


def test_a_report_shows_at_once_on_this_worker_even_for_a_neighbour(client):
    assert "next to this one" not in text_of(client.get(PAGE).text)  # now cached
    post_api(client, number=NEIGHBOUR, category="one_ring_callback")
    assert "1 person reported 1 number next to this one" in text_of(client.get(PAGE).text)


# /recent
# ---------------------------------------------------------------------------------------------


def test_recent_says_so_when_nobody_reported_anything(client):
    page = client.get("/recent")
    assert page.status_code == 200
    assert "Nobody has reported a number in the last 7 days." in text_of(page.text)
    assert client.get("/api/v1/recent").json() == {"days": 7, "numbers": []}


def test_recent_lists_the_most_reported_numbers_with_links(client, store):
    for n in range(3):
        store.add_report(number=NUMBER, category="one_ring_callback", client=f"r{n}")
    store.add_report(number="+447400123456", category="sales", client="r9")
    page = parse(client.get("/recent").text)
    links = [a.get("href") for a in page.iter("a") if (a.get("href") or "").startswith("/number/")]
    assert links == ["/number/%2B2250700000001", "/number/%2B447400123456"]
    api = client.get("/api/v1/recent", params={"days": 7, "limit": 1}).json()
    assert [row["e164"] for row in api["numbers"]] == [NUMBER]
    assert api["numbers"][0]["reporters"] == 3
    assert client.get("/api/v1/recent", params={"days": 0}).status_code == 422


def test_the_recent_link_is_in_the_navigation(client):
    nav = parse(client.get("/").text).find(".//nav")
    assert "/recent" in [a.get("href") for a in nav.iter("a")]


# Moderation
# ---------------------------------------------------------------------------------------------

ADMIN_ROUTES = [
    ("post", "/api/v1/admin/reports/1/hide"),
    ("post", "/api/v1/admin/reports/1/unhide"),
    ("get", f"/api/v1/admin/reports?number={NUMBER}"),
    ("get", "/api/v1/admin/audit"),
]


@pytest.mark.parametrize(("method", "url"), ADMIN_ROUTES)
def test_admin_routes_are_absent_without_an_admin_token(client, method, url):
    answer = client.request(
        method, url, json={"reason": "spam"}, headers={"authorization": "Bearer "}
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("method", "url"), ADMIN_ROUTES)
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_admin_routes_need_the_right_token(make_client, method, url, header):
    client = make_client(admin_token=TOKEN)
    headers = {"authorization": header} if header else {}
    answer = client.request(method, url, json={"reason": "spam"}, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_the_admin_routes_are_not_in_the_public_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if "/admin/" in p]


def test_hidden_reports_leave_the_page_the_api_and_the_counts(make_client, store):
    client = make_client(admin_token=TOKEN)
    admin = {"authorization": f"Bearer {TOKEN}", "x-moderator": "Sam"}
    for n in range(2):
        store.add_report(number=NUMBER, category="one_ring_callback", client=f"r{n}")
    hidden_id = store.add_report(
        number=NUMBER, category="sales", client="spammer", comment="Buy now"
    ).report_id
    assert "3 reports from 3 people" in text_of(client.get(PAGE).text)

    url = f"/api/v1/admin/reports/{hidden_id}/hide"
    assert client.post(url, json={"reason": ""}, headers=admin).status_code == 422
    hidden = client.post(url, json={"reason": "advert"}, headers=admin)
    assert hidden.status_code == 200 and hidden.json()["report"]["hidden"] is True

    words = text_of(client.get(PAGE).text)
    assert "2 reports from 2 people" in words and "Buy now" not in words
    public = client.get(f"/api/v1/numbers/{NUMBER}/reports").json()
    assert public["total"] == 2 and public["community"]["total"] == 2
    assert hidden_id not in [r["id"] for r in public["reports"]]
    assert client.get("/api/v1/recent").json()["numbers"][0]["reports"] == 2
    listed = client.get("/api/v1/admin/reports", params={"number": NUMBER}, headers=admin).json()
    assert listed["total"] == 3

    audit = client.get("/api/v1/admin/audit", headers=admin).json()["audit"]
    assert audit[0]["action"] == "hide" and audit[0]["moderator"] == "Sam"
    assert audit[0]["report_id"] == hidden_id and audit[0]["reason"] == "advert"

    back = client.post(
        f"/api/v1/admin/reports/{hidden_id}/unhide", json={"reason": "ok"}, headers=admin
    )
    assert back.json()["report"]["hidden"] is False
    assert "3 reports from 3 people" in text_of(client.get(PAGE).text)
    missing = client.post("/api/v1/admin/reports/999/hide", json={"reason": "x"}, headers=admin)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "no_such_report"


# The per-worker cache
# ---------------------------------------------------------------------------------------------


class EveryRange(frozenset[str]):
    """Ranges as a store would give them if every range held a report."""

    def __contains__(self, item: object) -> bool:
        return True


class CountingStore:
    def __init__(self, ranges: frozenset[str] = EveryRange()) -> None:
        self.asked: list[str] = []
        self.ranges = ranges
        self.range_reads = 0

    def community(self, e164: str) -> Community | None:
        self.asked.append(e164)
        return None

    def reported_ranges(self) -> frozenset[str]:
        self.range_reads += 1
        return self.ranges


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_reuses_an_answer_until_it_expires():
    source, clock = CountingStore(), Clock()
    cache = CommunityCache(source, ttl_seconds=5, clock=clock)
    cache.get(NUMBER)
    cache.get(NUMBER)
    assert source.asked == [NUMBER]
    clock.now = 5.1
    cache.get(NUMBER)
    assert source.asked == [NUMBER, NUMBER]


def test_a_number_in_a_range_nobody_reported_needs_no_query_of_its_own():
    source, clock = CountingStore(ranges=frozenset({NUMBER[:-2]})), Clock()
    cache = CommunityCache(source, ttl_seconds=5, clock=clock)
    stranger = "+447400123456"
    assert cache.get(stranger) is None
    assert cache.peek("+447400999999") is None  # answered without the store
    cache.get(NUMBER[:-1] + "9")  # a neighbour's range holds a report: ask
    assert source.asked == [NUMBER[:-1] + "9"]
    assert source.range_reads == 1
    clock.now = 5.1  # the ranges are read again once they are as old as the entries
    cache.get(stranger)
    assert source.range_reads == 2


def test_a_report_through_this_worker_opens_its_range_at_once():
    source = CountingStore(ranges=frozenset())
    cache = CommunityCache(source, ttl_seconds=60)
    assert cache.get(NUMBER) is None and source.asked == []
    cache.invalidate(NUMBER)
    cache.get(NUMBER[:-1] + "1")
    assert source.asked == [NUMBER[:-1] + "1"]


def test_a_cache_with_no_lifetime_always_asks_the_store():
    source = CountingStore()
    cache = CommunityCache(source, ttl_seconds=0)
    cache.get(NUMBER)
    cache.get(NUMBER)
    assert source.asked == [NUMBER, NUMBER] and len(cache) == 0


def test_invalidating_a_number_drops_its_neighbours_but_not_strangers():
    source = CountingStore()
    cache = CommunityCache(source, ttl_seconds=60)
    for number in (NUMBER, NEIGHBOUR, "+2250700000099", "+2250700000101", "+447400123456"):
        cache.get(number)
    cache.invalidate(NEIGHBOUR)
    assert len(cache) == 2  # +2250700000101 and the UK number stay


def test_the_cache_never_grows_past_its_bound():
    cache = CommunityCache(CountingStore(), ttl_seconds=60, max_entries=100)
    for n in range(1_000):
        cache.get(f"+44740012{n:04d}")
    assert len(cache) <= 100
    assert cache.peek("+447400120999") is None  # the newest stays


# Refusing a database this version doesn't know
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def old_database(database_url: str) -> str:
    """A database at the first revision, before the moderation tables existed."""
    db = store_engine.create(store_engine.database_url(database_url))
    try:
        store_engine.upgrade(db, "0001")
    finally:
        db.dispose()
    return database_url


def test_an_app_refuses_a_database_at_an_older_revision(old_database):
    with pytest.raises(SchemaError) as caught:
        create_app(Settings(database_url=old_database))
    assert caught.value.code == "schema_out_of_date"
    assert "ringcheck db upgrade" in caught.value.message


def test_serve_prints_one_line_and_exits_2_on_an_older_database(old_database, tmp_path):
    env = {
        "RINGCHECK_DATABASE_URL": old_database,
        "RINGCHECK_CONFIG": str(tmp_path / "none.toml"),
    }
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ringcheck: ") and "ringcheck db upgrade" in lines[0]


def test_the_thank_you_page_counts_the_report_even_from_another_worker(make_client):
    first, second = (
        make_client(community_cache_seconds=3600),
        make_client(community_cache_seconds=3600),
    )
    page = first.get(f"/number/{NUMBER}")  # the other worker has the number cached now
    assert page.status_code == 200
    second.get(f"/number/{NUMBER}")
    response = first.post("/api/v1/reports", json={"number": NUMBER, "category": "silent"})
    assert response.status_code == 201
    thanks = second.get(f"/number/{NUMBER}?reported=new")
    assert "Thank you" in thanks.text
    assert second.app.state.community.get(NUMBER).total == 1


def test_when_every_reported_neighbour_differs_in_the_last_digit_one_sentence_says_so(
    client, store
):
    store.add_report(number="+2250700000009", category="one_ring_callback", client="x")
    words = text_of(client.get(PAGE).text)
    assert "1 person reported 1 number next to this one (the same but for the last digit)." in words
    assert words.count("next to this one") == 1
