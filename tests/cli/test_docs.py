"""The README documents every command and every field key (a command nobody can find does not exist)."""

from __future__ import annotations

import argparse
import re

from helpers import ROOT

from captioner.cli import COMMAND_HOME, build_parser
from captioner.fields import FIELD_KEYS

README = (ROOT / "README.md").read_text("utf-8")


def _commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_every_command_is_registered_where_the_cli_looks_for_it() -> None:
    assert _commands() == set(COMMAND_HOME)


def test_readme_documents_every_command() -> None:
    documented = set(re.findall(r"`captioner ([a-z-]+)", README))
    assert _commands() <= documented, _commands() - documented


def test_readme_lists_every_field_key() -> None:
    missing = [k for k in FIELD_KEYS if f"`{k}`" not in README]
    assert not missing
