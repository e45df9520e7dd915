"""The house style: how the desk wants credits written, which fields are required, who the photographers are.

Stored as TOML (``housestyle.toml``) in the user config folder, or next to the pictures (the demo folder ships
one). Settings are passed in: nothing here is read at import time.
"""

from __future__ import annotations

import json
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from captioner.errors import CaptionerError
from captioner.fields import FIELD_BY_KEY
from captioner.paths import config_dir
from captioner.textfold import fold_name

FILE_NAME = "housestyle.toml"

SEVERITIES = ("error", "warning", "info", "off")
"""How much a finding matters; ``off`` turns a check off."""

BUILTIN_LABELS: tuple[str, ...] = (
    "图片",
    "图",
    "图片来源",
    "摄影",
    "摄",
    "Ảnh",
    "Photo",
    "Photo by",
    "Credit",
)
"""Credit labels recognised in every caption and article, whatever the house style says."""

DEFAULT_REQUIRED: dict[str, str] = {
    "caption": "error",
    "credit": "error",
    "byline": "warning",
    "copyright": "warning",
}

DEFAULT_SEVERITY: dict[str, str] = {
    "label": "warning",
    "alias": "warning",
    "unknown_person": "warning",
    "credit_mismatch": "error",
    "iim_truncated": "warning",
    "conflict": "warning",
    "stale_digest": "warning",
    "legacy_charset": "warning",
    "changed_on_disk": "warning",
    "unreadable": "error",
}
"""Severity of each check (the ``code`` of a :class:`captioner.checks.Finding`)."""


class HouseStyleError(CaptionerError):
    """The house style file cannot be read or says something impossible."""


@dataclass(frozen=True)
class Person:
    """A photographer or agency of the people registry, with the other spellings of the name."""

    name: str
    """Canonical name: the one written into files."""
    aliases: tuple[str, ...] = ()
    """Other spellings or scripts (``清强``, ``Thanh Cường``)."""
    role: str = "photographer"
    """``photographer`` or ``agency``."""


class People:
    """Names of the people registry, resolved to their canonical spelling.

    Matching ignores case and diacritics (``Thanh Cường`` = ``thanh cuong``) and knows every alias (``清强``).
    """

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self._people: dict[str, Person] = {}
        self._by_fold: dict[str, str] = {}
        for person in people:
            self.add(person)

    def add(self, person: Person) -> None:
        """Register `person`; a person already registered under the same name gains the new aliases."""
        old = self._people.get(person.name)
        if old is not None:
            aliases = tuple(dict.fromkeys((*old.aliases, *person.aliases)))
            person = replace(old, aliases=aliases)
        self._people[person.name] = person
        for spelling in (person.name, *person.aliases):
            self._by_fold.setdefault(fold_name(spelling), person.name)

    def __bool__(self) -> bool:
        return bool(self._people)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._people.values())

    def __len__(self) -> int:
        return len(self._people)

    def resolve(self, name: str) -> str | None:
        """The canonical name for `name` (itself, an alias or a variant spelling), or None if unknown."""
        return self._by_fold.get(fold_name(name))


@dataclass(frozen=True)
class CreditLine:
    """A caption split into its text and the credit written at its end (``…会议概况。图片:Thanh Cuong``)."""

    body: str
    """The caption without the credit."""
    label: str | None = None
    """The label as written (``图片``, ``图``, ``Photo``), None when the caption ends with no credit."""
    credit: str | None = None
    """The name after the label, as written."""


@dataclass(frozen=True)
class HouseStyle:
    """How the desk writes credits and what a publishable picture must carry."""

    credit_label: str = "图片"
    """The label the desk wants before the credit (``图片``, ``Photo``, ``Ảnh``)."""
    credit_format: str = "{caption}{label}:{credit}"
    """How a caption ends with its credit."""
    label_variants: tuple[str, ...] = ()
    """Further labels to recognise, beyond :data:`BUILTIN_LABELS`."""
    required: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_REQUIRED))
    """Field key → severity when the field is empty."""
    severity: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    """Check code → severity (``off`` disables the check)."""
    people: tuple[Person, ...] = ()
    """Seed of the people registry."""

    def labels(self) -> tuple[str, ...]:
        """Every recognised credit label, longest first (so ``图片来源`` wins over ``图``)."""
        labels = dict.fromkeys((self.credit_label, *self.label_variants, *BUILTIN_LABELS))
        return tuple(sorted((lb for lb in labels if lb), key=len, reverse=True))

    def severity_of(self, code: str) -> str:
        """Severity of check `code`, ``warning`` for a check the file does not mention."""
        return self.severity.get(code, DEFAULT_SEVERITY.get(code, "warning"))

    def split_credit(self, caption: str) -> CreditLine:
        """Split `caption` into its text and the ``label:credit`` at its end (ASCII or full-width colon)."""
        match = _credit_regex(self.labels()).search(caption)
        if not match or not match.group("credit").strip():
            return CreditLine(caption.strip())
        return CreditLine(caption[: match.start()].rstrip(), match.group("label"), match.group("credit").strip())

    def format_caption(self, caption: str, credit: str, label: str | None = None) -> str:
        """`caption` ending with `credit` in the house credit format (just `caption` without a credit)."""
        if not credit:
            return caption
        return self.credit_format.format(caption=caption, label=label or self.credit_label, credit=credit)


_LATIN = re.compile(r"[A-Za-z]")
_regex_cache: dict[tuple[str, ...], re.Pattern[str]] = {}


def _credit_regex(labels: tuple[str, ...]) -> re.Pattern[str]:
    """Regex for ``[(]label: credit[)]`` at the end of a caption; Latin labels must start a word."""
    pattern = _regex_cache.get(labels)
    if pattern is None:
        alts = []
        for label in labels:
            escaped = re.escape(label).replace(r"\ ", r"\s+")
            alts.append(rf"(?<![^\W\d_]){escaped}" if _LATIN.match(label) else escaped)
        pattern = re.compile(
            rf"[(（]?\s*(?P<label>{'|'.join(alts)})\s*[:：]\s*(?P<credit>[^:：\n]*?)\s*[)）]?\s*$",
            re.IGNORECASE,
        )
        _regex_cache[labels] = pattern
    return pattern


def default_path() -> Path:
    """Where the user's house style lives: ``housestyle.toml`` in the user config folder."""
    return config_dir() / FILE_NAME


def find_house_style(folder: Path | None = None, explicit: Path | None = None) -> Path | None:
    """The house style file to use: `explicit`, else one in `folder`, else the user's, else None."""
    if explicit is not None:
        return explicit
    candidates = ([Path(folder) / FILE_NAME] if folder is not None else []) + [default_path()]
    return next((p for p in candidates if p.is_file()), None)


def load_house_style(path: Path | None) -> HouseStyle:
    """Read the house style at `path`; None gives the built-in defaults."""
    if path is None:
        return HouseStyle()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HouseStyleError(f"{path}: house style not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HouseStyleError(f"{path}: cannot read house style: {exc}") from None
    return parse_house_style(data, source=str(path))


def parse_house_style(data: Mapping[str, Any], source: str = "house style") -> HouseStyle:
    """Build a :class:`HouseStyle` from parsed TOML, checking every value."""

    def fail(message: str) -> HouseStyleError:
        return HouseStyleError(f"{source}: {message}")

    base = HouseStyle()
    label = data.get("credit_label", base.credit_label)
    fmt = data.get("credit_format", base.credit_format)
    if not isinstance(label, str) or not label.strip():
        raise fail("credit_label must be a non-empty string")
    if not isinstance(fmt, str):
        raise fail("credit_format must be a string")
    names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    if not {"caption", "credit"} <= names or not names <= {"caption", "label", "credit"}:
        raise fail("credit_format must use {caption} and {credit}, and may use {label}, nothing else")
    variants = data.get("label_variants", [])
    if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
        raise fail("label_variants must be a list of strings")

    required = dict(DEFAULT_REQUIRED)
    for key, sev in _table(data, "required", fail).items():
        if key not in FIELD_BY_KEY:
            raise fail(f"required: unknown field {key!r}")
        required[key] = _severity(sev, f"required.{key}", fail)
    severity = dict(DEFAULT_SEVERITY)
    for code, sev in _table(data, "severity", fail).items():
        if code not in DEFAULT_SEVERITY:
            raise fail(f"severity: unknown check {code!r} (known: {', '.join(DEFAULT_SEVERITY)})")
        severity[code] = _severity(sev, f"severity.{code}", fail)

    people = []
    raw_people = data.get("people", [])
    if not isinstance(raw_people, list):
        raise fail("people must be an array of tables ([[people]])")
    for entry in raw_people:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise fail("every [[people]] entry needs a name")
        aliases = entry.get("aliases", [])
        role = entry.get("role", "photographer")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise fail(f"people {name!r}: aliases must be a list of strings")
        if role not in ("photographer", "agency"):
            raise fail(f"people {name!r}: role must be photographer or agency")
        people.append(Person(name.strip(), tuple(a.strip() for a in aliases if a.strip()), role))

    return HouseStyle(
        credit_label=label.strip(),
        credit_format=fmt,
        label_variants=tuple(v.strip() for v in variants if v.strip()),
        required=required,
        severity=severity,
        people=tuple(people),
    )


def _table(data: Mapping[str, Any], name: str, fail: Any) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise fail(f"[{name}] must be a table")
    return value


def _severity(value: Any, where: str, fail: Any) -> str:
    if value not in SEVERITIES:
        raise fail(f"{where} must be one of {', '.join(SEVERITIES)}")
    return str(value)


def _toml_str(value: str) -> str:
    # A JSON string without ASCII escaping is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def dump_house_style(style: HouseStyle) -> str:
    """The house style as TOML text, with comments saying what each setting does."""
    lines = [
        "# Captioner house style: how the desk writes credits and what a picture must carry.",
        "",
        "# The label written before the photographer's name at the end of a caption.",
        f"credit_label = {_toml_str(style.credit_label)}",
        "# How a caption ends with its credit: {caption}, {label} and {credit}.",
        f"credit_format = {_toml_str(style.credit_format)}",
        "# Further labels to recognise in captions and articles.",
        f"# Always recognised: {', '.join(BUILTIN_LABELS)}.",
        f"label_variants = {_toml_list(style.label_variants)}",
        "",
        "# Fields a publishable picture must have, and how bad a missing one is (error, warning, info, off).",
        "[required]",
        *(f"{key} = {_toml_str(sev)}" for key, sev in style.required.items()),
        "",
        "# Severity of each check (error, warning, info, off).",
        "[severity]",
        *(f"{code} = {_toml_str(sev)}" for code, sev in style.severity.items()),
    ]
    if style.people:
        lines += ["", "# The people registry seed: canonical name, other spellings, role."]
    for person in style.people:
        lines += [
            "",
            "[[people]]",
            f"name = {_toml_str(person.name)}",
            f"aliases = {_toml_list(person.aliases)}",
            f"role = {_toml_str(person.role)}",
        ]
    return "\n".join(lines) + "\n"


def save_house_style(style: HouseStyle, path: Path | None = None) -> Path:
    """Write `style` as TOML to `path` (default: the user's house style file) and return the path."""
    path = Path(path) if path is not None else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_house_style(style), encoding="utf-8")
    tmp.replace(path)
    return path


def people_registry(style: HouseStyle, catalogue: Any = None) -> People:
    """The people registry: the catalogue's people (when a catalogue is given) plus the house style's seed."""
    people = People()
    if catalogue is not None:
        for row in catalogue.people():
            people.add(Person(row["name"], tuple(row.get("aliases", ())), row.get("role", "photographer")))
    for person in style.people:
        people.add(person)
    return people
