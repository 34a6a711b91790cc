"""``urai spin``: write spun copies of texts with gold alignments (for evaluation).

Inputs as for ``urai check`` (files, ``-``, directories, JSON Lines with ``--text-field`` /
``--id-field``); with ``--json`` one object per document in input order, a rejected one as
``{"source", "error"}``; exit codes as in :mod:`urai.cli.common`.
"""

from __future__ import annotations

import click

from urai.cli.common import (
    echo_json,
    field_options,
    fields_and_limits,
    quiet_broken_pipe,
    raise_for_rejected,
    stdin_hint,
)
from urai.corpus.sources import is_corpus, iter_documents
from urai.errors import ConfigError, InputError
from urai.records import Rejection


@click.command("spin")
@click.option("--rate", type=float, default=0.3, show_default=True,
              help="Share of word tokens to substitute (0-1).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON (text, rate, edits with offsets into both texts).")
@field_options
@click.argument("files", nargs=-1)
def spin(rate: float, seed: int, as_json: bool, text_field: str, id_field: str,
         max_bytes: int, files: tuple[str, ...]) -> None:
    """Spin FILE... (or stdin) with urai's thesaurus: the text, or JSON with gold edits."""
    from urai.simulate.spinner import Spinner

    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"--rate must be between 0 and 1, got {rate}")
    fields, limits = fields_and_limits(text_field, id_field, max_bytes)
    names = list(files) or ["-"]
    single = len(names) == 1 and not is_corpus(names[0])
    spinner = None
    processed = rejected = 0
    with quiet_broken_pipe():
        for name in names:
            stdin_hint(name)
            for doc in iter_documents([name], fields=fields, limits=limits, require_id=False):
                if isinstance(doc, Rejection):
                    rejected += 1
                    msg = f"{doc.source}: {doc.reason}"
                    if single:  # one plain input: the usual one-line error
                        raise InputError(msg)
                    if as_json:
                        echo_json({"source": doc.source,
                                   "error": {"code": doc.code, "message": msg}})
                    else:
                        click.echo(f"urai: rejected {msg}", err=True)
                    continue
                spinner = spinner or Spinner()
                result = spinner.spin(doc.record.text, rate, seed)
                processed += 1
                if as_json:
                    head = {"source": doc.source}
                    if doc.record.id:
                        head["id"] = doc.record.id
                    echo_json({**head, "text": result.text, "rate": result.rate,
                               "words": result.words, "edits": result.edits})
                else:
                    click.echo(result.text, nl=not result.text.endswith("\n"))
    raise_for_rejected(processed, rejected)
