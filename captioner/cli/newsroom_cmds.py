"""``captioner check``, ``import-article``, ``export`` and ``demo``: the newsroom commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from captioner.article import (
    ImportPlan,
    apply_import,
    folder_pictures,
    parse_article,
    plan_import,
    read_article_text,
)
from captioner.catalogue import Catalogue, resolve_catalogue_path
from captioner.checks import Finding, apply_fixes, check_paths, has_errors
from captioner.cli.common import EXIT_FAILED, EXIT_OK, add_command, error, print_json
from captioner.errors import UsageError
from captioner.export import FORMATS, build_caption_sheet, export_caption_sheet, render
from captioner.fields import FieldValue
from captioner.housestyle import HouseStyle, People, find_house_style, load_house_style, people_registry


def register(sub: Any) -> None:
    """Add ``check``, ``import-article``, ``export`` and ``demo`` to the command line."""
    check = add_command(sub, "check", cmd_check, "check credits before publishing (exit 1 if any error)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="pictures, or folders of pictures")
    check.add_argument("--story", metavar="NAME", help="check the pictures of this story")
    check.add_argument("--json", action="store_true", help="findings as JSON")
    check.add_argument("--fix", action="store_true", help="write the certain fixes (canonical names, house label)")
    check.add_argument("--force", action="store_true", help="with --fix, write even if a file changed meanwhile")
    _house_style_option(check)

    imp = add_command(
        sub,
        "import-article",
        cmd_import_article,
        "write an article draft's captions and credits to its pictures (a dry run without --apply)",
    )
    imp.add_argument("article", metavar="ARTICLE", help="the article: UTF-8 text or DOCX")
    imp.add_argument("--folder", required=True, metavar="DIR", help="folder holding the article's pictures")
    imp.add_argument("--story", metavar="NAME", help="story to create or replace (default: the article's name)")
    imp.add_argument("--apply", action="store_true", help="write the changes and create the story")
    imp.add_argument("--force", action="store_true", help="write even if a file changed on disk meanwhile")
    imp.add_argument("--json", action="store_true", help="the proposed changes as JSON")
    _house_style_option(imp)

    export = add_command(sub, "export", cmd_export, "export a story's caption sheet, in story order")
    export.add_argument("files", nargs="*", metavar="FILE", help="pictures (or folders), in this order")
    export.add_argument("--story", metavar="NAME", help="export this story's pictures")
    export.add_argument("--format", required=True, choices=FORMATS, help="caption sheet format")
    export.add_argument("-o", "--output", metavar="OUT", help="file to write (default: standard output)")
    export.add_argument("--credit-label", metavar="L", help="credit label to write (default: the house style's)")
    _house_style_option(export)

    demo = add_command(sub, "demo", cmd_demo, "create the demo folder: the seed article's twelve pictures")
    demo.add_argument("folder", nargs="?", metavar="DIR", help="where to create it (default: the user data folder)")


def _house_style_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--house-style",
        metavar="TOML",
        help="house style file (default: housestyle.toml next to the pictures, else the user config folder)",
    )


def _house_style(args: argparse.Namespace, folder: Path | None) -> HouseStyle:
    explicit = Path(args.house_style) if args.house_style else None
    return load_house_style(find_house_style(folder, explicit))


def _catalogue(args: argparse.Namespace, create: bool = False) -> Catalogue | None:
    path = resolve_catalogue_path(args.catalogue)
    return Catalogue.open(path) if create else Catalogue.open_existing(path)


def _expand(paths: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        out.extend(folder_pictures(path) if path.is_dir() else [path])
    return list(dict.fromkeys(out))


# --- check --------------------------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Run the credit checks; with --fix write the certain fixes and check again. Exit 1 on any error."""
    if not args.paths and not args.story:
        raise UsageError("check: give pictures or folders, or --story NAME")
    catalogue = _catalogue(args, create=args.fix)
    try:
        paths = _expand(args.paths)
        if args.story:
            if catalogue is None:
                raise UsageError(f"no catalogue at {resolve_catalogue_path(args.catalogue)}: no story to check")
            paths += [p for p in catalogue.story(args.story) if p not in paths]
        if not paths:
            raise UsageError("check: no pictures found")
        first = paths[0]
        style = _house_style(args, first if first.is_dir() else first.parent)
        people = people_registry(style, catalogue)
        findings = _run_checks(paths, style, people, catalogue, echo=not args.json)
        failed = 0
        if args.fix:
            fixed = 0
            for item in apply_fixes(findings, catalogue, force=args.force):
                if item.error is not None:
                    error(str(item.error))
                    failed += 1
                else:
                    fixed += 1
                    if not args.json:
                        sys.stdout.write(f"fixed: {item.path}: {', '.join(item.changes)}\n")
            if not args.json:
                sys.stdout.write(f"{fixed} pictures fixed, {failed} failed; checking again\n")
            findings = _run_checks(paths, style, people, catalogue, echo=not args.json)
    finally:
        if catalogue is not None:
            catalogue.close()
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    if args.json:
        print_json(
            {
                "files": len(paths),
                "errors": errors,
                "warnings": warnings,
                "findings": [f.to_json() for f in findings],
            }
        )
    else:
        sys.stdout.write(
            f"{_count(len(paths), 'picture')} checked: {_count(errors, 'error')}, {_count(warnings, 'warning')}\n"
        )
    return EXIT_FAILED if has_errors(findings) or failed else EXIT_OK


def _run_checks(
    paths: Sequence[Path], style: HouseStyle, people: People, catalogue: Catalogue | None, echo: bool
) -> list[Finding]:
    findings: list[Finding] = []
    for _path, found in check_paths(paths, style, people, catalogue):
        findings.extend(found)
        if echo:
            for finding in found:
                sys.stdout.write(finding.line() + "\n")
    return findings


# --- import-article -----------------------------------------------------------------------------------------


def cmd_import_article(args: argparse.Namespace) -> int:
    """Show what the article would write to its pictures; with --apply write it and create the story."""
    article = Path(args.article)
    folder = Path(args.folder)
    entries = parse_article(read_article_text(article), str(article))
    style = _house_style(args, folder)
    catalogue = _catalogue(args)
    try:
        people = people_registry(style, catalogue)
        plan = plan_import(entries, folder, style, people, article=str(article))
        if args.apply and catalogue is None:
            catalogue = _catalogue(args, create=True)
        if args.json and not args.apply:
            print_json(plan.to_json())
            return EXIT_OK
        if not args.json:
            _print_plan(plan)
        if not args.apply:
            sys.stdout.write("Nothing written: add --apply to write these changes.\n")
            return EXIT_OK
        story = args.story or article.stem
        failed = 0
        written = 0
        for outcome in apply_import(plan, catalogue, story, force=args.force):
            if outcome.error:
                error(outcome.error)
                failed += 1
            elif outcome.written:
                written += 1
    finally:
        if catalogue is not None:
            catalogue.close()
    if args.json:
        print_json(plan.to_json())
    else:
        unchanged = len(plan.entries) - written - failed
        sys.stdout.write(
            f"Written: {written} pictures, {unchanged} already up to date, {failed} failed; "
            f"story {story!r} has {len(plan.paths)} pictures in article order.\n"
        )
    return EXIT_FAILED if failed else EXIT_OK


def _show(value: FieldValue) -> str:
    text = "; ".join(value) if isinstance(value, list) else value
    return text if text else "(empty)"


def _print_plan(plan: ImportPlan) -> None:
    out = sys.stdout
    for entry in plan.entries:
        out.write(f"{entry.file}\n")
        if entry.current is not None:
            proposed: dict[str, FieldValue] = {
                "caption": entry.caption,
                "byline": [entry.byline] if entry.byline else [],
            }
            proposed["credit"] = entry.credit
            for key, new in proposed.items():
                old = entry.current.value(key)
                if key in entry.changes:
                    out.write(f"  {key}: {_show(old)} → {_show(new)}\n")
                else:
                    out.write(f"  {key}: {_show(old)} (unchanged)\n")
        for warning in entry.warnings:
            out.write(f"  warning: {warning}\n")
    if plan.unmatched:
        out.write(f"Named in the article but not in {plan.folder}: {', '.join(plan.unmatched)}\n")
    if plan.unused:
        out.write(f"In the folder but not in the article: {', '.join(plan.unused)}\n")
    flagged = sum(1 for e in plan.entries if e.warnings)
    out.write(f"{len(plan.entries)} pictures in the article, {flagged} with warnings.\n")


# --- export -------------------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    """Write the caption sheet of a story or of the given files; exit 1 if some picture could not be read."""
    if bool(args.files) == bool(args.story):
        raise UsageError("export: give either --story NAME or pictures, not both")
    if args.story:
        catalogue = _catalogue(args)
        if catalogue is None:
            raise UsageError(f"no catalogue at {resolve_catalogue_path(args.catalogue)}: no story {args.story!r}")
        try:
            paths = catalogue.story(args.story)
        finally:
            catalogue.close()
    else:
        paths = _expand(args.files)
    if not paths:
        raise UsageError("export: no pictures to export")
    style = _house_style(args, paths[0].parent)
    label = args.credit_label.strip() if args.credit_label else None
    sheet = build_caption_sheet(paths, style, title=args.story or "", label=label or None)
    for line in sheet.errors:
        error(line)
    if args.output:
        export_caption_sheet(sheet, args.format, Path(args.output))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(render(sheet, args.format))
        sys.stdout.buffer.flush()
    return EXIT_FAILED if sheet.errors else EXIT_OK


# --- demo ---------------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    """Create the demo folder and print where it is."""
    from captioner.demo import create_demo

    folder = create_demo(Path(args.folder) if args.folder else None)
    sys.stdout.write(f"{folder}\n")
    return EXIT_OK


def _count(n: int, noun: str) -> str:
    """``1 picture``, ``2 pictures``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
