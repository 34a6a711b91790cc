"""``urai lm``: build or inspect n-gram language models."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from urai.errors import ConfigError, InputError

__all__ = ["lm"]


def _parse_prune(value: str | None, order: int) -> tuple[int, ...]:
    if value is None:
        return (1, 1, 2)[:order] if order <= 3 else (1, 1) + (2,) * (order - 2)
    try:
        counts = tuple(int(v) for v in value.replace(",", " ").split())
    except ValueError:
        raise ConfigError(
            f"--prune must be integers, one per order (e.g. '1 1 2'), got {value!r}"
        ) from None
    if not counts:
        raise ConfigError("--prune needs at least one count")
    return counts


@click.group("lm")
def lm() -> None:
    """Build or inspect n-gram language models."""


@lm.command("build")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Model file.")
@click.option("--order", default=3, show_default=True, type=int, help="N-gram order (>= 2).")
@click.option(
    "--prune",
    default=None,
    help="Minimum raw count per order, e.g. '1 1 2' (unigrams must be 1).",
)
@click.option("--vocab-min-count", default=2, show_default=True, type=int,
              help="Words seen fewer times become <unk>.")
@click.option("--quantize", type=click.Choice(["8", "16", "none"]), default="8",
              show_default=True, help="Bits for stored log-probs (none = float32).")
@click.option("--arpa", "arpa", type=click.Path(dir_okay=False), default=None,
              help="Also write an ARPA file (.gz to compress).")
@click.option("--text-field", default="text", show_default=True, help="JSONL text field.")
@click.option("--source", "sources", multiple=True, help="Source description to record.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
def build(
    out: str,
    order: int,
    prune: str | None,
    vocab_min_count: int,
    quantize: str,
    arpa: str | None,
    text_field: str,
    sources: tuple[str, ...],
    quiet: bool,
    inputs: tuple[str, ...],
) -> None:
    """Train a modified Kneser-Ney LM on INPUT files (.txt or .jsonl, .gz allowed)."""
    from urai.build.corpora import CorpusStats, iter_user_corpus
    from urai.lang.lm import LMConfig, NgramLM

    cfg = LMConfig(order, _parse_prune(prune, order), vocab_min_count)
    paths = [Path(p) for p in inputs]
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file")
    stats = CorpusStats()

    def sentences() -> Iterator[list[str]]:
        for p in paths:
            yield from iter_user_corpus(p, stats, text_field=text_field)

    model = NgramLM.train(
        sentences(),
        order=cfg.order,
        min_counts=cfg.min_counts,
        vocab_min_count=cfg.vocab_min_count,
        progress=not quiet and sys.stderr.isatty(),
        sources=list(sources) or [str(p) for p in paths],
    )
    if stats.sentences == 0:
        raise InputError("no sentences found in the input; nothing to train on")
    model.save(out, quantize=None if quantize == "none" else int(quantize))
    if arpa:
        model.write_arpa(arpa)
    click.echo(f"model:     {out}")
    click.echo(f"documents: {stats.documents}")
    click.echo(f"sentences: {stats.sentences}")
    click.echo(f"tokens:    {stats.tokens}")
    click.echo(f"vocab:     {model.vocab_size}")
    for n, c in enumerate(model.counts, 1):
        click.echo(f"{n}-grams:   {c}")
    click.echo(f"rejected:  {stats.n_rejected}")
    for reason, count in stats.rejected.most_common():
        click.echo(f"  {reason}: {count}")
    for ex in stats.examples:
        click.echo(f"  e.g. {ex}", err=True)
    if arpa:
        click.echo(f"arpa:      {arpa}")


@lm.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.argument("path", required=False, type=click.Path())
def info(as_json: bool, path: str | None) -> None:
    """Describe a model file (the shipped model when PATH is omitted)."""
    from urai.lang.lm import load_lm

    model = load_lm(path)
    data = model.info()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        if isinstance(value, list) and key == "sources":
            click.echo(f"{key}:")
            for v in value:
                click.echo(f"  - {v}")
        else:
            click.echo(f"{key}: {value}")
