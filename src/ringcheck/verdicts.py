"""The shapes of a judgement: what the person tells about the call (``CallContext``),
reasons, advice, and the ``Verdict`` with its level. ``ringcheck.risk`` fills them in;
every face reads them (``ringcheck.risk`` re-exports each name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, get_args

from ringcheck.ringtime import MAX_RANG_SECONDS, RANG_RANGE, BadContext

if TYPE_CHECKING:
    from ringcheck.organisations import Organisation

# The levels, lowest first: declared once, as a type (for API schemas) and as a tuple.
Level = Literal["low", "caution", "high", "very_high"]
LEVELS: tuple[str, ...] = get_args(Level)
# DESIGN.md's score bands: (lowest score, level), highest first.
BANDS = ((75, "very_high"), (50, "high"), (25, "caution"), (0, "low"))


MAX_VOICEMAIL_NUMBER_CHARS = 60


@dataclass(frozen=True)
class CallContext:
    """What the person can tell us about the call itself. Every field is optional."""

    claimed: str | None = None
    rang_seconds: float | None = None
    voicemail: bool | None = None
    expected_abroad: bool | None = None
    recorded_message: bool | None = None
    times_called: int | None = None
    similar_numbers: int | None = None
    called_at: dt.time | None = None
    # The number a voicemail (or the caller) asked you to ring, as given; ``check()``
    # reads it with the number classifier and sets ``voicemail_premium``.
    voicemail_number: str | None = None
    voicemail_premium: bool | None = None

    def __post_init__(self) -> None:
        if self.rang_seconds is not None and not 0 <= self.rang_seconds <= MAX_RANG_SECONDS:
            raise BadContext("bad_rang", RANG_RANGE)
        if self.times_called is not None and not 1 <= self.times_called <= 100_000:
            raise BadContext("bad_times", "The number of calls must be between 1 and 100000.")
        if self.similar_numbers is not None and not 0 <= self.similar_numbers <= 100_000:
            raise BadContext("bad_similar", "Similar numbers must be between 0 and 100000.")
        if self.claimed is not None and len(self.claimed) > 200:
            raise BadContext("bad_claimed", "Who they said they were: 200 characters at most.")
        if self.voicemail_number and len(self.voicemail_number) > MAX_VOICEMAIL_NUMBER_CHARS:
            raise BadContext(
                "bad_voicemail_number",
                f"The number the voicemail gave: {MAX_VOICEMAIL_NUMBER_CHARS} characters at most.",
            )

    def to_dict(self) -> dict[str, Any]:
        """The ``context`` block of the result contract."""
        # Every value is immutable, so a copy of the block made once is the same block:
        # most checks share one context (none given), and its block is asked for each time.
        block = self.__dict__.get("_block")
        if block is None:
            block = self._fresh_block()
            object.__setattr__(self, "_block", block)  # frozen: cached beside the fields
        return dict(block)

    def _fresh_block(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "rang_seconds": self.rang_seconds,
            "voicemail": self.voicemail,
            "expected_abroad": self.expected_abroad,
            "recorded_message": self.recorded_message,
            "times_called": self.times_called,
            "similar_numbers": self.similar_numbers,
            "called_at": self.called_at.isoformat(timespec="minutes") if self.called_at else None,
            "voicemail_number": self.voicemail_number,
        }


class Reason(NamedTuple):
    code: str
    points: int
    text: str


class Advice(NamedTuple):
    code: str
    text: str


@dataclass(frozen=True)
class Verdict:
    """Level, score, headline, reasons (strongest first) and advice (in order)."""

    level: str
    score: int
    headline: str
    reasons: tuple[Reason, ...]
    advice: tuple[Advice, ...]
    organisation: Organisation | None = None

    def has(self, code: str) -> bool:
        return any(r.code == code for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """The ``verdict`` block of the result contract."""
        return {
            "level": self.level,
            "score": self.score,
            "headline": self.headline,
            "reasons": [{"code": c, "points": p, "text": t} for c, p, t in self.reasons],
            "advice": [{"code": c, "text": t} for c, t in self.advice],
        }


def level_for(score: int) -> str:
    """DESIGN.md's bands: low < 25 <= caution < 50 <= high < 75 <= very_high."""
    return next(level for floor, level in BANDS if score >= floor)


NO_CONTEXT = CallContext()


def at_least(level: str, floor: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(floor)
