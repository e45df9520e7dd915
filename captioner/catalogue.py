"""The catalogue: a SQLite index of the photos plus what cannot be rebuilt from them (edit history, people, stories).

The files are the truth. Everything about a photo here is what the last scan or write read from it, and can be
rebuilt by rescanning; the edit history, the people registry and the stories cannot. The schema is versioned with
:class:`sqlite_utils.Migrations`; the file is in WAL mode with a busy timeout, and every thread gets its own
connection, so the app's workers and a ``captioner scan`` in a terminal can share one catalogue.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from captioner.errors import CatalogueError, UsageError
from captioner.fields import FIELD_KEYS, empty_value
from captioner.photo import FileStamp, PhotoMetadata
from captioner.textfold import fold, fold_name

if TYPE_CHECKING:
    import sqlite_utils

ENV_VAR = "CAPTIONER_CATALOGUE"
DEFAULT_NAME = "catalogue.sqlite"
BUSY_TIMEOUT_S = 30.0
"""How long a connection waits for another process's write lock before giving up."""
ROLES = ("photographer", "agency")
FTS_COLUMNS: tuple[str, ...] = (*FIELD_KEYS, "name", "folder", "flags")
"""Columns of the full-text table: every field folded, the file name, its folder, and the filter flags."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


class CorruptCatalogueError(CatalogueError):
    """The catalogue file is not a readable SQLite database; ``captioner scan --rebuild`` replaces it."""


def resolve_catalogue_path(arg: str | os.PathLike[str] | None) -> Path:
    """Where the catalogue is: `arg` (``--catalogue``), else ``$CAPTIONER_CATALOGUE``, else the user data folder."""
    chosen = arg or os.environ.get(ENV_VAR)
    if not chosen:
        from captioner import paths  # platformdirs, only when it is needed

        chosen = paths.data_dir() / DEFAULT_NAME
    return Path(chosen).expanduser().absolute()


def normalise_path(path: str | os.PathLike[str]) -> Path:
    """The form a photo path is stored in: absolute, symlinks resolved."""
    return Path(path).expanduser().resolve()


def login_name() -> str:
    """The user recorded with an edit: the login name, or ``unknown`` when the system cannot tell."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


FINGERPRINT_SPAN = 16 * 1024


def fingerprint(path: str | os.PathLike[str]) -> str:
    """Content fingerprint that recognises a moved file: SHA-256 of its size and its first and last 16 KiB.

    Cheaper than hashing the whole file, and it covers both the metadata (at the start of a JPEG) and the end
    of the image data, so two different pictures do not share it.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        digest = hashlib.sha256(str(size).encode())
        digest.update(fh.read(FINGERPRINT_SPAN))
        if size > FINGERPRINT_SPAN:
            fh.seek(max(FINGERPRINT_SPAN, size - FINGERPRINT_SPAN))
            digest.update(fh.read(FINGERPRINT_SPAN))
    return digest.hexdigest()


def set_aside(path: Path) -> Path:
    """Rename an unreadable catalogue (and its WAL files) to ``NAME.corrupt-TIME`` and return the new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            os.replace(extra, aside.with_name(aside.name + suffix))
    return aside


def now_utc() -> str:
    """The current time as recorded in the catalogue: UTC, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fingerprint_or_none(path: Path) -> str | None:
    try:
        return fingerprint(path)
    except OSError:
        return None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _fold_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "\n".join(fold(str(v)) for v in value)
    if isinstance(value, dict):
        return "\n".join(fold(str(v)) for v in value.values())
    return fold(str(value)) if value else ""


# --- schema -------------------------------------------------------------------------------------------------

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


_MIGRATION_STEPS = (("0001_initial", _m0001_initial), ("0002_fts_terms", _m0002_fts_terms))
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


# --- rows ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the catalogue remembers of a file's state on disk, for the scan to decide whether to re-read it."""

    id: int
    path: str
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    status: str


_PHOTO_JSON = ("fields", "sources", "conflicts", "warnings", "languages")


def _photo_dict(row: sqlite3.Row) -> dict[str, Any]:
    photo = dict(row)
    for key in _PHOTO_JSON:
        photo[key] = json.loads(photo[key])
    has_stamp = photo["size"] is not None and photo["mtime_ns"] is not None
    photo["stamp"] = FileStamp(photo["size"], photo["mtime_ns"], photo["sha256"]) if has_stamp else None
    return photo


def _flags(status: str, fields: Mapping[str, Any], conflicts: Sequence[str]) -> str:
    """The filter flags of a photo as text the trigram index can find: ``|missing:credit|conflict:caption|``."""
    if status != "ok":
        return f"|{status}|"
    flags = [f"missing:{k}" for k in FIELD_KEYS if not fields.get(k)]
    flags += [f"conflict:{k}" for k in conflicts]
    return "|" + "|".join(flags) + "|"


def _guarded(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn SQLite's exceptions in a public method into CatalogueError with a one-line reason."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            catalogue = args[0]
            raise _translate(getattr(catalogue, "path", Path("?")), exc) from exc

    return wrapper


def _translate(path: Path, exc: sqlite3.Error) -> CatalogueError:
    message = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
        return CatalogueError(f"{path}: catalogue is busy: another program held it locked for too long")
    if isinstance(exc, sqlite3.OperationalError) and "unable to open" in message:
        return CatalogueError(f"{path}: cannot open catalogue: {message}")
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
        return CatalogueError(f"{path}: catalogue: {message}")
    return CorruptCatalogueError(
        f"{path}: catalogue is unreadable ({message}); `captioner scan --rebuild DIR…` builds a new one from the "
        "photos, but the edit history, people and stories in this file are lost"
    )


_UPSERT_PHOTO = """
    INSERT INTO photos(path, folder_id, name, size, mtime_ns, sha256, fingerprint, width, height, format,
                       status, error, fields, sources, conflicts, warnings, languages, scanned_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(path) DO UPDATE SET
        folder_id = excluded.folder_id, name = excluded.name, size = excluded.size, mtime_ns = excluded.mtime_ns,
        sha256 = excluded.sha256, fingerprint = excluded.fingerprint, width = excluded.width,
        height = excluded.height, format = excluded.format, status = 'ok', error = NULL, fields = excluded.fields,
        sources = excluded.sources, conflicts = excluded.conflicts, warnings = excluded.warnings,
        languages = excluded.languages, scanned_at = excluded.scanned_at
    RETURNING id
"""
_INSERT_FTS = (
    f"INSERT INTO photo_fts(rowid, {', '.join(FTS_COLUMNS)}) VALUES ({', '.join('?' * (len(FTS_COLUMNS) + 1))})"
)


END_PAD = "\x1f\x1f"
"""Appended to every searchable text in the full-text table, so that each character, even the last two of a
value, starts a trigram: a one- or two-character query is then found through the index (see
:meth:`Catalogue.trigrams_starting_with`)."""


def _padded(text: str) -> str:
    return text + END_PAD if text else ""


def _fts_values(path: Path, status: str, fields: Mapping[str, Any], conflicts: Sequence[str]) -> tuple[str, ...]:
    values = [_padded(_fold_value(fields.get(k))) for k in FIELD_KEYS]
    names = (_padded(fold(path.name)), _padded(fold(str(path.parent))))
    return (*values, *names, _flags(status, fields, conflicts))


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo's row made ready to store: JSON encoded and its search text folded (work a scan's worker
    processes do, so the process writing the catalogue only runs SQL)."""

    path: str
    folder: str
    fields: dict[str, Any]
    columns: tuple[Any, ...]
    """name, size, mtime_ns, sha256, fingerprint, width, height, format and the JSON columns, in table order."""
    fts: tuple[str, ...]


def prepare_photo(meta: PhotoMetadata, fingerprint: str | None = None, normalised: bool = False) -> PreparedPhoto:
    """Prepare `meta` for :meth:`Catalogue.store_prepared`; the fingerprint is taken from the file if not given.

    `normalised` says ``meta.path`` is already absolute with symlinks resolved (as the scan's paths are).
    """
    path = Path(meta.path) if normalised else normalise_path(meta.path)
    if fingerprint is None:
        fingerprint = _fingerprint_or_none(path)
    fields = {k: meta.fields.get(k, empty_value(k)) for k in FIELD_KEYS}
    columns = (
        path.name,
        meta.stamp.size,
        meta.stamp.mtime_ns,
        meta.stamp.sha256,
        fingerprint,
        meta.width,
        meta.height,
        meta.format,
        _dumps(fields),
        _dumps(meta.sources),
        _dumps(list(meta.conflicts)),
        _dumps(list(meta.warnings)),
        _dumps(meta.languages),
    )
    return PreparedPhoto(str(path), str(path.parent), fields, columns, _fts_values(path, "ok", fields, meta.conflicts))


# --- the catalogue ------------------------------------------------------------------------------------------


class Catalogue:
    """One catalogue file. Safe to share between threads: each thread gets its own SQLite connection."""

    def __init__(self, path: Path) -> None:
        """Use :meth:`open` or :meth:`open_existing`; this only records where the file is."""
        self.path = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # connection and schema

    @classmethod
    def open(cls, path: Path) -> Catalogue:
        """Open the catalogue at `path`, creating and migrating it as needed.

        Raises CatalogueError for a catalogue written by a newer Captioner, CorruptCatalogueError for a file that is
        not a readable catalogue.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue = cls(path)
        try:
            catalogue._migrate()
        except BaseException:
            catalogue.close()
            raise
        return catalogue

    @classmethod
    def open_for_rebuild(cls, path: Path) -> tuple[Catalogue, Path | None]:
        """Open the catalogue at `path` to rebuild it; a file that is not a readable catalogue is first moved
        aside (returned as the second value) and a new, empty one created in its place."""
        try:
            return cls.open(path), None
        except CorruptCatalogueError:
            aside = set_aside(Path(path))
            return cls.open(path), aside

    @classmethod
    def open_existing(cls, path: Path) -> Catalogue | None:
        """Open the catalogue at `path` if the file exists, else None (``captioner set`` then leaves it alone)."""
        return cls.open(path) if Path(path).is_file() else None

    def close(self) -> None:
        """Close every connection this catalogue opened, in any thread."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's SQLite connection (opened on first use in each thread)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise CatalogueError(f"{self.path}: catalogue cannot use WAL mode (journal mode {mode})")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as exc:
                conn.close()
                raise _translate(self.path, exc) from exc
            except BaseException:
                conn.close()
                raise
            with self._lock:
                self._connections.append(conn)
            self._local.conn = conn
            self._local.db = None
            self._local.depth = 0
            self._local.folder_ids = {}
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection wrapped by sqlite-utils."""
        conn = self.conn
        if self._local.db is None:
            import sqlite_utils

            self._local.db = sqlite_utils.Database(conn, execute_plugins=False)
        db: sqlite_utils.Database = self._local.db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with ``BEGIN IMMEDIATE`` (so concurrent writers queue instead of failing).

        Nested uses join the outer transaction.
        """
        conn = self.conn
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._local.folder_ids = {}
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    def _migrate(self) -> None:
        try:
            applied = self._applied()
            self._refuse_newer(applied)
            if applied >= KNOWN_MIGRATIONS:
                return
            with self.transaction():
                self._refuse_newer(self._applied())
                migrations().apply(self.db)
        except sqlite3.Error as exc:
            raise _translate(self.path, exc) from exc

    def _applied(self) -> set[str]:
        """Names of the migrations applied to this file (read directly: no sqlite-utils import needed)."""
        has_table = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if not has_table:
            return set()
        rows = self.conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,))
        return {r[0] for r in rows}

    def _refuse_newer(self, applied: set[str]) -> None:
        newer = sorted(applied - KNOWN_MIGRATIONS)
        if newer:
            raise CatalogueError(
                f"{self.path}: catalogue was written by a newer version of Captioner (schema {newer[-1]}); "
                "upgrade Captioner to use it"
            )

    @_guarded
    def schema_version(self) -> str:
        """Name of the last schema migration applied to this file."""
        row = self.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid DESC LIMIT 1", (MIGRATION_SET,)
        ).fetchone()
        return str(row[0]) if row else ""

    # photos

    def _folder_id(self, folder: Path) -> int:
        key = str(folder)
        cache: dict[str, int] = self._local.folder_ids
        if key not in cache:
            conn = self.conn
            conn.execute("INSERT OR IGNORE INTO folders(path) VALUES (?)", (key,))
            cache[key] = int(conn.execute("SELECT id FROM folders WHERE path = ?", (key,)).fetchone()[0])
        return cache[key]

    def _row(self, path: Path) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM photos WHERE path = ?", (str(path),)).fetchone()

    def _write_fts(
        self, photo_id: int, path: Path, status: str, fields: Mapping[str, Any], conflicts: Sequence[str]
    ) -> None:
        conn = self.conn
        conn.execute("DELETE FROM photo_fts WHERE rowid = ?", (photo_id,))
        conn.execute(_INSERT_FTS, (photo_id, *_fts_values(path, status, fields, conflicts)))

    def _ensure_photo(self, path: Path) -> int:
        """Id of the photo row for `path`, adding an ``unscanned`` row (filled in by the next scan) if there is none."""
        row = self._row(path)
        if row is not None:
            return int(row["id"])
        cur = self.conn.execute(
            "INSERT INTO photos(path, folder_id, name, status) VALUES (?, ?, ?, 'unscanned')",
            (str(path), self._folder_id(path.parent), path.name),
        )
        photo_id = int(cur.lastrowid or 0)
        self._write_fts(photo_id, path, "unscanned", {}, [])
        return photo_id

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
        with self.transaction() as conn:
            old_rows = [
                conn.execute("SELECT id, status, fields FROM photos WHERE path = ?", (p.path,)).fetchone()
                for p in photos
            ]
            when = now_utc()
            for i, (photo, old) in enumerate(zip(photos, old_rows, strict=True)):
                if record_outside_edits and old is not None and old["status"] == "ok":
                    outside[i] = self._record_outside(old["id"], photo, json.loads(old["fields"]), when)
            # All photo rows first, then all full-text rows: interleaving the two makes FTS5 several times slower.
            ids = [
                conn.execute(_UPSERT_PHOTO, (p.path, self._folder_id(Path(p.folder)), *p.columns, when)).fetchone()[0]
                for p in photos
            ]
            conn.executemany(
                "DELETE FROM photo_fts WHERE rowid = ?",
                [(pid,) for pid, old in zip(ids, old_rows, strict=True) if old is not None],
            )
            conn.executemany(_INSERT_FTS, [(pid, *p.fts) for pid, p in zip(ids, photos, strict=True)])
        return outside

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
    def record_read_error(self, path: Path, error: str, size: int | None = None, mtime_ns: int | None = None) -> None:
        """Record that `path` could not be read (its stored fields are kept, its status becomes ``error``)."""
        path = normalise_path(path)
        with self.transaction() as conn:
            photo_id = self._ensure_photo(path)
            conn.execute(
                "UPDATE photos SET status = 'error', error = ?, size = ?, mtime_ns = ?, scanned_at = ? WHERE id = ?",
                (error, size, mtime_ns, now_utc(), photo_id),
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
            "SELECT id, path, size, mtime_ns, sha256, status FROM photos WHERE path > ? AND path < ?",
            (prefix, prefix[:-1] + chr(ord(os.sep) + 1)),
        )
        return {r["path"]: Entry(r["id"], r["path"], r["size"], r["mtime_ns"], r["sha256"], r["status"]) for r in rows}

    @_guarded
    def entry(self, path: Path) -> Entry | None:
        """Stored state of one file (absolute, resolved path), or None when it is not catalogued."""
        r = self.conn.execute(
            "SELECT id, path, size, mtime_ns, sha256, status FROM photos WHERE path = ?", (str(path),)
        ).fetchone()
        return None if r is None else Entry(r["id"], r["path"], r["size"], r["mtime_ns"], r["sha256"], r["status"])

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

    # people

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
        name = " ".join(name.split())
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
                alias = " ".join(alias.split())
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

    # stories

    def _story_id(self, name: str) -> int:
        row = self.conn.execute("SELECT id FROM stories WHERE name = ?", (name,)).fetchone()
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
        name = name.strip()
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

    # search

    @_guarded
    def trigrams_starting_with(self, prefix: str, limit: int = 256) -> list[str] | None:
        """The indexed trigrams that begin with `prefix` (folded, one or two characters), or None when there are
        more than `limit` of them (the search then scans with LIKE instead)."""
        upper = prefix + "\U0010ffff"
        rows = self.conn.execute(
            "SELECT term FROM photo_fts_terms WHERE term >= ? AND term < ? LIMIT ?", (prefix, upper, limit + 1)
        ).fetchall()
        return None if len(rows) > limit else [r[0] for r in rows]

    @_guarded
    def search(self, query: str, limit: int = 500) -> list[dict[str, Any]]:
        """Photos matching `query` (see :mod:`captioner.search`): ``[{"path": …, "fields": {…}}]``."""
        from captioner.search import run_search

        return run_search(self, query, limit)
