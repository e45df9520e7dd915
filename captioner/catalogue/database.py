r"""The catalogue file: where it is, one SQLite connection per thread, write transactions, schema migration, and
SQLite's errors turned into one-line :class:`~captioner.errors.CatalogueError`\ s."""

from __future__ import annotations

import functools
import getpass
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, Self, TypeVar

from captioner import paths
from captioner.catalogue.rows import _INSERT_FTS, _fts_values
from captioner.catalogue.schema import KNOWN_MIGRATIONS, MIGRATION_SET, migrations
from captioner.errors import CatalogueError

if TYPE_CHECKING:
    import sqlite_utils

ENV_VAR = paths.CATALOGUE_ENV
DEFAULT_NAME = paths.CATALOGUE_NAME
BUSY_TIMEOUT_S = 30.0
"""How long a connection waits for another process's write lock before giving up."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


class CorruptCatalogueError(CatalogueError):
    """The catalogue file is not a readable SQLite database; ``captioner scan --rebuild`` replaces it."""


def resolve_catalogue_path(arg: str | os.PathLike[str] | None) -> Path:
    """Where the catalogue is: `arg` (``--catalogue``), else ``$CAPTIONER_CATALOGUE``, else the user data folder."""
    return paths.catalogue_path(arg)


def login_name() -> str:
    """The user recorded with an edit: the login name, or ``unknown`` when the system cannot tell."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


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


def _use_wal(conn: sqlite3.Connection) -> str:
    """Put the file in WAL mode (once; it stays so) and return the journal mode.

    Switching a new file to WAL takes a lock for which SQLite does not wait, so a second process opening the
    same new catalogue at that moment retries here instead of failing.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode != "wal":
                mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
            return mode
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_BUSY", "SQLITE_LOCKED") or (
                time.monotonic() > deadline
            ):
                raise
            time.sleep(0.01)


def _translate(path: Path, exc: sqlite3.Error) -> CatalogueError:
    message = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
        return CatalogueError(f"{path}: catalogue is busy: another program held it locked for too long")
    if isinstance(exc, sqlite3.OperationalError) and "unable to open" in message:
        return CatalogueError(f"{path}: cannot open catalogue: {message}")
    code = getattr(exc, "sqlite_errorname", "") or ""
    corrupt = (
        code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in message or "not a database" in message
    )
    if not corrupt:
        return CatalogueError(f"{path}: catalogue: {message}")
    return CorruptCatalogueError(
        f"{path}: catalogue is unreadable ({message}); `captioner scan --rebuild DIR…` builds a new one from the "
        "photos, but the edit history, people and stories in this file are lost"
    )


class CatalogueDatabase:
    """The catalogue file and its connections; :class:`~captioner.catalogue.Catalogue` adds photos, people and
    stories. Safe to share between threads: each thread gets its own SQLite connection."""

    def __init__(self, path: Path) -> None:
        """Use :meth:`open` or :meth:`open_existing`; this only records where the file is."""
        self.path = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._busy = threading.RLock()
        """Held through every outermost transaction, and by close(): a connection is never closed under a
        thread that is using it (SQLite crashes the process then, rather than raising)."""
        self._closed = False

    # connection and schema

    @classmethod
    def open(cls, path: Path) -> Self:
        """Open the catalogue at `path`, creating and migrating it as needed.

        Raises CatalogueError for a catalogue written by a newer Captioner, CorruptCatalogueError for a file that is
        not a readable catalogue.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogueError(f"{path}: cannot create the catalogue's folder: {exc.strerror or exc}") from None
        catalogue = cls(path)
        try:
            catalogue._migrate()
        except BaseException:
            catalogue.close()
            raise
        return catalogue

    @classmethod
    def open_for_rebuild(cls, path: Path) -> tuple[Self, Path | None]:
        """Open the catalogue at `path` to rebuild it; a file that is not a readable catalogue is first moved
        aside (returned as the second value) and a new, empty one created in its place."""
        try:
            return cls.open(path), None
        except CorruptCatalogueError:
            aside = set_aside(Path(path))
            return cls.open(path), aside

    @classmethod
    def open_existing(cls, path: Path) -> Self | None:
        """Open the catalogue at `path` if the file exists, else None (``captioner set`` then leaves it alone)."""
        return cls.open(path) if Path(path).is_file() else None

    def close(self) -> None:
        """Close every connection this catalogue opened, in any thread (after any transaction under way)."""
        with self._busy, self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's SQLite connection (opened on first use in each thread)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise CatalogueError("the catalogue was closed")
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                mode = _use_wal(conn)
                if mode != "wal":
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
        with self._busy:
            if self._closed:
                raise CatalogueError("the catalogue was closed")
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

    # photo rows, shared by photos, history and stories

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
