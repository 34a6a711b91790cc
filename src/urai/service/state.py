"""What one server process holds: the detector, screener, index and families, and the
*lanes* that run their work off the event loop.

The detector checks one text at a time, so each process runs its checks in one thread (the
``detect`` lane, a FIFO queue) — or, for a single text of up to :data:`INLINE_CHARS`
characters while the detector is free, directly on the event loop's thread, which saves the
hand-off (a few ms of work at most, like any CPU-bound handler). Index look-ups have their
own lane (SQLite connection) and URL fetches a small pool. Every piece of work runs under
the request's deadline: past it the request is answered 504 (work still queued is
cancelled; a check already running in a lane finishes in its thread, its result thrown
away). Executors are created lazily in the process that uses them, so the loaded models can
be shared copy-on-write with worker processes forked after :meth:`ServiceState.preload`.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from urai.service.config import ServiceConfig
from urai.service.errors import DisabledError, RequestTimeoutError
from urai.service.urlguard import Fetched, UrlPolicy, fetch_url

__all__ = ["ServiceState", "Deadline"]

T = TypeVar("T")
_LANES = {"detect": 1, "index": 1, "fetch": 4}
#: texts up to this many characters are checked on the event loop's thread when the detector
#: is free (a few ms at most): the hand-off to the lane costs about a sixth of a 400-word check
INLINE_CHARS = 20_000


class Deadline:
    """The time limit of one request."""

    __slots__ = ("end",)

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise RequestTimeoutError("the request ran past its time limit")
        return left


class ServiceState:
    """Models, index, families and lanes of one process (see the module docstring)."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.policy = UrlPolicy(config.allow_private_urls, config.allow_networks,
                                config.url_timeout_s, config.url_max_bytes,
                                config.url_max_redirects)
        self._detector: Any = None
        self._screener: Any = None
        self._index: Any = None
        self._index_pid = -1
        self._families: Any = None
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._lanes_pid = -1
        self._lock = threading.Lock()
        self._detect_lock = threading.Lock()  # one check at a time, inline or in the lane

    # ---- resources -----------------------------------------------------------------------
    def preload(self) -> ServiceState:
        """Load the detector, screener and families now (before forking workers)."""
        _ = self.detector, self.screener
        if self.config.families is not None:
            _ = self.families
        return self

    @property
    def detector(self) -> Any:
        if self._detector is None:
            from urai.detect.detector import Detector, default_detector

            lm = self.config.lm
            self._detector = (default_detector() if lm is None else Detector(lm=lm)).prepare()
        return self._detector

    @property
    def screener(self) -> Any:
        if self._screener is None:
            from urai.detect.screener import Screener, default_screener

            lm = self.config.lm
            self._screener = default_screener() if lm is None else Screener(lm=lm)
        return self._screener

    @property
    def families(self) -> Any:
        if self.config.families is None:
            raise DisabledError("no cluster output configured (urai serve --families DIR)")
        if self._families is None:
            from urai.service.families import Families

            self._families = Families.load(Path(self.config.families))
        return self._families

    @property
    def has_index(self) -> bool:
        return self.config.db is not None

    @property
    def index(self) -> Any:
        """This process's connection to the index (opened after a fork, never inherited)."""
        if self.config.db is None:
            raise DisabledError("no index configured (urai serve --db INDEX)")
        if self._index is None or self._index_pid != os.getpid():
            from urai.trace.index import Index

            writable = self.config.token is not None
            self._index = Index(self.config.db, create=writable, readonly=not writable)
            self._index_pid = os.getpid()
        return self._index

    # ---- lanes ---------------------------------------------------------------------------
    def _lane(self, name: str) -> ThreadPoolExecutor:
        with self._lock:
            if self._lanes_pid != os.getpid():
                self._lanes = {}
                self._lanes_pid = os.getpid()
            lane = self._lanes.get(name)
            if lane is None:
                lane = ThreadPoolExecutor(_LANES[name], thread_name_prefix=f"urai-{name}")
                self._lanes[name] = lane
            return lane

    async def run(self, lane: str, deadline: Deadline, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in ``lane``, answered 504 past ``deadline``."""
        left = deadline.left()
        fut = self._lane(lane).submit(fn, *args)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), left)
        except TimeoutError:
            fut.cancel()
            raise RequestTimeoutError(
                f"the request ran past its time limit ({self.config.timeout_s:g} s)") from None

    async def detect(self, deadline: Deadline, fn: Callable[..., T], *args: Any,
                     size: int) -> T:
        """``fn(*args)`` with the detector: inline when the work is small (``size``
        characters) and the detector free, else in the ``detect`` lane."""
        if size <= INLINE_CHARS and self._detect_lock.acquire(blocking=False):
            try:
                deadline.left()
                return fn(*args)
            finally:
                self._detect_lock.release()
        return await self.run("detect", deadline, self._locked, fn, *args)

    def _locked(self, fn: Callable[..., T], *args: Any) -> T:
        with self._detect_lock:
            return fn(*args)

    def fetch(self, url: str) -> Fetched:
        return fetch_url(url, self.policy)

    def shutdown(self) -> None:
        for lane in self._lanes.values():
            lane.shutdown(wait=False, cancel_futures=True)
        self._lanes = {}
        if self._index is not None and self._index_pid == os.getpid():
            self._index.close()
            self._index = None

