"""Credit checks before publishing: what is missing, misspelt, inconsistent or damaged in a picture's metadata.

Each :class:`Finding` names the file, the field, a severity (from the house style), a one-line message and a
suggested fix; when the fix is certain (a canonical name for an alias, the house label) it also carries the
changes that apply it, ready for :func:`captioner.writing.write_fields`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from captioner.errors import FileOperationError
from captioner.fields import FieldValue
from captioner.fields import field as field_info
from captioner.housestyle import HouseStyle, People
from captioner.photo import FileStamp, PhotoMetadata
from captioner.textfold import fold_name

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem with one picture."""

    path: Path
    field: str | None
    """Field key the finding is about; None for the whole file."""
    severity: str
    """``error``, ``warning`` or ``info``."""
    code: str
    """Which check: ``missing``, ``alias``, ``unknown_person``, ``label``, ``credit_mismatch``, ``iim_truncated``,
    ``conflict``, ``stale_digest``, ``legacy_charset``, ``changed_on_disk``, ``unreadable``."""
    message: str
    fix: str | None = None
    """The suggested fix, in words."""
    fix_changes: dict[str, FieldValue] | None = None
    """Changes that apply the fix when it is certain (for :func:`captioner.writing.write_fields`)."""
    stamp: FileStamp | None = dataclasses.field(default=None, compare=False, repr=False)
    """The file's stamp when it was checked: a fix is refused if the file changed since."""

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON object (``check --json``)."""
        return {
            "path": str(self.path),
            "field": self.field,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "fix_changes": self.fix_changes,
        }

    def line(self) -> str:
        """The finding as one line of text: ``path: severity: field: message (fix: …)``."""
        where = f"{self.field}: " if self.field else ""
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{self.path}: {self.severity}: {where}{self.message}{fix}"


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error (``captioner check`` then exits 1)."""
    return any(f.severity == "error" for f in findings)


def check_metadata(
    meta: PhotoMetadata, style: HouseStyle, people: People, catalogued: FileStamp | None = None
) -> list[Finding]:
    """Every finding for one picture, most severe first. `catalogued` is the stamp the catalogue holds."""
    found = _Findings(meta.path, style, meta.stamp)
    _check_required(meta, style, found)
    _check_names(meta, style, people, found)
    _check_caption_credit(meta, style, people, found)
    _check_sources(meta, found)
    if catalogued is not None and not catalogued.matches(meta.stamp):
        found.add(
            "changed_on_disk",
            None,
            "changed on disk since it was catalogued",
            "rescan the folder (captioner scan) so the catalogue and history see the change",
        )
    return sorted(found.items, key=lambda f: SEVERITY_ORDER.get(f.severity, 3))


def check_paths(
    paths: Sequence[Path],
    style: HouseStyle,
    people: People,
    catalogue: Any = None,
    reader: Callable[[Path], PhotoMetadata] | None = None,
) -> Iterator[tuple[Path, list[Finding]]]:
    """Check each picture in turn, yielding its findings (an unreadable file gives one ``unreadable`` error).

    With a `catalogue`, a file whose content differs from what was catalogued is reported.
    """
    if reader is None:
        from captioner.reading import read_metadata

        reader = read_metadata
    for path in paths:
        try:
            meta = reader(Path(path))
        except FileOperationError as exc:
            found = _Findings(Path(path), style)
            found.add("unreadable", None, f"cannot read: {exc.reason}")
            yield Path(path), found.items
            continue
        stamp = None
        if catalogue is not None:
            row = catalogue.photo(Path(path))
            stamp = row.get("stamp") if row else None
        yield Path(path), check_metadata(meta, style, people, stamp)


def certain_fixes(findings: Iterable[Finding]) -> dict[Path, dict[str, FieldValue]]:
    """The changes of every certain fix, merged per file (fixes of one field agree, so merging is safe)."""
    fixes: dict[Path, dict[str, FieldValue]] = {}
    for finding in findings:
        if finding.fix_changes:
            fixes.setdefault(finding.path, {}).update(finding.fix_changes)
    return fixes


def apply_fixes(findings: Sequence[Finding], catalogue: Any = None, force: bool = False) -> Iterator[Any]:
    """Write the certain fixes of `findings` through the safe write, one :class:`~captioner.writing.BatchItem`
    per file; a file changed since it was checked is refused unless `force`. Writes are recorded in
    `catalogue` when given."""
    from captioner.writing import WriteJob, write_batch

    stamps = {f.path: f.stamp for f in findings}
    jobs = [WriteJob(path, changes, stamps.get(path)) for path, changes in certain_fixes(findings).items()]
    for item in write_batch(jobs, force=force):
        if catalogue is not None:
            catalogue.record_batch_item(item)
        yield item


class _Findings:
    """Collects findings for one file, taking each check's severity from the house style."""

    def __init__(self, path: Path, style: HouseStyle, stamp: FileStamp | None = None) -> None:
        self.path = path
        self.style = style
        self.stamp = stamp
        self.items: list[Finding] = []

    def add(
        self,
        code: str,
        key: str | None,
        message: str,
        fix: str | None = None,
        fix_changes: dict[str, FieldValue] | None = None,
        severity: str | None = None,
    ) -> None:
        severity = severity or self.style.severity_of(code)
        if severity != "off":
            self.items.append(Finding(self.path, key, severity, code, message, fix, fix_changes, self.stamp))


def _check_required(meta: PhotoMetadata, style: HouseStyle, found: _Findings) -> None:
    byline = meta.value("byline")
    for key, severity in style.required.items():
        if meta.value(key):
            continue
        fix = f"write a {field_info(key).label.lower()}"
        if key == "credit" and byline:
            fix = f"write the byline {'; '.join(byline)} as credit"
        found.add("missing", key, f"no {field_info(key).label.lower()}", fix, severity=severity)


def _names(value: FieldValue) -> list[str]:
    return [value] if isinstance(value, str) and value else list(value) if isinstance(value, list) else []


def _check_names(meta: PhotoMetadata, style: HouseStyle, people: People, found: _Findings) -> None:
    """Alias and unknown names in the byline and credit fields."""
    for key in ("byline", "credit"):
        names = _names(meta.value(key))
        canonical = [people.resolve(n) for n in names]
        for name, canon in zip(names, canonical, strict=True):
            if canon is None:
                if people:
                    found.add(
                        "unknown_person",
                        key,
                        f"{name} is not in the people registry",
                        f"check the spelling, or register the name (captioner people add {name!r})",
                    )
            elif canon != name:
                fixed = [c or n for n, c in zip(names, canonical, strict=True)]
                value: FieldValue = list(dict.fromkeys(fixed)) if key == "byline" else fixed[0]
                found.add("alias", key, f"{name} is an alias of {canon}", f"write {canon}", {key: value})


def _canonical(name: str, people: People) -> str:
    return fold_name(people.resolve(name) or name)


def _check_caption_credit(meta: PhotoMetadata, style: HouseStyle, people: People, found: _Findings) -> None:
    """The credit at the end of the caption: its label, its spelling, and whether it names the photographer."""
    caption = meta.value("caption")
    if not isinstance(caption, str) or not caption:
        return
    split = style.split_credit(caption)
    if split.credit is None:
        return
    canon = people.resolve(split.credit)
    written = canon or split.credit
    fixed_caption = style.format_caption(split.body, written)
    if split.label and split.label.casefold() != style.credit_label.casefold():
        found.add(
            "label",
            "caption",
            f"credit label {split.label}: is not the house style's {style.credit_label}:",
            f"end the caption with {style.format_caption('', written).strip()}",
            {"caption": fixed_caption},
        )
    elif caption.strip() != style.format_caption(split.body, split.credit).strip():
        house = style.format_caption(split.body, split.credit)[len(split.body) :].strip()
        found.add(
            "label",
            "caption",
            f"the credit is not written in the house format ({house})",
            f"end the caption with {style.format_caption('', written).strip()}",
            {"caption": fixed_caption},
        )
    if canon is not None and canon != split.credit:
        found.add(
            "alias",
            "caption",
            f"the caption credits {split.credit}, an alias of {canon}",
            f"end the caption with {style.format_caption('', canon).strip()}",
            {"caption": fixed_caption},
        )
    elif canon is None and people:
        found.add("unknown_person", "caption", f"the caption credits {split.credit}, who is not in the people registry")
    byline = _names(meta.value("byline"))
    if byline and _canonical(split.credit, people) not in {_canonical(b, people) for b in byline}:
        found.add(
            "credit_mismatch",
            "caption",
            f"the caption credits {split.credit} but the byline is {'; '.join(byline)}",
            "make the caption's credit and the byline name the same photographer",
        )


def _check_sources(meta: PhotoMetadata, found: _Findings) -> None:
    """Damage the metadata engine reports: values cut in IIM, sources disagreeing, stale digest, old charsets."""
    for key in meta.iim_truncated:
        f = field_info(key)
        found.add(
            "iim_truncated",
            key,
            f"cut to fit IIM's {f.iim_max} bytes; programs that read only IIM show the shorter text",
            "shorten the text",
        )
    for key in meta.conflicts:
        values = ", ".join(f"{src} {_show(v)}" for src, v in meta.sources.get(key, {}).items() if v is not None)
        found.add(
            "conflict",
            key,
            f"IIM, XMP and EXIF disagree ({values})",
            "choose the right value and save it, which writes it to all three",
        )
    if meta.digest == "stale":
        found.add(
            "stale_digest",
            None,
            "the IPTC digest is stale: the IIM values were changed by a program that did not update XMP",
            "check the fields and save the picture, which makes the digest current",
        )
    if meta.iim_charset not in (None, "utf-8", "utf-8?"):
        found.add(
            "legacy_charset",
            None,
            f"IIM text is in a legacy character set ({meta.iim_charset}), not UTF-8",
            "save the picture, which rewrites IIM as UTF-8",
        )


def _show(value: FieldValue | None) -> str:
    text = "; ".join(value) if isinstance(value, list) else str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")
