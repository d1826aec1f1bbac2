"""Before a file is read: can it be, and where does it stop? Damage is listed, never fatal.

Switches append to ``Master.csv`` all day, logs rotate away, folders collect other
files, copies stop half-way. So before an engine reads a file, ``survey`` looks at it
once, cheaply, and says what to read (``Survey``) and what to list instead:

- a file that can't be opened (permissions, not a regular file) or is empty is skipped,
  with a note (``Unreadable`` with line 0: the whole file);
- a file that is not call records (binary data, another format) is skipped the same way,
  when other files are scanned (alone, it is an error: there is nothing to scan);
- a last record without its line end (the switch was still writing it) is listed, and
  the records before it are read (``rows``); only then are the file's lines counted;
- a gzip file cut short is read up to the cut (its complete records are unpacked to a
  temporary file) and listed. An intact gzip file is read as a stream. A reader that
  finds a cut itself (Polars stops with an error there) may skip that check, which
  unpacks the whole file once more, and ask again only if the read fails
  (``check_gzip``);
- a UTF-16 file (Excel's "Unicode text", with a mark or told by its NULs; gzipped or
  not) is read in its encoding (``tabular.open_text``) and written to a temporary file in
  UTF-8, the one encoding the engines read.

Both engines use ``survey`` and these sentences, so they list the same damage.
"""

from __future__ import annotations

import atexit
import codecs
import functools
import gzip
import io
import itertools
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ringcheck import tabular
from ringcheck.scan.model import InputFile, ScanError, ScanOptions, Unreadable

INCOMPLETE = "the last record is incomplete: was the file still being written?"
CUT_SHORT = (
    "the compressed file ends early (cut short while written or copied): "
    "the records before the cut were scanned"
)
EMPTY = "it is empty, so it was skipped (log rotation leaves empty files)"
HAS_NUL = "it holds NUL bytes: the file is damaged there"
TOO_MANY_FIELDS = "it has more fields than a call record of its kind"
_BLOCK = 1 << 20


@dataclass
class Survey:
    """What to read of one file: ``source`` (the file, or the unpacked part of a cut gzip
    file), at most ``rows`` records (None: all), and what to list about it."""

    path: Path
    source: Path
    rows: int | None = None
    problems: list[Unreadable] = field(default_factory=list)


def skipped(path: Path, why: str) -> Unreadable:
    """A whole file left out (line 0), and why."""
    return Unreadable(str(path), 0, why)


def cant_read(path: Path, error: OSError) -> str:
    """Why ``path`` can't be read, in words ('permission denied')."""
    reason = (error.strerror or type(error).__name__).lower()
    return f"it can't be read ({reason}): check the file's owner and permissions"


def openable(path: Path) -> None:
    """Raise ``ScanError`` (``not_call_records``, the reason as its message) unless
    ``path`` is a regular file that can be opened and holds something."""
    if not path.is_file():
        raise ScanError("not_call_records", "it is not a regular file, so it was skipped")
    try:
        with open(path, "rb") as raw:
            head = raw.read(2)
    except OSError as exc:
        raise ScanError("not_call_records", cant_read(path, exc)) from None
    if not head:
        raise ScanError("not_call_records", EMPTY)


def survey(path: Path, fmt: str, *, check_gzip: bool = True) -> Survey:
    """What to read of ``path``, an ``openable`` file in ``fmt`` (see the module
    docstring; ``check_gzip``: unpack a gzip file to its end to know it is whole, else
    only to its first bytes). Raises ``ScanError`` when nothing of it can be read."""
    if fmt == "parquet":  # binary, and Parquet's own footer says where it ends
        return Survey(path, path)
    try:
        encoding = _encoding(path)
        if encoding.startswith("utf-16"):
            return _transcoded(path, encoding)
        if tabular.is_gzip(path):
            return _gzip(path, check_gzip)
        return _plain(path)
    except OSError as exc:
        raise ScanError("not_call_records", cant_read(path, exc)) from None


def _encoding(path: Path) -> str:
    """``tabular.text_encoding``; UTF-8 for a gzip file cut before its first bytes (for
    ``_gzip`` to say so)."""
    try:
        return tabular.text_encoding(path)
    except (EOFError, zlib.error, gzip.BadGzipFile):
        return "utf-8"


def _transcoded(path: Path, encoding: str) -> Survey:
    """A UTF-16 file as UTF-8, in a temporary file; what is listed names ``path``, and
    a gzip file cut short is read up to its last complete record."""
    out, cut, lines = _scratch_file(path.name.removesuffix(tabular.GZIP_SUFFIX)), False, 0
    # line ends as LF, as the engines were shown to read these (CRLF split across
    # blocks too: the decoder keeps a CR until it sees what follows)
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    decode = io.IncrementalNewlineDecoder(decoder, translate=True).decode
    with open(path, "rb") as raw, open(out, "w", encoding="utf-8", newline="") as plain:
        reads = functools.partial(raw.read, _BLOCK)
        blocks = tabular.gunzip(raw) if tabular.is_gzip(path) else iter(reads, b"")
        try:
            for block in itertools.chain(blocks, [None]):  # None: the end: flush the rest
                text = decode(block or b"", final=block is None)
                plain.write(text)
                lines += text.count("\n")
        except tabular.CutShort:
            cut = True
    if not out.stat().st_size:
        raise ScanError("not_call_records", EMPTY)
    seen = _plain(out)
    problems = [Unreadable(str(path), p.line, p.why) for p in seen.problems]
    if cut:  # the records after the last line end, if any, are the cut's
        problems = [Unreadable(str(path), lines + 1, CUT_SHORT)]
    return Survey(path, out, seen.rows, problems)


def _plain(path: Path) -> Survey:
    with open(path, "rb") as raw:
        raw.seek(-1, os.SEEK_END)
        if raw.read(1) in (b"\n", b"\r"):
            return Survey(path, path)
        raw.seek(0)
        complete = sum(block.count(b"\n") for block in iter(lambda: raw.read(_BLOCK), b""))
    return Survey(path, path, complete, [Unreadable(str(path), complete + 1, INCOMPLETE)])


def _gzip(path: Path, whole: bool = True) -> Survey:
    """An intact gzip file is read as it is (a stream); a cut one, up to its cut.
    Not ``whole``: unpacked only until its first bytes (is it empty?)."""
    seen = False
    try:
        with open(path, "rb") as raw:
            for block in tabular.gunzip(raw):
                seen = seen or bool(block)
                if seen and not whole:
                    break
    except tabular.CutShort:
        return _cut(path)
    if not seen:
        raise ScanError("not_call_records", EMPTY)
    return Survey(path, path)


def _cut(path: Path) -> Survey:
    """The complete records of a gzip file cut short, unpacked to a temporary file."""
    out = _scratch_file(path.name.removesuffix(tabular.GZIP_SUFFIX))
    complete, pending = 0, b""
    with open(path, "rb") as raw, open(out, "wb") as plain:
        try:
            for block in tabular.gunzip(raw):
                pending += block
                end = pending.rfind(b"\n") + 1
                plain.write(pending[:end])
                complete += pending.count(b"\n", 0, end)
                pending = pending[end:]
        except tabular.CutShort:
            pass
    if not complete:
        raise ScanError("not_call_records", "the compressed file ends before its first record")
    return Survey(path, out, None, [Unreadable(str(path), complete + 1, CUT_SHORT)])


def surveyed(
    paths: Iterable[str], options: ScanOptions, *, check_gzip: bool = True
) -> list[tuple[Survey, InputFile]]:
    """Every file to read with its survey and format, and the files skipped (their
    ``InputFile`` says why, with no survey): both engines read the same. Raises
    ``ScanError`` when no file can be read. ``check_gzip``: see ``survey``."""
    from ringcheck.scan.formats import detect, expand

    files = expand(paths)
    if not files:
        raise ScanError("no_files", "No call-record files were given.")
    found: list[tuple[Survey, InputFile]] = []
    errors: list[ScanError] = []
    for path in files:
        size = path.stat().st_size if path.is_file() else 0
        try:
            openable(path)
            fmt = detect(path, options)
            seen = survey(path, fmt, check_gzip=check_gzip)
        except ScanError as exc:
            if exc.code not in ("not_call_records", "unknown_format"):
                raise
            errors.append(exc)
            why = exc.message if exc.message.startswith("it ") else _NOT_RECORDS
            why = EMPTY if exc.message.endswith(" is empty.") else why
            found.append(
                (
                    Survey(path, path),
                    InputFile(str(path), "skipped", size, problems=[skipped(path, why)]),
                )
            )
            continue
        found.append((seen, InputFile(str(path), fmt, size, problems=list(seen.problems))))
    if all(item.skipped for _, item in found):
        if len(files) == 1 and not errors[0].message.startswith("it "):
            raise errors[0]
        first = found[0][1]
        raise ScanError(
            "not_call_records", f"Nothing could be scanned: {first.path}: {first.skipped}."
        )
    return found


def whole_records(seen: Survey) -> Path:
    """What to read of ``seen`` for a reader that can't stop after ``rows`` records
    (Spark): ``seen.source``, or when its last record is cut, a temporary copy up to its
    last line end (the ``rows`` complete records)."""
    if seen.rows is None:
        return seen.source
    out = _scratch_file(seen.source.name)
    with open(seen.source, "rb") as raw, open(out, "wb") as plain:
        end = raw.seek(0, os.SEEK_END)
        while end > 0:
            start = max(0, end - _BLOCK)
            raw.seek(start)
            at = raw.read(end - start).rfind(b"\n")
            end = start + at + 1 if at >= 0 else start
            if at >= 0:
                break
        raw.seek(0)
        while end > 0:
            block = raw.read(min(_BLOCK, end))
            plain.write(block)
            end -= len(block)
    return out


_NOT_RECORDS = (
    "it is not call records ringcheck knows (binary data or another format), so it was skipped"
)


_SCRATCH: list[str] = []


def _scratch_file(name: str) -> Path:
    """A new file's path in this process's temporary folder, ending in ``name``."""
    return Path(_scratch()) / f"{len(os.listdir(_scratch()))}-{name}"


def _scratch() -> str:
    """A temporary folder for this process, removed when it ends."""
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix="ringcheck-scan-"))
        atexit.register(shutil.rmtree, _SCRATCH[0], True)
    return _SCRATCH[0]
