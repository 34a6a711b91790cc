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

from urai.corpus.local import BatchChecker
from urai.corpus.sources import iter_corpus
from urai.errors import InputError, UraiError
from urai.records import Rejection

__all__ = ["CheckJob", "JobItem", "JobReport", "VERDICT_ORDER"]

#: the order verdicts are listed in reports
VERDICT_ORDER = ("spun", "uncertain", "clean", "too_short", "not_indonesian")


@dataclass(frozen=True, slots=True)
class JobItem:
    """One input document's outcome: ``result`` (a check or screen result) or ``error``."""

    source: str
    id: Any = None
    result: Any = None
    error: UraiError | None = None

    @property
    def rejected(self) -> bool:
        return self.error is not None

    def to_dict(self, *, staged: bool = False) -> dict[str, Any]:
        """The JSON object of this document (``{"source", ["id",] ...result}`` or
        ``{"source", "error": {"code", "message"}}``); ``staged`` adds which stage answered
        (``screen`` or ``check``, for a cascade)."""
        if self.error is not None:
            msg = str(self.error)
            msg = msg if msg.startswith(self.source) else f"{self.source}: {msg}"
            return {"source": self.source, "error": {"code": self.error.code, "message": msg}}
        head: dict[str, Any] = {"source": self.source}
        if self.id is not None:
            head["id"] = self.id
        if staged:
            head["stage"] = "screen" if type(self.result).__name__ == "ScreenResult" else "check"
        return {**head, **self.result.to_dict()}


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

    def summary(self) -> str:
        """``N checked (a spun, b clean, ...), R rejected, S already there``."""
        parts = ", ".join(f"{self.verdicts[v]} {v.replace('_', ' ')}" for v in VERDICT_ORDER
                          if self.verdicts[v])
        before = f" ({self.skipped_rejected} of them rejected)" if self.skipped_rejected else ""
        return (f"{self.processed} checked ({parts or 'none'}), {self.rejected} rejected, "
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

    ``done`` maps sources already answered (a resumed results file) to whether they were
    rejected; those are skipped and counted.
    """

    def __init__(self, inputs: Iterable[str], runner: Any, *, html: bool | None = None,
                 jobs: int = 1, done: Mapping[str, bool] | None = None) -> None:
        self.inputs = list(inputs)
        self.runner = runner
        self.html = html
        self.jobs = jobs
        self.done = dict(done or {})
        self.report = JobReport()

    def _tasks(self) -> Iterator[tuple[tuple[str, Any, str | None], str | None]]:
        rep = self.report
        for item in iter_corpus(self.inputs, require_id=False):
            source = item.source if isinstance(item, Rejection) else item[0]
            if source in self.done:
                rep.skipped += 1
                rep.skipped_rejected += self.done[source]
                continue
            if isinstance(item, Rejection):
                yield (source, None, item.reason), None
                continue
            doc = item[1]
            if isinstance(doc, dict):
                yield (source, doc.get("id"), None), doc["text"]
            else:
                yield (source, None, None), doc.text

    def run(self) -> Iterator[JobItem]:
        """The documents' outcomes, in input order (counted in :attr:`report`)."""
        rep = self.report
        with BatchChecker(self.runner, jobs=self.jobs, html=self.html) as checker:
            for (source, ident, reason), result in checker.results(self._tasks()):
                if result is not None and not isinstance(result, UraiError):
                    rep.verdicts[result.verdict] += 1
                    yield JobItem(source, ident, result)
                    continue
                rep.rejected += 1
                err = result if result is not None else InputError(reason or "rejected")
                yield JobItem(source, ident, error=err)
