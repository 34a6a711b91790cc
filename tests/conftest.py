"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("URAI_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The raw sources folder (``../shared/data``); tests that need it skip without it."""
    if not (SHARED_DATA / "SOURCES.md").is_file():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set URAI_SHARED_DATA)")
    return SHARED_DATA
