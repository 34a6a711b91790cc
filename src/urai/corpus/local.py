"""Checking many documents: in order, on several cores, never losing a record.

>>> import urai                                                 # doctest: +SKIP
>>> for result in urai.check_many(texts, jobs=2):               # doctest: +SKIP
...     if isinstance(result, urai.UraiError):
...         print("rejected:", result)
...     else:
...         print(result.verdict, result.spun_probability)

* Results come back in input order, one per input. An input that cannot be checked (not a
  string, empty, binary-looking HTML, ...) gives its :class:`~urai.errors.UraiError` in its
  place instead of stopping the batch; an unexpected failure on one input becomes a
  :class:`~urai.errors.ProcessingError` naming the exception, so a crawl of millions of
  documents is never stopped, and never silently shortened, by one odd page.
* ``jobs > 1`` checks in that many worker processes (``jobs=0``: one per core). Workers are
  forked from the calling process where the platform allows it, so the loaded language
  model and thesaurus are shared copy-on-write instead of loaded once per worker; elsewhere
  the detector is sent to each worker once. Each worker uses one BLAS thread. Per-core speed
  is that of :meth:`urai.detect.detector.Detector.check`; this scales it across cores (1.4x with 2
  workers on this 2-core machine, ``benchmarks/bench_check_speed.py --jobs 2``: the compiled
  check is bound by memory reads, which the cores share). The compiled kernels' tables are
  built before the workers start, so they are shared too.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from urai.detect.detector import CheckConfig, CheckResult, Detector, default_detector
from urai.errors import ConfigError, InputError, ProcessingError, UraiError

__all__ = ["BatchChecker", "check_many"]

K = TypeVar("K")

_DETECTOR: Any = None  # the worker process's detector (set by _init_worker)


def check_safely(det: Any, text: Any, html: bool | None) -> Any:
    """``det.check(text)``, or the error that stops it, returned rather than raised."""
    try:
        return det.check(text, html=html)
    except UraiError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a batch accounts for every record
        return ProcessingError(
            f"unexpected {type(exc).__name__} while checking ({exc}); this is a bug in urai, "
            "please report it with the input")


def _init_worker(det: Any) -> None:
    global _DETECTOR
    _DETECTOR = det
    # one BLAS thread per worker: with numpy's default (one per core) every worker's cloze
    # products fight for all cores, and 2 workers on 2 cores ran slower than 1 (measured)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    # Ctrl-C goes to the whole process group: the parent stops the pool, workers just exit
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(payload: tuple[Any, Any, bool | None]) -> tuple[Any, CheckResult | UraiError | None]:
    key, text, html = payload
    if text is None:
        return key, None
    assert _DETECTOR is not None, "worker not initialised"
    return key, check_safely(_DETECTOR, text, html)


class BatchChecker:
    """Checks a stream of documents with one detector, in this process or in ``jobs``
    worker processes; use as a context manager (the workers stop on exit).

    :meth:`results` takes ``(key, text)`` pairs and yields ``(key, result)`` in the same
    order, where ``result`` is what ``detector.check`` returns (a
    :class:`~urai.detect.detector.CheckResult` for a :class:`~urai.detect.detector.Detector`, a
    :class:`~urai.detect.screener.ScreenResult` for a :class:`~urai.detect.screener.Screener`,
    either for a
    :class:`~urai.detect.screener.Cascade`) or the
    :class:`~urai.errors.UraiError` for that text; a ``None`` text is passed through as a
    ``None`` result (callers use it to keep inputs they rejected themselves in order).
    """

    def __init__(self, detector: Any = None, *, jobs: int = 1,
                 html: bool | None = None, chunksize: int = 4) -> None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
            raise ConfigError(f"jobs must be an integer >= 0 (0: one per core), got {jobs!r}")
        if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
            raise ConfigError(f"chunksize must be an integer >= 1, got {chunksize!r}")
        if detector is None:
            detector = default_detector()
        if not callable(getattr(detector, "check", None)):
            raise ConfigError("detector must be a Detector, Screener or Cascade, got "
                              f"{type(detector).__name__}")
        self.detector = detector
        self.jobs = jobs or (os.cpu_count() or 1)
        self.html = html
        self.chunksize = chunksize
        self._pool: Any = None

    def __enter__(self) -> BatchChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (work not yet returned is abandoned)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _start(self) -> Any:
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            prepare = getattr(self.detector, "prepare", None)
            if callable(prepare):  # build lazy tables now: forked workers share them
                prepare()
            self._pool = ctx.Pool(self.jobs, initializer=_init_worker,
                                  initargs=(self.detector,))
        return self._pool

    def results(self, items: Iterable[tuple[K, str | None]]
                ) -> Iterator[tuple[K, CheckResult | UraiError | None]]:
        """``(key, result)`` for every ``(key, text)``, in input order."""
        if self.jobs == 1:
            for key, text in items:
                yield key, (None if text is None
                            else check_safely(self.detector, text, self.html))
            return
        pool = self._start()
        payloads = ((key, text, self.html) for key, text in items)
        yield from pool.imap(_work, payloads, chunksize=self.chunksize)


def check_many(texts: Iterable[str], *, jobs: int = 1, config: CheckConfig | None = None,
               html: bool | None = None, detector: Detector | None = None,
               ) -> Iterator[CheckResult | UraiError]:
    """Check every text of ``texts`` (any iterable, consumed lazily), yielding one
    :class:`~urai.detect.detector.CheckResult` per text in input order, or the
    :class:`~urai.errors.UraiError` that text raised (never raised, so no record is lost).

    ``jobs``: worker processes (1: this process; 0: one per core). ``config`` or a ready
    ``detector`` choose the settings (default: the shipped detector).
    """
    if detector is not None and config is not None:
        raise ConfigError("give either config or detector, not both")
    det = Detector(config) if config is not None else detector
    with BatchChecker(det, jobs=jobs, html=html) as checker:
        for i, result in checker.results(enumerate(texts)):
            # a None text comes back as None (the pass-through of ``results``)
            yield result if result is not None else InputError(
                f"item {i}: expected text (str), got None")
