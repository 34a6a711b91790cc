"""``urai serve``: the HTTP API and the web page (``pip install 'urai[service]'``).

``urai serve [--host 127.0.0.1] [--port 8000] [--db INDEX] [--families DIR] [--workers N]``;
the writing index endpoints need a token, given in the ``URAI_SERVE_TOKEN`` environment
variable (or ``--token``, which other users of the machine can see in the process list).
"""

from __future__ import annotations

import click

from urai.errors import MissingDependencyError

__all__ = ["serve"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0: any free).")
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None,
              help="Source index for /v1/trace and the Sumber page.")
@click.option("--families", "families", type=click.Path(file_okay=False), default=None,
              help="A `urai cluster` output directory for /v1/families and the Keluarga page.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Worker processes (each checks one text at a time).")
@click.option("--token", envvar="URAI_SERVE_TOKEN", default=None, show_envvar=True,
              help="Bearer token enabling POST /v1/index and DELETE /v1/index/{id}.")
@click.option("--max-body", default="10MB", show_default=True,
              help="Largest request body (413 above).")
@click.option("--timeout", "timeout", type=float, default=30.0, show_default=True,
              help="Time limit of a request in seconds (504 past it).")
@click.option("--max-batch", type=int, default=64, show_default=True,
              help="Documents per batch request.")
@click.option("--allow-private-urls", is_flag=True,
              help="Also fetch URLs of loopback/private/link-local hosts (never on a public "
                   "server).")
@click.option("--lm", "lm", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Language model file to use instead of the shipped one.")
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(host: str, port: int, db: str | None, families: str | None, workers: int,
          token: str | None, max_body: str, timeout: float, max_batch: int,
          allow_private_urls: bool, lm: str | None, log_level: str) -> None:
    """Serve the JSON API (/v1/..., docs at /docs) and the web page (/)."""
    try:
        from urai.service.config import ServiceConfig, parse_size
        from urai.service.runner import serve as run
    except ImportError as exc:  # fastapi & co are the `service` extra
        raise MissingDependencyError.for_extra(exc.name or "fastapi", "service") from None
    config = ServiceConfig(host=host, port=port, db=db, families=families, workers=workers,
                           token=token or None, max_body_bytes=parse_size(max_body),
                           timeout_s=timeout, max_batch=max_batch,
                           allow_private_urls=allow_private_urls, lm=lm)

    def ready(h: str, p: int) -> None:
        shown = f"[{h}]" if ":" in h else h
        click.echo(f"urai serve: listening on http://{shown}:{p}/ ({workers} worker"
                   f"{'' if workers == 1 else 's'}; API docs at /docs)", err=True)

    run(config, log_level=log_level, ready=ready)


if __name__ == "__main__":  # pragma: no cover - `python -m urai.cli.serve ...`
    import sys

    from urai import cli

    # the same entry point as `urai serve`, also before the command is registered
    cli._COMMANDS.setdefault("serve", ("urai.cli.serve", "serve", "Serve the API and page."))
    sys.exit(cli.main(["serve", *sys.argv[1:]]))
