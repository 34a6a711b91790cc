"""trace: find the source of a copy in an index despite spinning, and align the two.

:mod:`~urai.trace.fingerprint` (spin-robust fingerprints) -> :mod:`~urai.trace.store` (one
SQLite file) -> :mod:`~urai.trace.index` (``Index``: add, trace, candidate voting and match
scoring); :mod:`~urai.trace.align` verifies and locates copied text with synonym-aware
matches.
"""
