"""trace: find the source of a copy in an index despite spinning, and align the two.

:mod:`~urai.trace.fingerprint` (spin-robust fingerprints: immutable shingles and sentence
bags) -> :mod:`~urai.trace.store` (one SQLite file) -> :mod:`~urai.trace.index` (``Index``:
add, trace, attribution of the query's parts to sources); :mod:`~urai.trace.align` verifies
copied text with synonym-aware matches, :mod:`~urai.trace.passages` locates the copied
passages (PAN text alignment), :mod:`~urai.trace.scoring` holds candidate voting, match
scoring and acceptance.
"""
