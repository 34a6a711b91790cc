"""A small synthetic crawl for the cluster tests (no shared data needed): articles built from
common Indonesian words with made-up names and numbers (the immutables fingerprints use),
spun copies by urai's own spinner, excerpts, exact duplicates and unrelated articles."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

WORDS = ("pemerintah akan membangun jalan baru di daerah itu karena banyak warga meminta "
         "bantuan setelah banjir besar melanda kota dan desa sekitar pada pekan lalu para "
         "pejabat mengatakan bahwa rencana tersebut sudah disetujui oleh dewan yang juga "
         "menyiapkan dana untuk sekolah rumah sakit serta pasar tradisional menurut laporan "
         "resmi kepolisian kejadian itu terjadi ketika hujan deras turun sejak pagi hingga "
         "malam sehingga ribuan orang harus mengungsi ke tempat aman").split()
SYL = ("ka ri mo su tan wi ra de ga lu ni po se ha ja bu").split()


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYL) for _ in range(3)).capitalize()


def article(rng: random.Random, n_sent: int = 12) -> str:
    names = [_name(rng) for _ in range(6)]
    sents = []
    for _ in range(n_sent):
        w = [rng.choice(WORDS) for _ in range(rng.randrange(12, 18))]
        w.insert(rng.randrange(len(w)), rng.choice(names))
        w.insert(rng.randrange(len(w)), rng.choice(names))
        w.insert(rng.randrange(len(w)), str(rng.randrange(10, 9999)))
        sents.append(" ".join(w).capitalize() + ".")
    return " ".join(sents)


def make_crawl(seed: int = 0, families: int = 6, uniques: int = 8) -> tuple[list[dict], dict]:
    """Records (id, text, url, date) and truth (id -> original id)."""
    import urai

    rng = random.Random(seed)
    recs: list[dict] = []
    truth: dict[str, str] = {}
    for f in range(families):
        text = article(rng)
        oid = f"orig-{f}"
        dated = f % 2 == 0
        recs.append({"id": oid, "text": text, "url": f"https://news{f}.id/{f}",
                     "date": "2020-01-01T08:00:00Z" if dated else None})
        truth[oid] = oid
        for c in range(3):
            t = urai.spin(text, rate=0.2 + 0.1 * c, seed=f * 10 + c).text
            cid = f"copy-{f}-{c}"
            recs.append({"id": cid, "text": t, "url": f"https://farm{c}.id/{f}",
                         "date": f"2020-01-0{2 + c}" if dated else None})
            truth[cid] = oid
        half = text[: len(text) // 2]
        recs.append({"id": f"excerpt-{f}", "text": half, "url": f"https://blog.id/{f}"})
        truth[f"excerpt-{f}"] = oid
        recs.append({"id": f"x-dup-{f}", "text": "  " + text.replace(" ", "  "),
                     "url": f"https://mirror.id/{f}"})
        truth[f"x-dup-{f}"] = oid
    for u in range(uniques):
        uid = f"uniq-{u}"
        recs.append({"id": uid, "text": article(rng), "url": f"https://site{u}.id/"})
        truth[uid] = uid
    rng.shuffle(recs)
    return recs, truth


def write_jsonl(path: Path, recs: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def crawl() -> tuple[list[dict], dict]:
    return make_crawl()
