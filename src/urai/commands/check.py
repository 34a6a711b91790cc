"""``urai check`` and ``urai restore``.

``urai check [--json] [--lm PATH] [--html/--no-html] FILE...|-``: with ``--json`` one JSON
object per input and line (JSON Lines; each with a ``source`` field), otherwise a
terminal view with the suspected words highlighted and the suggestion beside each.
``urai restore [--lm PATH] [--html/--no-html] FILE|-``: the restored text on stdout.
"""

from __future__ import annotations

from typing import Any

import click

from urai.commands.common import each_input, echo_json, iter_inputs

__all__ = ["check", "restore"]


def _detector(lm: str | None) -> Any:
    from urai.check import Detector, default_detector

    return default_detector() if lm is None else Detector(lm=lm)


def _render(source: str, result: Any, multi: bool, explain: bool = False) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    p = result.spun_probability
    colour = {"spun": "bold red", "clean": "bold green", "uncertain": "bold yellow"}.get(
        result.verdict, "bold magenta")
    head = Text()
    if multi:
        head.append(f"{source}: ", style="bold")
    head.append(result.verdict.upper(), style=colour)
    if p is not None:
        head.append(f"  spun probability {p:.2f}")
    n = len(result.substitutions)
    head.append(f"  {result.words} words, {n} suspected substitution{'' if n == 1 else 's'}")
    console.print(head)
    if result.verdict in ("too_short", "not_indonesian"):
        why = ("too few words to judge" if result.verdict == "too_short"
               else "the text does not look Indonesian")
        console.print(Text(f"  ({why}; nothing was checked)", style="dim"))
        return
    body = Text()
    text = result.text
    pos = 0
    for s in result.substitutions:
        body.append(text[pos : s.start])
        style = "bold red" if s.confidence >= 0.8 else "red"
        body.append(s.observed, style=f"{style} underline")
        body.append(f" [{s.suggestion}]", style="green")
        pos = s.end
    body.append(text[pos:])
    console.print(body)
    f = result.features
    console.print(Text(
        f"  evidence: {f.get('changes_per_100', 0):.1f} swaps/100 words, "
        f"changed share {f.get('changed_share', 0):.3f}, "
        f"expected spun share {f.get('expected_share', 0):.3f}, "
        f"LM gain/word {f.get('lm_gain_per_word', 0):.3f}", style="dim"))
    if explain:
        for s in result.substitutions:
            line = Text(f"  {s.observed} -> {s.suggestion} ", style="bold")
            line.append(f"(confidence {s.confidence:.2f}): ", style="dim")
            line.append(s.reason)
            console.print(line)


@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Write JSON (JSON Lines for several inputs).")
@click.option("--lm", "lm", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Language model file to use instead of the shipped one.")
@click.option("--html/--no-html", "html", default=None,
              help="Treat input as HTML (default: detect it).")
@click.option("--explain", is_flag=True,
              help="Terminal view: list every suspected substitution with its evidence.")
def check(files: tuple[str, ...], as_json: bool, lm: str | None, html: bool | None,
          explain: bool) -> None:
    """Say whether texts are spun, mark the swapped words and suggest the originals.

    Reads FILE(s), or standard input with ``-`` or no FILE.
    """
    det = _detector(lm)
    multi = len(files) > 1

    def one(source: str, text: str) -> None:
        result = det.check(text, html=html)
        if as_json:
            echo_json({"source": source, **result.to_dict()})
        else:
            _render(source, result, multi, explain)

    each_input(files, one, as_json=as_json)


@click.command("restore")
@click.argument("file", required=False, default="-", type=click.Path(allow_dash=True))
@click.option("--lm", "lm", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Language model file to use instead of the shipped one.")
@click.option("--html/--no-html", "html", default=None,
              help="Treat input as HTML (default: detect it).")
def restore(file: str, lm: str | None, html: bool | None) -> None:
    """Write the likely original wording of FILE (or stdin) to stdout.

    Layout, punctuation and capitalisation are kept; only suspected substitutions change.
    """
    det = _detector(lm)
    for _, text in iter_inputs([file]):
        out = det.restore(text, html=html)
        click.echo(out, nl=not out.endswith("\n"))
