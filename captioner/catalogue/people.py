"""The people registry: photographers and agencies under every spelling of their name."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from captioner.catalogue.database import CatalogueDatabase, _guarded
from captioner.errors import UsageError
from captioner.textfold import fold_name

ROLES = ("photographer", "agency")


class PeopleMixin(CatalogueDatabase):
    """The people registry (part of :class:`~captioner.catalogue.Catalogue`). A name or alias matches after NFC,
    case and diacritic folding, so ``Thanh Cường``, ``thanh cuong`` and a registered ``清强`` are one person."""

    def _person_id(self, name: str) -> int | None:
        key = fold_name(name)
        row = self.conn.execute(
            "SELECT id FROM people WHERE folded = ? UNION ALL SELECT person_id FROM person_aliases WHERE folded = ?",
            (key, key),
        ).fetchone()
        return None if row is None else int(row[0])

    @_guarded
    def add_person(self, name: str, aliases: Sequence[str] = (), role: str = "photographer") -> None:
        """Register `name` (or add `aliases` to it and set its role if it is already registered).

        Raises UsageError for an unknown role or an alias that already belongs to someone else.
        """
        name = _tidy(name)
        if not name:
            raise UsageError("a person needs a name")
        if role not in ROLES:
            raise UsageError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        with self.transaction() as conn:
            person_id = self._person_id(name)
            if person_id is None:
                cur = conn.execute(
                    "INSERT INTO people(name, folded, role) VALUES (?, ?, ?)", (name, fold_name(name), role)
                )
                person_id = int(cur.lastrowid or 0)
            else:
                conn.execute("UPDATE people SET role = ? WHERE id = ?", (role, person_id))
            for alias in aliases:
                alias = _tidy(alias)
                if not alias:
                    continue
                owner = self._person_id(alias)
                if owner == person_id:
                    continue
                if owner is not None:
                    other = conn.execute("SELECT name FROM people WHERE id = ?", (owner,)).fetchone()[0]
                    raise UsageError(f"alias {alias!r} already belongs to {other}")
                conn.execute(
                    "INSERT INTO person_aliases(person_id, alias, folded) VALUES (?, ?, ?)",
                    (person_id, alias, fold_name(alias)),
                )

    @_guarded
    def remove_person(self, name: str) -> None:
        """Remove the person `name` (or whose alias `name` is) with all their aliases; UsageError if unknown."""
        with self.transaction() as conn:
            person_id = self._person_id(name)
            if person_id is None:
                raise UsageError(f"no person {name!r} in the people registry")
            conn.execute("DELETE FROM person_aliases WHERE person_id = ?", (person_id,))
            conn.execute("DELETE FROM people WHERE id = ?", (person_id,))

    @_guarded
    def people(self) -> list[dict[str, Any]]:
        """The people registry, by name: name, role, aliases (in the order they were added)."""
        aliases: dict[int, list[str]] = {}
        for r in self.conn.execute("SELECT person_id, alias FROM person_aliases ORDER BY id"):
            aliases.setdefault(r[0], []).append(r[1])
        rows = self.conn.execute("SELECT id, name, role FROM people ORDER BY folded")
        return [{"name": r["name"], "role": r["role"], "aliases": aliases.get(r["id"], [])} for r in rows]

    @_guarded
    def resolve_person(self, name: str) -> str | None:
        """The registered name `name` stands for (matched after NFC, case and diacritic folding), or None."""
        person_id = self._person_id(name)
        if person_id is None:
            return None
        return str(self.conn.execute("SELECT name FROM people WHERE id = ?", (person_id,)).fetchone()[0])

    @_guarded
    def person_names(self, name: str) -> list[str]:
        """Every spelling of the person `name` resolves to (registered name first, then aliases); ``[name]`` if
        the name is not registered."""
        person_id = self._person_id(name)
        if person_id is None:
            return [name]
        first = self.conn.execute("SELECT name FROM people WHERE id = ?", (person_id,)).fetchone()[0]
        rest = self.conn.execute("SELECT alias FROM person_aliases WHERE person_id = ? ORDER BY id", (person_id,))
        return [first, *(r[0] for r in rest)]


def _tidy(name: str) -> str:
    """A name as stored and shown: NFC, single spaces."""
    return " ".join(unicodedata.normalize("NFC", name).split())
