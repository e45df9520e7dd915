"""Rows of the catalogue: how a photo's metadata becomes a stored row and full-text entry, and back."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from captioner.catalogue.schema import FTS_COLUMNS
from captioner.fields import FIELD_KEYS, empty_value
from captioner.photo import FileStamp, PhotoMetadata
from captioner.textfold import fold


def normalise_path(path: str | os.PathLike[str]) -> Path:
    """The form a photo path is stored in: absolute, symlinks resolved."""
    return Path(path).expanduser().resolve()


def now_utc() -> str:
    """The current time as recorded in the catalogue: UTC, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


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


@dataclass(frozen=True)
class Entry:
    """What the catalogue remembers of a file's state on disk, for the scan to decide whether to re-read it."""

    id: int
    path: str
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    status: str
    ctime_ns: int | None = None
    """Status-change time: a program that restores a file's mtime after editing it cannot restore this."""


_PHOTO_JSON = ("fields", "sources", "conflicts", "warnings", "languages")


def _photo_dict(row: sqlite3.Row) -> dict[str, Any]:
    photo = dict(row)
    for key in _PHOTO_JSON:
        photo[key] = json.loads(photo[key])
    has_stamp = photo["size"] is not None and photo["mtime_ns"] is not None
    photo["stamp"] = (
        FileStamp(photo["size"], photo["mtime_ns"], photo["sha256"], photo["inode"] or 0, photo["ctime_ns"] or 0)
        if has_stamp
        else None
    )
    return photo


def _flags(status: str, fields: Mapping[str, Any], conflicts: Sequence[str]) -> str:
    """The filter flags of a photo as text the trigram index can find: ``|missing:credit|conflict:caption|``."""
    if status != "ok":
        return f"|{status}|"
    flags = [f"missing:{k}" for k in FIELD_KEYS if not fields.get(k)]
    flags += [f"conflict:{k}" for k in conflicts]
    return "|" + "|".join(flags) + "|"


_UPSERT_PHOTO = """
    INSERT INTO photos(path, folder_id, name, size, mtime_ns, inode, ctime_ns, sha256, fingerprint, width, height,
                       format, status, error, fields, sources, conflicts, warnings, languages, scanned_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(path) DO UPDATE SET
        folder_id = excluded.folder_id, name = excluded.name, size = excluded.size, mtime_ns = excluded.mtime_ns,
        inode = excluded.inode, ctime_ns = excluded.ctime_ns, sha256 = excluded.sha256,
        fingerprint = excluded.fingerprint, width = excluded.width, height = excluded.height,
        format = excluded.format, status = 'ok', error = NULL, fields = excluded.fields, sources = excluded.sources,
        conflicts = excluded.conflicts, warnings = excluded.warnings, languages = excluded.languages,
        scanned_at = excluded.scanned_at
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
    """name, size, mtime_ns, inode, ctime_ns, sha256, fingerprint, width, height, format and the JSON columns, in
    the order of the upsert statement."""
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
        meta.stamp.inode or None,
        meta.stamp.ctime_ns or None,
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
