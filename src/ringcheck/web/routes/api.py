"""JSON API under /api/v1: the result contract of DESIGN.md, for tools.

The response models below document the contract in OpenAPI; handlers return ready JSON
bytes from ``CheckResult.to_dict()`` (the one serialiser every face shares) rather than
re-validating each answer through pydantic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictStr, ValidationError

from ringcheck.checker import CheckResult, check
from ringcheck.codes import calling_codes
from ringcheck.errors import RingcheckError
from ringcheck.risk import MAX_VOICEMAIL_NUMBER_CHARS, BadContext, CallContext, ring_seconds
from ringcheck.settings import Settings

if TYPE_CHECKING:
    from ringcheck.community import Community
    from ringcheck.web.livecampaigns import LiveCampaigns

MAX_BATCH = 1000
MAX_NUMBER_CHARS = 1000
MAX_CLAIMED_CHARS = 200


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable code for tools, e.g. no_number, too_short.")
    message: str = Field(description="What was wrong, for a person.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class CallbackCostModel(BaseModel):
    band: Literal[
        "free",
        "normal",
        "outside_plan",
        "service",
        "premium",
        "international",
        "international_high",
        "international_premium",
        "international_shared_cost",
        "unknown",
    ]
    text: str


class ReadAsModel(BaseModel):
    """Letters in the number read as digits (keypad letters, a letter O for a zero)."""

    text: str
    kinds: list[Literal["letter_o", "keypad"]]
    note: str


class NumberModel(BaseModel):
    e164: str | None
    international_format: str | None
    national_format: str | None
    country_code: int | None
    region: str | None
    country: str | None
    location: str | None
    line_type: str
    carrier: str | None
    valid: bool
    domestic: bool
    written_as: Literal["plus", "idd", "national", "bare"] | None
    callback_cost: CallbackCostModel
    flag: str
    withheld: bool
    read_as: ReadAsModel | None = None


class ReasonModel(BaseModel):
    code: str
    points: int
    text: str


class AdviceModel(BaseModel):
    code: str
    text: str


class VerdictModel(BaseModel):
    level: Literal["low", "caution", "high", "very_high"]
    score: int = Field(ge=0, le=100)
    headline: str
    reasons: list[ReasonModel]
    advice: list[AdviceModel]


class ContextModel(BaseModel):
    claimed: str | None
    rang_seconds: float | None
    voicemail: bool | None
    expected_abroad: bool | None
    recorded_message: bool | None
    times_called: int | None
    similar_numbers: int | None
    called_at: str | None
    voicemail_number: str | None = None


class CheckResultModel(BaseModel):
    """The result contract (DESIGN.md)."""

    input: str
    number: NumberModel
    verdict: VerdictModel
    context: ContextModel
    data_version: str
    also_found: list[str] | None = Field(
        None,
        description="Present when the text held more than one number: the others, in "
        "E.164. Only the first was checked.",
    )


class CheckRequest(BaseModel):
    """One number and, optionally, what happened on the call."""

    model_config = ConfigDict(extra="ignore")

    number: str = Field(max_length=MAX_NUMBER_CHARS, description="As the phone showed it.")
    claimed: str | None = Field(None, max_length=MAX_CLAIMED_CHARS, description="Who they said.")
    rang: StrictFloat | StrictStr | None = Field(
        None,
        description="How long it rang: seconds (2, 1.5) or text such as '3 s', '1 min' "
        "or '0:03', read as the web form reads it.",
    )
    voicemail: bool | None = Field(None, description="They left a sensible voicemail.")
    voicemail_number: str | None = Field(
        None,
        max_length=MAX_VOICEMAIL_NUMBER_CHARS,
        description="A number the voicemail asked you to ring: a premium-rate one is the "
        "call-back scam itself and raises the risk.",
    )
    expected: bool | None = Field(None, description="You were expecting a call from abroad.")
    recorded: bool | None = Field(None, description="A recording asked you to press a button.")


class BatchRequest(BaseModel):
    # Items are validated one by one in post_batch, so that one bad item (even one that is
    # not an object) gets an error in its place instead of failing the whole batch.
    items: list[Any] = Field(
        max_length=MAX_BATCH,
        description="Up to 1,000 objects shaped like the POST /check body. A bad item gets "
        "an error object in its place; the rest are still checked.",
        json_schema_extra={"items": {"$ref": "#/components/schemas/CheckRequest"}},
    )


class BatchResponse(BaseModel):
    results: list[CheckResultModel | ErrorResponse]


class CodeModel(BaseModel):
    code: str
    digits: str
    regions: list[str]
    places: list[str]
    high_risk: bool
    note: str | None


class CodesResponse(BaseModel):
    codes: list[CodeModel]


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Not a phone number ringcheck can read."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
    422: {"model": ErrorResponse, "description": "A field is missing or out of range."},
    429: {"model": ErrorResponse, "description": "Too many requests; see Retry-After."},
}

router = APIRouter(prefix="/api/v1", tags=["api"])


# Text from the request (number, claimed) is echoed in answers; writing <, > and & as JSON
# escapes keeps markup out of the bytes even if a client renders them as HTML. The JSON
# means the same, and outside strings JSON never contains these characters.
def json_body(payload: Any) -> bytes:
    """JSON bytes with <, > and & escaped, so no answer can be read as markup."""
    # orjson: ~15x faster than json.dumps on a 2 kB answer, the largest cost per request.
    # bytes.replace runs in C (str.translate with a dict costs ~100x more).
    body = orjson.dumps(payload)
    return body.replace(b"&", b"\\u0026").replace(b"<", b"\\u003c").replace(b">", b"\\u003e")


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(json_body(payload), status_code=status, media_type="application/json")


def error_status(exc: RingcheckError) -> int:
    """422 for a detail of the call out of range (how long it rang), 400 for the number."""
    return 422 if isinstance(exc, BadContext) else 400


def error_response(exc: RingcheckError, status: int | None = None) -> Response:
    return json_response({"error": exc.to_dict()}, status or error_status(exc))


def _check_item(item: CheckRequest, settings: Settings) -> CheckResult:
    context = CallContext(
        claimed=item.claimed or None,
        rang_seconds=ring_seconds(item.rang),
        voicemail=item.voicemail,
        expected_abroad=item.expected,
        recorded_message=item.recorded,
        voicemail_number=item.voicemail_number or None,
    )
    return check(item.number, context, home=settings.home, settings=settings)


_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
_GET_CHECK_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "number",
        "in": "query",
        "required": True,
        "description": "The number as the phone showed it.",
        "schema": {"type": "string", "maxLength": MAX_NUMBER_CHARS},
    },
    {
        "name": "claimed",
        "in": "query",
        "required": False,
        "description": "Who the caller said they were.",
        "schema": {"type": "string", "maxLength": MAX_CLAIMED_CHARS},
    },
    {
        "name": "rang",
        "in": "query",
        "required": False,
        "description": "How long it rang, 0 to 3600 seconds: 2, 1.5, '3 s', '1 min' or '0:03'.",
        "schema": {"type": "string", "maxLength": 40},
    },
    {
        "name": "voicemail_number",
        "in": "query",
        "required": False,
        "description": "A number the voicemail asked you to ring (a premium-rate one raises "
        "the risk).",
        "schema": {"type": "string", "maxLength": MAX_VOICEMAIL_NUMBER_CHARS},
    },
    *(
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": "boolean"},
        }
        for name, text in (
            ("voicemail", "They left a sensible voicemail."),
            ("expected", "You were expecting a call from abroad."),
            ("recorded", "A recording asked you to press a button."),
        )
    ),
]


class BadParameter(ValueError):
    """A query parameter is missing or out of range (answered with 422)."""


def _flag(params: Any, name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadParameter(f"{name}: use true or false")


def _query_item(params: Any) -> tuple[str, CallContext]:
    """The GET /check query, checked by hand.

    Same rules as the documented schema; FastAPI's per-parameter machinery costs more than
    the check itself on this, the busiest endpoint.
    """
    number = params.get("number")
    if number is None:
        raise BadParameter("number: Field required")
    if len(number) > MAX_NUMBER_CHARS:
        raise BadParameter(f"number: at most {MAX_NUMBER_CHARS} characters")
    claimed = params.get("claimed")
    if claimed is not None and len(claimed) > MAX_CLAIMED_CHARS:
        raise BadParameter(f"claimed: at most {MAX_CLAIMED_CHARS} characters")
    voicemail_number = params.get("voicemail_number")
    if voicemail_number is not None and len(voicemail_number) > MAX_VOICEMAIL_NUMBER_CHARS:
        raise BadParameter(f"voicemail_number: at most {MAX_VOICEMAIL_NUMBER_CHARS} characters")
    context = CallContext(
        claimed=claimed or None,
        rang_seconds=ring_seconds(params.get("rang")),
        voicemail=_flag(params, "voicemail"),
        expected_abroad=_flag(params, "expected"),
        recorded_message=_flag(params, "recorded"),
        voicemail_number=voicemail_number or None,
    )
    return number, context


@router.get(
    "/check",
    summary="Check one number",
    responses={200: {"model": CheckResultModel}, **_ERRORS},
    openapi_extra={"parameters": _GET_CHECK_PARAMETERS},
)
async def get_check(request: Request) -> Response:
    answers = request.app.state.check_answers
    status, body = await answers.answer(request.scope.get("query_string", b""))
    return Response(body, status_code=status, media_type="application/json")


async def live(answers: Any) -> None:
    """Bring the worker's live campaigns up to date (at most one query a second)."""
    if answers.campaigns is not None:
        await answers.campaigns.fresh()


async def with_reports(
    result: CheckResult,
    settings: Settings,
    community: Callable[[str], Awaitable[Community | None]] | None,
    campaigns: LiveCampaigns | None = None,
) -> CheckResult:
    """``result`` again, with what people reported about its number, if anyone did, and
    the live campaign that holds it, if one does."""
    e164 = result.number.e164
    if not e164:
        return result
    reported = await community(e164) if community is not None else None
    campaign = campaigns.find(e164) if campaigns is not None else None
    if reported is None and campaign is None:
        return result
    return check(
        result.input,
        result.context,
        home=settings.home,
        settings=settings,
        community=reported,
        campaign=campaign,
    )


async def check_query(
    params: Any,
    settings: Settings,
    community: Callable[[str], Awaitable[Community | None]] | None = None,
    campaigns: LiveCampaigns | None = None,
) -> tuple[int, bytes]:
    """GET /api/v1/check for a parsed query string: (status, JSON body).

    Shared by the FastAPI route and the fast lane (through ``answers.CheckAnswers``), so
    both answer alike. ``community`` looks up what people reported about a number.
    """
    try:
        number, context = _query_item(params)
        result = check(number, context, home=settings.home, settings=settings)
        result = await with_reports(result, settings, community, campaigns)
    except BadParameter as exc:
        return 422, json_body({"error": {"code": "invalid_request", "message": str(exc)}})
    except RingcheckError as exc:
        return error_status(exc), json_body({"error": exc.to_dict()})
    return 200, json_body(result.to_dict())


@router.post(
    "/check",
    summary="Check one number (JSON body)",
    responses={200: {"model": CheckResultModel}, **_ERRORS},
)
async def post_check(request: Request, item: Annotated[CheckRequest, Body()]) -> Response:
    settings, answers = request.app.state.settings, request.app.state.check_answers
    await live(answers)
    try:
        result = await with_reports(
            _check_item(item, settings), settings, answers.community, answers.campaigns
        )
    except RingcheckError as exc:
        return error_response(exc)
    return json_response(result.to_dict())


@router.post(
    "/check/batch",
    summary="Check up to 1,000 numbers",
    responses={200: {"model": BatchResponse}, **_ERRORS},
)
async def post_batch(request: Request, batch: Annotated[BatchRequest, Body()]) -> Response:
    settings, answers = request.app.state.settings, request.app.state.check_answers
    await live(answers)
    results = []
    for raw in batch.items:
        try:
            item = CheckRequest.model_validate(raw)
            result = await with_reports(
                _check_item(item, settings), settings, answers.community, answers.campaigns
            )
            results.append(result.to_dict())
        except ValidationError as exc:
            results.append({"error": {"code": "invalid_item", "message": _first_problem(exc)}})
        except RingcheckError as exc:
            results.append({"error": exc.to_dict()})
    return json_response({"results": results})


@router.get(
    "/codes",
    summary="Calling codes",
    response_model=CodesResponse,
    responses={status: _ERRORS[status] for status in (422, 429)},
)
async def get_codes(q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    return json_response({"codes": [row.to_dict() for row in calling_codes(q)]})


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "item"
    return f"{where}: {first.get('msg', 'not valid')}"


def validation_message(errors: list[dict[str, Any]]) -> str:
    """One sentence from FastAPI's validation errors (for 422 answers)."""
    if not errors:
        return "The request is not valid."
    first = errors[0]
    if first.get("type") == "json_invalid":  # loc is a character offset: say what it means
        return 'The request body is not valid JSON. Send a JSON object such as {"number": "…"}.'
    loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path")]
    where = ".".join(loc) or "request"
    return f"{where}: {first.get('msg', 'not valid')}"
