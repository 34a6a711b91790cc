"""Language resources for urai, one sub-package per language (only ``urai.lang.id`` today).

Each language package exposes ``DATA_DIR`` (the shipped, built artefacts) and lazy loaders;
nothing is read from disk at import time.
"""
