"""``urai cluster``: spun families across a crawl, each original chosen, a clean corpus."""

from __future__ import annotations

import click

from urai.cli.common import field_options, fields_and_limits, stderr_is_tty

__all__ = ["cluster"]


@click.command("cluster")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Directory for the results (created).")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local",
              show_default=True, help="Local processes, or Spark (pip install 'urai[spark]').")
@click.option("-j", "--jobs", type=int, default=1, show_default=True,
              help="Worker processes (local) or local Spark cores (0: one per core).")
@click.option("--resume", is_flag=True, help="Finish a run in --out that was interrupted.")
@click.option("--write-clean", is_flag=True,
              help="Also write the originals and unique documents in the input's format.")
@click.option("--threshold", type=float, default=0.3, show_default=True,
              help="Share of a member's words its original must explain.")
@click.option("--original-rule", default="date,spun,centrality,derived,id", show_default=True,
              help="Order of the criteria that choose a family's original.")
@click.option("--spun", "spun", type=click.Choice(["needed", "members", "all", "none"]),
              default="needed", show_default=True,
              help="Whose spun probability to compute with the screen (needed: only members "
                   "the original choice is undecided on).")
@click.option("--shard-size", type=int, default=5000, show_default=True,
              help="Documents per shard (the unit of work and of --resume).")
@click.option("--spark-master", default=None, help="Spark master URL (default: local[JOBS]).")
@click.option("--url-field", default="url", show_default=True,
              help="JSON Lines/Parquet field that holds the URL.")
@click.option("--title-field", default="title", show_default=True,
              help="JSON Lines/Parquet field that holds the headline.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars, no printed summary.")
@lambda fn: field_options(fn, date=True)
def cluster(inputs: tuple[str, ...], out: str, engine: str, jobs: int, resume: bool,
            write_clean: bool, threshold: float, original_rule: str, spun: str,
            shard_size: int, spark_master: str | None, url_field: str, title_field: str,
            quiet: bool, text_field: str, id_field: str, max_bytes: int,
            date_field: str) -> None:
    """Group spun copies with their originals across INPUT... (JSONL .gz/.zst, Parquet,
    WARC, text files, directories, globs) and write documents.parquet, families.parquet,
    profiles/, summary.json and report.html to --out."""
    import os

    from urai.corpus.clustering import ClusterConfig, FieldMap
    from urai.corpus.clustering import cluster as run
    from urai.errors import ConfigError

    fields_and_limits(text_field, id_field, max_bytes, date_field)  # one validation rule
    try:
        fields = FieldMap(id=id_field, text=text_field, date=date_field, url=url_field,
                          title=title_field)
        cfg = ClusterConfig(threshold=threshold, spun=spun, shard_size=shard_size,
                            max_doc_bytes=max_bytes,
                            original_rule=tuple(x.strip() for x in original_rule.split(",")
                                                if x.strip()))
    except ConfigError as exc:
        raise ConfigError(f"{exc} (check --threshold/--original-rule/--shard-size)") from None
    if jobs == 0:
        jobs = os.cpu_count() or 1
    if jobs < 0:
        raise ConfigError("--jobs must be 0 (one per core) or more")
    run(list(inputs), out, engine=engine, config=cfg, jobs=jobs, resume=resume,
        write_clean=write_clean, fields=fields, progress=not quiet and stderr_is_tty(),
        spark_master=spark_master, echo=None if quiet else click.echo)
