"""urai's version (a leaf module: the CLI reads it without importing the package API)."""

__version__ = "0.1.0"
