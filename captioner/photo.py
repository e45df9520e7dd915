"""What Captioner knows about one picture after reading it: reconciled fields, per-source values, conflicts."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from captioner.fields import FIELD_KEYS, FieldValue, empty_value

SOURCES = ("exif", "iim", "xmp")
"""The three places a value can come from, in the order they are reported."""


@dataclass(frozen=True)
class FileStamp:
    """Size, modification time and content hash of a file when it was read.

    A write refuses to go ahead when the file on disk no longer matches the stamp it was read with.
    """

    size: int
    mtime_ns: int
    sha256: str | None
    """SHA-256 of the content; None when only the metadata segments were read (``captioner show``)."""
    inode: int = 0
    ctime_ns: int = 0
    """Inode and status-change time (0 when unknown): a program can restore a file's mtime, not its ctime."""

    @classmethod
    def of_stat(cls, st: os.stat_result, sha256: str | None = None) -> FileStamp:
        """Stamp of a file from its stat (and its content hash, when known)."""
        return cls(st.st_size, st.st_mtime_ns, sha256, st.st_ino, st.st_ctime_ns)

    @classmethod
    def of_bytes(cls, path: Path, data: bytes) -> FileStamp:
        """Stamp for `data`, the content just read from `path`."""
        st = os.stat(path)
        return cls(len(data), st.st_mtime_ns, hashlib.sha256(data).hexdigest(), st.st_ino, st.st_ctime_ns)

    @classmethod
    def of_file(cls, path: Path) -> FileStamp:
        """Stamp of the file as it is on disk now."""
        return cls.of_bytes(path, Path(path).read_bytes())

    def matches(self, other: FileStamp) -> bool:
        """Whether two stamps describe the same content.

        By hash when both have one; else by size and mtime, and by inode and ctime when both know them (a file
        replaced with the same size and a restored mtime still has a new inode or ctime).
        """
        if self.sha256 and other.sha256:
            return self.size == other.size and self.sha256 == other.sha256
        if (self.size, self.mtime_ns) != (other.size, other.mtime_ns):
            return False
        if self.inode and other.inode and self.inode != other.inode:
            return False
        return not (self.ctime_ns and other.ctime_ns and self.ctime_ns != other.ctime_ns)


@dataclass
class PhotoMetadata:
    """The metadata of one picture as read by :func:`captioner.reading.read_metadata`."""

    path: Path
    format: str
    """MIME type, e.g. ``image/jpeg``."""
    width: int
    height: int
    stamp: FileStamp
    fields: dict[str, FieldValue] = field(default_factory=dict)
    """Reconciled value of every field key (``""`` or ``[]`` when not set)."""
    sources: dict[str, dict[str, FieldValue | None]] = field(default_factory=dict)
    """Per field, the value found in each source (``exif``, ``iim``, ``xmp``); None where the source has none."""
    conflicts: list[str] = field(default_factory=list)
    """Field keys whose sources disagree (beyond an IIM value merely cut at its byte limit)."""
    warnings: list[str] = field(default_factory=list)
    """One-line notes about the file: stale digest, legacy charset, values cut in IIM, …"""
    languages: dict[str, dict[str, str]] = field(default_factory=dict)
    """For language-alternative fields, every XMP language: ``{"caption": {"x-default": …, "vi": …}}``."""
    iim_truncated: list[str] = field(default_factory=list)
    """Field keys whose IIM value is XMP's value cut at the IIM byte limit."""
    iim_charset: str | None = None
    """How the IIM text was decoded: ``utf-8`` (declared), ``utf-8?`` (undeclared but valid), ``cp1252``, …"""
    digest: str = "absent"
    """Photoshop IPTC digest (IRB 0x0425): ``absent``, ``current`` or ``stale``."""
    has_iim: bool = False
    has_xmp: bool = False
    has_exif: bool = False
    sidecar: Path | None = None
    """The XMP sidecar (``NAME.EXT.xmp``) XMP was read from, for formats the engine cannot write."""

    def value(self, key: str) -> FieldValue:
        """The reconciled value of field `key`."""
        return self.fields.get(key, empty_value(key))

    def to_json(self) -> dict[str, Any]:
        """The ``show --json`` object of the command-line contract."""
        return {
            "path": str(self.path),
            "fields": {k: self.fields.get(k, empty_value(k)) for k in FIELD_KEYS},
            "sources": {k: dict(self.sources.get(k, {})) for k in FIELD_KEYS if self.sources.get(k)},
            "conflicts": list(self.conflicts),
            "warnings": list(self.warnings),
            "languages": {k: dict(v) for k, v in self.languages.items()},
            "format": self.format,
            "sidecar": str(self.sidecar) if self.sidecar else None,
            "width": self.width,
            "height": self.height,
        }
