"""Read-only view of a ``urai cluster`` output directory for ``/v1/families`` and the
Keluarga page.

The directory holds ``families.parquet`` (``family_id, size, original, members, sites``),
``documents.parquet`` (``id, family_id, role, original_id, coverage, score,
spun_probability, swaps, reason``; ``role`` is ``original``, ``copy``, ``exact_duplicate`` or
``unique``) and ``summary.json``. They are read with pyarrow once, at start-up (the cluster
code itself is never imported); columns this reader does not know are passed through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from urai.errors import MissingDependencyError, ResourceError
from urai.jsonable import to_jsonable
from urai.service.errors import NotFoundError

__all__ = ["Families"]


def _read_table(path: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError.for_extra("pyarrow", "service") from None
    try:
        return pq.read_table(path).to_pylist()
    except FileNotFoundError:
        raise ResourceError(f"{path}: not found; is this a `urai cluster` output?") from None
    except (OSError, ValueError) as exc:
        raise ResourceError(f"{path}: cannot read ({exc})") from None


def _swaps(value: Any) -> Any:
    """``swaps`` as stored (a list of structs, a JSON string or a count), made JSON-ready."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return to_jsonable(value)


@dataclass(frozen=True, slots=True)
class Families:
    """The families and documents of one cluster output, indexed for look-ups."""

    path: Path
    families: tuple[dict[str, Any], ...]
    by_family: dict[str, dict[str, Any]]
    docs_by_family: dict[str, list[dict[str, Any]]]
    family_of: dict[str, str]
    summary: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Families:
        fams = _read_table(path / "families.parquet")
        docs = _read_table(path / "documents.parquet") \
            if (path / "documents.parquet").is_file() else []
        summary: dict[str, Any] = {}
        if (path / "summary.json").is_file():
            try:
                summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ResourceError(f"{path / 'summary.json'}: cannot read ({exc})") from None
        norm = []
        for f in fams:
            f = {k: to_jsonable(v) for k, v in f.items()}
            f["family_id"] = str(f.get("family_id"))
            norm.append(f)
        norm.sort(key=lambda f: (-(f.get("size") or 0), f["family_id"]))
        by_family: dict[str, list[dict[str, Any]]] = {}
        family_of: dict[str, str] = {}
        for d in docs:
            d = {k: (_swaps(v) if k == "swaps" else to_jsonable(v)) for k, v in d.items()}
            fid = str(d.get("family_id"))
            d["family_id"] = fid
            by_family.setdefault(fid, []).append(d)
            family_of[str(d.get("id"))] = fid
        order = {"original": 0, "copy": 1, "exact_duplicate": 2, "unique": 3}
        for members in by_family.values():
            members.sort(key=lambda d: (order.get(str(d.get("role")), 9),
                                        -(d.get("coverage") or 0), str(d.get("id"))))
        return cls(path, tuple(norm), {f["family_id"]: f for f in norm}, by_family,
                   family_of, summary)

    def search(self, q: str = "", limit: int = 50, offset: int = 0,
               min_size: int = 1) -> dict[str, Any]:
        """Families whose id, original, members or sites contain ``q`` (case-insensitive),
        largest first."""
        needle = q.strip().lower()
        hits = []
        for f in self.families:
            if (f.get("size") or 0) < min_size:
                continue
            if needle and needle not in json.dumps(
                    [f.get("family_id"), f.get("original"), f.get("members"), f.get("sites")],
                    ensure_ascii=False).lower():
                continue
            hits.append(f)
        return {"total": len(hits), "offset": offset, "limit": limit,
                "families": hits[offset: offset + limit]}

    def family(self, family_id: str) -> dict[str, Any]:
        f = self.by_family.get(family_id)
        if f is None:
            raise NotFoundError(f"no family {family_id!r} in {self.path}")
        return {**f, "documents": self.docs_by_family.get(family_id, [])}

    def document(self, ident: str) -> dict[str, Any]:
        fid = self.family_of.get(ident)
        if fid is None:
            raise NotFoundError(f"no document {ident!r} in {self.path}")
        for d in self.docs_by_family[fid]:
            if str(d.get("id")) == ident:
                return d
        raise NotFoundError(f"no document {ident!r} in {self.path}")  # pragma: no cover
