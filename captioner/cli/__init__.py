"""The ``captioner`` command line: a thin layer over the library.

Each command group lives in its own module with a ``register(subparsers)`` function; each command calls one
library function and turns a :class:`~captioner.errors.CaptionerError` into a one-line message on stderr.
Exit status: 0 success, 1 a check found errors or some files failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from captioner.cli.common import EXIT_USAGE, run_command

COMMAND_MODULES = (
    "captioner.cli.metadata_cmds",
    "captioner.cli.catalogue_cmds",
    "captioner.cli.newsroom_cmds",
)
COMMAND_HOME = {
    "show": "captioner.cli.metadata_cmds",
    "set": "captioner.cli.metadata_cmds",
    "scan": "captioner.cli.catalogue_cmds",
    "search": "captioner.cli.catalogue_cmds",
    "history": "captioner.cli.catalogue_cmds",
    "people": "captioner.cli.catalogue_cmds",
    "story": "captioner.cli.catalogue_cmds",
    "check": "captioner.cli.newsroom_cmds",
    "import-article": "captioner.cli.newsroom_cmds",
    "export": "captioner.cli.newsroom_cmds",
    "demo": "captioner.cli.newsroom_cmds",
}
"""Which module registers each command, so a run imports only what its command needs (start-up time)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"captioner: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: with `command`, only the module that registers it; otherwise every command."""
    parser = _Parser(prog="captioner", description="Captions and credits for newsroom photos.")
    parser.add_argument("--catalogue", dest="catalogue_before", metavar="PATH", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    home = COMMAND_HOME.get(command or "")
    for name in (home,) if home else COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``captioner`` console script."""
    for stream in (sys.stdout, sys.stderr):
        # File names that are not UTF-8 arrive as surrogate escapes: print them as \udcXX (still UTF-8;
        # in JSON a valid escape that reads back as the same name).
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first)
    args = parser.parse_args(argv)
    if getattr(args, "catalogue", None) is None and args.catalogue_before:
        args.catalogue = args.catalogue_before  # `captioner --catalogue X show F` works too
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
