"""Article import: the caption list of an article draft, matched to a folder of pictures and written to them.

An article names each picture on a line of its own (``bna_9336.jpg``) followed by its caption line, which ends
with the credit (``会议概况。图片:Thanh Cuong``); a one-line form ``bna_9336.jpg: caption`` is read too. Text
(UTF-8 or UTF-16) and DOCX drafts are read. :func:`plan_import` works out, per picture, the caption, byline
and credit to write and what is odd about them; nothing is written until :func:`apply_import`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from captioner.errors import CaptionerError, FileOperationError
from captioner.fields import FieldValue
from captioner.housestyle import HouseStyle, People
from captioner.photo import PhotoMetadata

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".png", ".webp", ".heic", ".heif", ".avif"}
    | {".dng", ".cr2", ".cr3", ".nef", ".arw", ".orf", ".rw2", ".raf"}
)
"""File name endings of pictures an article can name."""

_NAME = r"(?:[^\s:：]*[/\\])?(?P<file>[^\s/\\:：]+\.(?:" + "|".join(sorted(s[1:] for s in IMAGE_SUFFIXES)) + r"))"
"""A picture's file name, perhaps after a folder path (only the name is kept)."""
_FILE_LINE = re.compile(rf"^\s*{_NAME}\s*$", re.IGNORECASE)
_ONE_LINE = re.compile(rf"^\s*{_NAME}\s*(?:[:：]|\t)\s*(?P<caption>\S.*?)\s*$", re.IGNORECASE)


class ArticleError(CaptionerError):
    """The article cannot be read or makes no sense (empty, binary, a picture named twice)."""


@dataclass(frozen=True)
class ArticleEntry:
    """One picture named in the article, with its caption line as written."""

    file: str
    """File name as written in the article."""
    caption: str
    """The whole caption line, credit included."""
    line: int
    """Line (paragraph) number of the file name, from 1."""


@dataclass
class ImportEntry:
    """What the import will do to one picture of the article."""

    file: str
    """File name as written in the article."""
    path: Path | None
    """The matching picture in the folder, None when the folder has none."""
    caption: str
    """Caption to write: the article's text ending with the credit in the house format."""
    label: str | None
    """Credit label as written in the article (``图``, ``图片来源``), None when the caption has no credit."""
    credit: str
    """Credit to write: the canonical name when the registry knows the written one."""
    byline: str
    """Photographer to write (canonical name); empty for an agency credit or no credit."""
    warnings: list[str] = field(default_factory=list)
    current: PhotoMetadata | None = None
    """The picture's metadata as read when the plan was made (its stamp guards the write)."""
    changes: dict[str, FieldValue] = field(default_factory=dict)
    """The changes for :func:`captioner.writing.write_fields`, only the fields that differ."""
    written_credit: str | None = None
    """The credit as the article writes it (``清强``)."""

    def to_json(self) -> dict[str, Any]:
        """The entry of the ``import-article --json`` contract."""
        return {
            "file": self.file,
            "caption": self.caption,
            "credit": self.credit,
            "label": self.label,
            "byline": self.byline,
            "warnings": list(self.warnings),
        }


@dataclass
class ImportPlan:
    """An article matched to a folder: per-picture changes in article order, and what did not match."""

    article: str
    folder: Path
    entries: list[ImportEntry]
    unmatched: list[str]
    """Files the article names that the folder does not have."""
    unused: list[str]
    """Pictures of the folder the article does not name."""

    def to_json(self) -> dict[str, Any]:
        """The ``import-article --json`` object."""
        return {
            "entries": [e.to_json() for e in self.entries],
            "unmatched": list(self.unmatched),
            "unused": list(self.unused),
        }

    @property
    def paths(self) -> list[Path]:
        """The matched pictures, in article order: the story."""
        return [e.path for e in self.entries if e.path is not None]


@dataclass
class ImportOutcome:
    """The result of writing one picture of an :class:`ImportPlan`."""

    entry: ImportEntry
    written: bool
    error: str | None = None
    """One-line reason when the picture was not written."""
    result: Any = None
    """The :class:`captioner.writing.WriteResult`, when written."""


def read_article_text(path: Path) -> str:
    """The text of the article at `path`: DOCX paragraphs, or text in UTF-8 / UTF-16 (with a BOM)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{path}: article not found") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read article: {exc.strerror or exc}") from None
    return article_text_from_bytes(data, str(path))


def article_text_from_bytes(data: bytes, name: str = "article") -> str:
    """Decode an article given as bytes (see :func:`read_article_text`)."""
    if data.startswith(b"PK\x03\x04"):
        return _docx_text(data, name)
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    if b"\x00" in data:
        raise ArticleError(f"{name}: a binary file, not a text or DOCX article")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{name}: not UTF-8 text (byte {exc.start}); save the article as UTF-8 text or DOCX"
        ) from None


def _docx_text(data: bytes, name: str) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArticleError(f"{name}: not a readable DOCX file ({exc})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            lines.append("\t".join(dict.fromkeys(c for c in cells if c)))
    return "\n".join(lines)


def parse_article(text: str, name: str = "article") -> list[ArticleEntry]:
    """The pictures of an article in article order; raises :class:`ArticleError` when it names none."""
    entries: list[ArticleEntry] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    pending: tuple[str, int] | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        file_line = _FILE_LINE.match(line)
        if file_line:
            if pending:
                entries.append(ArticleEntry(pending[0], "", pending[1]))
            pending = (file_line.group("file"), number)
            continue
        if pending:
            entries.append(ArticleEntry(pending[0], line, pending[1]))
            pending = None
            continue
        one_line = _ONE_LINE.match(line)
        if one_line:
            entries.append(ArticleEntry(one_line.group("file"), one_line.group("caption"), number))
    if pending:
        entries.append(ArticleEntry(pending[0], "", pending[1]))
    if not entries:
        raise ArticleError(
            f"{name}: no pictures found (expected a file-name line such as bna_9336.jpg followed by its caption)"
        )
    return entries


def duplicate_files(entries: Sequence[ArticleEntry]) -> list[str]:
    """One line per file the article names more than once (file names compared without case)."""
    seen: dict[str, list[ArticleEntry]] = {}
    for entry in entries:
        seen.setdefault(entry.file.casefold(), []).append(entry)
    return [
        f"{same[0].file} is named {len(same)} times in the article (lines {', '.join(str(e.line) for e in same)})"
        for same in seen.values()
        if len(same) > 1
    ]


def folder_pictures(folder: Path) -> list[Path]:
    """The pictures directly inside `folder`, sorted by name."""
    try:
        return sorted(
            (p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
            key=lambda p: p.name,
        )
    except FileNotFoundError:
        raise ArticleError(f"{folder}: folder not found") from None
    except NotADirectoryError:
        raise ArticleError(f"{folder}: not a folder") from None


def plan_import(
    entries: Sequence[ArticleEntry],
    folder: Path,
    style: HouseStyle,
    people: People,
    reader: Callable[[Path], PhotoMetadata] | None = None,
    article: str = "article",
) -> ImportPlan:
    """Match the article's pictures to `folder` and work out what to write; nothing is written.

    Raises :class:`ArticleError` when the article names a picture twice. `reader` reads a picture's current
    metadata (default :func:`captioner.reading.read_metadata`).
    """
    duplicates = duplicate_files(entries)
    if duplicates:
        raise ArticleError(f"{article}: " + "; ".join(duplicates))
    if reader is None:
        from captioner.reading import read_metadata

        reader = read_metadata
    pictures = {p.name.casefold(): p for p in folder_pictures(folder)}
    planned = [
        _plan_entry(entry, pictures.get(entry.file.casefold()), folder, style, people, reader) for entry in entries
    ]
    named = {e.file.casefold() for e in entries}
    return ImportPlan(
        article=article,
        folder=Path(folder),
        entries=planned,
        unmatched=[e.file for e in planned if e.path is None],
        unused=[p.name for key, p in pictures.items() if key not in named],
    )


def _plan_entry(
    entry: ArticleEntry,
    path: Path | None,
    folder: Path,
    style: HouseStyle,
    people: People,
    reader: Callable[[Path], PhotoMetadata],
) -> ImportEntry:
    split = style.split_credit(entry.caption)
    warnings: list[str] = []
    credit = byline = ""
    if not entry.caption:
        warnings.append("no caption follows the file name; the picture is left as it is")
    elif split.credit is None:
        warnings.append("the caption does not end with a credit (label:name); only the caption is written")
    else:
        credit = byline = split.credit
        canonical = people.resolve(split.credit)
        if canonical is None:
            if people:
                warnings.append(f"{split.credit} is not in the people registry")
        else:
            credit = byline = canonical
            if canonical != split.credit:
                warnings.append(f"{split.credit} is an alias of {canonical}; {canonical} will be written")
            if any(p.name == canonical and p.role == "agency" for p in people):
                byline = ""
        if split.label and split.label.casefold() != style.credit_label.casefold():
            house_credit = style.format_caption("", credit).strip()
            warnings.append(
                f"label {split.label}: is not the house style's {style.credit_label}: (written as {house_credit})"
            )
    caption = style.format_caption(split.body, credit)
    planned = ImportEntry(
        file=entry.file,
        path=path,
        caption=caption,
        label=split.label,
        credit=credit,
        byline=byline,
        warnings=warnings,
        written_credit=split.credit,
    )
    if path is None:
        warnings.append(f"not found in {folder}")
        return planned
    try:
        planned.current = reader(path)
    except FileOperationError as exc:
        warnings.append(f"cannot read: {exc.reason}")
        return planned
    proposed: dict[str, FieldValue] = {"caption": caption} if caption else {}
    if split.credit is not None:
        proposed["credit"] = credit
        if byline:
            proposed["byline"] = [byline]
    planned.changes = {k: v for k, v in proposed.items() if planned.current.value(k) != v}
    return planned


def apply_import(
    plan: ImportPlan,
    catalogue: Any = None,
    story: str | None = None,
    force: bool = False,
    skip: Collection[Path] = (),
) -> Iterator[ImportOutcome]:
    """Write the plan's changes through the safe write, yielding one outcome per picture in article order.

    Pictures whose values already match, and those in `skip` (unticked in the app), are not written. Each
    write is recorded in `catalogue` (when given); once every picture is done, story `story` is created or
    replaced with all the plan's pictures in article order.
    """
    from captioner.writing import WriteJob, write_batch

    to_write = [e for e in plan.entries if e.path is not None and e.current is not None]
    to_write = [e for e in to_write if e.changes and e.path not in skip]
    jobs = [WriteJob(e.path, e.changes, e.current.stamp) for e in to_write if e.path and e.current]
    writing = {id(e) for e in to_write}
    batch = write_batch(jobs, force=force)
    for entry in plan.entries:
        if entry.path is None:
            yield ImportOutcome(entry, written=False, error=f"{entry.file}: not found in {plan.folder}")
        elif entry.current is None:
            yield ImportOutcome(entry, written=False, error=f"{entry.path}: {'; '.join(entry.warnings)}")
        elif id(entry) not in writing:
            yield ImportOutcome(entry, written=False)
        else:
            item = next(batch)
            error = str(item.error) if item.error is not None else None
            _record(catalogue, entry, item.result, error)
            yield ImportOutcome(entry, written=error is None, error=error, result=item.result)
    if catalogue is not None and story:
        catalogue.create_story(story, plan.paths, replace=True)


def _record(catalogue: Any, entry: ImportEntry, result: Any, error: str | None) -> None:
    if catalogue is None or entry.path is None:
        return
    before = result.before if result is not None else entry.current
    after = result.after if result is not None else None
    catalogue.record_write(entry.path, entry.changes, before, after, error)
