"""Stories: an article's pictures in order."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from captioner.catalogue.database import CatalogueDatabase, _guarded
from captioner.catalogue.rows import normalise_path, now_utc
from captioner.errors import UsageError


class StoriesMixin(CatalogueDatabase):
    """Stories (part of :class:`~captioner.catalogue.Catalogue`): a picture appears once in a story; positions in
    this API start at 0 (the command line counts from 1)."""

    def _story_id(self, name: str) -> int:
        row = self.conn.execute("SELECT id FROM stories WHERE name = ?", (_story_name(name),)).fetchone()
        if row is None:
            raise UsageError(f"no story {name!r}")
        return int(row[0])

    def _story_photo_ids(self, story_id: int) -> list[int]:
        rows = self.conn.execute("SELECT photo_id FROM story_photos WHERE story_id = ? ORDER BY position", (story_id,))
        return [int(r[0]) for r in rows]

    def _set_story(self, story_id: int, photo_ids: Sequence[int]) -> None:
        conn = self.conn
        conn.execute("DELETE FROM story_photos WHERE story_id = ?", (story_id,))
        conn.executemany(
            "INSERT INTO story_photos(story_id, photo_id, position) VALUES (?, ?, ?)",
            [(story_id, pid, i) for i, pid in enumerate(photo_ids)],
        )

    def _photo_ids(self, paths_: Sequence[Path]) -> list[int]:
        ids: list[int] = []
        for p in paths_:
            path = normalise_path(p)
            if self._row(path) is None and not path.is_file():
                raise UsageError(f"{path}: no such file")
            photo_id = self._ensure_photo(path)
            if photo_id not in ids:
                ids.append(photo_id)
        return ids

    @_guarded
    def create_story(self, name: str, paths: Sequence[Path] = (), replace: bool = False) -> None:
        """Create the story `name` with `paths` in that order; with `replace`, an existing story is emptied first.

        UsageError if the story exists (without `replace`) or a file is neither on disk nor catalogued.
        """
        name = _story_name(name)
        if not name:
            raise UsageError("a story needs a name")
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM stories WHERE name = ?", (name,)).fetchone()
            if row is not None and not replace:
                raise UsageError(f"story {name!r} already exists")
            if row is None:
                cur = conn.execute("INSERT INTO stories(name, created_at) VALUES (?, ?)", (name, now_utc()))
                story_id = int(cur.lastrowid or 0)
            else:
                story_id = int(row[0])
            self._set_story(story_id, self._photo_ids(paths))

    @_guarded
    def add_to_story(self, name: str, paths: Sequence[Path], at: int | None = None) -> None:
        """Insert `paths` into story `name` at index `at` (0 = first; None = at the end). Files already in the
        story move to the new place."""
        with self.transaction():
            story_id = self._story_id(name)
            new = self._photo_ids(paths)
            current = [pid for pid in self._story_photo_ids(story_id) if pid not in new]
            index = len(current) if at is None else max(0, min(at, len(current)))
            self._set_story(story_id, current[:index] + new + current[index:])

    @_guarded
    def remove_from_story(self, name: str, paths: Sequence[Path]) -> None:
        """Take `paths` out of story `name`; UsageError for a file that is not in it."""
        with self.transaction():
            story_id = self._story_id(name)
            current = self._story_photo_ids(story_id)
            for p in paths:
                row = self._row(normalise_path(p))
                if row is None or row["id"] not in current:
                    raise UsageError(f"{normalise_path(p)}: not in story {name!r}")
                current.remove(row["id"])
            self._set_story(story_id, current)

    @_guarded
    def move_in_story(self, name: str, path: Path, to: int) -> None:
        """Move `path` to index `to` (0 = first) in story `name`."""
        with self.transaction():
            story_id = self._story_id(name)
            current = self._story_photo_ids(story_id)
            row = self._row(normalise_path(path))
            if row is None or row["id"] not in current:
                raise UsageError(f"{normalise_path(path)}: not in story {name!r}")
            current.remove(row["id"])
            current.insert(max(0, min(to, len(current))), row["id"])
            self._set_story(story_id, current)

    @_guarded
    def delete_story(self, name: str) -> None:
        """Delete story `name` (its photos stay in the catalogue)."""
        with self.transaction() as conn:
            story_id = self._story_id(name)
            conn.execute("DELETE FROM story_photos WHERE story_id = ?", (story_id,))
            conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))

    @_guarded
    def stories(self) -> list[dict[str, Any]]:
        """Every story by name: name, count (of pictures), created_at."""
        rows = self.conn.execute(
            "SELECT s.name, s.created_at, count(sp.photo_id) AS count FROM stories s "
            "LEFT JOIN story_photos sp ON sp.story_id = s.id GROUP BY s.id ORDER BY s.name"
        )
        return [{"name": r["name"], "count": r["count"], "created_at": r["created_at"]} for r in rows]

    @_guarded
    def story(self, name: str) -> list[Path]:
        """The pictures of story `name` in order; UsageError if there is no such story."""
        story_id = self._story_id(name)
        rows = self.conn.execute(
            "SELECT p.path FROM story_photos sp JOIN photos p ON p.id = sp.photo_id "
            "WHERE sp.story_id = ? ORDER BY sp.position",
            (story_id,),
        )
        return [Path(r[0]) for r in rows]


def _story_name(name: str) -> str:
    """A story's name as stored: NFC (a name typed on macOS arrives decomposed), outer spaces removed."""
    return unicodedata.normalize("NFC", name).strip()
