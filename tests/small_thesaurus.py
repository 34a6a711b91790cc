"""A thesaurus small enough to read: a few synonym classes, for the fingerprint tests (the
plain and the compiled paths use the same one). Importable from any test folder: pytest puts
``tests/`` on ``sys.path`` for its root ``conftest.py``."""

from __future__ import annotations

from dataclasses import dataclass

CLASSES = [{"udara", "hawa"}, {"karena", "lantaran", "sebab"}, {"serangan", "gempuran"},
           {"menewaskan", "membunuh"}, {"warga", "penduduk"}, {"kota", "bandar"}]


@dataclass(frozen=True)
class Alternative:
    surface: str


class SmallThesaurus:
    """``canonical`` (the class's smallest word), ``is_mutable`` and ``alternatives``, as
    :class:`urai.lang.thesaurus.Thesaurus` answers them."""

    version = "tiny-1"
    classes: list[set[str]] = CLASSES

    def canonical(self, word: str) -> str:
        for c in self.classes:
            if word in c:
                return min(c)
        return word

    def is_mutable(self, word: str) -> bool:
        return any(word in c for c in self.classes)

    def alternatives(self, word: str) -> list[Alternative]:
        for c in self.classes:
            if word in c:
                return [Alternative(w) for w in sorted(c - {word})]
        return []
