"""Photos in the catalogue: storing what a scan or a write read, moves, missing files, and the edit history."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from captioner.catalogue.database import CatalogueDatabase, _guarded, login_name
from captioner.catalogue.rows import (
    _INSERT_FTS,
    _UPSERT_PHOTO,
    Entry,
    PreparedPhoto,
    _dumps,
    _photo_dict,
    normalise_path,
    now_utc,
    prepare_photo,
)
from captioner.errors import UsageError
from captioner.fields import FIELD_KEYS, empty_value
from captioner.photo import PhotoMetadata

if TYPE_CHECKING:
    from captioner.writing import BatchItem

_ENTRY_COLUMNS = "id, path, size, mtime_ns, sha256, status, ctime_ns"


class PhotosMixin(CatalogueDatabase):
    """Photos and their history (part of :class:`~captioner.catalogue.Catalogue`)."""

    @_guarded
    def upsert_photo(
        self, meta: PhotoMetadata, fingerprint: str | None = None, record_outside_edits: bool = False
    ) -> bool:
        """Store what was read from a file (its content `fingerprint` is taken from the file when not given).

        With `record_outside_edits`, fields that differ from the stored values of a previously read file are
        recorded in its history as changed outside Captioner; returns whether there were any.
        """
        return self.store_prepared(prepare_photo(meta, fingerprint), record_outside_edits)

    @_guarded
    def store_prepared(self, photo: PreparedPhoto, record_outside_edits: bool = False) -> bool:
        """:meth:`upsert_photo` for a photo prepared with :func:`prepare_photo`."""
        return self.store_prepared_many([photo], record_outside_edits)[0]

    @_guarded
    def store_prepared_many(self, photos: Sequence[PreparedPhoto], record_outside_edits: bool = False) -> list[bool]:
        """Store many prepared photos in one transaction (the scan's path: its workers prepare them).

        Returns, per photo, whether fields changed outside Captioner were recorded in its history.
        """
        outside = [False] * len(photos)
        paths = [p.path for p in photos]
        with self.transaction() as conn:
            old_rows = self._rows_by_path(paths, "id, path, status, fields")
            when = now_utc()
            for i, photo in enumerate(photos):
                old = old_rows.get(photo.path)
                if record_outside_edits and old is not None and old["status"] == "ok":
                    outside[i] = self._record_outside(old["id"], photo, json.loads(old["fields"]), when)
            conn.executemany(
                _UPSERT_PHOTO, [(p.path, self._folder_id(Path(p.folder)), *p.columns, when) for p in photos]
            )
            ids = {path: row["id"] for path, row in self._rows_by_path(paths, "id, path").items()}
            # All photo rows first, then all full-text rows: interleaving the two makes FTS5 several times slower.
            conn.executemany("DELETE FROM photo_fts WHERE rowid = ?", [(row["id"],) for row in old_rows.values()])
            conn.executemany(_INSERT_FTS, [(ids[p.path], *p.fts) for p in photos])
        return outside

    def _rows_by_path(self, paths: Sequence[str], columns: str) -> dict[str, Any]:
        """Rows of the photos at `paths` (stored form) that exist, keyed by path; `columns` must include path."""
        found: dict[str, Any] = {}
        for start in range(0, len(paths), 500):
            chunk = paths[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT {columns} FROM photos WHERE path IN ({marks})", chunk):
                found[row["path"]] = row
        return found

    def known_fingerprints(self, fingerprints: Sequence[str]) -> set[str]:
        """Which of `fingerprints` some catalogued photo has (a scan asks before looking for moved files)."""
        found: set[str] = set()
        for start in range(0, len(fingerprints), 500):
            chunk = list(fingerprints[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT DISTINCT fingerprint FROM photos WHERE fingerprint IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    def _record_outside(self, photo_id: int, photo: PreparedPhoto, old_fields: Mapping[str, Any], when: str) -> bool:
        changed = False
        for key in FIELD_KEYS:
            before = old_fields.get(key, empty_value(key))
            after = photo.fields.get(key, empty_value(key))
            if before != after:
                changed = True
                self.conn.execute(
                    "INSERT INTO edits(photo_id, path, field, old, new, at, user, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, NULL, 'outside')",
                    (photo_id, photo.path, key, _dumps(before), _dumps(after), when),
                )
        return changed

    @_guarded
    def record_read_error(
        self,
        path: Path,
        error: str,
        size: int | None = None,
        mtime_ns: int | None = None,
        ctime_ns: int | None = None,
    ) -> None:
        """Record that `path` could not be read (its stored fields are kept, its status becomes ``error``); the
        stamp lets the next scan skip it while it stays unchanged."""
        path = normalise_path(path)
        with self.transaction() as conn:
            photo_id = self._ensure_photo(path)
            conn.execute(
                "UPDATE photos SET status = 'error', error = ?, size = ?, mtime_ns = ?, ctime_ns = ?, inode = NULL, "
                "scanned_at = ? WHERE id = ?",
                (error, size, mtime_ns, ctime_ns, now_utc(), photo_id),
            )
            row = conn.execute("SELECT fields, conflicts FROM photos WHERE id = ?", (photo_id,)).fetchone()
            self._write_fts(photo_id, path, "error", json.loads(row[0]), json.loads(row[1]))

    @_guarded
    def move_photo(self, old: Path, new: Path) -> None:
        """Give the row of `old` the path `new`, keeping its id, history and story places (a moved file)."""
        old, new = normalise_path(old), normalise_path(new)
        with self.transaction() as conn:
            row = self._row(old)
            if row is None:
                raise UsageError(f"{old}: not in the catalogue")
            clash = self._row(new)
            if clash is not None:
                conn.execute("UPDATE edits SET photo_id = ? WHERE photo_id = ?", (row["id"], clash["id"]))
                conn.execute(
                    "UPDATE OR IGNORE story_photos SET photo_id = ? WHERE photo_id = ?", (row["id"], clash["id"])
                )
                conn.execute("DELETE FROM story_photos WHERE photo_id = ?", (clash["id"],))
                conn.execute("DELETE FROM photo_fts WHERE rowid = ?", (clash["id"],))
                conn.execute("DELETE FROM photos WHERE id = ?", (clash["id"],))
            conn.execute(
                "UPDATE photos SET path = ?, name = ?, folder_id = ? WHERE id = ?",
                (str(new), new.name, self._folder_id(new.parent), row["id"]),
            )
            self._write_fts(row["id"], new, row["status"], json.loads(row["fields"]), json.loads(row["conflicts"]))

    @_guarded
    def mark_missing(self, paths_: Sequence[Path]) -> int:
        """Mark files that are no longer on disk as ``missing`` (history kept); returns how many changed."""
        changed = 0
        with self.transaction() as conn:
            for p in paths_:
                row = self._row(normalise_path(p))
                if row is None or row["status"] == "missing":
                    continue
                conn.execute("UPDATE photos SET status = 'missing' WHERE id = ?", (row["id"],))
                self._write_fts(row["id"], Path(row["path"]), "missing", {}, [])
                changed += 1
        return changed

    @_guarded
    def photo(self, path: Path) -> dict[str, Any] | None:
        """The stored row of `path`: fields (dict), sources, conflicts, warnings, stamp (FileStamp), status, …"""
        row = self._row(normalise_path(path))
        return None if row is None else _photo_dict(row)

    @_guarded
    def entries_under(self, folder: Path) -> dict[str, Entry]:
        """Stored state of every photo in `folder` and its subfolders, keyed by path string."""
        prefix = str(normalise_path(folder)).rstrip(os.sep) + os.sep
        rows = self.conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM photos WHERE path > ? AND path < ?",
            (prefix, prefix[:-1] + chr(ord(os.sep) + 1)),
        )
        return {r["path"]: Entry(*r) for r in rows}

    @_guarded
    def entry(self, path: Path) -> Entry | None:
        """Stored state of one file (absolute, resolved path), or None when it is not catalogued."""
        r = self.conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM photos WHERE path = ?", (str(path),)).fetchone()
        return None if r is None else Entry(*r)

    @_guarded
    def moved_from(self, content_fingerprint: str, new_path: Path) -> Path | None:
        """A catalogued file with this content fingerprint that is no longer on disk: where `new_path` (absolute,
        resolved) came from."""
        rows = self.conn.execute(
            "SELECT path, name FROM photos WHERE fingerprint = ? AND path != ? ORDER BY status = 'missing' DESC, id",
            (content_fingerprint, str(new_path)),
        ).fetchall()
        gone = [Path(r["path"]) for r in rows if not os.path.lexists(r["path"])]
        same_name = [p for p in gone if p.name == new_path.name]
        candidates = same_name or gone
        return candidates[0] if candidates else None

    @_guarded
    def mark_folder_scanned(self, folder: Path) -> None:
        """Remember that `folder` was scanned now."""
        folder = normalise_path(folder)
        with self.transaction() as conn:
            self._folder_id(folder)
            conn.execute("UPDATE folders SET scanned_at = ? WHERE path = ?", (now_utc(), str(folder)))

    @_guarded
    def photos_in(self, folder: Path) -> list[dict[str, Any]]:
        """The catalogued photos directly in `folder` (not its subfolders), by file name, as :meth:`photo` gives
        them."""
        rows = self.conn.execute(
            "SELECT p.* FROM photos p JOIN folders f ON f.id = p.folder_id WHERE f.path = ? ORDER BY p.name",
            (str(normalise_path(folder)),),
        )
        return [_photo_dict(r) for r in rows]

    @_guarded
    def folders(self) -> list[dict[str, Any]]:
        """Scanned folders: path and when they were last scanned."""
        rows = self.conn.execute("SELECT path, scanned_at FROM folders WHERE scanned_at IS NOT NULL ORDER BY path")
        return [dict(r) for r in rows]

    @_guarded
    def count(self, status: str | None = None) -> int:
        """Number of photos in the catalogue, or of those with `status` (``ok``, ``error``, ``missing``, …)."""
        if status is None:
            return int(self.conn.execute("SELECT count(*) FROM photos").fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM photos WHERE status = ?", (status,)).fetchone()[0])

    # history

    @_guarded
    def record_batch_item(self, item: BatchItem) -> None:
        """Record one outcome of :func:`captioner.writing.write_batch`, written or failed (not a failure on a
        path that is no file at all: there is nothing whose history it would be)."""
        result = item.result
        if result is None and not os.path.isfile(item.path):
            return
        self.record_write(
            item.path,
            item.changes,
            result.before if result else None,
            result.after if result else None,
            str(item.error) if item.error else None,
        )

    def record_write(
        self,
        path: Path,
        changes: Mapping[str, object],
        before: PhotoMetadata | None,
        after: PhotoMetadata | None,
        error: str | None,
        user: str | None = None,
    ) -> None:
        """Record one write of `changes` to `path`: one edit row per field, ``written`` or ``failed`` (with `error`).

        `before` / `after` are the file's metadata read before and after the write (None when unknown); the old
        value falls back to the catalogue's stored value. When `after` is given the photo row is updated to it.
        """
        path = normalise_path(path)
        user = user or login_name()
        status = "failed" if error else "written"
        when = now_utc()
        with self.transaction() as conn:
            row = self._row(path)
            stored = json.loads(row["fields"]) if row is not None else {}
            photo_id = int(row["id"]) if row is not None else self._ensure_photo(path)
            for key, requested in changes.items():
                old = before.value(key) if before is not None else stored.get(key)
                if after is not None and not error:
                    new: object = after.value(key)
                else:
                    new = empty_value(key) if requested is None else requested
                conn.execute(
                    "INSERT INTO edits(photo_id, path, field, old, new, at, user, status, error) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (photo_id, str(path), key, _dumps(old), _dumps(new), when, user, status, error),
                )
            if after is not None:
                self.upsert_photo(after)

    @_guarded
    def history(self, path: Path) -> list[dict[str, Any]]:
        """Edits of the file at `path`, oldest first: field, old, new, when, user, status, error, path (at the time)."""
        row = self._row(normalise_path(path))
        if row is None:
            return []
        rows = self.conn.execute(
            "SELECT field, old, new, at, user, status, error, path FROM edits WHERE photo_id = ? ORDER BY id",
            (row["id"],),
        )
        return [
            {
                "field": r["field"],
                "old": json.loads(r["old"]) if r["old"] is not None else None,
                "new": json.loads(r["new"]) if r["new"] is not None else None,
                "when": r["at"],
                "user": r["user"],
                "status": r["status"],
                "error": r["error"],
                "path": r["path"],
            }
            for r in rows
        ]

    # search

    @_guarded
    def trigrams_starting_with(self, prefix: str, limit: int = 256, budget_s: float = 0.005) -> list[str] | None:
        """The indexed trigrams that begin with `prefix` (folded, one or two characters), or None when there are
        more than `limit` of them or listing them takes longer than `budget_s` (the prefix is then common, and
        the search scans with LIKE instead, which finds enough rows early)."""
        deadline = time.perf_counter() + budget_s
        conn = self.conn
        conn.set_progress_handler(lambda: time.perf_counter() > deadline, 20)
        try:
            rows = conn.execute(
                "SELECT term FROM photo_fts_terms WHERE term >= ? AND term < ? LIMIT ?",
                (prefix, prefix + "\U0010ffff", limit + 1),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc):
                raise
            return None
        finally:
            conn.set_progress_handler(None, 0)
        return None if len(rows) > limit else [r[0] for r in rows]
