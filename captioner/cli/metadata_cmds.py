"""``captioner show`` and ``captioner set``: reading and writing fields in files."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from captioner.cli.common import EXIT_FAILED, EXIT_OK, add_command, error
from captioner.errors import CaptionerError, UsageError
from captioner.fields import FIELD_KEYS, FIELDS, LIST_KEYS, field
from captioner.paths import catalogue_path
from captioner.photo import PhotoMetadata
from captioner.writing import check_language, normalise_changes

if TYPE_CHECKING:
    from captioner.writing import Change


def register(sub: Any) -> None:
    """Add ``show`` and ``set`` to the command line."""
    show = add_command(sub, "show", cmd_show, "show the reconciled fields, per-source values and conflicts")
    show.add_argument("files", nargs="+", metavar="FILE")
    show.add_argument("--json", action="store_true", help="one JSON object per file, in an array")

    set_ = add_command(sub, "set", cmd_set, "write fields to every file, safely")
    set_.add_argument("files", nargs="+", metavar="FILE")
    for f in FIELDS:
        opt = "--" + f.key.replace("_", "-")
        if f.key == "keywords":
            set_.add_argument(
                "--keyword",
                "--keywords",
                dest="keywords",
                action="append",
                metavar="K",
                help="keyword (repeat for several)",
            )
        elif f.is_list:
            set_.add_argument(opt, dest=f.key, action="append", metavar="NAME", help=f"{f.label} (repeatable)")
        else:
            set_.add_argument(opt, dest=f.key, metavar="TEXT", help=f.label)
    set_.add_argument(
        "--lang", default="x-default", help="language of --caption/--title/--copyright/--alt-text (default x-default)"
    )
    set_.add_argument("--clear", action="append", default=[], metavar="KEY", help="remove a field from the files")
    set_.add_argument("--force", action="store_true", help="write even if a file changed on disk meanwhile")


def _format_value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(value)
    return str(value).replace("\n", "\n    ")


def _print_text(meta: PhotoMetadata) -> None:
    out = sys.stdout
    out.write(f"{meta.path}\n")
    for key in FIELD_KEYS:
        value = meta.fields.get(key)
        if not value:
            continue
        mark = "  [conflict]" if key in meta.conflicts else ""
        out.write(f"  {key}: {_format_value(value)}{mark}\n")
        if key in meta.conflicts:
            for source, v in meta.sources.get(key, {}).items():
                if v is not None:
                    out.write(f"      {source}: {_format_value(v)}\n")
        for lang, text in meta.languages.get(key, {}).items():
            if lang != "x-default":
                out.write(f"    [{lang}] {_format_value(text)}\n")
    for w in meta.warnings:
        out.write(f"  warning: {w}\n")


def cmd_show(args: argparse.Namespace) -> int:
    """Print each file's fields; one line on stderr per file that cannot be read."""
    from captioner.reading import read_many

    failed = 0
    paths = [Path(name) for name in args.files]
    if args.json:
        # Workers hand back finished JSON text; the array is assembled here.
        indent = 2 if sys.stdout.isatty() else None
        texts: list[str] = []
        for item in read_many(paths, transform=functools.partial(_json_text, indent=indent)):
            if isinstance(item, CaptionerError):
                error(str(item))
                failed += 1
            else:
                assert isinstance(item, str)
                texts.append(item)
        sep = ",\n" if indent else ","
        sys.stdout.write("[" + sep.join(texts) + "]\n")
    else:
        for meta in read_many(paths):
            if isinstance(meta, CaptionerError):
                error(str(meta))
                failed += 1
            else:
                _print_text(meta)
    return EXIT_FAILED if failed else EXIT_OK


def _json_text(meta: PhotoMetadata, indent: int | None = None) -> str:
    """One file's ``show --json`` object as JSON text."""
    return json.dumps(meta.to_json(), ensure_ascii=False, indent=indent)


def changes_from_args(args: argparse.Namespace) -> dict[str, Change]:
    """The field changes a ``set`` command line asks for; UsageError when it asks for none or is contradictory."""
    changes: dict[str, Change] = {}
    for key in args.clear:
        try:
            field(key)
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        changes[key] = None
    for f in FIELDS:
        value = getattr(args, f.key, None)
        if value is None:
            continue
        if f.key in changes:
            raise UsageError(f"--{f.key.replace('_', '-')} and --clear {f.key} contradict each other")
        given = value if isinstance(value, list) else [value]
        if not any(v.strip() for v in given):
            # An empty shell variable must not wipe a photographer's name: clearing is said out loud.
            raise UsageError(f"--{f.key.replace('_', '-')} is empty; to remove the field use --clear {f.key}")
        if f.key in LIST_KEYS:
            changes[f.key] = [v for v in value if v.strip()]
        elif f.is_lang_alt and check_language(args.lang) != "x-default":
            changes[f.key] = {args.lang: value}
        else:
            changes[f.key] = value
    if not changes:
        raise UsageError("nothing to write: give at least one field, e.g. --caption TEXT or --clear KEY")
    return normalise_changes(changes)  # a bad value is one usage error, not one error per file


def _open_catalogue(arg: str | None) -> Any:
    """The catalogue to keep in step, when one exists (``set`` never creates one)."""
    path = catalogue_path(arg)
    if not path.exists():
        return None  # and sqlite-utils is not even imported
    from captioner.catalogue import Catalogue

    return Catalogue.open_existing(path)


def cmd_set(args: argparse.Namespace) -> int:
    """Write the requested fields to every file; exit 1 if any file failed, the others are still written."""
    from captioner.writing import WriteJob, write_batch

    changes = changes_from_args(args)
    catalogue = _open_catalogue(args.catalogue)
    failed = 0

    try:
        jobs = (WriteJob(Path(p), changes) for p in args.files)
        record = catalogue.record_batch_item if catalogue is not None else None
        for item in write_batch(jobs, force=args.force, on_item=record):
            if item.error is not None:
                error(str(item.error))
                failed += 1
                continue
            assert item.result is not None
            for w in item.result.warnings:
                error(f"{item.path}: warning: {w}")
            sys.stdout.write(f"{item.path}: written\n")
    finally:
        if catalogue is not None:
            catalogue.close()
    return EXIT_FAILED if failed else EXIT_OK
