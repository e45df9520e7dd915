"""Catalogue commands: ``scan``, ``search``, ``history``, ``people`` and ``story``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from captioner.catalogue import Catalogue, CorruptCatalogueError, normalise_path, resolve_catalogue_path, set_aside
from captioner.cli.common import EXIT_FAILED, EXIT_OK, add_command, error, print_json
from captioner.errors import CaptionerError, CatalogueError, UsageError
from captioner.scan import ScanProgress, ScanReport, scan


def register(sub: Any) -> None:
    """Add the catalogue commands to the ``captioner`` parser."""
    p = add_command(sub, "scan", cmd_scan, "index folders into the catalogue (unchanged files are not re-read)")
    p.add_argument("folders", nargs="+", metavar="DIR")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="re-read every file; an unreadable catalogue is set aside and a new one built from the photos",
    )

    p = add_command(sub, "search", cmd_search, "search the catalogue (e.g. 'lễ hội byline:清强 missing:credit')")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--json", action="store_true", help="an array of objects with path and fields")
    p.add_argument("--limit", type=int, default=500, metavar="N", help="at most N results (default 500)")

    p = add_command(sub, "history", cmd_history, "the edit history of a file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="an array of edits")

    people = add_command(sub, "people", cmd_people, "the people registry: photographers and agencies")
    actions = people.add_subparsers(dest="people_action", metavar="ACTION", parser_class=type(people))
    actions.required = True
    p = _action(actions, "add", "register a person or agency, or add aliases to one")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--alias", action="append", default=[], metavar="A", help="another spelling (repeatable)")
    p.add_argument("--role", choices=("photographer", "agency"), default="photographer")
    p = _action(actions, "list", "list the registry")
    p.add_argument("--json", action="store_true", help="an array of {name, role, aliases}")
    p = _action(actions, "remove", "remove a person (by name or alias)")
    p.add_argument("name", metavar="NAME")

    story = add_command(sub, "story", cmd_story, "stories: an article's ordered pictures")
    actions = story.add_subparsers(dest="story_action", metavar="ACTION", parser_class=type(story))
    actions.required = True
    p = _action(actions, "create", "create a story from files, in order")
    p.add_argument("name", metavar="NAME")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--replace", action="store_true", help="replace an existing story of that name")
    p = _action(actions, "add", "add files to a story")
    p.add_argument("name", metavar="NAME")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--at", type=int, metavar="N", help="insert at position N (1 = first; default: at the end)")
    p = _action(actions, "remove", "take files out of a story")
    p.add_argument("name", metavar="NAME")
    p.add_argument("files", nargs="+", metavar="FILE")
    p = _action(actions, "move", "move a file to position N (1 = first)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("file", metavar="FILE")
    p.add_argument("position", type=int, metavar="N")
    p = _action(actions, "list", "list the stories")
    p.add_argument("--json", action="store_true", help="an array of {name, count}")
    p = _action(actions, "show", "a story's pictures in order")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", help="an array of {position, path, fields}")
    p = _action(actions, "delete", "delete a story (its pictures stay catalogued)")
    p.add_argument("name", metavar="NAME")


def _action(actions: Any, name: str, help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
    parser.add_argument(
        "--catalogue", metavar="PATH", default=argparse.SUPPRESS, help="catalogue file (as for the command)"
    )
    return parser


def _open(args: argparse.Namespace) -> Catalogue:
    return Catalogue.open(resolve_catalogue_path(args.catalogue))


def _open_existing(args: argparse.Namespace) -> Catalogue:
    path = resolve_catalogue_path(args.catalogue)
    catalogue = Catalogue.open_existing(path)
    if catalogue is None:
        raise CatalogueError(f"{path}: no catalogue yet; `captioner scan DIR…` creates it")
    return catalogue


# scan


def cmd_scan(args: argparse.Namespace) -> int:
    """Index the folders; exit 1 when some files could not be read (they are recorded with their error)."""
    for folder in args.folders:
        if not Path(folder).is_dir():
            raise UsageError(f"{folder}: no such folder")
    path = resolve_catalogue_path(args.catalogue)
    if args.rebuild:
        catalogue, aside = Catalogue.open_for_rebuild(path)
    else:
        catalogue, aside = Catalogue.open(path), None
    try:
        try:
            report = _scan_with_progress(catalogue, args.folders, args.rebuild)
        except CorruptCatalogueError:
            if not args.rebuild:
                raise
            catalogue.close()
            aside = set_aside(path)
            catalogue = Catalogue.open(path)
            report = _scan_with_progress(catalogue, args.folders, True)
    finally:
        catalogue.close()
    if aside is not None:
        error(
            f"{path}: the old catalogue was unreadable; it was moved to {aside} and a new one built from the "
            "photos — its edit history, people registry and stories are lost"
        )
    for _path, reason in report.errors:
        error(reason)
    sys.stdout.write(_summary(report) + "\n")
    return EXIT_FAILED if report.errors else EXIT_OK


def _scan_with_progress(catalogue: Catalogue, folders: list[str], rebuild: bool) -> ScanReport:
    if not sys.stderr.isatty():
        return scan(catalogue, folders, rebuild=rebuild)
    from tqdm import tqdm

    with tqdm(unit="file", file=sys.stderr, leave=False) as bar:

        def progress(p: ScanProgress) -> None:
            if p.done == 0:
                bar.reset(total=p.total)
            else:
                bar.update(1)

        return scan(catalogue, folders, rebuild=rebuild, progress=progress)


def _summary(r: ScanReport) -> str:
    parts = [
        f"{r.seen} pictures: {r.added} added",
        f"{r.updated} re-read",
        f"{r.unchanged} unchanged",
        f"{r.moved} moved",
        f"{r.missing} missing",
        f"{len(r.errors)} unreadable",
    ]
    line = ", ".join(parts)
    if r.outside_edits:
        line += f"; {r.outside_edits} edited outside Captioner (recorded in their history)"
    if r.temp_removed:
        line += f"; {r.temp_removed} leftover temporary files removed"
    return line


# search and history


def cmd_search(args: argparse.Namespace) -> int:
    """Print the photos matching the query: one per line (path, then the caption), or JSON."""
    with _open_existing(args) as catalogue:
        hits = catalogue.search(" ".join(args.query), limit=args.limit)
    if args.json:
        print_json(hits)
        return EXIT_OK
    for hit in hits:
        caption = " ".join(str(hit["fields"].get("caption", "")).split())
        sys.stdout.write(f"{hit['path']}\t{caption}\n" if caption else f"{hit['path']}\n")
    return EXIT_OK


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "(empty)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "(empty)"
    return str(value) if value not in (None, "") else "(empty)"


def cmd_history(args: argparse.Namespace) -> int:
    """Print the file's edits, oldest first."""
    with _open_existing(args) as catalogue:
        edits = catalogue.history(Path(args.file))
    if args.json:
        print_json(edits)
        return EXIT_OK
    if not edits:
        sys.stdout.write(f"{normalise_path(args.file)}: no recorded edits\n")
    for e in edits:
        who = e["user"] or "outside Captioner"
        line = f"{e['when']}  {who}  {e['status']}  {e['field']}: {_show(e['old'])} → {_show(e['new'])}"
        if e["error"]:
            line += f"  ({e['error']})"
        sys.stdout.write(line + "\n")
    return EXIT_OK


# people


def cmd_people(args: argparse.Namespace) -> int:
    """people add | list | remove."""
    if args.people_action == "list":
        catalogue = Catalogue.open_existing(resolve_catalogue_path(args.catalogue))
        people = [] if catalogue is None else catalogue.people()
        if catalogue is not None:
            catalogue.close()
        if args.json:
            print_json(people)
        for person in [] if args.json else people:
            aliases = f" (also {', '.join(person['aliases'])})" if person["aliases"] else ""
            sys.stdout.write(f"{person['name']}\t{person['role']}{aliases}\n")
        return EXIT_OK
    with _open(args) as catalogue:
        if args.people_action == "add":
            catalogue.add_person(args.name, args.alias, args.role)
        else:
            catalogue.remove_person(args.name)
    return EXIT_OK


# stories


def _position(n: int | None) -> int | None:
    if n is None:
        return None
    if n < 1:
        raise UsageError(f"position {n}: positions start at 1")
    return n - 1


def cmd_story(args: argparse.Namespace) -> int:
    """story create | add | remove | move | list | show | delete."""
    action = args.story_action
    files = [Path(f) for f in getattr(args, "files", [])]
    if action in ("list", "show"):
        with _open_existing(args) as catalogue:
            return _story_listing(catalogue, args)
    failed = 0
    if action in ("create", "add"):
        files, failed = _pictures_only(files)
        if failed and not files and action == "add":
            return EXIT_FAILED
    with _open(args) as catalogue:
        if action == "create":
            catalogue.create_story(args.name, files, replace=args.replace)
        elif action == "add":
            catalogue.add_to_story(args.name, files, at=_position(args.at))
        elif action == "remove":
            catalogue.remove_from_story(args.name, files)
        elif action == "move":
            catalogue.move_in_story(args.name, Path(args.file), _position(args.position) or 0)
        else:
            catalogue.delete_story(args.name)
    return EXIT_FAILED if failed else EXIT_OK


def _pictures_only(files: list[Path]) -> tuple[list[Path], int]:
    """The existing files that are pictures Captioner can read; one line on stderr for each that is not."""
    from captioner.reading import read_metadata

    good: list[Path] = []
    failed = 0
    for path in files:
        if not path.exists():
            good.append(path)  # the catalogue refuses a missing file itself (a usage error)
            continue
        try:
            read_metadata(path)
        except CaptionerError as exc:
            error(f"{exc} (not added to the story)")
            failed += 1
            continue
        good.append(path)
    return good, failed


def _story_listing(catalogue: Catalogue, args: argparse.Namespace) -> int:
    if args.story_action == "list":
        stories = catalogue.stories()
        if args.json:
            print_json([{"name": s["name"], "count": s["count"]} for s in stories])
        else:
            for s in stories:
                sys.stdout.write(f"{s['name']}\t{s['count']} pictures\n")
        return EXIT_OK
    pictures = []
    for i, path in enumerate(catalogue.story(args.name), start=1):
        row = catalogue.photo(path)
        pictures.append({"position": i, "path": str(path), "fields": row["fields"] if row else {}})
    if args.json:
        print_json(pictures)
        return EXIT_OK
    for p in pictures:
        caption = " ".join(str(p["fields"].get("caption", "")).split())
        sys.stdout.write(f"{p['position']}\t{p['path']}\t{caption}\n")
    return EXIT_OK
