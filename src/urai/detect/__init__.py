"""detect: is a text spun, which words were swapped, what was the original (check, restore,
screen).

Data flows one way: :mod:`~urai.detect.evidence` (the shared types and the column layout) <-
:mod:`~urai.detect.engine` (per-word evidence from the language wing) and
:mod:`~urai.detect.decode` (the joint restoration) <- :mod:`~urai.detect.features` (document
features and models) <- :mod:`~urai.detect.detector` (``check``/``restore``) and
:mod:`~urai.detect.screener` (``screen``). :mod:`~urai.detect.kernels` binds the compiled
kernels to an engine. Nothing here is imported by ``import urai``.
"""
