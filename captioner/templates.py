"""Text templates for batch captioning: the "stationery pad" and code replacements.

A :class:`Template` says, per field, whether it applies (its tick box), the text, and how it combines with the
value already there (replace, prefix, append). Template text may hold variables — ``{filename}``, ``{date}``,
``{byline}``, ``{credit}``, ``{seq}``, ``{folder}`` — expanded per picture.

Code replacements are the newsroom habit of typing ``\\tc\\`` for ``Thanh Cuong``: a tab-separated codes file,
one ``code<TAB>replacement`` a line, as Photo Mechanic and similar tools use.

Qt-free, so the command line and tests use the same logic as the app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from captioner.fields import FIELD_BY_KEY, FieldValue, empty_value

Mode = Literal["replace", "prefix", "append"]
MODES: tuple[Mode, ...] = ("replace", "prefix", "append")
VARIABLES = ("filename", "date", "byline", "credit", "seq", "folder")
LIST_SEPARATOR = ";"
"""Separates the items of a list field (byline, keywords) in template text."""

_VARIABLE = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")


@dataclass
class TemplateField:
    """One row of a template: the tick box, the text and the mode for one field."""

    key: str
    text: str = ""
    mode: Mode = "replace"
    enabled: bool = True


@dataclass
class Template:
    """A named set of field rows; only enabled rows are applied."""

    name: str
    fields: list[TemplateField] = field(default_factory=list)

    def enabled_fields(self) -> list[TemplateField]:
        """The rows whose tick box is on, in field-table order of insertion."""
        return [f for f in self.fields if f.enabled]


@dataclass(frozen=True)
class PictureContext:
    """What the variables of one picture expand to (before the template's own byline / credit apply)."""

    path: Path
    seq: int
    """1-based position of the picture in the selection."""
    values: Mapping[str, FieldValue]
    """The picture's current field values (pending edits included)."""


def expand_variables(text: str, ctx: PictureContext, values: Mapping[str, FieldValue] | None = None) -> str:
    """`text` with each known ``{variable}`` replaced for the picture `ctx`; unknown braces stay as they are.

    `values` overrides ``ctx.values`` (the template's own byline and credit, once applied).
    """
    vals = values if values is not None else ctx.values

    def text_of(key: str) -> str:
        value = vals.get(key, empty_value(key))
        return "; ".join(value) if isinstance(value, list) else value

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "filename":
            return ctx.path.name
        if name == "folder":
            return ctx.path.parent.name
        if name == "seq":
            return str(ctx.seq)
        if name == "date":
            return _display_date(text_of("date_created"))
        return text_of(name)

    return _VARIABLE.sub(sub, text)


def apply_template(template: Template, ctx: PictureContext) -> dict[str, FieldValue]:
    """The changes `template` makes to the picture `ctx`: ``{key: new value}`` for every enabled row.

    Byline and credit rows are applied first, so ``{byline}`` and ``{credit}`` in other rows give the new
    values. List fields take ``;``-separated items; prefix / append add items that are not there yet.
    """
    rows = sorted(template.enabled_fields(), key=lambda r: r.key not in ("byline", "credit"))
    values: dict[str, FieldValue] = dict(ctx.values)
    changes: dict[str, FieldValue] = {}
    for row in rows:
        if row.key not in FIELD_BY_KEY:
            continue
        text = expand_variables(row.text, ctx, values)
        current = values.get(row.key, empty_value(row.key))
        new = (
            _combine_list(current, text, row.mode)
            if FIELD_BY_KEY[row.key].is_list
            else _combine_text(current, text, row.mode)
        )
        values[row.key] = new
        changes[row.key] = new
    return changes


def _combine_text(current: FieldValue, text: str, mode: Mode) -> str:
    cur = "; ".join(current) if isinstance(current, list) else current
    if mode == "prefix":
        return text + cur
    if mode == "append":
        return cur + text
    return text


def _combine_list(current: FieldValue, text: str, mode: Mode) -> list[str]:
    items = split_list(text)
    cur = list(current) if isinstance(current, list) else split_list(current)
    if mode == "replace":
        return items
    extra = [i for i in items if i not in cur]
    return extra + cur if mode == "prefix" else cur + extra


def split_list(text: str) -> list[str]:
    """Items of a list field typed as text: ``"A; B;; C"`` → ``["A", "B", "C"]``."""
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _display_date(value: str) -> str:
    """The date part of an ISO date-time value (``2024-05-01T10:00:00+07:00`` → ``2024-05-01``)."""
    return value.split("T", 1)[0]


def load_templates(path: Path) -> list[Template]:
    """Templates saved in the JSON file `path`; an empty list when it does not exist."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    templates = []
    for item in raw.get("templates", []):
        rows = [
            TemplateField(r["key"], r.get("text", ""), r.get("mode", "replace"), bool(r.get("enabled", True)))
            for r in item.get("fields", [])
            if r.get("key") in FIELD_BY_KEY and r.get("mode", "replace") in MODES
        ]
        templates.append(Template(str(item["name"]), rows))
    return templates


def save_templates(path: Path, templates: Sequence[Template]) -> None:
    """Write `templates` to the JSON file `path` (UTF-8, readable by a person)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"templates": [asdict(t) for t in templates]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


CODE_DELIMITER = "\\"


def parse_codes(text: str) -> dict[str, str]:
    """Code replacements from the text of a codes file: ``code<TAB>replacement`` lines.

    Blank lines and lines starting with ``#`` are skipped, as are lines without a tab.
    """
    codes: dict[str, str] = {}
    for line in text.splitlines():
        line = line.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
            continue
        code, replacement = line.split("\t", 1)
        if code.strip():
            codes[code.strip()] = replacement.strip()
    return codes


def load_codes(path: Path) -> dict[str, str]:
    """Code replacements from the codes file `path` (UTF-8, a BOM allowed)."""
    return parse_codes(Path(path).read_text(encoding="utf-8-sig"))


def expand_codes(text: str, codes: Mapping[str, str], cursor: int | None = None) -> tuple[str, int]:
    """`text` with every ``\\code\\`` of `codes` replaced; returns the new text and the moved `cursor`.

    A code matches exactly, else case-insensitively; an unknown code stays as typed. `cursor` (default: end of
    text) is shifted by the length changes of replacements before it, so typing continues where it was.
    """
    if cursor is None:
        cursor = len(text)
    if CODE_DELIMITER not in text or not codes:
        return text, cursor
    folded = {k.casefold(): v for k, v in codes.items()}
    pattern = re.compile(
        re.escape(CODE_DELIMITER) + r"([^\s" + re.escape(CODE_DELIMITER) + r"]+)" + re.escape(CODE_DELIMITER)
    )
    out: list[str] = []
    pos = 0
    new_cursor = cursor
    for match in pattern.finditer(text):
        code = match.group(1)
        replacement = codes.get(code, folded.get(code.casefold()))
        if replacement is None:
            continue
        out.append(text[pos : match.start()])
        out.append(replacement)
        if match.end() <= cursor:
            new_cursor += len(replacement) - (match.end() - match.start())
        elif match.start() < cursor:
            new_cursor = len("".join(out))
        pos = match.end()
    out.append(text[pos:])
    return "".join(out), new_cursor
