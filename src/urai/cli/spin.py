"""``urai spin``: write spun copies of texts with gold alignments (for evaluation)."""

from __future__ import annotations

import click

from urai.cli.common import echo_json, iter_inputs
from urai.errors import ConfigError


@click.command("spin")
@click.option("--rate", type=float, default=0.3, show_default=True,
              help="Share of word tokens to substitute (0-1).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON (text, rate, edits with offsets into both texts).")
@click.argument("files", nargs=-1)
def spin(rate: float, seed: int, as_json: bool, files: tuple[str, ...]) -> None:
    """Spin FILE... (or stdin) with urai's thesaurus: the text, or JSON with gold edits."""
    from urai.simulate.spinner import Spinner

    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"--rate must be between 0 and 1, got {rate}")
    spinner = Spinner()
    for source, text in iter_inputs(files):
        result = spinner.spin(text, rate, seed)
        if as_json:
            echo_json({"source": source, "text": result.text, "rate": result.rate,
                       "words": result.words, "edits": result.edits})
        else:
            click.echo(result.text, nl=not result.text.endswith("\n"))
