"""JSON API under /api/v1: the result contract of DESIGN.md, for tools.

The response models below document the contract in OpenAPI; handlers return ready JSON
bytes from ``CheckResult.to_dict()`` (the one serialiser every face shares) rather than
re-validating each answer through pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictStr, ValidationError

from ringcheck.checker import CheckResult, check_async
from ringcheck.codes import calling_codes
from ringcheck.errors import RingcheckError
from ringcheck.risk import MAX_VOICEMAIL_NUMBER_CHARS, CallContext, Level, ring_seconds
from ringcheck.web.answers import MAX_CLAIMED_CHARS, MAX_NUMBER_CHARS
from ringcheck.web.deps import CampaignsDep, CheckAnswersDep, CommunityDep, SettingsDep
from ringcheck.web.responses import (
    ERRORS,
    ErrorResponse,
    documented,
    error_dict,
    json_response,
)

if TYPE_CHECKING:
    pass

MAX_BATCH = 1000


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
    level: Level
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


router = APIRouter(prefix="/api/v1", tags=["api"])


class ItemChecker:
    """Checks a POSTed item with this app's settings and reports (a dependency)."""

    def __init__(self, settings: SettingsDep, community: CommunityDep, live: CampaignsDep) -> None:
        self.settings, self.reports, self.live = settings, community.find, live

    async def __call__(self, item: CheckRequest) -> CheckResult:
        await self.live.fresh()  # at most one query a second
        context = CallContext(
            claimed=item.claimed or None,
            rang_seconds=ring_seconds(item.rang),
            voicemail=item.voicemail,
            expected_abroad=item.expected,
            recorded_message=item.recorded,
            voicemail_number=item.voicemail_number or None,
        )
        home, settings = self.settings.home, self.settings
        return await check_async(
            item.number,
            context,
            home=home,
            settings=settings,
            reports=self.reports,
            campaigns=self.live.find,
        )


Checker = Annotated[ItemChecker, Depends()]


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


@router.get(
    "/check",
    summary="Check one number",
    responses={200: {"model": CheckResultModel}, **ERRORS},
    openapi_extra={"parameters": _GET_CHECK_PARAMETERS},
)
async def get_check(request: Request, answers: CheckAnswersDep) -> Response:
    status, body = await answers.answer(request.scope.get("query_string", b""))
    return Response(body, status_code=status, media_type="application/json")


@router.post(
    "/check",
    summary="Check one number (JSON body)",
    responses={200: {"model": CheckResultModel}, **ERRORS},
)
async def post_check(item: Annotated[CheckRequest, Body()], checked: Checker) -> Response:
    return json_response((await checked(item)).to_dict())


@router.post(
    "/check/batch",
    summary="Check up to 1,000 numbers",
    responses={200: {"model": BatchResponse}, **ERRORS},
)
async def post_batch(batch: Annotated[BatchRequest, Body()], checked: Checker) -> Response:
    results = []
    for raw in batch.items:
        try:
            results.append((await checked(CheckRequest.model_validate(raw))).to_dict())
        except ValidationError as exc:
            results.append(error_dict("invalid_item", _first_problem(exc)))
        except RingcheckError as exc:
            results.append(error_dict(exc.code, exc.message))
    return json_response({"results": results})


@router.get(
    "/codes",
    summary="Calling codes",
    response_model=CodesResponse,
    responses=documented(422, 429),
)
async def get_codes(q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    return json_response({"codes": [row.to_dict() for row in calling_codes(q)]})


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "item"
    return f"{where}: {first.get('msg', 'not valid')}"
