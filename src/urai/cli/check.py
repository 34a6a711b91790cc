"""``urai check`` and ``urai restore``.

``urai check [--json] [--lm PATH] [--html/--no-html] FILE...|-``: with ``--json`` one JSON
object per input and line (JSON Lines; each with a ``source`` field), otherwise a
terminal view with the suspected words highlighted and the suggestion beside each.
Corpus work: directories and JSON Lines files expand to their documents;
``--output PATH`` writes the JSON Lines to a file (``--resume`` continues it after an
interruption), ``--jobs N`` checks on N cores, a progress bar shows on a terminal, and
every input ends up in the output as a result or as ``{"source", "error"}``.
``urai restore [--lm PATH] [--html/--no-html] FILE...|-``: the restored text on stdout; the
same corpus options (``-o``, ``--resume``, ``-j``, JSON Lines, directories, HTML), with
``--json`` one ``{"source", "id", "verdict", "changes", "restored_text"}`` object per document.
Every command here takes ``--text-field``/``--id-field`` for a user's own JSON Lines schema and
``--max-bytes`` (the size cap); exit codes follow :mod:`urai.cli.common`.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from urai.cli.common import (
    check_corpus_flags,
    corpus_options,
    each_input,
    echo_json,
    fields_and_limits,
    quiet_broken_pipe,
    stderr_is_tty,
)
from urai.corpus.jobs import CheckJob, JobItem
from urai.corpus.local import LongTextRunner
from urai.corpus.sinks import ResultsFile
from urai.corpus.sources import count_documents, is_corpus
from urai.detect.detector import CheckResult
from urai.records import InputLimits, RecordFields

__all__ = ["check", "restore"]


def _detector(lm: str | None, profile: str | None = None) -> Any:
    from urai.detect.detector import Detector, default_detector

    det = default_detector() if lm is None else Detector(lm=lm)
    return det if profile is None else det.with_profile(profile)  # bad file: one-line error


_PROFILE = click.option(
    "--profile", "profile", type=click.Path(dir_okay=False), default=None,
    help="A spinner profile (urai profile learn): also restore that spinner's swaps.")


def _render(source: str, result: Any, multi: bool, explain: bool = False) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    head = _headline(source, result, multi)
    if not isinstance(result, CheckResult):  # a ScreenResult: document level only
        head.append(f"  {result.words} words  (screen: document level only; `urai check` "
                    "marks the words)", style="dim")
        console.print(head)
        return
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


_COMMON = [
    click.argument("files", nargs=-1, type=click.Path(allow_dash=True)),
    click.option("--json", "as_json", is_flag=True,
                 help="Write JSON (JSON Lines for several inputs)."),
    click.option("--lm", "lm", type=click.Path(exists=True, dir_okay=False), default=None,
                 help="Language model file to use instead of the shipped one."),
    click.option("--html/--no-html", "html", default=None,
                 help="Treat input as HTML (default: detect it)."),
]


def _common_options(fn: Any) -> Any:
    for opt in reversed(_COMMON):
        fn = opt(fn)
    return fn


@click.command("check")
@_common_options
@click.option("--explain", is_flag=True,
              help="Terminal view: list every suspected substitution with its evidence.")
@click.option("--screen-first", is_flag=True,
              help="Run the fast screen first; check fully only what it does not call clean "
                   "(each result says its stage).")
@click.option("--no-restored-text", "no_restored", is_flag=True,
              help="Leave restored_text out of the JSON (results are then smaller than the "
                   "input).")
@_PROFILE
@corpus_options
def check(files: tuple[str, ...], as_json: bool, lm: str | None, html: bool | None,
          explain: bool, screen_first: bool, no_restored: bool, profile: str | None,
          output: str | None, resume: bool, jobs: int, quiet: bool, text_field: str,
          id_field: str, max_bytes: int) -> None:
    """Say whether texts are spun, mark the swapped words and suggest the originals.

    Reads FILE(s), or standard input with ``-`` or no FILE. A directory stands for its
    .txt, .html and .jsonl files; a JSON Lines file (.jsonl, .ndjson, .gz too) holds one
    document per line (``text``, optional ``id``). Every input is reported as checked or
    rejected. Exit code 0: all checked; 2: some rejected; 3: a resource is missing.
    """
    def runner() -> Any:
        if not screen_first:
            return _detector(lm, profile)
        from urai.detect.screener import Cascade, Screener

        return Cascade(Screener(lm=lm) if lm else None, _detector(lm, profile))

    _run(files, runner, _Opts("check", screen_first, as_json, html, explain, not no_restored,
                              output, resume, jobs, quiet,
                              *fields_and_limits(text_field, id_field, max_bytes)))


@click.command("screen")
@_common_options
@corpus_options
def screen(files: tuple[str, ...], as_json: bool, lm: str | None, html: bool | None,
           output: str | None, resume: bool, jobs: int, quiet: bool, text_field: str,
           id_field: str, max_bytes: int) -> None:
    """Fast document-level verdict: is each text spun? No word marks (use `urai check`).

    About 1.5 times as fast as `urai check`; meant to sort a very large crawl and pick the
    documents worth a full check. Inputs and exit codes as for `urai check`.
    """
    def runner() -> Any:
        from urai.detect.screener import Screener, default_screener

        return default_screener() if lm is None else Screener(lm=lm)

    _run(files, runner, _Opts("check", False, as_json, html, False, True, output, resume,
                              jobs, quiet, *fields_and_limits(text_field, id_field,
                                                               max_bytes)))


@click.command("restore")
@_common_options
@_PROFILE
@corpus_options
def restore(files: tuple[str, ...], as_json: bool, lm: str | None, html: bool | None,
            profile: str | None, output: str | None, resume: bool, jobs: int, quiet: bool,
            text_field: str, id_field: str, max_bytes: int) -> None:
    """Write the likely original wording of FILE(s) (or stdin) to stdout.

    Layout, punctuation and capitalisation are kept; only suspected substitutions change.
    Inputs, corpus options and exit codes as for `urai check`; with --json or -o, one
    object per document (source, id, verdict, changes, restored_text).
    """
    _run(files, lambda: _detector(lm, profile),
         _Opts("restore", False, as_json, html, False, True, output, resume, jobs, quiet,
               *fields_and_limits(text_field, id_field, max_bytes)))


class _Opts:
    """The options of one check/screen/restore run."""

    def __init__(self, view: str, staged: bool, as_json: bool, html: bool | None,
                 explain: bool, restored_text: bool, output: str | None, resume: bool,
                 jobs: int, quiet: bool, fields: RecordFields, limits: InputLimits) -> None:
        self.view, self.staged, self.as_json, self.html = view, staged, as_json, html
        self.explain, self.restored_text = explain, restored_text
        self.output, self.resume, self.jobs, self.quiet = output, resume, jobs, quiet
        self.fields, self.limits = fields, limits

    def obj(self, item: JobItem) -> dict[str, Any]:
        return item.to_dict(staged=self.staged, view=self.view,
                            restored_text=self.restored_text)


def _run(files: tuple[str, ...], runner: Any, o: _Opts) -> None:
    check_corpus_flags(o.jobs, o.resume, o.output)
    names = list(files) or ["-"]
    with quiet_broken_pipe():
        if o.output is None and o.jobs == 1 and len(names) == 1 and not is_corpus(names[0]):
            dets: list[LongTextRunner] = []

            def one(source: str, text: str) -> None:
                if not dets:  # loaded after the input is read: a bad input fails at once
                    dets.append(LongTextRunner(runner()))
                result = dets[0].check(text, html=o.html)
                _show(JobItem(source, None, result), o, multi=False)

            each_input(names, one, as_json=o.as_json, limits=o.limits)
            return
        if o.output is not None:
            o.as_json = True
        _check_batch(names, runner(), o)


def _show(item: JobItem, o: _Opts, *, multi: bool) -> None:
    if o.as_json:
        echo_json(o.obj(item))
    elif item.rejected:
        click.echo(f"urai: rejected {item.to_dict()['error']['message']}", err=True)
    elif o.view == "restore":
        if multi:
            click.echo(f"==> {item.source} <==")
        out = item.result.restored_text
        click.echo(out, nl=not out.endswith("\n"))
    else:
        _render(item.source, item.result, multi, o.explain)


def _check_batch(names: list[str], runner: Any, o: _Opts) -> None:
    sink = ResultsFile(o.output, resume=o.resume) if o.output is not None else None
    job = CheckJob(names, runner, html=o.html, jobs=o.jobs,
                   done=sink.done if sink is not None else None, fields=o.fields,
                   limits=o.limits)
    bar = None
    if not o.quiet and stderr_is_tty():
        from tqdm import tqdm

        total = count_documents(names)
        bar = tqdm(unit="doc", desc="restoring" if o.view == "restore" else "checking",
                   file=sys.stderr, dynamic_ncols=True, total=total)
    try:
        for item in job.run():
            if bar is not None:
                bar.update(1)
            if sink is not None:
                sink.write(o.obj(item))
            else:
                _show(item, o, multi=True)
    finally:
        if bar is not None:
            bar.close()
        if sink is not None:
            sink.close()
    if job.worker_deaths:
        click.echo(f"urai: {job.worker_deaths} worker process(es) died and were replaced; "
                   "their documents were tried again", err=True)
    if o.output is not None:
        click.echo(f"urai: {o.output}: {job.report.summary()}", err=True)
    job.report.raise_for_outcome("above" if o.output is None else f"in {o.output}")


def _headline(source: str, result: Any, multi: bool) -> Any:
    """``[source: ]VERDICT  spun probability p`` as rich Text, coloured by verdict."""
    from rich.text import Text

    colour = {"spun": "bold red", "clean": "bold green", "uncertain": "bold yellow"}.get(
        result.verdict, "bold magenta")
    head = Text()
    if multi:
        head.append(f"{source}: ", style="bold")
    head.append(result.verdict.upper(), style=colour)
    if result.spun_probability is not None:
        head.append(f"  spun probability {result.spun_probability:.2f}")
    return head
