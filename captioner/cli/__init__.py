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


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"captioner: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every command module's subcommands registered."""
    parser = _Parser(prog="captioner", description="Captions and credits for newsroom photos.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
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
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
