"""``urai data build``: rebuild the shipped language data from the raw sources."""

from __future__ import annotations

from pathlib import Path

import click

from urai.errors import InputError


@click.group("data")
def data() -> None:
    """Build urai's language data (thesaurus, language model, frequency prior, candidate
    table)."""


@data.command("build")
@click.option("--shared", "shared_dir", type=click.Path(file_okay=False), required=True,
              help="Folder with the raw sources (see SOURCES.md), e.g. ../shared/data.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Where to write the artefacts (default: the package's lang/id/data).")
@click.option("--only", type=click.Choice(["thesaurus", "frequency", "lm", "candidates"]),
              multiple=True, help="Build only these parts (repeatable).")
def build(shared_dir: str, out_dir: str | None, only: tuple[str, ...]) -> None:
    """Build the artefacts from SHARED into the package data folder."""
    from urai.lang.id import DATA_DIR

    shared = Path(shared_dir)
    if not (shared / "SOURCES.md").is_file():
        raise InputError(f"{shared}: not a urai source folder (no SOURCES.md); "
                         "point --shared at shared/data")
    out = Path(out_dir) if out_dir else DATA_DIR
    out.mkdir(parents=True, exist_ok=True)
    parts = set(only) or {"thesaurus", "frequency", "lm", "candidates"}
    if "thesaurus" in parts:
        from urai.build.thesaurus import build_thesaurus

        stats = build_thesaurus(shared, out)
        click.echo(f"thesaurus: {stats}", err=True)
    if "frequency" in parts:
        from urai.build.frequency import build_frequency, build_stopwords

        click.echo(f"frequency: {build_frequency(out):,} words", err=True)
        click.echo(f"stopwords: {build_stopwords(out):,} words", err=True)
    if "lm" in parts:
        from urai.build.corpora import build_default_lm
        from urai.lang.lm import DEFAULT_LM_PATH

        model = build_default_lm(shared, out / DEFAULT_LM_PATH.name, progress=True)
        click.echo(f"lm: order {model.order}, {model.tokens:,} tokens", err=True)
    if "candidates" in parts:  # last: it reads the thesaurus, frequency prior and LM
        from urai.build.candidates import build_candidates

        click.echo(f"candidates: {build_candidates(out, progress=True)}", err=True)
