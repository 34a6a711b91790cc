"""``urai profile learn|match``: spinner profiles on the command line.

``learn`` writes a profile (``docs/profiles.md``) learned from aligned copy/source pairs:
JSON Lines files with ``copy`` and ``source`` text fields (optional ``id``), or, with
``--db INDEX``, the copies given as inputs (``.txt`` files, directories, JSONL with ``text``)
paired with their best source in the index (``urai trace``). A pair that cannot be used (a
bad line, a missing or empty field, a copy that does not align, a copy without a source in
the index) is counted and reported on stderr, never fatal; with no usable pair at all nothing
is written and the exit code is 2.

``match`` says which known spinner produced each copy: JSON Lines (``--json``), one object per
input in input order, ``{"source": FILE, "matches": [{"profile": NAME, "score": S,
"evidence": N}, ...]}`` best first, NAME being the profile file's stem and S the posterior
probability among the profiles of DIR (:func:`urai.detect.profile.attribute`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from urai.cli.common import each_input, echo_json
from urai.errors import InputError


@click.group("profile")
def profile() -> None:
    """Learn spinner profiles from copy/source pairs; attribute copies to known spinners."""


def _pairs_from_jsonl(inputs: tuple[str, ...]) -> Iterator[Any]:
    from urai.corpus.sources import iter_jsonl
    from urai.records import Rejection

    for name in inputs:
        try:
            for lineno, obj in iter_jsonl(name):
                where = f"{name}:{lineno}"
                if isinstance(obj, InputError):
                    yield Rejection(where, str(obj))
                else:
                    yield {**obj, "id": obj.get("id", where)} if isinstance(obj, dict) else obj
        except InputError as exc:
            yield Rejection(name, str(exc))


def _pairs_from_index(db: str, inputs: tuple[str, ...]) -> Iterator[Any]:
    from urai.corpus.sources import iter_corpus
    from urai.records import Rejection
    from urai.trace.index import Index

    if not Path(db).is_file():
        raise InputError(f"{db}: no such index")
    with Index(db, create=False, readonly=True) as idx:
        for item in iter_corpus(inputs, require_id=False):
            if isinstance(item, Rejection):
                yield item
                continue
            source, rec = item
            best = idx.trace(rec.text, top=1).best
            text = idx.text(best.id) if best is not None else None
            if text is None:
                yield Rejection(source, f"{source}: no source of this copy in {db}")
                continue
            yield {"id": source, "copy": rec.text, "source": text}


@profile.command("learn")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Profile file to write (JSON).")
@click.option("--db", "db", type=click.Path(dir_okay=False),
              help="Learn from the inputs as copies, paired with their sources in this index.")
@click.option("--name", help="Profile name (default: the --out file's stem).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option("--no-policy", "no_policy", is_flag=True,
              help="Do not fit the spinner's selection policy (a version-3 profile without "
                   "'policy': checks then use the counts-and-LM rule).")
@click.argument("inputs", nargs=-1, required=True)
def learn(out: str, db: str | None, name: str | None, as_json: bool, no_policy: bool,
          inputs: tuple[str, ...]) -> None:
    """Learn a spinner profile from PAIRS.jsonl files (copy, source, optional id) or, with
    --db, from copies traced in an index."""
    from urai.corpus.profiling import learn as learn_pairs

    pairs = _pairs_from_index(db, inputs) if db else _pairs_from_jsonl(inputs)
    report = learn_pairs(pairs, name=name or Path(out).stem, policy=not no_policy)
    for r in report.rejected:
        click.echo(f"urai: rejected {r.reason}", err=True)
    prof = report.profile
    if report.used == 0:
        raise InputError(f"no usable pair in {report.processed} ({len(report.rejected)} "
                         f"rejected); {out} not written")
    prof.save(out)
    swaps = sum(prof.pairs.values())
    words = len({o for o, _ in prof.pairs})
    if as_json:
        echo_json({"out": out, "name": prof.name, "used": report.used,
                   "rejected": [r.to_dict() for r in report.rejected], "pairs": len(prof),
                   "swaps": swaps, "observed_words": words,
                   "policy": None if prof.policy is None else prof.policy.to_dict()})
    pol = "" if prof.policy is None else f"; selection policy: rate q {prof.policy.rate:.2f}"
    click.echo(f"{out}: {report.used} pairs used, {len(report.rejected)} rejected; {swaps} "
               f"swaps of {words} words ({len(prof)} observed -> original pairs){pol}",
               err=True)


@profile.command("match")
@click.option("--profiles", "profiles_dir", required=True,
              type=click.Path(file_okay=False),
              help="Directory of profiles (*.json; a profile's name is its file stem).")
@click.option("--top", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Matches to show per input.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one object per input.")
@click.argument("files", nargs=-1)
def match(profiles_dir: str, top: int, as_json: bool, files: tuple[str, ...]) -> None:
    """Which known spinner produced each FILE (scores: posterior among the profiles)."""
    from urai.detect.profile import attribute, load_profiles
    from urai.lang.tokenize import tokenize

    profs = load_profiles(profiles_dir)

    def handle(source: str, text: str) -> None:
        if not text.strip():
            raise InputError(f"{source}: the input is empty")
        words = [t.norm.rstrip(".") for t in tokenize(text) if t.kind in ("word", "abbr")]
        got = attribute(words, profs)[:top]
        if as_json:
            echo_json({"source": source, "matches": [
                {"profile": n, "score": round(s, 6), "evidence": e} for n, s, e in got]})
        else:
            best = ", ".join(f"{n} {s:.3f} ({e} words)" for n, s, e in got)
            click.echo(f"{source}: {best}")

    each_input(files, handle, as_json=as_json)
