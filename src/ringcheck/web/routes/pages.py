"""Server-rendered pages for people. Everything works with JavaScript off.

The home form posts (with a CSRF token) to /check, which redirects to the canonical
/number/{e164} page; what happened on the call travels in the query string so the page
can be bookmarked and shared, and so does what the person typed (``typed``) when letters
in it were read as digits, so the page can say how it read them. The result page's own
"What happened?" form is a GET to that same address, so it needs no token.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ringcheck import reportfiles
from ringcheck.checker import AsyncReports, Campaigns, CheckResult, check, check_async
from ringcheck.codes import calling_codes
from ringcheck.community import CATEGORIES
from ringcheck.datatables import tables
from ringcheck.errors import RingcheckError
from ringcheck.homes import contacts, help_for
from ringcheck.numbers import parse_number
from ringcheck.risk import CallContext, ring_seconds
from ringcheck.web import csrf
from ringcheck.web.deps import CommunityDep, SettingsDep, campaigns_of, community_of, settings_of
from ringcheck.written import Reading

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # ringcheck/web
# The web app's own templates, then the report files' (the /triage page draws the triage
# report's body: it lives with the report, ``reportfiles``).
templates = Jinja2Templates(directory=[os.path.join(HERE, "templates"), reportfiles.TEMPLATES])
router = APIRouter(include_in_schema=False)

_CONTEXT_FIELDS = ("claimed", "rang", "voicemail", "voicemail_number", "expected", "recorded")
_PAGE_METHODS = ["GET", "HEAD"]  # HEAD too, so link checkers and `curl -I` get an answer
# Which form field a context error belongs to (every other error is about the number).
_ERROR_FIELD = {
    "bad_rang": "rang",
    "bad_claimed": "claimed",
    "bad_voicemail_number": "voicemail_number",
}
_LOOKS_LIKE_NUMBER = re.compile(r"[+(]?[\d][\d\s().\-]{4,30}")
_E164 = re.compile(r"\+[1-9]\d{5,14}")
MAX_ALSO = 10  # other numbers from one text listed on a number's page
MAX_TYPED = 60  # what the person typed, carried to the number's page when it had letters
# ?reported=… after a report was sent (Post/Redirect/Get): which thank-you to show.
NOTICES = {
    "new": "Thank you. Your report is saved and counted below.",
    "updated": "Thank you. We updated the report you sent earlier about this number.",
}


def is_e164(text: str) -> bool:
    """Whether ``text`` is written the canonical way: + and 6 to 15 digits."""
    return _E164.fullmatch(text) is not None


def day(moment: dt.datetime | None) -> str:
    """A date as people write it: 3 November 2026 (UTC)."""
    if moment is None:
        return ""
    return f"{moment.astimezone(dt.UTC):%-d %B %Y}"


templates.env.filters["day"] = day

# The guide's questions and answers: shown on /guide and, from this same list, as
# schema.org FAQPage JSON-LD. Plain text only (no HTML): both faces print it as is.
FAQ: tuple[tuple[str, str], ...] = (
    (
        "Why would someone ring once and hang up?",
        "So that you call back. The number leads to an expensive line abroad or a "
        "premium-rate line. The longer you stay on the call, the more the scammer earns "
        "from what you pay.",
    ),
    (
        "What does wangiri mean?",
        "It is Japanese for 'one ring and cut'. It is another name for the call-back "
        "scam: a computer rings thousands of phones once or twice and hangs up.",
    ),
    (
        "I called back. What should I do now?",
        "Hang up if you are still on the call. Don't press any buttons and don't give any "
        "details. Report it to Report Fraud at reportfraud.police.uk or on 0300 123 2040 "
        "(in Scotland, call Police Scotland on 101). Text the word CALL to 7726 to tell "
        "your network. If you gave any bank details, call 159 to reach your bank.",
    ),
    (
        "The number starts with +44. Is it from abroad?",
        "No. +44 is the UK's own code. +44 7 is a UK mobile written the international "
        "way: +44 7700 900123 is the same number as 07700 900123. Some +44 numbers belong "
        "to Guernsey, Jersey or the Isle of Man, which share the UK's code.",
    ),
    (
        "It starts with +1. Isn't that America?",
        "Not always. About twenty places in the Caribbean and the Atlantic also use +1, "
        "such as Jamaica (+1 876 and 658), the Dominican Republic (+1 809, 829 and 849) and "
        "Grenada (+1 473). Many of these are named in warnings about call-back scams.",
    ),
    (
        "A recording said it was HMRC and told me to press 1. Is it real?",
        "No. HMRC does not ring you with a recording that threatens legal action unless "
        "you press a button. Hang up. If you are worried about your tax, find HMRC's "
        "number on GOV.UK and call it yourself.",
    ),
    (
        "They said they were my bank. What should I do?",
        "Hang up and call 159. It puts you through to your bank's real fraud line. Use a "
        "different phone if you can. 159 never calls you.",
    ),
    (
        "Can a UK number shown on my phone be faked?",
        "Yes. Phone companies must now block many faked numbers, but a call from abroad "
        "can still show a UK mobile number. A UK number on your screen doesn't prove who "
        "is calling.",
    ),
    (
        "ringcheck says low risk. Does that mean the call is safe?",
        "No. ringcheck can tell you when a number looks less worrying, but it can't "
        "vouch for a caller. If you don't know who it was, let them leave a message.",
    ),
    (
        "How do I report a scam call?",
        "Report it to Report Fraud at reportfraud.police.uk or on 0300 123 2040. Report "
        "Fraud took over from Action Fraud in December 2025 (England, Wales and Northern "
        "Ireland). In Scotland, call Police Scotland on 101. You can also text the word "
        "CALL to 7726 for free; your network replies asking for the number.",
    ),
    (
        "Does ringcheck keep the numbers I check?",
        "No. The numbers you check are not stored or logged. See the About page for what is kept.",
    ),
)


def faq_jsonld(faq: tuple[tuple[str, str], ...] = FAQ) -> dict[str, Any]:
    """The FAQ as schema.org FAQPage data (rendered with Jinja's ``tojson``)."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": question,
                "acceptedAnswer": {"@type": "Answer", "text": answer},
            }
            for question, answer in faq
        ],
    }


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render a page with what every page needs (wording, data version, a CSRF token).

    Form problems go in ``errors`` ({field: message}); ``error`` is one message about
    the whole form (an expired token, say).
    """
    settings = settings_of(request)
    token = request.cookies.get(csrf.COOKIE)
    if not token or not csrf.valid(settings.secret_key, token, token):
        token = csrf.issue(settings.secret_key)
    data = tables()
    context = {
        "words": data.wording,
        "data_version": data.version,
        "csrf_field": csrf.FIELD,
        "csrf_token": token,
        "status": status,
        "values": {},
        "errors": {},
        "error": None,
        **help_for(settings.home),  # the footer's "lost money?" help for the home
        **values,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.set_cookie(
        csrf.COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() in ("1", "true", "yes", "on")


def context_from(params: Any) -> tuple[CallContext, dict[str, str]]:
    """The call's story from a query string or form, and the same as clean text values."""
    claimed = (params.get("claimed") or "").strip()[:200] or None
    rang = ring_seconds(params.get("rang"))
    voicemail_number = (params.get("voicemail_number") or "").strip() or None
    context = CallContext(
        claimed=claimed,
        rang_seconds=rang,
        voicemail=_flag(params.get("voicemail")),
        expected_abroad=_flag(params.get("expected")),
        recorded_message=_flag(params.get("recorded")),
        voicemail_number=voicemail_number,
    )
    clean = {
        "claimed": claimed or "",
        "rang": f"{rang:g}" if rang is not None else "",
        "voicemail": "1" if context.voicemail else "",
        "voicemail_number": voicemail_number or "",
        "expected": "1" if context.expected_abroad else "",
        "recorded": "1" if context.recorded_message else "",
    }
    return context, clean


def number_path(result: CheckResult) -> str:
    """The result's address without what happened: /number/+E164 (or /number/withheld)."""
    key = result.number.e164 or result.number.national_format or "withheld"
    if result.number.withheld:
        key = "withheld"
    return f"/number/{quote(key, safe='+')}"


def number_url(
    result: CheckResult, clean: dict[str, str], also: tuple[str, ...] = (), typed: str = ""
) -> str:
    """The canonical address of a result: /number/+E164 plus what happened, if anything,
    the other numbers the person's text held (``also``) and what they typed when its
    letters were read as digits (``typed``)."""
    values = {k: v for k, v in clean.items() if v}
    if also:
        values["also"] = ",".join(also)
    if typed:
        values["typed"] = typed
    query = urlencode(values)
    return number_path(result) + (f"?{query}" if query else "")


def others_in(result: CheckResult, params: Any) -> tuple[str, ...]:
    """The other numbers in what the person typed: found by the check, or carried in
    ``?also=`` from the form to the number's own page (E.164 only, each once)."""
    carried = (params.get("also") or "")[:400].split(",")
    found = [*result.also_found, *(n for n in carried if is_e164(n))]
    return tuple(n for n in dict.fromkeys(found) if n != result.number.e164)[:MAX_ALSO]


def typed_reading(typed: str | None, result: CheckResult, home: str) -> tuple[str, Reading | None]:
    """What the person typed (``?typed=``, or the address itself) and how its letters were
    read as digits (``NumberInfo.read_as``); ("", None) unless it reads as this number."""
    typed = (typed or "").strip()
    if not typed or len(typed) > MAX_TYPED or result.number.e164 is None:
        return "", None
    try:
        info = parse_number(typed, home)
    except RingcheckError:
        return "", None
    if info.read_as is None or info.e164 != result.number.e164:
        return "", None
    return typed, info.read_as


def _problem(fields: dict[str, str], exc: RingcheckError) -> dict[str, Any]:
    """Template values for a form shown again with the person's input and what to fix."""
    return {"values": fields, "errors": {_ERROR_FIELD.get(exc.code, "number"): exc.message}}


@router.api_route("/", methods=_PAGE_METHODS, response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return render(request, "index.html")


@router.post("/check", response_class=HTMLResponse)
async def submit(request: Request, settings: SettingsDep) -> Response:
    form = await request.form()
    fields = {k: str(form.get(k) or "")[:1000] for k in ("number", *_CONTEXT_FIELDS)}
    if not csrf.valid(
        settings.secret_key, str(form.get(csrf.FIELD) or ""), request.cookies.get(csrf.COOKIE)
    ):
        return render(
            request,
            "index.html",
            status=400,
            values=fields,
            error="This form had run out of time, so nothing was checked. "
            "Your answers are still here: press Check again.",
        )
    try:
        context, clean = context_from(fields)
        result = check(fields["number"], context, home=settings.home, settings=settings)
    except RingcheckError as exc:
        return render(request, "not_a_number.html", status=400, **_problem(fields, exc))
    typed = fields["number"] if result.number.read_as else ""
    return RedirectResponse(number_url(result, clean, result.also_found, typed), status_code=303)


@router.api_route("/number/{number:path}", methods=_PAGE_METHODS, response_class=HTMLResponse)
async def number_page(
    request: Request, number: str, settings: SettingsDep, community: CommunityDep
) -> Response:
    fields = {
        "number": number[:1000],
        **{k: request.query_params.get(k, "")[:1000] for k in _CONTEXT_FIELDS},
    }
    if request.query_params.get("reported") in NOTICES and is_e164(number):
        # Back from sending a report, maybe to another worker than the one that saved
        # it: read the number afresh, so the thank-you sits above a count that has it.
        community.refresh(number)
    campaigns = await campaigns_for(request, number)
    try:
        context, clean = context_from(request.query_params)
        result = await check_async(
            number,
            context,
            home=settings.home,
            settings=settings,
            reports=reports_for(request, number),
            campaigns=campaigns,
        )
    except RingcheckError as exc:
        return render(request, "not_a_number.html", status=400, **_problem(fields, exc))
    also = others_in(result, request.query_params)
    typed, read_as = typed_reading(
        request.query_params.get("typed") or (number if result.number.read_as else ""),
        result,
        settings.home,
    )
    canonical = number_url(result, clean, also, typed)
    reported = request.query_params.get("reported", "")
    expected = canonical
    if reported in NOTICES:
        expected += ("&" if "?" in canonical else "?") + urlencode({"reported": reported})
    if expected != _current(request):
        return RedirectResponse(canonical, status_code=301)
    return number_view(
        request,
        result,
        clean,
        notice=NOTICES.get(reported),
        also=also,
        typed=typed,
        read_as=read_as or result.number.read_as,
    )


def reports_for(request: Request, text: str) -> AsyncReports | None:
    """Where to ask what people reported about the number in a canonical address
    (/number/+E164): the worker's reports cache. Other spellings get no lookup: they are
    redirected to the canonical address first. If the database can't answer, the page
    still shows the checker's own verdict (``CommunityCache.find``).
    """
    if not is_e164(text):
        return None
    return community_of(request).find


async def campaigns_for(request: Request, text: str) -> Campaigns | None:
    """Where to ask for the live campaign that holds the number in a canonical address
    (brought up to date first: at most one query a second)."""
    if not is_e164(text):
        return None
    campaigns = campaigns_of(request)
    await campaigns.fresh()
    return campaigns.find


def number_view(
    request: Request,
    result: CheckResult,
    clean: dict[str, str],
    status: int = 200,
    also: tuple[str, ...] = (),
    **extra: Any,
) -> HTMLResponse:
    """The number page for a result; ``extra`` carries the report form's values and errors,
    ``also`` the other numbers the person's text held."""
    info = result.number
    canonical = number_url(result, clean, also)
    home_contacts = contacts(settings_of(request).home)
    community = result.community if result.community and result.community.total else None
    return render(
        request,
        "result.html",
        status=status,
        result=result,
        number=info,
        verdict=result.verdict,
        canonical=canonical,
        path=number_path(result),
        # Where to report or get help: links for the home's own services (homes.toml).
        contacts=[c for a in result.verdict.advice for c in home_contacts.get(a.code, ())],
        told=any(clean.values()),
        also=[(e164, f"/number/{quote(e164, safe='+')}") for e164 in also],
        values=clean,
        community=community,
        neighbours=result.community.neighbours if result.community else (),
        can_report=bool(info.valid and info.e164 and not info.withheld),
        categories=[(c, tables().wording.category_name[c]) for c in CATEGORIES],
        **{"report_values": {}, "report_errors": {}, "notice": None, "typed": "", **extra},
    )


def _current(request: Request) -> str:
    path = quote(request.url.path, safe="/+")
    query = request.url.query
    return path + (f"?{query}" if query else "")


@router.api_route("/guide", methods=_PAGE_METHODS, response_class=HTMLResponse)
async def guide(request: Request) -> Response:
    return render(request, "guide.html", faq=FAQ, faq_jsonld=faq_jsonld())


@router.api_route("/codes", methods=_PAGE_METHODS, response_class=HTMLResponse)
async def codes(request: Request, q: str = "", warned: str = "") -> Response:
    query = q.strip()[:100]
    only_warned = bool(_flag(warned))
    rows = calling_codes(query or None)
    area = re.sub(r"[\s+]", "", query)
    if len(area) == 3 and area.isdigit():  # "876" is how people read "+1 876"
        rows += [row for row in calling_codes("1" + area) if row.digits == "1" + area]
    if only_warned:
        rows = [row for row in rows if row.high_risk]
    return render(request, "codes.html", rows=rows, q=query, warned=only_warned)


@router.api_route("/about", methods=_PAGE_METHODS, response_class=HTMLResponse)
async def about(request: Request, settings: SettingsDep) -> Response:
    return render(request, "about.html", sources=tables().sources, settings=settings)


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> Response:
    return render(request, "docs.html")


def not_found(request: Request) -> Response:
    """A 404 that keeps what was typed; an address that is really a number gets a link."""
    path = request.url.path[:200]
    typed = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    if _LOOKS_LIKE_NUMBER.fullmatch(typed):
        values = {"number": typed}
        suggestion = "/number/" + quote(typed, safe="+")
        return render(
            request, "404.html", status=404, path=path, values=values, suggestion=suggestion
        )
    return render(request, "404.html", status=404, path=path)


def invalid_page(request: Request, status: int, message: str) -> Response:
    """A request a page can't read: the form again, saying what was wrong."""
    return render(request, "index.html", status=status, values={}, error=message)


def error_page(request: Request, status: int, message: str) -> Response:
    """Any other HTTP error on a page: the 404 page (with its number link) or its look."""
    if status == 404:
        return not_found(request)
    return render(request, "404.html", status=status, path=request.url.path)
