"""How people write numbers beyond digits: keypad letters, a letter O typed for a zero,
and one number typed as several command-line arguments.

``ringcheck.numbers`` owns the reading; this module holds the rules it applies to the
text first, written once for every face (CLI, web page, API, call logs):

- **A letter O for a zero.** A word made only of digits and the letter O (``O2O``,
  ``4O6``, ``O123``) is a number with a typo: each O is read as 0 (zero), and the result
  says so. If the number still doesn't read, it is refused: an O is never dropped, which
  would silently make another number.
- **Keypad letters** (ITU-T E.161: ABC 2, DEF 3, GHI 4, JKL 5, MNO 6, PQRS 7, TUV 8,
  WXYZ 9). Letters after the first digits of a number are read as digits when they are
  a word in capitals (``0800 FLOWERS``) or joined to the digits with a hyphen or nothing
  (``1-800-flowers``), and only when the digits alone don't make a number but the
  reading does. Ordinary words around a number ("+44 20 7946 0000 Mum") stay words.
- **Text around the number** (``pick_candidates``): the first run of digits long
  enough to be a whole number is the one to check ("Missed call from +234 …"), later
  ones are listed; Unicode digits and dashes are read as ASCII first (``normalise``).
- **Arguments** (``group_arguments``): see its docstring; ``ringcheck check --help``
  prints the same rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, Protocol, TypeVar

from ringcheck.errors import NotAPhoneNumber

# ITU-T E.161, the letters on a phone keypad.
KEYPAD = str.maketrans(
    {
        letter: str(digit)
        for digit, letters in enumerate(
            ("", "", "ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ")
        )
        for letter in letters + letters.lower()
    }
)
_LETTER = re.compile(r"[A-Za-z]")
# A word of digits and the letter O with at least one of each, no other letter (of any
# script) or digit touching it.
_O_WORD = re.compile(r"(?<![^\W_])(?=[\dOo]*\d)(?=[\dOo]*[Oo])[\dOo]+(?![^\W_])")
_SEPARATORS = " \t().-/"
# A number with letters in it: digits first, then letters, digits and separators.
_VANITY = re.compile(r"\+?[ \t(]*\d[\d \t().\-/]*[A-Za-z][A-Za-z\d \t().\-/]*")
# Letter words inside such a run, with what comes just before each (to tell a keypad word
# from an ordinary word after a space).
_WORD = re.compile(r"(?P<before>.?)(?P<word>[A-Za-z]+)")
_TRAILING_WORD = re.compile(r"[ \t().\-/]*[A-Za-z]+[ \t().\-/]*$")
MAX_ARGUMENT_CHARS = 20  # digits and letters: longer than any number with its prefix
WHOLE_NUMBER_DIGITS = 7  # a run this long can be a whole number (shorter: a short code)
# A number inside other text: an optional "+", then digits with the separators people use.
_RUN = re.compile(r"\+?[ \t(]*\d[\d \t().\-/]*")
# The common case: the whole text is one number, with nothing around it.
ONE_NUMBER = re.compile(r"[ \t]*\+?[ \t(]*\d[\d \t().\-/]*")
# RFC 3966 local number with a global context: tel:7123-4567;phone-context=+44-20
_TEL_CONTEXT = re.compile(r"tel:([^;\s]+)[^\s]*?;phone-context=(\+[\d\-.()]+)", re.IGNORECASE)
NOT_DIGIT = re.compile(r"\D")
_DATE = re.compile(r"\s*\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}\s*")  # 01/02/2024, 2024-02-01
_DASHES = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        # Cyrillic and Greek capital and small O look like a Latin O: typed for a zero,
        # they are read by the same rule (ringcheck.written), never dropped.
        **dict.fromkeys("\u041e\u039f", "O"),
        **dict.fromkeys("\u043e\u03bf", "o"),
    }
)


class Reading(NamedTuple):
    """Text with letters read as digits: ``text`` (same length as what was typed, the
    letters replaced), the ``run`` that holds the number, ``kinds`` (``letter_o``,
    ``keypad``) and a ``note`` for people."""

    text: str
    run: str
    kinds: tuple[str, ...]
    note: str


class _Read(Protocol):
    valid: bool
    withheld: bool


R = TypeVar("R", bound=_Read)


def read_letters(
    text: str, read: Callable[[str], R], pick: Callable[[str], str | None]
) -> tuple[R, Reading | None]:
    """The number in ``text`` (which has letters), and how its letters were read.

    ``read`` reads a tidy text (raising ``NotAPhoneNumber``); ``pick`` says which run of
    it holds the number. First the text as typed, with a letter O among the picked
    number's digits read as 0; if that isn't a valid number, keypad readings, the
    likeliest first. A number with a letter O that still doesn't read is refused.
    """
    zeroed, spans = zeros(text)
    zero = _zero_reading(zeroed, spans, pick)
    base = zeroed if zero is not None else text
    try:
        first: R | NotAPhoneNumber = read(base)
    except NotAPhoneNumber as exc:
        first = exc
    if not isinstance(first, NotAPhoneNumber) and (first.valid or first.withheld):
        return first, zero
    for reading in keypad_readings(base):
        try:
            found = read(reading.text)
        except NotAPhoneNumber:
            continue
        if found.valid:
            return found, reading if zero is None else both(zero, reading)
    if zero is not None:
        raise NotAPhoneNumber(
            "letter_o",
            "Type the number with digits only. It has a letter O among its digits, "
            "and read as 0 (zero) it still isn't a whole phone number.",
        )
    if isinstance(first, NotAPhoneNumber):
        raise first
    return first, None


def _zero_reading(
    zeroed: str, spans: list[tuple[int, int]], pick: Callable[[str], str | None]
) -> Reading | None:
    """A reading with the letter O as 0 when the number picked from ``zeroed`` holds one."""
    if not spans:
        return None
    candidate = pick(zeroed)
    if candidate is None:
        return None
    start = zeroed.find(candidate)
    end = start + len(candidate)
    if start >= 0 and not any(s < end and e > start for s, e in spans):
        return None
    return Reading(zeroed, candidate.strip(), ("letter_o",), zero_note())


def normalise(text: str) -> str:
    """Full-width and other Unicode digits to ASCII; Unicode dashes to '-', O-like
    letters to O."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(
        str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch for ch in text
    )


def pick_candidates(text: str) -> tuple[str | None, list[str]]:
    """The number in the text to check, and any other numbers in it (in order).

    The first run of digits long enough to be a whole number (``WHOLE_NUMBER_DIGITS``;
    dates aside) is the one to check, the later ones are the others; with no such run,
    the run with the most digits (so "Missed call from 159" reads 159).
    """
    if ONE_NUMBER.fullmatch(text):
        return text, []
    context = _TEL_CONTEXT.search(text)
    if context is not None and not context.group(1).startswith(("0", "+")):
        # a local number: the context comes first
        return context.group(2) + context.group(1), []
    runs = [m.group() for m in _RUN.finditer(text)]
    whole = [
        run
        for run in runs
        if len(NOT_DIGIT.sub("", run)) >= WHOLE_NUMBER_DIGITS and not _DATE.fullmatch(run)
    ]
    if whole:
        return whole[0], whole[1:]
    best, best_count = None, 0
    for run in runs:
        count = len(NOT_DIGIT.sub("", run))
        if count > best_count:
            best, best_count = run, count
    return best, []


def has_letters(text: str) -> bool:
    return _LETTER.search(text) is not None


def zeros(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with the letter O read as 0 in words of digits and O; where those were."""
    spans = [m.span() for m in _O_WORD.finditer(text)]
    if not spans:
        return text, []
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], text[start:end].replace("O", "0").replace("o", "0")]
        last = end
    return "".join(parts) + text[last:], spans


def zero_note() -> str:
    return "The letter O in the number was read as 0 (zero)."


def both(zero: Reading, keypad: Reading) -> Reading:
    """A keypad reading of text where a letter O was also read as 0."""
    return Reading(keypad.text, keypad.run, zero.kinds + keypad.kinds, f"{zero.note} {keypad.note}")


def keypad_readings(text: str) -> Iterator[Reading]:
    """Readings of ``text`` with keypad words as digits, the likeliest first: each run of
    digits and letters, then the same run without its last words (trailing ordinary
    words such as "now")."""
    for match in _VANITY.finditer(text):
        run = match.group()
        while has_letters(run):
            words = _keypad_words(run)
            if words is not None:
                digits = run.translate(KEYPAD)
                start = match.start()
                read = text[:start] + digits + text[start + len(run) :]
                yield Reading(read, digits.strip(), ("keypad",), _keypad_note(words))
            trimmed = _TRAILING_WORD.sub("", run)
            if trimmed == run:
                break
            run = trimmed


def _keypad_words(run: str) -> list[str] | None:
    """The letter words of ``run`` if every one reads as keypad letters, else None.

    A keypad word is in capitals, or joined to what comes before it by a hyphen or
    nothing ("1-800-flowers", "0800flowers"): a lowercase word after a space is an
    ordinary word.
    """
    words = []
    for m in _WORD.finditer(run):
        word, before = m.group("word"), m.group("before")
        if not (word.isupper() or before in ("-", "") or before.isdigit()):
            return None
        words.append(word)
    return words or None


def _keypad_note(words: list[str]) -> str:
    letters = " ".join(words)
    digits = " ".join(word.translate(KEYPAD) for word in words)
    return f"The letters {letters} were read as {digits}, the digits on a phone keypad."


POSSIBLE, VALID = 1, 2  # what ``grade`` says of a text: a whole number, or a valid one


def group_arguments(args: Sequence[str], grade: Callable[[str], int]) -> list[str]:
    """Arguments put back together into the numbers they spell.

    A shell splits ``ringcheck check 0906 123 4567`` into three arguments. The rule:
    an argument that is a whole number on its own, was quoted (has a space in it),
    or isn't written like a number (no digit; other characters than digits, letters and
    ``+ ( ) . - /``), stands alone. Otherwise it is joined to the arguments after it for
    the longest run that reads as one whole number (``grade``: ``POSSIBLE``, a number of a
    possible length, or ``VALID``; 0 for neither); an argument
    starting with ``+`` or quoted always starts a new number, and one ending with a
    comma ends its number. Where numbers have many lengths (Germany), a run could go on
    or stop: once the run is a valid number, an argument starting with 0 that begins a
    valid number of its own starts a new number (``030 123456 030 654321`` is two numbers,
    ``030 1234 0567`` one). When no run is whole, the argument stands alone (and gets
    its own error). Arguments are read in order and never reordered.

    >>> group_arguments(["0906", "123", "4567", "+1 876 812 3456"], lambda t: 2 * (len(t) > 11))
    ['0906 123 4567', '+1 876 812 3456']
    """
    groups: list[str] = []
    i = 0
    while i < len(args):
        end = _group_end(args, i, grade)
        groups.append(_joined(args[i:end]))
        i = end
    return groups


def _group_end(args: Sequence[str], start: int, grade: Callable[[str], int]) -> int:
    """Where the number starting at ``args[start]`` ends (one past its last argument)."""
    if _alone(args[start], grade):
        return start + 1
    best = start + 1
    size = _size(args[start])
    for j in range(start + 1, len(args)):
        arg = args[j]
        size += _size(arg)
        if arg.startswith("+") or _quoted(arg) or not _number_like(arg):
            break
        if size > MAX_ARGUMENT_CHARS:
            break
        if (
            arg.startswith("0")
            and best == j
            and grade(_joined(args[start:j])) == VALID
            and _begins_valid(args, j, grade)
        ):
            break  # '030 123456 030 654321': two valid numbers, not one long one
        if grade(_joined(args[start : j + 1])):
            best = j + 1
        if arg.endswith(","):
            break
    return best


def _alone(arg: str, grade: Callable[[str], int]) -> bool:
    """An argument that is a number by itself, or no part of one."""
    return (
        arg.endswith(",")
        or _quoted(arg)
        or not _number_like(arg)
        or not any(ch.isdigit() for ch in arg)
        or bool(grade(arg))
    )


def _begins_valid(args: Sequence[str], at: int, grade: Callable[[str], int]) -> bool:
    """Whether a valid number starts at ``args[at]``."""
    return grade(_joined(args[at : _group_end(args, at, grade)])) == VALID


def _joined(args: Sequence[str]) -> str:
    """The arguments of one number as one text (a single one exactly as given)."""
    if len(args) == 1:
        return args[0][:-1] if args[0].endswith(",") and len(args[0]) > 1 else args[0]
    return " ".join(arg.rstrip(",").strip() for arg in args)


def _quoted(arg: str) -> bool:
    """An argument with a space in it was quoted: it is one text, kept as given."""
    return any(ch.isspace() for ch in arg.strip())


def _number_like(arg: str) -> bool:
    """Digits, letters and the separators people put in numbers; not '-' (standard input)."""
    body = arg.rstrip(",").strip()
    return (
        bool(body)
        and body != "-"
        and all(ch.isalnum() or ch in _SEPARATORS or ch == "+" for ch in body)
        and any(ch.isalnum() for ch in body)
    )


def _size(arg: str) -> int:
    return sum(ch.isalnum() for ch in arg)
