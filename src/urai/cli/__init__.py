"""The ``urai`` command line: a thin layer over the Python API.

Sub-commands live in :mod:`urai.cli` and are imported only when used, so ``urai --help``
stays fast and optional dependencies are imported where they are needed. Every
:class:`~urai.errors.UraiError` becomes one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from urai._version import __version__
from urai.errors import UraiError

# name -> (module, attribute, one-line help)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "resources": ("urai.cli.resources", "resources", "Show the loaded language resources."),
    "data": ("urai.cli.data", "data", "Build the shipped language data from sources."),
    "lm": ("urai.cli.lm", "lm", "Build or inspect n-gram language models."),
    "spin": ("urai.cli.spin", "spin", "Write spun copies of texts, with gold alignments."),
    "check": ("urai.cli.check", "check", "Say whether texts are spun and mark the swaps."),
    "screen": ("urai.cli.check", "screen", "Fast document-level verdict (no word marks)."),
    "restore": ("urai.cli.check", "restore", "Write the likely original wording."),
    "index": ("urai.cli.index", "index", "Manage a source index (SQLite)."),
    "trace": ("urai.cli.index", "trace", "Find the source of a spun copy in an index."),
    "cluster": ("urai.cli.cluster", "cluster",
                "Find spun families across a crawl; write a clean corpus."),
    "profile": ("urai.cli.profile", "profile",
                "Learn spinner profiles; attribute copies to spinners."),
    "serve": ("urai.cli.serve", "serve", "Serve the HTTP API and the web page."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in _COMMANDS if _available(n))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS or not _available(name):
            return None
        module, attr, _ = _COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``urai --help`` lists the commands from the registry's one-line help, so that no
        command module (and no engine) is imported just to print it."""
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(name: str) -> bool:
    module = _COMMANDS[name][0]
    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="urai")
def cli() -> None:
    """urai: find, restore and trace synonym-spun Indonesian text."""


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the CLI, turning urai errors into one-line messages."""
    try:
        cli.main(args=argv, prog_name="urai", standalone_mode=False)
    except UraiError as exc:
        click.echo(f"urai: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("urai: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        click.echo("urai: interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
