"""CSV/TSV records that a broken quote cannot swallow (pure apart from reading the file).

Why not hand the file to :func:`csv.reader`: a row with a quote that is never closed,
``7,"Title,body text``, makes it read every following line into that field, up to the
next stray quote or the end of the file. The rows it ate vanish without a trace, and
the report still adds up because they were never counted. So we split the file into
logical records ourselves and give each one to :func:`csv.reader` on its own:

* A record ends at the first line end that is not inside a quoted field. The quote
  state follows the csv module's own rules: a quote opens a field only at the start of
  a field (``12" pizza`` is text), ``""`` inside a quoted field is a quote.
* A record that spans lines is accepted when it parses strictly (nothing but a
  delimiter or the line end after a closing quote) into the header's column count.
* Otherwise, when one of the swallowed lines parses on its own as a row with the
  header's column count -- or the quote is still open at the end of the file or after
  :data:`MAX_RECORD_CHARS` -- the first line alone is dead-lettered as
  ``csv_unterminated_quote: the quote opened on line N ...`` and reading restarts at the
  next physical line. A tail that looks like no row stays one dead letter, and a
  multi-line record of the wrong width with no row-like line is ``csv_column_count``.

What cannot be told apart: a stray quote that some later quote closes so that the
result is a well-formed record of the right width (``""`` escapes can line up so). That
record is read as one; the header count and strict parse catch the common cases.

Positions are 0-based record numbers (header and blank records excluded), so a resume
with ``start_position`` skips the same records; line numbers in reasons are 1-based
physical lines of the file, the header's included (what an editor shows).
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from ..errors import IngestError

__all__ = ["MAX_RECORD_CHARS", "CsvRecord", "iter_csv_records"]

MAX_RECORD_CHARS = 8 * 1024 * 1024
"""A quoted field still open after this many characters is treated as never closed."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_Line = tuple[int, str]
"""A physical line: its 1-based number and its text with the line end."""


class CsvRecord(NamedTuple):
    """One logical record: ``data`` (header → value, ``""`` → ``None``) or ``error``."""

    position: int
    data: dict[str, Any] | None
    error: str | None
    raw: str | None
    """The record as it is in the file (the first line only for a broken quote)."""
    line: int
    doc_id: str | None = None
    """An unreadable row's id, when its id cell can still be trusted (see ``_row_id``)."""


class _Lines:
    """Physical lines with their numbers, and a way to read some of them again."""

    def __init__(self, fh: IO[str]) -> None:
        self._fh = fh
        self._back: deque[_Line] = deque()
        self._n = 0

    def next(self) -> _Line | None:
        if self._back:
            return self._back.popleft()
        line = self._fh.readline()
        if not line:
            return None
        self._n += 1
        return self._n, line

    def put_back(self, lines: list[_Line]) -> None:
        self._back.extendleft(reversed(lines))


_QUOTED_RUN = re.compile(r'(?:[^"]+|"")*')
"""Text inside a quoted field: anything but a quote, or a doubled quote."""


def _still_open(line: str, open_: bool, opener: re.Pattern[str]) -> bool:
    """Is a quoted field open at the end of ``line``, given the state at its start?

    The csv module's rules: a quote opens a field only at the field's start (``opener``:
    the record's start or just after a delimiter), ``""`` inside a quoted field is a
    literal quote, and any other quote closes the field.
    """
    if '"' not in line:
        return open_
    i = 0
    n = len(line)
    while True:
        if open_:
            m = _QUOTED_RUN.match(line, i)  # always matches (maybe the empty string)
            i = m.end() if m else i
            if i >= n:
                return True
            open_, i = False, i + 1
        else:
            m = opener.search(line, i)
            if m is None:
                return False
            open_, i = True, m.end()


def _rows(text: str, delim: str, *, strict: bool = False) -> list[list[str]] | str:
    """The rows csv makes of ``text``, or its error message."""
    try:
        return list(csv.reader([text], delimiter=delim, strict=strict))
    except csv.Error as exc:
        return str(exc)


def _row_like(line: str, delim: str, width: int) -> bool:
    """Does this line, on its own, parse as one row of the header's width?"""
    rows = _rows(line.rstrip("\r\n"), delim)
    return not isinstance(rows, str) and len(rows) == 1 and len(rows[0]) == width


def _show(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class _Reader:
    def __init__(self, fh: IO[str], delim: str) -> None:
        self.lines = _Lines(fh)
        self.delim = delim
        self.opener = re.compile(f'(?:^|(?<={re.escape(delim)}))"')

    def block(self, first: _Line) -> tuple[list[_Line], Literal["closed", "eof", "too_long"]]:
        """The physical lines of the logical record that starts with ``first``."""
        block = [first]
        open_ = _still_open(first[1], False, self.opener)
        size = len(first[1])
        while open_:
            nxt = self.lines.next()
            if nxt is None:
                return block, "eof"
            block.append(nxt)
            size += len(nxt[1])
            open_ = _still_open(nxt[1], True, self.opener)
            if open_ and size > MAX_RECORD_CHARS:
                return block, "too_long"
        return block, "closed"

    def row_like(self, lines: list[_Line], width: int) -> int | None:
        """The number of the first line that parses on its own as a row of ``width``."""
        return next((n for n, t in lines if _row_like(t, self.delim, width)), None)

    def header(self, path: Path) -> list[str] | None:
        first = self.lines.next()
        while first is not None and not first[1].strip():
            first = self.lines.next()
        if first is None:
            return None
        block, state = self.block(first)
        if state != "closed":
            raise IngestError(f"{path}: the quote opened in the CSV header is not closed")
        rows = _rows("".join(t for _n, t in block).rstrip("\r\n"), self.delim)
        if isinstance(rows, str) or len(rows) != 1:
            raise IngestError(f"{path}: unreadable CSV header: {rows}")
        header = rows[0]
        if len(set(header)) != len(header):
            raise IngestError(f"{path}: the CSV header repeats a column name")
        return header

    def record(
        self, first: _Line, position: int, header: list[str], id_at: int | None = None
    ) -> CsvRecord | None:
        """The record that starts with ``first`` (``None`` for a row of empty cells);
        ``id_at``: the id column's index, to name the document of an unreadable row."""
        lineno, first_text = first
        width = len(header)
        block, state = self.block(first)
        rest = block[1:]
        raw = "".join([t for _n, t in block]).rstrip("\r\n") if rest else first_text.rstrip("\r\n")
        if state != "closed":
            where = (
                "before the end of the file"
                if state == "eof"
                else f"within {MAX_RECORD_CHARS} characters"
            )
            if state == "too_long" or self.row_like(rest, width) is not None:
                self.lines.put_back(rest)  # restart at the line after the quote
                raw = first_text.rstrip("\r\n")
            return _unterminated(position, lineno, where, raw)
        rows = _rows(raw, self.delim, strict=bool(rest))
        if rest and (isinstance(rows, str) or len(rows) != 1 or len(rows[0]) != width):
            # a record over several lines that is not a clean row of the header's width
            n = self.row_like(rest, width)
            if n is not None:
                self.lines.put_back(rest)
                where = f"where its record should end (line {n} reads as a row)"
                return _unterminated(position, lineno, where, first_text.rstrip("\r\n"))
            rows = _rows(raw, self.delim)
        if isinstance(rows, str) or len(rows) != 1:
            err = f"invalid_csv: {rows if isinstance(rows, str) else 'more than one row'}"
            return CsvRecord(position, None, f"{err} (line {lineno})", _show(raw), lineno)
        row = rows[0]
        if not any(row):
            return None
        if _SURROGATE.search(raw):
            err = f"invalid_utf8: the row on line {lineno} has bytes that are not UTF-8"
            return CsvRecord(position, None, err, _show(raw), lineno, _row_id(row, header, id_at))
        if len(row) != width:
            err = f"csv_column_count: {len(row)} values for {width} columns (line {lineno})"
            return CsvRecord(position, None, err, raw, lineno, _row_id(row, header, id_at))
        data = {k: (v if v != "" else None) for k, v in zip(header, row, strict=True)}
        return CsvRecord(position, data, None, None, lineno)


def _row_id(row: list[str], header: list[str], id_at: int | None) -> str | None:
    """The id cell of a row that could not be used, only where it cannot be misread.

    With the header's width every cell is in its column; with another width a stray
    delimiter may have shifted the cells, and only the first one is still certain to
    be the first column's. An id with undecodable bytes is no id (it could not be sent).
    """
    if id_at is None or id_at >= len(row) or (len(row) != len(header) and id_at != 0):
        return None
    value = row[id_at].strip()
    return value if value and not _SURROGATE.search(value) else None


def _unterminated(position: int, lineno: int, where: str, raw: str) -> CsvRecord:
    err = f"csv_unterminated_quote: the quote opened on line {lineno} is not closed {where}"
    return CsvRecord(position, None, err, _show(raw), lineno)


def check_columns(path: Path, header: list[str], text_fields: tuple[str, ...], delim: str) -> None:
    """A header without any configured text column means every row would be skipped as
    empty -- a load that "succeeds" with nothing in it. Say so before reading a row."""
    if not text_fields or set(text_fields) & set(header):
        return
    shown = ", ".join(repr(h) for h in header[:12])
    hint = ""
    if len(header) == 1 and any(c in header[0] for c in ";|\t,"):
        hint = f"; is the file delimited by something other than {delim!r}?"
    elif {h.lower() for h in header} & {f.lower() for f in text_fields}:
        hint = "; column names are case-sensitive"
    raise IngestError(
        f"{path}: the CSV header has {shown}, none of the configured text fields "
        f"({', '.join(text_fields)}): check fields.text in the config{hint}"
    )


def iter_csv_records(
    path: Path,
    *,
    start_position: int = 0,
    text_fields: tuple[str, ...] = (),
    id_field: str | None = None,
) -> Iterator[CsvRecord]:
    """Records of a ``.csv`` (comma) or ``.tsv`` (tab) file from ``start_position`` on.

    Records before ``start_position`` are still parsed (their extent decides where the
    next one starts) but not yielded, so positions agree with an uninterrupted read.
    """
    delim = "\t" if path.suffix.lower() == ".tsv" else ","
    # utf-8-sig drops a BOM opening the file; surrogateescape keeps undecodable bytes
    # (as lone surrogates) so the one row that has them is dead-lettered, not the file.
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = _Reader(fh, delim)
        header = reader.header(path)
        if header is None:
            return
        check_columns(path, header, text_fields, delim)
        id_at = header.index(id_field) if id_field in header else None
        position = 0
        while (first := reader.lines.next()) is not None:
            if not first[1].strip():
                continue
            rec = reader.record(first, position, header, id_at)
            if rec is None:
                continue
            if position >= start_position:
                yield rec
            position += 1
