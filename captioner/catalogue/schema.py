"""The catalogue's schema, versioned with :class:`sqlite_utils.Migrations`: one function per step, never edited
once released (a change is a new step)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from captioner.fields import FIELD_KEYS

if TYPE_CHECKING:
    import sqlite_utils

FTS_COLUMNS: tuple[str, ...] = (*FIELD_KEYS, "name", "folder", "flags")
"""Columns of the full-text table: every field folded, the file name, its folder, and the filter flags."""

MIGRATION_SET = "captioner"


def _m0001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE folders (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, scanned_at TEXT);
        CREATE TABLE photos (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            folder_id INTEGER REFERENCES folders(id),
            name TEXT NOT NULL,
            size INTEGER, mtime_ns INTEGER, sha256 TEXT, fingerprint TEXT,
            width INTEGER, height INTEGER, format TEXT,
            status TEXT NOT NULL DEFAULT 'unscanned',
            error TEXT,
            fields TEXT NOT NULL DEFAULT '{{}}',
            sources TEXT NOT NULL DEFAULT '{{}}',
            conflicts TEXT NOT NULL DEFAULT '[]',
            warnings TEXT NOT NULL DEFAULT '[]',
            languages TEXT NOT NULL DEFAULT '{{}}',
            scanned_at TEXT
        );
        CREATE INDEX photos_fingerprint ON photos(fingerprint);
        CREATE INDEX photos_folder ON photos(folder_id);
        CREATE TABLE edits (
            id INTEGER PRIMARY KEY,
            photo_id INTEGER NOT NULL REFERENCES photos(id),
            path TEXT NOT NULL,
            field TEXT NOT NULL,
            old TEXT, new TEXT,
            at TEXT NOT NULL,
            user TEXT,
            status TEXT NOT NULL,
            error TEXT
        );
        CREATE INDEX edits_photo ON edits(photo_id);
        CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, folded TEXT NOT NULL UNIQUE,
                             role TEXT NOT NULL);
        CREATE TABLE person_aliases (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            alias TEXT NOT NULL, folded TEXT NOT NULL UNIQUE
        );
        CREATE TABLE stories (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
        CREATE TABLE story_photos (
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            photo_id INTEGER NOT NULL REFERENCES photos(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (story_id, photo_id)
        );
        CREATE VIRTUAL TABLE photo_fts USING fts5({", ".join(FTS_COLUMNS)}, tokenize='trigram');
        """
    )


def _m0002_fts_terms(db: sqlite_utils.Database) -> None:
    db.execute("CREATE VIRTUAL TABLE photo_fts_terms USING fts5vocab(photo_fts, 'row')")


def _m0003_inode_ctime(db: sqlite_utils.Database) -> None:
    db.executescript("ALTER TABLE photos ADD COLUMN inode INTEGER; ALTER TABLE photos ADD COLUMN ctime_ns INTEGER;")


_MIGRATION_STEPS = (
    ("0001_initial", _m0001_initial),
    ("0002_fts_terms", _m0002_fts_terms),
    ("0003_inode_ctime", _m0003_inode_ctime),
)
KNOWN_MIGRATIONS = frozenset(name for name, _ in _MIGRATION_STEPS)


@functools.cache
def migrations() -> sqlite_utils.Migrations:
    """The catalogue's schema migrations. sqlite-utils is imported only when a schema needs them, which keeps
    commands that find the schema current quick to start."""
    import sqlite_utils

    registered = sqlite_utils.Migrations(MIGRATION_SET)
    for name, step in _MIGRATION_STEPS:
        registered(name=name)(step)
    return registered
