"""``urai index add|remove|stats`` and ``urai trace``: the source index on the command line.

Inputs of ``index add``: ``.txt`` files (id = file name), directories (their ``.txt``,
``.jsonl`` and ``.gz`` files, recursively, in name order) and JSON Lines files (``id``,
``text``, optional ``title``, ``url``, ``date``), gzipped or not. Every input is counted as
indexed or rejected with its reason; the summary goes to stderr (or stdout with ``--json``).
Adding is idempotent (an id added again replaces the old document), so an interrupted run is
resumed by running the same command again; ``--skip-existing`` makes that cheap by skipping
ids whose text is unchanged.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from urai.cli.common import (
    check_corpus_flags,
    corpus_options,
    each_input,
    echo_json,
    field_options,
    fields_and_limits,
    raise_for_rejected,
    stderr_is_tty,
)
from urai.errors import ConfigError, InputError, ResourceError
from urai.trace.store import DEFAULT_LOCK_TIMEOUT


def _iter_items(inputs: tuple[str, ...], fields: Any = None, limits: Any = None
                ) -> Iterator[object]:
    """Records or Rejections for every input (directories expanded), under the one record
    rule (:mod:`urai.records`) with the user's field mapping and size cap."""
    from urai.corpus.sources import Rejection, iter_corpus

    kw = {k: v for k, v in (("fields", fields), ("limits", limits)) if v is not None}
    for item in iter_corpus(inputs, require_id=True, **kw):
        yield item if isinstance(item, Rejection) else item[1]


@click.group("index")
def index() -> None:
    """Manage a source index (one SQLite file): add, remove, stats."""


@index.command("add")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False),
              help="Index file (created if missing).")
@click.option("--skip-existing", is_flag=True,
              help="Skip ids already indexed with the same text (fast resume).")
@click.option("--batch-size", type=int, default=5000, show_default=True,
              help="Documents per transaction.")
@click.option("--lock-timeout", type=float, default=DEFAULT_LOCK_TIMEOUT, show_default=True,
              help="Seconds to wait for another writer's lock on the index before giving up.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.argument("inputs", nargs=-1, required=True)
@(lambda fn: field_options(fn, date=True))
def add(db: str, skip_existing: bool, batch_size: int, lock_timeout: float, quiet: bool,
        as_json: bool, inputs: tuple[str, ...], text_field: str, id_field: str,
        max_bytes: int, date_field: str) -> None:
    """Index INPUT... (.txt/.html files, directories, JSONL; .gz too). Re-adding an id
    replaces it; a second record with the same id in the input is rejected.

    Exit code 0: every input was indexed (or skipped); 2: some were rejected (reasons on
    stderr); 3: the index is missing, corrupt or locked for longer than --lock-timeout.
    """
    from urai.corpus.sources import count_documents
    from urai.trace.index import Index

    if batch_size < 1:
        raise ConfigError("--batch-size must be at least 1")
    fields, limits = fields_and_limits(text_field, id_field, max_bytes, date_field)
    bar = None
    if not quiet and stderr_is_tty():
        from tqdm import tqdm

        bar = tqdm(unit="doc", desc="indexing", file=sys.stderr, dynamic_ncols=True,
                   total=count_documents(inputs))

    def waiting(msg: str) -> None:
        click.echo(f"urai: {msg}", err=True)

    try:
        with Index(db, lock_timeout=lock_timeout, on_wait=waiting) as idx:
            report = idx.add(_iter_items(inputs, fields, limits), skip_existing=skip_existing,
                             batch_size=batch_size,
                             progress=(bar.update if bar is not None else None))
            total = len(idx)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        echo_json({"db": db, "added": report.added, "replaced": report.replaced,
                   "skipped": report.skipped, "processed": report.processed,
                   "no_fingerprint": report.no_fingerprint, "duplicates": report.duplicates,
                   "rejected": [{"source": r.source, "reason": r.reason}
                                for r in report.rejected],
                   "docs": total})
    else:
        click.echo(
            f"{db}: {report.processed} processed (added {report.added}, replaced "
            f"{report.replaced}, skipped {report.skipped}), {len(report.rejected)} rejected"
            + (f" ({report.duplicates} repeated ids)" if report.duplicates else "")
            + f"; {total} documents in the index", err=True)
        if report.no_fingerprint:
            click.echo(f"  {report.no_fingerprint} indexed documents got no fingerprint (too "
                       "short or without distinctive words): not even an exact copy can find "
                       "them", err=True)
        for r in report.rejected[:50]:
            click.echo(f"  rejected {r.source}: {r.reason}", err=True)
        if len(report.rejected) > 50:
            click.echo(f"  ... and {len(report.rejected) - 50} more (use --json)", err=True)
    raise_for_rejected(report.processed, len(report.rejected))


@index.command("remove")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False))
@click.argument("ids", nargs=-1, required=True)
def remove(db: str, ids: tuple[str, ...]) -> None:
    """Remove documents by ID."""
    from urai.trace.index import Index

    with Index(db, create=False) as idx:
        n = idx.remove(ids)
    click.echo(f"{db}: removed {n} of {len(ids)} ids", err=True)


@index.command("stats")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def stats(db: str, as_json: bool) -> None:
    """Documents, fingerprints, size on disk and settings of an index."""
    from urai.trace.index import Index

    with Index(db, create=False, readonly=True) as idx:
        st = idx.stats()
    if as_json:
        echo_json(st)
        return
    click.echo(f"index        {st.path}")
    click.echo(f"documents    {st.docs}")
    click.echo(f"fingerprints {st.fingerprints}")
    click.echo(f"size on disk {st.size_bytes / 1e6:.1f} MB")
    click.echo("config       " + json.dumps(st.config, sort_keys=True))


@click.command("trace")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False),
              help="Index built with `urai index add`.")
@click.option("--top", "top", type=int, default=5, show_default=True, help="Matches to show.")
@click.option("--threshold", type=float, default=None,
              help="Minimum coverage of the query (default 0.2).")
@click.option("--json", "as_json", is_flag=True,
              help="JSON (JSON Lines with a source field when there are several inputs).")
@click.option("--diff", is_flag=True,
              help="Show every match's passages side by side, the unmatched spans, and the "
                   "word alignment with the best match (copies, swaps, inserts, drops).")
@click.option("--whole-document", "whole", is_flag=True,
              help="Whole-document trace only (the behaviour before passages: a source must "
                   "explain --threshold of the query; no passages, no unmatched spans).")
@click.argument("files", nargs=-1)
@corpus_options
def trace(db: str, top: int, threshold: float | None, as_json: bool, diff: bool,
          whole: bool, output: str | None, resume: bool, jobs: int, quiet: bool,
          files: tuple[str, ...], text_field: str, id_field: str, max_bytes: int) -> None:
    """Find the indexed sources of FILE... (or stdin, `-`) and locate the copied passages.

    A directory stands for its .txt, .html and .jsonl files and a JSON Lines file (.gz too)
    for its documents, each traced on its own; with -o, --resume and -j as for `urai check`.
    Exit code 0: every input was traced (found or not); 2: some were rejected.
    """
    from urai.corpus.sources import is_corpus
    from urai.trace.index import Index

    check_corpus_flags(jobs, resume, output)
    if top < 1:
        raise ConfigError("--top must be at least 1")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"--threshold must be between 0 and 1, got {threshold}")
    if not Path(db).exists():
        raise ResourceError(f"{db}: no such index; build it first with `urai index add --db {db} "
                        "FILE...`")
    names = list(files) or ["-"]
    if output is not None or jobs != 1 or any(is_corpus(n) for n in names):
        if diff:
            raise ConfigError("--diff shows one document at a time; leave it out for a corpus")
        _trace_corpus(names, _TraceRunner(db, top, threshold, not whole), as_json=as_json,
                      output=output, resume=resume, jobs=jobs, quiet=quiet,
                      limits=fields_and_limits(text_field, id_field, max_bytes))
        return
    with Index(db, create=False, readonly=True) as idx:

        def one(source: str, text: str) -> None:
            res = idx.trace(text, top=top, threshold=threshold, source=source,
                            passages=not whole)
            al = idx.align(res.matches[0].id, text) if diff and res.matches else None
            if as_json:
                obj: dict[str, object] = res.to_dict()
                if diff:
                    obj["alignment"] = al.to_dict() if al is not None else None
                echo_json(obj)
                return
            click.echo(f"{res.source}:")
            if not res.matches:
                click.echo("  no source found")
            for rank, m in enumerate(res.matches, 1):
                extra = f"  {m.title}" if m.title else ""
                click.echo(f"  {rank}. {m.id}  score {m.score:.3f}  coverage "
                           f"{m.coverage:.3f}  passages {len(m.passages)}{extra}")
                for p in m.passages:
                    click.echo(f"     {p.kind:<11} query [{p.query_start}, {p.query_end}) <- "
                               f"source [{p.source_start}, {p.source_end})  similarity "
                               f"{p.similarity:.2f}, {p.swaps} swaps, {p.query_words} words")
            for x in res.shared:
                words = sum(p.query_words for p in x.passages)
                click.echo(f"  shared with {x.id}: {len(x.passages)} short passages, {words} "
                           "words (too little to call it a source)")
                for p in x.passages:
                    click.echo(f"     {p.kind:<11} query [{p.query_start}, {p.query_end}) <- "
                               f"source [{p.source_start}, {p.source_end})  similarity "
                               f"{p.similarity:.2f}, {p.query_words} words")
            if res.matches and res.unmatched:
                words = sum(u.words for u in res.unmatched)
                click.echo(f"  unmatched: {len(res.unmatched)} spans, {words} words with no "
                           "source")
            if diff and res.matches:
                for m in res.matches:
                    stext = idx.text(m.id) or ""
                    _print_passages(text, stext, m)
                _print_unmatched(text, res.unmatched)
            if al is not None:
                _print_diff(al, res.matches[0].id)

        each_input(files, one, as_json=as_json)


class _Traced:
    """A trace result as a corpus job's result: ``verdict`` is ``found`` or ``no_source``."""

    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result

    @property
    def verdict(self) -> str:
        return "found" if self.result.matches else "no_source"

    def to_dict(self) -> dict[str, Any]:
        d = self.result.to_dict()
        d.pop("source", None)  # the job's item names the source
        return {"verdict": self.verdict, **d}


class _TraceRunner:
    """``check(text)`` -> :class:`_Traced` over an index opened on first use, so that each
    worker process opens its own read-only connection."""

    def __init__(self, db: str, top: int, threshold: float | None, passages: bool) -> None:
        self.db, self.top, self.threshold, self.passages = db, top, threshold, passages
        self._idx: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"db": self.db, "top": self.top, "threshold": self.threshold,
                "passages": self.passages, "_idx": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def check(self, text: str, *, html: bool | None = None) -> _Traced:
        from urai.html import html_to_text, looks_like_html
        from urai.trace.index import Index

        if self._idx is None:
            self._idx = Index(self.db, create=False, readonly=True)
        if html or (html is None and looks_like_html(text)):
            text = html_to_text(text)
        if not text.strip():
            raise InputError("empty text (nothing to trace)")
        return _Traced(self._idx.trace(text, top=self.top, threshold=self.threshold,
                                       passages=self.passages))


def _trace_corpus(names: list[str], runner: _TraceRunner, *, as_json: bool,
                  output: str | None, resume: bool, jobs: int, quiet: bool,
                  limits: tuple[Any, Any]) -> None:
    """Trace every document of a corpus: one result (or rejection) per document, in order."""
    from urai.corpus.jobs import CheckJob
    from urai.corpus.sinks import ResultsFile
    from urai.corpus.sources import count_documents

    fields, lim = limits
    sink = ResultsFile(output, resume=resume) if output is not None else None
    job = CheckJob(names, runner, jobs=jobs, done=sink.done if sink is not None else None,
                   fields=fields, limits=lim, chunk_chars=None)
    bar = None
    if not quiet and stderr_is_tty():
        from tqdm import tqdm

        bar = tqdm(unit="doc", desc="tracing", file=sys.stderr, dynamic_ncols=True,
                   total=count_documents(names))
    try:
        for item in job.run():
            if bar is not None:
                bar.update(1)
            obj = item.to_dict()
            if sink is not None:
                sink.write(obj)
            elif as_json:
                echo_json(obj)
            elif item.rejected:
                click.echo(f"urai: rejected {obj['error']['message']}", err=True)
            else:
                best = item.result.result.best
                click.echo(f"{item.source}: " + (
                    "no source found" if best is None else
                    f"{len(item.result.result.matches)} source(s), best {best.id} score "
                    f"{best.score:.3f} coverage {best.coverage:.3f}"))
    finally:
        if bar is not None:
            bar.close()
        if sink is not None:
            sink.close()
    if output is not None:
        click.echo(f"urai: {output}: {job.report.summary('traced')}", err=True)
    job.report.raise_for_outcome("above" if output is None else f"in {output}")


def _side_by_side(left: str, right: str, mark: str, style: str | None) -> None:
    width = max(60, shutil.get_terminal_size((120, 20)).columns)
    col = (width - 5) // 2
    color = sys.stdout.isatty()
    lines_l = _wrap(" ".join(left.split()), col - 2) or [""]
    lines_r = _wrap(" ".join(right.split()), col) or [""]
    for k in range(max(len(lines_l), len(lines_r))):
        lt = lines_l[k] if k < len(lines_l) else ""
        rt = lines_r[k] if k < len(lines_r) else ""
        line = f"{mark if k == 0 else ' '} {lt:<{col - 2}} | {rt}"
        click.echo(click.style(line, fg=style) if color and style else line)


def _print_passages(query: str, source: str, m) -> None:
    """Each passage of a match: the query's text beside the source's."""
    styles = {"verbatim": None, "spun": "yellow", "reordered": "cyan", "paraphrased": "magenta"}
    for k, p in enumerate(m.passages, 1):
        click.echo(f"  passage {k} of {m.id}: {p.kind}, similarity {p.similarity:.2f}, "
                   f"{p.swaps} swaps")
        _side_by_side(query[p.query_start:p.query_end], source[p.source_start:p.source_end],
                      "=", styles.get(p.kind))


def _print_unmatched(query: str, spans) -> None:
    for u in spans:
        click.echo(f"  unmatched [{u.start}, {u.end}), {u.words} words (no source):")
        _side_by_side(query[u.start:u.end], "", "+", "green")


def _print_diff(al, ident: str) -> None:
    """Side-by-side: query (observed) on the left, source on the right."""
    width = max(60, shutil.get_terminal_size((120, 20)).columns)
    col = (width - 5) // 2
    color = sys.stdout.isatty()
    marks = {"copy": "=", "swap": "~", "insert": "+", "delete": "-"}
    styles = {"copy": None, "swap": "yellow", "insert": "green", "delete": "red"}
    click.echo(f"  alignment with {ident}: coverage {al.coverage:.3f} "
               f"(copied {al.copied}, swapped {al.swapped}, synonyms {al.synonyms} of "
               f"{al.query_words} words)")
    click.echo(f"  {'query (observed)':<{col}} | source")
    for op in al.ops:
        left = " ".join(op.q_text.split())
        right = " ".join(op.s_text.split())
        kind = "synonym" if op.kind == "copy" and op.synonym else op.kind
        lines_l = _wrap(left, col - 2) or [""]
        lines_r = _wrap(right, col) or [""]
        for k in range(max(len(lines_l), len(lines_r))):
            lt = lines_l[k] if k < len(lines_l) else ""
            rt = lines_r[k] if k < len(lines_r) else ""
            mark = marks[op.kind] if k == 0 else " "
            line = f"{mark} {lt:<{col - 2}} | {rt}"
            style = styles[op.kind] if kind != "synonym" else "cyan"
            click.echo(click.style(line, fg=style) if color and style else line)


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=max(10, width)) if text else []
