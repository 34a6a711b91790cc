"""The record types every wing passes around: a corpus document (:class:`Record`) and an
input that was not processed (:class:`Rejection`), and the one rule for what a record may hold
(:func:`make_record`, :func:`validate_record`, :func:`clean_text`, :func:`clean_id`) under one
size cap (:class:`InputLimits`). A leaf module: it imports nothing of urai's but the errors,
so the trace, corpus and service wings can all share it.

The rule, for every command and the Python API alike:

* **text** must be a string. Lone surrogates (``"\\ud800"``, valid JSON but not encodable as
  UTF-8) become U+FFFD and control characters other than ``\\t \\n \\v \\f \\r`` become a
  space: one character for one, so offsets into the repaired text are offsets into the input.
  Empty (or all-blank) text is rejected; so is text over :attr:`InputLimits.max_bytes`.
* **id** is a string (repaired like the text) or an integer (written in decimal); it must not
  be empty or longer than :attr:`InputLimits.max_id_chars`. Anything else (a float, ``NaN``,
  ``true``, a list, ...) is rejected with the reason.
* **title / url / date** are optional; a string (repaired) or a number becomes a string,
  anything else is rejected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from urai.errors import ConfigError

__all__ = ["Record", "Rejection", "InputLimits", "RecordFields", "clean_text", "clean_id",
           "make_record", "validate_record", "DEFAULT_LIMITS"]


@dataclass(frozen=True, slots=True)
class Record:
    """One document of a corpus input: an id, its text and optional metadata."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that was not processed, and why (batch jobs count these, never drop them)."""

    source: str
    reason: str
    #: the error code (:attr:`urai.errors.UraiError.code`) behind the reason
    code: str = "bad_input"
    #: the input's path-independent key (see :mod:`urai.corpus.sources`), when it has one
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"source", "error": {"code", "message"}}``: the shape of every rejected record in
        JSON output, the same as an error answer of the HTTP API plus its source."""
        return {"source": self.source, "error": {"code": self.code, "message": self.reason}}


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Size and time bounds on reading input, in one place (CLI ``--max-bytes``).

    ``max_bytes``: the largest document (a text file, an HTML page, one JSONL record's text,
    UTF-8 bytes); the default, 16 MiB, keeps a 1 MB novel many times over, and a bigger input
    is rejected with a reason instead of filling the memory. ``max_id_chars``: the longest id.
    ``read_timeout``: seconds a FIFO, pipe or device given by name may stay silent before
    urai gives up on it (a regular file never waits).
    """

    max_bytes: int = 16 * 1024 * 1024
    max_id_chars: int = 256
    read_timeout: float = 4.0

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_id_chars"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be a positive integer, got {v!r}")
        t = self.read_timeout
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= 3600:
            raise ConfigError(f"read_timeout must be in (0, 3600] seconds, got {t!r}")


DEFAULT_LIMITS = InputLimits()


@dataclass(frozen=True, slots=True)
class RecordFields:
    """Which fields of a user's JSON Lines records hold the text, id and metadata
    (CLI ``--text-field``, ``--id-field``, ``--date-field``)."""

    text: str = "text"
    id: str = "id"
    title: str = "title"
    url: str = "url"
    date: str = "date"

    def __post_init__(self) -> None:
        for name in ("text", "id", "title", "url", "date"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v:
                raise ConfigError(f"the {name} field name must be a non-empty string, got {v!r}")
        if self.text == self.id:
            raise ConfigError(f"the text and id fields must differ (both {self.text!r})")


DEFAULT_FIELDS = RecordFields()

# lone surrogates and control characters other than \t \n \v \f \r (C0, DEL, C1)
_BAD_CHAR = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _fix(m: re.Match[str]) -> str:
    return "\ufffd" if m.group() >= "\ud800" else " "


def clean_text(text: str) -> str:
    """``text`` with lone surrogates as U+FFFD and control characters (other than tab and line
    breaks) as spaces; the same length, so offsets keep their meaning. Unchanged text is
    returned as is (no copy)."""
    if _BAD_CHAR.search(text) is None:
        return text
    return _BAD_CHAR.sub(_fix, text)


def clean_id(value: Any, limits: InputLimits = DEFAULT_LIMITS, *, what: str = "id") -> str:
    """The id ``value`` as a string, or :class:`ValueError` with the reason it is refused."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what} must be a string or an integer, got {_kind(value)}")
    if isinstance(value, int):
        # str() of a 5,000-digit integer raises (Python's int/str limit): count digits first
        if value.bit_length() > limits.max_id_chars * 3.33:
            raise ValueError(f"{what} is an integer of more than {limits.max_id_chars} digits")
        value = str(value)
    elif not isinstance(value, str):
        raise ValueError(f"{what} must be a string or an integer, got {_kind(value)}")
    value = clean_text(value)
    if not value.strip():
        raise ValueError(f"empty {what}")
    if len(value) > limits.max_id_chars:
        raise ValueError(f"{what} is {len(value):,} characters long (at most "
                         f"{limits.max_id_chars})")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return f"a {type(value).__name__}"


def _meta(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{what} must be a string, got {value!r}")
        if isinstance(value, int) and value.bit_length() > 1000:
            raise ValueError(f"{what} is an integer of more than 300 digits")
        return str(value)
    raise ValueError(f"{what} must be a string, got {_kind(value)}")


def _check_text(text: Any, limits: InputLimits, what: str) -> str:
    if text is None:
        raise ValueError(f"missing {what}")
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a string, got {_kind(text)}")
    # UTF-8 is at most 4 bytes a character (a lone surrogate takes 3): only long texts are
    # measured exactly
    if len(text) * 4 > limits.max_bytes:
        n = len(text.encode("utf-8", "surrogatepass"))
        if n > limits.max_bytes:
            raise ValueError(f"document too large ({n:,} bytes; the limit is "
                             f"{limits.max_bytes:,}, see --max-bytes)")
    if not text.strip():
        raise ValueError("empty text")
    return clean_text(text)


def make_record(obj: Mapping[str, Any], *, fields: RecordFields = DEFAULT_FIELDS,
                limits: InputLimits = DEFAULT_LIMITS, require_id: bool = True,
                default_id: str | None = None) -> Record:
    """A :class:`Record` from one JSON object under the rule above, or :class:`ValueError`
    with the reason it is rejected. ``default_id`` is used when the id field is absent and
    ``require_id`` is false (``None``: the record gets an empty id)."""
    raw_id = obj.get(fields.id)
    if raw_id is None:
        if require_id:
            raise ValueError(f"missing id (field {fields.id!r})")
        ident = default_id or ""
    else:
        ident = clean_id(raw_id, limits)
    what = "text" if fields.text == "text" else f"text (field {fields.text!r})"
    text = _check_text(obj.get(fields.text), limits, what)
    return Record(ident, text, _meta(obj.get(fields.title), "title"),
                  _meta(obj.get(fields.url), "url"), _meta(obj.get(fields.date), "date"))


def validate_record(rec: Any, limits: InputLimits = DEFAULT_LIMITS, *,
                    require_id: bool = True) -> Record | Rejection:
    """The same rule for a :class:`Record` built in Python (``Index.add``, the HTTP API): the
    repaired record, or a :class:`Rejection` naming the record and the reason."""
    if isinstance(rec, Rejection):
        return rec
    if not isinstance(rec, Record):
        return Rejection(repr(rec)[:60], f"expected a Record, got {type(rec).__name__}")
    where = _where(rec.id)
    try:
        ident = clean_id(rec.id, limits) if (require_id or rec.id) else ""
        text = _check_text(rec.text, limits, "text")
        meta = [_meta(getattr(rec, k), k) for k in ("title", "url", "date")]
    except ValueError as exc:
        return Rejection(where, str(exc))
    if (ident, text, *meta) == (rec.id, rec.text, rec.title, rec.url, rec.date):
        return rec
    return Record(ident, text, *meta)


def _where(ident: Any) -> str:
    """A printable, encodable name for a record in messages."""
    if isinstance(ident, str):
        s = clean_text(ident)
        return f"record {s[:80]!r}" if s.strip() else "record"
    if isinstance(ident, int) and not isinstance(ident, bool) and ident.bit_length() < 200:
        return f"record {ident}"
    return "record"
