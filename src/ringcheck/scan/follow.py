"""Follow growing call-record files as ``tail -F`` does, and read only what is new.

A switch appends to its records all day (Asterisk's ``Master.csv``, FreeSWITCH's CSV, a
CSV with a header, Kamailio's accounting log with its ``ringcheck-acc {json}`` lines).
``Tail`` keeps, per file:

- where it stopped (a byte offset) and which file that was (device and inode): only the
  bytes written since are read;
- a last line without its line end, kept until the rest of it is written;
- rotation: when the name points at a new file, the old one is read to its end, then the
  new one from its start; truncation (the file got shorter): read again from the start;
- its encoding, from its first bytes as the batch scan tells it (``tabular.encoding_of``):
  a UTF-16 file (Excel's "Unicode text", with a mark or told by its NULs) is split into
  lines in UTF-16 and handed on in UTF-8; offsets stay the file's own bytes.

``Follower`` follows several files and keeps those offsets in a small JSON state file,
so a restart goes on where it stopped and nothing is counted twice.

The lines are read by the batch scan's own readers (``read_lines``: the one place that
calls them), so a record means the same here as in ``ringcheck scan``; Kamailio's
accounting lines are read by ``ringcheck.scan.kamailio``.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from ringcheck import tabular
from ringcheck.scan.kamailio import MARKER, AccountingCalls
from ringcheck.scan.model import CALLS, ScanError, ScanOptions

LIVE_CALLS: dict[str, Any] = {**CALLS, "callid": pl.String}
_READ_AT_ONCE = 16 << 20  # bytes read from one file per poll, at most


@dataclass
class Chunk:
    """Complete new lines of one file: ``data``, whose first line is record ``first``
    of the file (1 = its first line)."""

    path: str
    data: bytes
    first: int


def read_lines(
    chunk: Chunk, fmt: str, header: bytes | None, options: ScanOptions, scratch: Path
) -> pl.DataFrame:
    """The calls in ``chunk`` (lines of a file in ``fmt``: asterisk, freeswitch or csv,
    whose ``header`` line a csv file's chunk lacks) in ``LIVE_CALLS``' columns, read by
    the batch scan's readers. The one adapter to them: when the column and format
    detection moves, only this changes."""
    from ringcheck.scan.intake import Survey
    from ringcheck.scan.readers import read

    body = (header + b"\n" if fmt == "csv" and header else b"") + chunk.data
    scratch.write_bytes(body)
    path = Path(chunk.path)
    frame = read(path, fmt, options, Survey(path, scratch)).collect()
    # the reader numbers from 1, or from the line after the header (a csv's header
    # lines: its own, and a sep= line before it)
    shift = chunk.first - (header.count(b"\n") + 2 if fmt == "csv" and header else 1)
    frame = frame.with_columns(line=pl.col("line") + shift, callid=pl.lit(None, pl.String))
    return frame.cast(LIVE_CALLS)  # type: ignore[arg-type]


@dataclass
class Tail:
    """One followed file (see the module docstring)."""

    path: str
    options: ScanOptions
    offset: int = 0  # bytes read, up to the end of the last complete line
    line: int = 0  # complete lines read
    ident: tuple[int, int] | None = None  # (device, inode) of the file being read
    fmt: str | None = None
    header: bytes | None = None  # a csv file's first line
    unreadable: int = 0  # records that couldn't be used
    encoding: str | None = None  # utf-8, utf-16-le or utf-16-be; None: not known yet
    _file: BinaryIO | None = None
    _partial: bytes = b""
    _accounting: AccountingCalls | None = None
    _scratch: Path | None = None

    def state(self) -> dict[str, Any]:
        return {
            "device": self.ident[0] if self.ident else None,
            "inode": self.ident[1] if self.ident else None,
            "offset": self.offset,
            "line": self.line,
            "format": self.fmt,
            "header": self.header.decode("utf-8", "replace") if self.header else None,
        }

    def resume(self, saved: dict[str, Any]) -> None:
        """Go on where a previous run stopped, if the file is still the same one and no
        shorter (else it was rotated or truncated meanwhile: read it from its start)."""
        try:
            now = os.stat(self.path)
        except OSError:
            return
        if (now.st_dev, now.st_ino) == (saved.get("device"), saved.get("inode")) and int(
            saved.get("offset") or 0
        ) <= now.st_size:
            self.offset, self.line = int(saved["offset"]), int(saved.get("line") or 0)
            self.fmt = saved.get("format")
            self.header = saved["header"].encode() if saved.get("header") else None

    def poll(self) -> list[pl.DataFrame]:
        """The calls written since the last poll (one frame per piece read)."""
        frames: list[pl.DataFrame] = []
        if self._file is None and not self._open():
            return frames
        frames += self._read_new()
        try:
            now = os.stat(self.path)
        except OSError:
            return frames  # moved away, the new one not there yet: keep the old open
        assert self._file is not None
        if (now.st_dev, now.st_ino) != self.ident:  # rotated: the old one is read out
            self._close()
            self.offset = self.line = 0
            if self._open():
                frames += self._read_new()
        elif now.st_size < self.offset:  # truncated: start again
            self._file.seek(0)
            self.offset = self.line = 0
            self._partial, self.header, self.encoding = b"", None, None
            frames += self._read_new()
        return frames

    def close(self) -> None:
        self._close()
        if self._scratch is not None:
            self._scratch.unlink(missing_ok=True)

    def _open(self) -> bool:
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 (kept open between polls)
        except OSError:
            return False
        if handle.read(4) == b"PAR1":
            handle.close()
            raise ScanError("bad_option", "it is Parquet: a finished file, so it is not followed")
        seen = os.fstat(handle.fileno())
        if self.ident is not None and (seen.st_dev, seen.st_ino) != self.ident:
            self.offset = self.line = 0  # another file than the one we stopped in
            self.fmt = self.header = None
        if seen.st_size < self.offset:
            self.offset = self.line = 0
        handle.seek(self.offset)
        self._file, self.ident, self._partial = handle, (seen.st_dev, seen.st_ino), b""
        self.encoding = None  # told again by this file's first bytes
        return True

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._partial:
            self.unreadable += 1  # a rotated file's last line, never finished
            self._partial = b""

    def _read_new(self) -> list[pl.DataFrame]:
        assert self._file is not None
        frames: list[pl.DataFrame] = []
        encoding = self.encoding or self._encoding()
        if encoding is None:
            return frames
        while True:
            data = self._file.read(_READ_AT_ONCE)
            if not data:
                return frames
            data, self._partial = self._partial + data, b""
            end = _line_end(data, encoding)
            data, self._partial = data[:end], data[end:]
            if not data:
                continue
            first = self.line + 1
            self.offset += len(data)
            if encoding != "utf-8":
                data = data.decode(encoding, "replace").encode("utf-8")
            self.line += data.count(b"\n")
            frame = self._parse(Chunk(self.path, data, first))
            if frame is not None and frame.height:
                frames.append(frame)

    def _encoding(self) -> str | None:
        """The file's encoding, told by its first 4 bytes (None until it has them); a
        UTF-16 mark at the start is passed over, as it is no part of the first line."""
        assert self._file is not None
        head = os.pread(self._file.fileno(), 4, 0)
        if len(head) < 4:
            return None
        found = tabular.encoding_of(head)
        mark = 2 if found == "utf-16" else 0
        if found == "utf-16":  # the mark says which byte comes first
            found = "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        elif not found.startswith("utf-16"):
            found = "utf-8"  # as before: a UTF-8 mark is read as the batch readers read it
        if self.offset == 0 and mark:
            self._file.seek(mark)
            self.offset = mark
        self.encoding = found
        return found

    def _parse(self, chunk: Chunk) -> pl.DataFrame | None:
        if self.fmt is None:
            self.fmt = _format_of(chunk, self.options)
            if self.fmt is None:
                return None  # log lines before the first accounting record, say
        if self.fmt == "kamailio":
            if self._accounting is None:
                self._accounting = AccountingCalls(self.options.home)
            return self._accounting.read(chunk.path, chunk.data, chunk.first)
        if self.fmt == "csv" and self.header is None:
            lines = chunk.data.split(b"\n")
            # found as the batch readers find it: after a sep= line or blank lines
            found = tabular.header_of(line.decode("utf-8", "replace") for line in lines)
            if found is None:
                return None
            self.header = b"\n".join(line.rstrip(b"\r") for line in lines[: found.line])
            rest = b"\n".join(lines[found.line :])
            chunk = Chunk(chunk.path, rest, chunk.first + found.line)
            if not rest:
                return None
        if self._scratch is None:
            handle, name = tempfile.mkstemp(prefix="ringcheck-follow-", suffix=".csv")
            os.close(handle)
            self._scratch = Path(name)
        frame = read_lines(chunk, self.fmt, self.header, self.options, self._scratch)
        bad = frame.filter(~pl.col("ok"))
        self.unreadable += bad.height
        return frame.filter(pl.col("ok"))


def _line_end(data: bytes, encoding: str) -> int:
    """Where the last complete line of ``data`` ends (0: none yet). ``data`` starts at a
    character's first byte; in UTF-16 a line end is a whole 2-byte character."""
    if encoding == "utf-8":
        return data.rfind(b"\n") + 1
    newline = "\n".encode(encoding)
    at = data.rfind(newline)
    while at > 0 and at % 2:  # the second byte of one character and the first of another
        at = data.rfind(newline, 0, at + 1)
    return at + 2 if at >= 0 else 0


def _format_of(chunk: Chunk, options: ScanOptions) -> str | None:
    """The file's format, from its first lines (as the batch scan tells them apart), or
    None when they don't tell yet (a Kamailio log before its first accounting record)."""
    from ringcheck.scan.formats import detect

    if MARKER in chunk.data:
        return "kamailio"
    try:
        fmt = detect(Path(chunk.path), options)
    except ScanError as exc:
        if exc.code in ("unknown_format", "not_call_records"):
            return None
        raise
    if fmt == "parquet":
        raise ScanError("bad_option", "it is Parquet: a finished file, so it is not followed")
    return fmt


@dataclass
class Follower:
    """Several followed files, and where each stopped kept in ``state`` (a JSON file)."""

    paths: Iterable[str]
    options: ScanOptions
    state: Path | None = None
    tails: list[Tail] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files left out, and why

    def __post_init__(self) -> None:
        saved = self._saved()
        for given in self.paths:
            tail = Tail(str(Path(given)), self.options)
            if str(Path(given)) in saved:
                tail.resume(saved[str(Path(given))])
            self.tails.append(tail)

    def poll(self) -> list[pl.DataFrame]:
        """What every file has new; a file that can't be followed is left out, and why
        goes to ``problems``."""
        frames = []
        for tail in list(self.tails):
            try:
                frames += tail.poll()
            except ScanError as exc:
                self.problems.append(f"{tail.path}: {exc.message}")
                tail.close()
                self.tails.remove(tail)
        return frames

    @property
    def unreadable(self) -> int:
        return sum(t.unreadable for t in self.tails)

    def save(self) -> None:
        """Write where each file stopped (atomically: a crash leaves the old state)."""
        if self.state is None:
            return
        text = json.dumps({t.path: t.state() for t in self.tails}, indent=1)
        self.state.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state.with_name(self.state.name + ".new")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.state)

    def close(self) -> None:
        for tail in self.tails:
            tail.close()

    def _saved(self) -> dict[str, Any]:
        if self.state is None or not self.state.is_file():
            return {}
        try:
            found = json.loads(self.state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a damaged state file: read the files again from the start
        return found if isinstance(found, dict) else {}
