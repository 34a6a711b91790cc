"""``urai resources``: what language resources are loaded, with sizes and sources."""

from __future__ import annotations

import click

from urai.cli.common import echo_json


@click.command("resources")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--lm", "lm_path", type=click.Path(dir_okay=False), default=None,
              help="Describe this language model instead of the shipped one.")
def resources(as_json: bool, lm_path: str | None) -> None:
    """Show the thesaurus, language model and frequency prior urai will use."""
    from urai.lang.inventory import resources as load

    info = load(lm_path)
    if as_json:
        echo_json(info.to_dict(), indent=2)
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="urai language resources (Indonesian)", show_header=True)
    t.add_column("resource")
    t.add_column("size", justify="right")
    t.add_column("sources")
    th, lm, fq = info.thesaurus, info.lm, info.frequency
    t.add_row("thesaurus", f"{th.headwords:,} headwords\n{th.edges:,} synonym edges",
              "\n".join(f"{s.get('name')} ({s.get('licence', '?')})" for s in th.sources))
    ngrams = "\n".join(f"{n:,} {i + 1}-grams" for i, n in enumerate(lm.ngrams))
    t.add_row("language model", f"order {lm.order}\n{ngrams}\n{lm.tokens:,} training tokens\n"
              f"{lm.size_bytes / 1e6:.1f} MB", "\n".join(lm.sources))
    t.add_row("frequency prior", f"{fq.words:,} words\n{fq.stopwords:,} stopwords", fq.source)
    cz = info.cloze
    if cz is not None:
        t.add_row("cloze model", f"{cz.vocab_in:,} input words\n{cz.vocab_out:,} output words\n"
                  f"{cz.dim}-dim embeddings, {cz.hidden} hidden", cz.data)
    ca = info.candidates
    if ca is not None:
        t.add_row("candidate table", f"{ca.words:,} words\n{ca.with_candidates:,} with "
                  f"candidates\n{ca.candidates:,} candidates\n{ca.back_sets:,} back sets",
                  "computed from the above")
    console = Console()
    console.print(t)
    console.print(f"check pipeline: {info.implementation}")
