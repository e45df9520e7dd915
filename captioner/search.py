"""The catalogue's search language: free text plus field filters in the style of Photo Mechanic catalogs.

A query is words and ``"quoted phrases"`` (all must match, anywhere in a photo's fields or file name) and
filters: ``byline:清强`` / ``credit:"Báo Nghệ An"`` (any field key: the value appears in that field; a
registered person or agency matches under every spelling), ``missing:credit``, ``conflict:caption`` and
``folder:…`` (a folder on disk, with its subfolders, or part of a folder path). Matching is on folded text
(:func:`captioner.textfold.fold`), so ``Nguyen`` finds ``Nguyễn``. Terms of three or more characters use the FTS5
trigram index. Shorter ones (one or two Chinese characters) are looked up through the index too, as the set of
indexed trigrams they begin (every indexed text ends in padding, so every occurrence begins one); when that set
is large (a single Latin letter) they fall back to ``LIKE``. Everything the user types is text: FTS5 syntax
characters (``"``, ``*``, ``AND``, ``(``) are never interpreted.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from captioner.errors import UsageError
from captioner.fields import FIELD_KEYS
from captioner.textfold import fold

if TYPE_CHECKING:
    import sqlite3


class Searchable(Protocol):
    """What a search needs from the catalogue (:class:`captioner.catalogue.Catalogue` is one)."""

    @property
    def conn(self) -> sqlite3.Connection: ...

    def person_names(self, name: str) -> list[str]: ...

    def trigrams_starting_with(self, prefix: str, limit: int = 256) -> list[str] | None: ...


FLAG_FILTERS = ("missing", "conflict")
FILTER_KEYS = frozenset((*FIELD_KEYS, *FLAG_FILTERS, "folder"))
TEXT_COLUMNS: tuple[str, ...] = (*FIELD_KEYS, "name")
"""Full-text columns free text is looked for in (every field and the file name; not the folder)."""
PEOPLE_KEYS = frozenset(("byline", "credit", "source"))
"""Filters whose value is expanded to every registered spelling of the person or agency it names."""
MIN_TRIGRAM = 3

_TOKEN = re.compile(r'(?:(?P<key>\w+):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>\S+))')


@dataclass(frozen=True)
class Term:
    """One part of a query: free text (`key` None) or a filter ``key:value``."""

    key: str | None
    value: str


def parse_query(query: str) -> list[Term]:
    """Split `query` into terms. ``key:value`` is a filter only for a known key; anything else is text."""
    terms: list[Term] = []
    for m in _TOKEN.finditer(query):
        key, value = m["key"], m["quoted"] if m["quoted"] is not None else m["bare"]
        if key is not None and key.lower() not in FILTER_KEYS:
            value, key = f"{key}:{value}", None
        if value.strip():
            terms.append(Term(key.lower() if key else None, value.strip()))
    return terms


def _phrase(text: str) -> str:
    """`text` as an FTS5 string: every character literal."""
    return '"' + text.replace('"', '""') + '"'


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Query:
    """Collects the FTS5 expression and the extra SQL conditions of one search."""

    def __init__(self, catalogue: Searchable | None) -> None:
        self.catalogue = catalogue
        self.match: list[str] = []
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def _expand(self, needle: str) -> list[str] | None:
        """The trigrams a short needle can start (every occurrence starts one: texts end in padding), or None
        when it is better scanned for with LIKE (a common prefix, such as one Latin letter, whose rows come early)."""
        if self.catalogue is None:
            return None
        return self.catalogue.trigrams_starting_with(needle)

    def substring(self, columns: tuple[str, ...], needles: list[str]) -> None:
        """Rows where any of `needles` (folded) is in any of `columns`."""
        needles = list(dict.fromkeys(n for n in needles if n))
        if not needles:
            return
        colspec = "{" + " ".join(columns) + "}"
        long = [n for n in needles if len(n) >= MIN_TRIGRAM]
        short = []
        for n in (n for n in needles if len(n) < MIN_TRIGRAM):
            trigrams = self._expand(n)
            if trigrams is None:
                short.append(n)
            else:
                long += trigrams
        if not long and not short:
            self.conditions.append("0")
            return
        expression = f"{colspec} : ({' OR '.join(_phrase(n) for n in long)})" if long else ""
        if not short:
            self.match.append(expression)
            return
        # The unary + keeps SQLite from handing a short pattern to the trigram index, which (3.40) finds
        # nothing for patterns under three characters but over three bytes, such as two Chinese characters.
        alternatives = [f"+f.{c} LIKE ? ESCAPE '\\'" for n in short for c in columns]
        self.params.extend(_like(n) for n in short for _ in columns)
        if expression:
            alternatives.append("f.rowid IN (SELECT rowid FROM photo_fts WHERE photo_fts MATCH ?)")
            self.params.append(expression)
        self.conditions.append("(" + " OR ".join(alternatives) + ")")


def build_query(catalogue: Searchable | None, query: str) -> tuple[str, list[Any]]:
    """The SQL ``WHERE`` clause (over ``photo_fts f`` joined with ``photos p``) and its parameters for `query`."""
    q = _Query(catalogue)
    for term in parse_query(query):
        if term.key is None:
            q.substring(TEXT_COLUMNS, [fold(term.value)])
        elif term.key in FIELD_KEYS:
            names = [term.value]
            if catalogue is not None and term.key in PEOPLE_KEYS:
                names = catalogue.person_names(term.value)
            q.substring((term.key,), [fold(n) for n in names])
        elif term.key in FLAG_FILTERS:
            key = term.value.lower()
            if key not in FIELD_KEYS:
                raise UsageError(f"unknown field {term.value!r} in {term.key}: (known: {', '.join(FIELD_KEYS)})")
            q.match.append("{flags} : " + _phrase(f"|{term.key}:{key}|"))
        else:
            folder = Path(term.value).expanduser()
            if folder.is_dir():
                prefix = str(folder.resolve()).rstrip(os.sep) + os.sep
                q.conditions.append("p.path > ? AND p.path < ?")
                q.params.extend([prefix, prefix[:-1] + chr(ord(os.sep) + 1)])
            else:
                q.substring(("folder", "name"), [fold(term.value)])
    where = ["p.status = 'ok'"]
    params: list[Any] = []
    if q.match:
        where.insert(0, "f.photo_fts MATCH ?")
        params.append(" AND ".join(q.match))
    where += q.conditions
    params += q.params
    return " AND ".join(where), params


def run_search(catalogue: Searchable, query: str, limit: int = 500) -> list[dict[str, Any]]:
    """Photos in `catalogue` matching `query`, in catalogue order: ``[{"path": …, "fields": {…}}]``."""
    where, params = build_query(catalogue, query)
    sql = (
        "SELECT p.path, p.fields FROM photo_fts f JOIN photos p ON p.id = f.rowid "
        f"WHERE {where} ORDER BY f.rowid LIMIT ?"
    )
    rows = catalogue.conn.execute(sql, [*params, limit])
    return [{"path": r[0], "fields": json.loads(r[1])} for r in rows]
