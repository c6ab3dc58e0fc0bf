"""Input readers: JSONL (bytes-level), CSV, Parquet, a directory of text files, stdin.

Why bytes-level JSONL: a hundred-million-line export always contains a few broken
lines (a BOM in the middle, Latin-1 bytes, a line cut by a crash). A reader that
decodes the whole file as text dies on the first one; ours turns each into a
:class:`RawRecord` carrying a specific ``error`` reason, which the pipeline sends to
the dead-letter file while the rest of the load goes on.

Every record carries its ``position`` (0-based line/row/file number) for checkpoints,
and JSONL records also carry ``end_offset`` so a resume can ``seek`` instead of
re-reading a huge file from the start.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from ..errors import IngestError
from .csvreader import iter_csv_records

__all__ = [
    "MAX_RECORD_BYTES",
    "Format",
    "RawRecord",
    "detect_format",
    "iter_csv",
    "iter_dir",
    "iter_jsonl",
    "iter_parquet",
    "parse_json_line",
    "read_path",
    "split_title",
]

Format = Literal["jsonl", "csv", "parquet", "dir"]

MAX_RECORD_BYTES = 8 * 1024 * 1024
"""A JSONL line longer than this is a dead letter (``line_too_long``), never loaded whole."""

_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")
_KEY_TOKEN = re.compile(rb'"\s*:')
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class RawRecord:
    """One input record before validation: a mapping, or the reason it could not be read."""

    position: int
    data: Mapping[str, Any] | None
    error: str | None = None
    raw: str | None = None
    """The original line/row (lossless repr for undecodable bytes), kept for dead letters."""
    end_offset: int | None = None
    coerce: bool = False
    """Values are strings by nature (CSV): metadata may be converted from text."""
    doc_id: str | None = None
    """The id of an unreadable record when it could still be read (a dir file's path, a
    CSV row's id cell), so its dead letter says which document it was."""


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


def _count_keys(obj: Any) -> int:
    if isinstance(obj, dict):
        return len(obj) + sum(_count_keys(v) for v in obj.values())
    if isinstance(obj, list):
        return sum(_count_keys(v) for v in obj)
    return 0


def _has_duplicate_keys(line: bytes) -> bool:
    dup = False

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal dup
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            dup = True
        return dict(pairs)

    json.loads(line, object_pairs_hook=hook)
    return dup


def _show(line: bytes) -> str:
    """A lossless, printable form of the line for the dead-letter file."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("utf-8", errors="backslashreplace")


def parse_json_line(line: bytes, *, last: bool = False) -> tuple[Any, str | None]:
    """Parse one JSONL line; returns ``(object, None)`` or ``(None, reason)``.

    orjson is the fast path. Only when it refuses a line (or when a cheap count says
    duplicate keys are possible) does the slow stdlib parser run, to name the reason.
    """
    if line.startswith(_UTF8_BOM) or line.startswith(_OTHER_BOMS):
        return None, "bom: byte-order mark inside the file"
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return None, _classify(line, str(exc), last=last)
    if not isinstance(obj, dict):
        return None, f"not_an_object: top-level JSON is {type(obj).__name__}"
    if len(_KEY_TOKEN.findall(line)) != _count_keys(obj) and _has_duplicate_keys(line):
        return None, "duplicate_keys: an object repeats a key"
    return obj, None


def _classify(line: bytes, orjson_msg: str, *, last: bool) -> str:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"invalid_utf8: byte {exc.start}"
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except _NonFinite as exc:
        return f"nan_or_infinity: {exc} is not valid JSON"
    except RecursionError:
        return "too_deeply_nested"
    except json.JSONDecodeError as exc:
        if last and (exc.msg.startswith("Unterminated") or exc.pos >= len(text.rstrip()) - 1):
            return f"truncated_line: {exc.msg}"
        if exc.pos >= len(text.rstrip()):
            return f"truncated_line: {exc.msg}"
        return f"invalid_json: {exc.msg} at column {exc.colno}"
    if _contains_surrogate(obj):
        return "lone_surrogate: a \\u escape encodes half of a surrogate pair"
    if "recursion" in orjson_msg.lower():
        return "too_deeply_nested"
    return f"invalid_json: {orjson_msg.splitlines()[0][:200]}"


def _contains_surrogate(obj: Any) -> bool:
    if isinstance(obj, str):
        return bool(_SURROGATE.search(obj))
    if isinstance(obj, dict):
        return any(_contains_surrogate(k) or _contains_surrogate(v) for k, v in obj.items())
    if isinstance(obj, list):
        return any(_contains_surrogate(v) for v in obj)
    if isinstance(obj, float):
        return False
    return False


def iter_jsonl(
    stream: IO[bytes],
    *,
    start_position: int = 0,
    start_offset: int = 0,
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[RawRecord]:
    """Yield one :class:`RawRecord` per non-blank line; never raises on bad content."""
    position = start_position
    offset = start_offset
    first = start_offset == 0
    while True:
        line = stream.readline(max_record_bytes + 1)
        if not line:
            return
        start = offset
        offset += len(line)
        if len(line) > max_record_bytes and not line.endswith(b"\n"):
            skipped = 0
            while True:  # drain the rest of the huge line without keeping it
                more = stream.readline(1024 * 1024)
                offset += len(more)
                skipped += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield RawRecord(
                position,
                None,
                f"line_too_long: more than {max_record_bytes} bytes",
                raw=_show(line[:200]) + "...",
                end_offset=offset,
            )
            position += 1
            first = False
            continue
        if first and line.startswith(_UTF8_BOM):
            line = line[len(_UTF8_BOM) :]  # a BOM opening the file is an encoding marker
        first = False
        body = line.strip(b" \t\r\n")
        if not body:
            continue
        ended = line.endswith(b"\n")
        obj, err = parse_json_line(body, last=not ended)
        del start
        yield RawRecord(position, obj, err, raw=_show(body) if err else None, end_offset=offset)
        position += 1


def iter_csv(
    path: Path,
    *,
    start_position: int = 0,
    text_fields: tuple[str, ...] = (),
    id_field: str | None = None,
) -> Iterator[RawRecord]:
    """Rows as mappings (header = field names); see :mod:`.csvreader` for what a row is.

    Undecodable bytes, a wrong column count and a quote that is never closed each cost
    exactly the one record they are in; ``.tsv`` files are split on tabs.
    """
    records = iter_csv_records(
        path, start_position=start_position, text_fields=text_fields, id_field=id_field
    )
    for rec in records:
        yield RawRecord(
            rec.position,
            rec.data,
            rec.error,
            raw=rec.raw,
            coerce=rec.data is not None,
            doc_id=rec.doc_id,
        )


def iter_parquet(path: Path, *, start_position: int = 0) -> Iterator[RawRecord]:
    """Rows of a Parquet file, read in record batches so memory stays flat."""
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the environment
        raise IngestError(
            "reading Parquet needs pyarrow: pip install 'babelsearch[parquet]'"
        ) from None
    try:
        pf = pq.ParquetFile(str(path))
    except Exception as exc:  # pyarrow raises its own ArrowInvalid/OSError family
        raise IngestError(f"{path}: not a readable Parquet file: {exc}") from None
    position = 0
    for batch in pf.iter_batches(batch_size=1024):
        rows = batch.to_pylist()
        for row in rows:
            if position >= start_position:
                yield RawRecord(position, _plain(row))
            position += 1


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, float) and not math.isfinite(v):
            out[k] = v  # validation rejects it with a reason
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_BLANK_LINES = re.compile(r"^(?:[ \t]*(?:\r\n|\r|\n))+")
TITLE_MAX_CHARS = 200
"""A first line longer than this is a paragraph, not a title."""


def iter_dir(
    root: Path, text_fields: tuple[str, ...], id_field: str, *, start_position: int = 0
) -> Iterator[RawRecord]:
    """``.txt``/``.md`` files under ``root`` (sorted): id = relative path.

    With two or more text fields, :func:`split_title` gives the first its title and
    the second the rest; with one text field the whole text goes there.
    """
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".txt", ".md")
    )
    for position, p in enumerate(files):
        if position < start_position:
            continue
        rel = p.relative_to(root).as_posix()
        raw = p.read_bytes()
        if raw.startswith(_UTF8_BOM):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield RawRecord(position, None, f"invalid_utf8: byte {exc.start}", raw=rel, doc_id=rel)
            continue
        data: dict[str, Any] = {id_field: rel}
        if len(text_fields) >= 2:
            title, body = split_title(text)
            if title is not None:
                data[text_fields[0]] = title
            data[text_fields[1]] = body
        else:
            data[text_fields[0]] = text
        yield RawRecord(position, data)


def split_title(text: str) -> tuple[str | None, str]:
    """``(title, body)`` of a text file, each character in one of them only.

    Why not "first line = title, whole text = body": the title is copied into every
    chunk, so a long one-line file was indexed once per chunk (19 kB in, 845 kB
    indexed). A title is the first non-blank line when it is a Markdown heading or at
    most :data:`TITLE_MAX_CHARS` long, *and* more text follows; the body is that text
    (a setext underline and leading blank lines dropped). Otherwise there is no title
    and the body is the whole text.
    """
    lines = text.splitlines(keepends=True)
    i = next((k for k, line in enumerate(lines) if line.strip()), None)
    if i is None:
        return None, text
    first = lines[i].strip()
    m = _HEADING.match(first)
    title = (m.group(1) if m else first).strip()
    rest = lines[i + 1 :]
    if not m and rest and _SETEXT.match(rest[0]):
        rest = rest[1:]
    body = _BLANK_LINES.sub("", "".join(rest), count=1)
    if not title or len(title) > TITLE_MAX_CHARS or not body.strip():
        return None, text
    return title, body


def detect_format(path: str) -> Format:
    if path == "-":
        return "jsonl"
    p = Path(path)
    if p.is_dir():
        return "dir"
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise IngestError(
        f"{path}: cannot tell the input format from the name; pass --format jsonl|csv|parquet|dir"
    )


def read_path(
    path: str,
    fmt: Format,
    *,
    text_fields: tuple[str, ...],
    id_field: str,
    start_position: int = 0,
    start_offset: int = 0,
) -> Iterator[RawRecord]:
    """Open ``path`` (``-`` = stdin JSONL) and yield records from ``start_position`` on."""
    if path == "-":
        yield from iter_jsonl(sys.stdin.buffer)
        return
    p = Path(path)
    if not p.exists():
        raise IngestError(f"input not found: {path}")
    if fmt == "jsonl":
        with p.open("rb") as fh:
            if start_offset:
                fh.seek(start_offset)
            yield from iter_jsonl(fh, start_position=start_position, start_offset=start_offset)
    elif fmt == "csv":
        yield from iter_csv(
            p, start_position=start_position, text_fields=text_fields, id_field=id_field
        )
    elif fmt == "parquet":
        yield from iter_parquet(p, start_position=start_position)
    elif fmt == "dir":
        if not p.is_dir():
            raise IngestError(f"{path}: --format dir needs a directory")
        yield from iter_dir(p, text_fields, id_field, start_position=start_position)
    else:  # pragma: no cover - Literal guards this
        raise IngestError(f"unknown format {fmt!r}")
