"""A check (or screen) job over a corpus: every input document comes out once, as a result or
as a rejection with its reason, in input order, counted.

:class:`CheckJob` expands the inputs (files, directories, JSON Lines; :mod:`urai.corpus.sources`),
skips the sources a resumed results file already holds, checks the rest with a
:class:`~urai.corpus.local.BatchChecker` (in this process or in worker processes) and yields
one :class:`JobItem` per document. :attr:`CheckJob.report` counts what happened; in = processed
+ rejected + skipped, always. The CLI only renders the items and the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from urai.corpus.local import BatchChecker, LongTextRunner
from urai.corpus.sources import iter_documents
from urai.errors import InputError, UraiError
from urai.records import DEFAULT_FIELDS, DEFAULT_LIMITS, InputLimits, RecordFields, Rejection

__all__ = ["CheckJob", "JobItem", "JobReport", "VERDICT_ORDER"]

#: the order verdicts are listed in reports
VERDICT_ORDER = ("spun", "uncertain", "clean", "too_short", "not_indonesian")


@dataclass(frozen=True, slots=True)
class JobItem:
    """One input document's outcome: ``result`` (a check or screen result) or ``error``;
    ``key`` is its path-independent key (:mod:`urai.corpus.sources`)."""

    source: str
    id: Any = None
    result: Any = None
    error: UraiError | None = None
    key: str | None = None

    @property
    def rejected(self) -> bool:
        return self.error is not None

    def to_dict(self, *, staged: bool = False, view: str = "check",
                restored_text: bool = True) -> dict[str, Any]:
        """The JSON object of this document (``{"source", ["key",] ["id",] ...result}`` or
        ``{"source", ["key",] "error": {"code", "message"}}``); ``staged`` adds which stage
        answered (``screen`` or ``check``, for a cascade). ``view="restore"`` gives
        ``restored_text``, ``verdict`` and the number of ``changes`` only;
        ``restored_text=False`` leaves the restored text out of a check's object."""
        head: dict[str, Any] = {"source": self.source}
        if self.key:
            head["key"] = self.key
        if self.error is not None:
            msg = str(self.error)
            msg = msg if msg.startswith(self.source) else f"{self.source}: {msg}"
            return {**head, "error": {"code": self.error.code, "message": msg}}
        if self.id is not None and self.id != "":
            head["id"] = self.id
        r = self.result
        if view == "restore":
            subs = getattr(r, "substitutions", ())
            return {**head, "verdict": r.verdict, "changes": len(subs),
                    "restored_text": getattr(r, "restored_text", r.text)}
        if staged:
            head["stage"] = "screen" if type(r).__name__ == "ScreenResult" else "check"
        body = r.to_dict()
        if not restored_text:
            body.pop("restored_text", None)
        return {**head, **body}


@dataclass(slots=True)
class JobReport:
    """What a job did: every input is counted once."""

    verdicts: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    #: inputs found in the resumed results file (and how many of those were rejections)
    skipped: int = 0
    skipped_rejected: int = 0

    @property
    def processed(self) -> int:
        return sum(self.verdicts.values())

    @property
    def total(self) -> int:
        return self.processed + self.rejected + self.skipped

    def summary(self, done: str = "checked") -> str:
        """``N checked (a spun, b clean, ...), R rejected, S already there``; verdicts other
        than the check's (a runner of another command, e.g. ``found`` for trace) follow;
        ``done`` names what was done (``traced`` for trace)."""
        order = [*VERDICT_ORDER, *sorted(set(self.verdicts) - set(VERDICT_ORDER))]
        parts = ", ".join(f"{self.verdicts[v]} {v.replace('_', ' ')}" for v in order
                          if self.verdicts[v])
        before = f" ({self.skipped_rejected} of them rejected)" if self.skipped_rejected else ""
        return (f"{self.processed} {done} ({parts or 'none'}), {self.rejected} rejected, "
                f"{self.skipped} already there{before}")

    def raise_for_outcome(self, where: str = "above") -> None:
        """:class:`InputError` when there was nothing to do, or when any input was rejected
        (earlier runs' rejections in a resumed file included): the exit code describes the
        whole output."""
        if self.total == 0:
            raise InputError("no documents in the inputs (empty JSON Lines file or directory?)")
        bad = self.rejected + self.skipped_rejected
        if bad:
            raise InputError(f"{bad} of {self.total} inputs rejected (reasons {where}), "
                             f"{self.total - bad} processed")


class CheckJob:
    """Check every document of ``inputs`` with ``runner`` (anything with
    ``check(text, html=...)``: a Detector, Screener or Cascade) on ``jobs`` processes.

    ``done`` maps what a resumed results file already holds (path-independent keys, or
    ``source:PATH`` for lines without one) to whether it was rejected; those documents are
    skipped and counted. ``fields`` names the JSON Lines fields, ``limits`` bounds every
    read. A ``.html`` file is read as HTML unless ``html`` says otherwise; text longer than
    ``chunk_chars`` is checked in pieces (:class:`~urai.corpus.local.LongTextRunner`).
    """

    def __init__(self, inputs: Iterable[str], runner: Any, *, html: bool | None = None,
                 jobs: int = 1, done: Mapping[str, bool] | None = None,
                 fields: RecordFields = DEFAULT_FIELDS, limits: InputLimits = DEFAULT_LIMITS,
                 chunk_chars: int | None = LongTextRunner.DEFAULT_CHUNK_CHARS) -> None:
        self.inputs = list(inputs)
        self.runner = runner
        self.html = html
        self.jobs = jobs
        self.done = dict(done or {})
        self.fields = fields
        self.limits = limits
        self.chunk_chars = chunk_chars
        self.report = JobReport()
        self.worker_deaths = 0

    def _seen(self, key: str | None, source: str) -> bool | None:
        """Whether a resumed file holds this document (and if it was rejected there)."""
        if key and key in self.done:
            return self.done[key]
        return self.done.get(f"source:{source}")

    def _tasks(self) -> Iterator[tuple[tuple[str, Any, str | None, str | None], str | None,
                                       bool | None]]:
        rep = self.report
        for item in iter_documents(self.inputs, fields=self.fields, limits=self.limits,
                                   require_id=False):
            was = self._seen(item.key, item.source)
            if was is not None:
                rep.skipped += 1
                rep.skipped_rejected += was
                continue
            if isinstance(item, Rejection):
                yield (item.source, None, item.reason, item.key), None, None
                continue
            html = self.html if self.html is not None else (True if item.html else None)
            yield (item.source, item.record.id, None, item.key), item.record.text, html

    def run(self) -> Iterator[JobItem]:
        """The documents' outcomes, in input order (counted in :attr:`report`)."""
        rep = self.report
        with BatchChecker(self.runner, jobs=self.jobs, html=self.html,
                          chunk_chars=self.chunk_chars) as checker:
            try:
                for (source, ident, reason, key), result in checker.results(self._tasks()):
                    if result is not None and not isinstance(result, UraiError):
                        rep.verdicts[result.verdict] += 1
                        yield JobItem(source, ident, result, key=key)
                        continue
                    rep.rejected += 1
                    err = result if result is not None else InputError(reason or "rejected")
                    yield JobItem(source, ident, error=err, key=key)
            finally:
                self.worker_deaths = checker.worker_deaths
