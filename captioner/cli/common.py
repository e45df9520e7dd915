"""Shared plumbing of the command-line modules: exit codes, the catalogue option, error reporting."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from captioner.errors import CaptionerError, UsageError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def add_command(
    sub: Any, name: str, handler: Handler, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Add subcommand `name` that runs `handler`; every command accepts ``--catalogue PATH``."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=description or help)
    parser.add_argument(
        "--catalogue", metavar="PATH", help="catalogue file (default: $CAPTIONER_CATALOGUE or the user data folder)"
    )
    parser.set_defaults(handler=handler)
    return parser


def error(message: str) -> None:
    """Print one problem as one line on stderr."""
    line = " ".join(str(message).split())
    sys.stderr.write(f"captioner: {line}\n")


def print_json(data: Any) -> None:
    """Print `data` as UTF-8 JSON (Chinese and Vietnamese unescaped; indented on a terminal, compact in a pipe)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command, turning expected errors into one line on stderr and an exit status."""
    try:
        return int(args.handler(args))
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    except CaptionerError as exc:
        error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
