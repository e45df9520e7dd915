"""The catalogue: a SQLite index of the photos plus what cannot be rebuilt from them (edit history, people, stories).

The files are the truth. Everything about a photo here is what the last scan or write read from it, and can be
rebuilt by rescanning; the edit history, the people registry and the stories cannot. The schema is versioned with
:class:`sqlite_utils.Migrations`; the file is in WAL mode with a busy timeout, and every thread gets its own
connection, so the app's workers and a ``captioner scan`` in a terminal can share one catalogue.

Modules: :mod:`.database` (the file, connections, transactions, errors), :mod:`.schema` (migrations),
:mod:`.rows` (metadata to rows and back), :mod:`.photos` (photos and history), :mod:`.people`, :mod:`.stories`;
search is :mod:`captioner.search`, scanning :mod:`captioner.scan`.
"""

from __future__ import annotations

from typing import Any

from captioner.catalogue.database import (
    BUSY_TIMEOUT_S,
    DEFAULT_NAME,
    ENV_VAR,
    CatalogueDatabase,
    CorruptCatalogueError,
    _guarded,
    login_name,
    resolve_catalogue_path,
    set_aside,
)
from captioner.catalogue.people import ROLES, PeopleMixin
from captioner.catalogue.photos import PhotosMixin
from captioner.catalogue.rows import (
    END_PAD,
    Entry,
    PreparedPhoto,
    fingerprint,
    normalise_path,
    now_utc,
    prepare_photo,
)
from captioner.catalogue.schema import FTS_COLUMNS, KNOWN_MIGRATIONS, MIGRATION_SET, migrations
from captioner.catalogue.stories import StoriesMixin


class Catalogue(PhotosMixin, PeopleMixin, StoriesMixin):
    """One catalogue file: photos and their edit history, the people registry, stories, and search.

    Open it with :meth:`open` (creates and migrates) or :meth:`open_existing`; close it with :meth:`close` or a
    ``with`` block. Safe to share between threads: each thread gets its own SQLite connection.
    """

    @_guarded
    def search(self, query: str, limit: int = 500) -> list[dict[str, Any]]:
        """Photos matching `query` (see :mod:`captioner.search`): ``[{"path": …, "fields": {…}}]``."""
        from captioner.search import run_search

        return run_search(self, query, limit)


__all__ = [
    "BUSY_TIMEOUT_S",
    "DEFAULT_NAME",
    "END_PAD",
    "ENV_VAR",
    "FTS_COLUMNS",
    "KNOWN_MIGRATIONS",
    "MIGRATION_SET",
    "ROLES",
    "Catalogue",
    "CatalogueDatabase",
    "CorruptCatalogueError",
    "Entry",
    "PreparedPhoto",
    "fingerprint",
    "login_name",
    "migrations",
    "normalise_path",
    "now_utc",
    "prepare_photo",
    "resolve_catalogue_path",
    "set_aside",
]
