"""CLI sub-commands, one module per area; each is a thin layer over the Python API."""
