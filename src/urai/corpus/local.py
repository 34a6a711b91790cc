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
* A worker that dies (``kill -9``, the kernel's out-of-memory killer, a crash in C) is
  noticed at once (its process sentinel), replaced, and the documents it held are tried
  again one at a time; a document that kills a worker twice is given back as a
  :class:`~urai.errors.ProcessingError` saying so, and the run goes on to the end.
* Long texts are checked in pieces (:class:`LongTextRunner`): a text over
  ``chunk_chars`` characters is cut at paragraph (else sentence, else word) boundaries into
  pieces of at most that size, each piece is checked, and the results are joined with their
  offsets moved back, so memory stays bounded by the piece, not the document. A text that
  fits in one piece gets exactly the result of an unwrapped check.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any, TypeVar

from urai.detect.detector import CheckConfig, CheckResult, Detector, default_detector
from urai.errors import ConfigError, InputError, ProcessingError, UraiError
from urai.html import html_to_text, looks_like_html

__all__ = ["BatchChecker", "check_many", "check_safely", "LongTextRunner"]

K = TypeVar("K")

#: how often a document may be on a worker that died before it is rejected
MAX_TRIES = 2


def check_safely(det: Any, text: Any, html: bool | None) -> Any:
    """``det.check(text)``, or the error that stops it, returned rather than raised."""
    try:
        return det.check(text, html=html)
    except UraiError as exc:
        return exc
    except MemoryError:
        return ProcessingError("out of memory while checking this document; split it or "
                               "lower --max-bytes")
    except Exception as exc:  # noqa: BLE001 - a batch accounts for every record
        return ProcessingError(
            f"unexpected {type(exc).__name__} while checking ({exc}); this is a bug in urai, "
            "please report it with the input")


def _worker_main(det: Any, conn: Any, inherited: list[Any]) -> None:
    # a forked worker holds copies of the parent's ends of every pipe: close them, or a
    # worker would never see EOF when the parent is killed (and live on as an orphan)
    for c in inherited:
        try:
            c.close()
        except OSError:
            pass
    # one BLAS thread per worker: with numpy's default (one per core) every worker's cloze
    # products fight for all cores, and 2 workers on 2 cores ran slower than 1 (measured)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    # Ctrl-C goes to the whole process group: the parent stops the workers, workers just exit
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        answers = [(seq, check_safely(det, text, html)) for seq, text, html in batch]
        try:
            conn.send(answers)
        except OSError:  # the parent is gone (killed): nothing to answer to
            return


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (killed, e.g. by the out-of-memory killer)" if name == "SIGKILL" else ""
        return f"{name}{hint}"
    return f"exit code {exitcode}"


class _Worker:
    def __init__(self, ctx: Any, det: Any, others: list[_Worker]) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        inherited = ([self.conn, *(w.conn for w in others)]
                     if ctx.get_start_method() == "fork" else [])
        self.proc = ctx.Process(target=_worker_main, args=(det, child, inherited),
                                daemon=True)
        self.proc.start()
        child.close()
        #: the documents sent and not answered: (seq, text, html, tries)
        self.held: list[tuple[int, Any, bool | None, int]] = []

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
        self.proc.join(timeout=None if kill else 2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


class _Pool:
    """``jobs`` worker processes, one batch in flight each (so a big text can never dead-lock
    the pipes), watched through their sentinels."""

    def __init__(self, det: Any, jobs: int, chunksize: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        self.ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.det, self.chunksize = det, chunksize
        self.workers: list[_Worker] = []
        for _ in range(jobs):
            self.workers.append(_Worker(self.ctx, det, self.workers))
        self.deaths = 0

    def close(self, *, kill: bool = False) -> None:
        for w in self.workers:
            w.stop(kill=kill)
        self.workers = []

    def run(self, items: Iterator[tuple[int, Any, bool | None]], window: int,
            buffered: Callable[[], int]) -> Iterator[tuple[int, Any]]:
        """``(seq, result)`` for every ``(seq, text, html)``, in the order they finish; at
        most ``window`` documents are sent or ``buffered()`` (held by the caller) at once."""
        todo: deque[tuple[int, Any, bool | None, int]] = deque()  # retries, sent first
        source_done = False
        in_flight = 0
        while True:
            for w in self.workers:  # feed the idle workers
                if w.held:
                    continue
                batch: list[tuple[int, Any, bool | None, int]] = []
                if todo:  # a retry goes alone, so a second death names its document
                    batch.append(todo.popleft())
                while not batch or (len(batch) < self.chunksize and batch[0][3] == 0):
                    if source_done or in_flight + len(batch) + buffered() >= window:
                        break
                    nxt = next(items, None)
                    if nxt is None:
                        source_done = True
                        break
                    batch.append((*nxt, 0))
                if batch:
                    self._send(w, batch)
                    in_flight += len(batch)
            busy = [w for w in self.workers if w.held]
            if not busy:  # nothing sent and nothing left (see BatchChecker.results)
                return
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy])
            for w in busy:
                if w.conn in ready:
                    try:
                        answers = w.conn.recv()
                    except (EOFError, OSError):
                        answers = None
                    if answers is not None:
                        in_flight -= len(w.held)
                        w.held = []
                        yield from answers
                        continue
                if w.conn in ready or w.proc.sentinel in ready:
                    in_flight -= len(w.held)  # its documents are retried or rejected
                    yield from self._replace(w, todo)

    def _send(self, w: _Worker, batch: list[tuple[int, Any, bool | None, int]]) -> None:
        w.held = batch
        try:
            w.conn.send([(seq, text, html) for seq, text, html, _ in batch])
        except (OSError, ValueError):
            pass  # a dead worker: its sentinel says so next

    def _replace(self, w: _Worker, todo: deque[tuple[int, Any, bool | None, int]]
                 ) -> Iterator[tuple[int, Any]]:
        w.proc.join(timeout=5)
        how = _death(w.proc.exitcode)
        self.deaths += 1
        held, w.held = w.held, []
        w.stop(kill=True)
        others = [o for o in self.workers if o is not w]
        self.workers[self.workers.index(w)] = _Worker(self.ctx, self.det, others)
        for seq, text, html, tries in held:
            if tries + 1 >= MAX_TRIES:
                yield seq, ProcessingError(
                    f"the worker process checking this document died ({how}) {tries + 1} "
                    "times; the document was skipped (too large for the memory?)")
            else:
                todo.append((seq, text, html, tries + 1))


_SENTENCE_END = re.compile(r"[.!?…][\"')\]”’]*\s+")


def split_text(text: str, size: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of ``text`` of at most ``size`` characters whose
    concatenation is ``text``: cut after a blank line, else a line break, else a sentence end,
    else a space, in the second half of each window (a hard cut only in a run of ``size``
    characters without any of them)."""
    pieces: list[tuple[int, str]] = []
    pos, n = 0, len(text)
    while n - pos > size:
        lo, hi = pos + size // 2, pos + size
        cut = text.rfind("\n\n", lo, hi - 1)
        cut = cut + 2 if cut >= 0 else -1
        if cut < 0:
            cut = text.rfind("\n", lo, hi)
            cut = cut + 1 if cut >= 0 else -1
        if cut < 0:
            ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)]
            cut = ends[-1] if ends else -1
        if cut < 0:
            cut = max(text.rfind(" ", lo, hi), text.rfind("\t", lo, hi))
            cut = cut + 1 if cut >= 0 else hi
        pieces.append((pos, text[pos:cut]))
        pos = cut
    pieces.append((pos, text[pos:]))
    return pieces


class LongTextRunner:
    """A detector, screener or cascade that checks a long text in pieces of at most
    ``chunk_chars`` characters (:func:`split_text`), so memory is bounded by the piece.

    A text that fits in one piece is passed through unchanged (the same result as the
    wrapped runner's). For a longer one, the pieces' results are joined: words and
    substitutions (offsets moved back to the whole text) are summed, the spun probability is
    the word-weighted mean over the pieces that could be judged and the verdict follows from
    it with the runner's thresholds, features are word-weighted means (plus ``pieces``), and
    the restored text is the pieces' restored texts (a whole text called ``clean`` keeps its
    words, as an unpieced check does). HTML is reduced to its main text first.
    """

    DEFAULT_CHUNK_CHARS = 50_000

    def __init__(self, runner: Any, chunk_chars: int = DEFAULT_CHUNK_CHARS) -> None:
        if isinstance(chunk_chars, bool) or not isinstance(chunk_chars, int) or \
                chunk_chars < 1000:
            raise ConfigError(f"chunk_chars must be an integer >= 1000, got {chunk_chars!r}")
        self.runner = runner
        self.chunk_chars = chunk_chars

    def prepare(self) -> LongTextRunner:
        prepare = getattr(self.runner, "prepare", None)
        if callable(prepare):
            prepare()
        return self

    def restore(self, text: str, *, html: bool | None = None) -> str:
        return self.check(text, html=html).restored_text

    def check(self, text: Any, *, html: bool | None = None) -> Any:
        if not isinstance(text, str) or len(text) <= self.chunk_chars:
            return self.runner.check(text, html=html)
        is_html = bool(html or (html is None and looks_like_html(text)))
        if is_html:
            text = html_to_text(text)
            if len(text) <= self.chunk_chars:
                return dataclasses.replace(self.runner.check(text, html=False), html=True)
        pieces = ((off, len(piece), self.runner.check(piece, html=False))
                  for off, piece in split_text(text, self.chunk_chars) if piece.strip())
        return _join(self.runner, text, is_html, pieces)


_JUDGED = ("spun", "uncertain", "clean")


def _thresholds(obj: Any, words: int) -> tuple[float, float, bool]:
    cfg = getattr(obj, "config", None)
    spun = getattr(obj, "spun_threshold", None) or getattr(cfg, "check_spun_threshold", 0.85)
    by_length = getattr(cfg, "spun_threshold_for", None)
    if not getattr(obj, "spun_threshold", None) and callable(by_length):
        spun = by_length(words)  # a short joined text needs the short-text threshold too
    return (float(spun), float(getattr(cfg, "clean_threshold", 0.2)),
            bool(getattr(cfg, "restore_clean", False)))


@dataclasses.dataclass(slots=True)
class _Piece:
    """What a joined result keeps of one piece (its text and result are let go)."""

    off: int
    end: int
    words: int
    verdict: str
    p: float | None
    features: dict[str, float]
    checked: bool
    restored: str | None  # only when it differs from the piece
    subs: tuple[Any, ...]


def _join(runner: Any, text: str, is_html: bool, pieces: Iterable[tuple[int, int, Any]]
          ) -> Any:
    """One result from the pieces' ``(offset, length, result)``, consumed one at a time so
    only the substitutions and restored pieces are held, not every piece's result."""
    kept: list[_Piece] = []
    base: Any = None
    for off, n, r in pieces:
        is_check = isinstance(r, CheckResult)
        if base is None or (is_check and not isinstance(base, CheckResult)):
            base = dataclasses.replace(r, text="", **(
                {"restored_text": "", "substitutions": ()} if is_check else {}))
        subs = tuple(dataclasses.replace(s, start=s.start + off, end=s.end + off)
                     for s in r.substitutions) if is_check else ()
        kept.append(_Piece(off, off + n, r.words, r.verdict, r.spun_probability,
                           dict(r.features), is_check,
                           r.restored_text if subs else None, subs))
    checked = isinstance(base, CheckResult)
    judge = runner
    if hasattr(runner, "detector") and hasattr(runner, "screener"):  # a Cascade
        judge = runner.detector if checked else runner.screener
    words = sum(k.words for k in kept)
    spun_th, clean_th, restore_clean = _thresholds(judge, words)
    judged = [k for k in kept if k.verdict in _JUDGED and k.p is not None]
    if judged:
        weight = sum(max(k.words, 1) for k in judged)
        p: float | None = sum(k.p * max(k.words, 1) for k in judged) / weight  # type: ignore[operator]
        verdict = ("spun" if p >= spun_th else "clean" if p < clean_th else "uncertain")
    else:
        p, verdict = None, max(kept, key=lambda k: k.words).verdict
    keys = sorted({f for k in kept for f in k.features})
    total = max(words, 1)
    features = {f: sum(float(k.features.get(f, 0.0)) * k.words for k in kept) / total
                for f in keys}
    features["pieces"] = float(len(kept))
    common = {"spun_probability": p, "verdict": verdict, "words": words,
              "features": features, "text": text, "html": is_html}
    if not checked:
        return dataclasses.replace(base, **common)
    keep = verdict != "clean" or restore_clean
    subs: list[Any] = []
    restored: list[str] = []
    pos = 0
    for k in kept:
        if keep and k.restored is not None:
            restored.append(text[pos:k.off])
            restored.append(k.restored)
            subs.extend(k.subs)
            pos = k.end
    restored.append(text[pos:])
    return dataclasses.replace(base, substitutions=tuple(subs), restored_text="".join(restored),
                               **common)

class BatchChecker:
    """Checks a stream of documents with one detector, in this process or in ``jobs``
    worker processes; use as a context manager (the workers stop on exit).

    :meth:`results` takes ``(key, text)`` pairs (or ``(key, text, html)`` triples, ``html``
    overriding the checker's setting for that text) and yields ``(key, result)`` in the same
    order, where ``result`` is what ``detector.check`` returns (a
    :class:`~urai.detect.detector.CheckResult` for a :class:`~urai.detect.detector.Detector`, a
    :class:`~urai.detect.screener.ScreenResult` for a :class:`~urai.detect.screener.Screener`,
    either for a :class:`~urai.detect.screener.Cascade`) or the
    :class:`~urai.errors.UraiError` for that text; a ``None`` text is passed through as a
    ``None`` result (callers use it to keep inputs they rejected themselves in order).
    ``chunk_chars`` bounds the piece of a long text checked at once (``None``: no pieces).
    """

    def __init__(self, detector: Any = None, *, jobs: int = 1,
                 html: bool | None = None, chunksize: int = 4,
                 chunk_chars: int | None = LongTextRunner.DEFAULT_CHUNK_CHARS) -> None:
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
        self.runner = (detector if chunk_chars is None or isinstance(detector, LongTextRunner)
                       else LongTextRunner(detector, chunk_chars))
        self.jobs = jobs or (os.cpu_count() or 1)
        self.html = html
        self.chunksize = chunksize
        self._pool: _Pool | None = None

    def __enter__(self) -> BatchChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def worker_deaths(self) -> int:
        """How many worker processes died (and were replaced) so far."""
        return self._pool.deaths if self._pool is not None else 0

    def worker_pids(self) -> list[int]:
        """The process ids of the current workers (empty in-process)."""
        return [w.proc.pid for w in self._pool.workers] if self._pool is not None else []

    def close(self) -> None:
        """Stop the worker processes (work not yet returned is abandoned)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _start(self) -> _Pool:
        if self._pool is None:
            prepare = getattr(self.detector, "prepare", None)
            if callable(prepare):  # build lazy tables now: forked workers share them
                prepare()
            self._pool = _Pool(self.runner, self.jobs, self.chunksize)
        return self._pool

    def results(self, items: Iterable[tuple[Any, ...]]
                ) -> Iterator[tuple[Any, CheckResult | UraiError | None]]:
        """``(key, result)`` for every ``(key, text[, html])``, in input order."""
        if self.jobs == 1:
            for key, text, *rest in items:
                html = rest[0] if rest and rest[0] is not None else self.html
                yield key, (None if text is None
                            else check_safely(self.runner, text, html))
            return
        pool = self._start()
        keys: dict[int, Any] = {}
        done: dict[int, Any] = {}
        passed: set[int] = set()

        def numbered() -> Iterator[tuple[int, Any, bool | None]]:
            for seq, (key, text, *rest) in enumerate(items):
                keys[seq] = key
                if text is None:
                    passed.add(seq)
                    continue
                yield seq, text, rest[0] if rest and rest[0] is not None else self.html

        nxt = 0

        def ready() -> Iterator[tuple[Any, Any]]:
            nonlocal nxt
            while nxt in done or nxt in passed:
                res = done.pop(nxt, None)
                passed.discard(nxt)
                yield keys.pop(nxt), res
                nxt += 1

        window = max(8, self.jobs * self.chunksize * 4)
        for seq, result in pool.run(numbered(), window, done.__len__):
            done[seq] = result
            yield from ready()
        yield from ready()
        for seq in sorted(keys):  # never expected: say so rather than lose a record
            yield keys.pop(seq), ProcessingError("the batch ended before this document was "
                                                 "checked; this is a bug in urai")

def check_many(texts: Iterable[str], *, jobs: int = 1, config: CheckConfig | None = None,
               html: bool | None = None, detector: Detector | None = None,
               ) -> Iterator[CheckResult | UraiError]:
    """Check every text of ``texts`` (any iterable, consumed lazily), yielding one
    :class:`~urai.detect.detector.CheckResult` per text in input order, or the
    :class:`~urai.errors.UraiError` that text raised (never raised, so no record is lost).

    ``jobs``: worker processes (1: this process; 0: one per core). ``config`` or a ready
    ``detector`` choose the settings (default: the shipped detector). Long texts are checked
    in pieces (see :class:`LongTextRunner`).
    """
    if detector is not None and config is not None:
        raise ConfigError("give either config or detector, not both")
    det = Detector(config) if config is not None else detector
    with BatchChecker(det, jobs=jobs, html=html) as checker:
        for i, result in checker.results((i, t) for i, t in enumerate(texts)):
            # a None text comes back as None (the pass-through of ``results``)
            yield result if result is not None else InputError(
                f"item {i}: expected text (str), got None")
