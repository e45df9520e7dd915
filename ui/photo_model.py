"""The pictures of the open folder as a Qt list model: metadata as read, pending edits, thumbnails.

Each row is a :class:`PhotoItem`. Values shown anywhere in the app are *effective* values: the pending edit
when there is one, else the value read from the file. Pending edits are what Ctrl+S writes; they are changed
only through :meth:`PhotoListModel.set_pending` (called by the undo commands), so every edit can be undone.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QImage

from captioner.fields import FIELD_BY_KEY, FieldValue, empty_value
from captioner.photo import PhotoMetadata

DEFAULT_LANG = "x-default"
DECODED_LIMIT = 400
"""Decoded thumbnails kept in memory: a few screenfuls; the rest stay JPEG-encoded (~6 KB each)."""

Index = QModelIndex | QPersistentModelIndex


class _Unset:
    """Marks "no pending edit" for a field (distinct from an edit that clears it)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Value of :meth:`PhotoListModel.pending_value` when a field has no pending edit."""


class PhotoRole(IntEnum):
    """Named item-data roles of :class:`PhotoListModel`."""

    Path = Qt.ItemDataRole.UserRole + 1
    FileName = Qt.ItemDataRole.UserRole + 2
    Caption = Qt.ItemDataRole.UserRole + 3
    Thumbnail = Qt.ItemDataRole.UserRole + 4
    MissingCredit = Qt.ItemDataRole.UserRole + 5
    Conflict = Qt.ItemDataRole.UserRole + 6
    Unsaved = Qt.ItemDataRole.UserRole + 7
    Loaded = Qt.ItemDataRole.UserRole + 8
    Error = Qt.ItemDataRole.UserRole + 9


@dataclass
class PhotoItem:
    """One picture: its path, what was read from it, what the user changed and its thumbnail."""

    path: Path
    meta: PhotoMetadata | None = None
    """None until the metadata is read (or when reading failed: see `error`)."""
    pending: dict[str, Any] = field(default_factory=dict)
    """Unsaved edits by field key; for language alternatives a ``{lang: text}`` dict of edited languages."""
    thumbnail_jpeg: bytes = b""
    """The grid thumbnail, JPEG-encoded (decoded on demand by the model, a few hundred at a time)."""
    thumbnail_kind: str = ""
    error: str = ""

    def stored(self, key: str, lang: str = DEFAULT_LANG) -> FieldValue:
        """The value read from the file (no pending edit)."""
        if self.meta is None:
            return empty_value(key)
        if FIELD_BY_KEY[key].is_lang_alt and lang != DEFAULT_LANG:
            return self.meta.languages.get(key, {}).get(lang, "")
        return self.meta.value(key)

    def value(self, key: str, lang: str = DEFAULT_LANG) -> FieldValue:
        """The effective value: the pending edit if any, else the stored one."""
        pending = self.pending.get(key, UNSET)
        if pending is UNSET:
            return self.stored(key, lang)
        if FIELD_BY_KEY[key].is_lang_alt:
            return pending.get(lang, self.stored(key, lang))
        return pending

    def languages(self, key: str) -> list[str]:
        """Languages of language-alternative field `key`, stored or pending, x-default first."""
        langs = set(self.meta.languages.get(key, {})) if self.meta else set()
        pending = self.pending.get(key)
        if isinstance(pending, dict):
            langs.update(lang for lang, text in pending.items() if text)
        langs.discard(DEFAULT_LANG)
        return [DEFAULT_LANG, *sorted(langs)]

    def changes(self) -> dict[str, Any]:
        """The pending edits in the form ``captioner.writing.write_fields`` takes."""
        return {key: (dict(v) if isinstance(v, dict) else v) for key, v in self.pending.items()}


class PhotoListModel(QAbstractListModel):
    """List model over the pictures being browsed (a folder, a story, search results)."""

    pendingChanged = Signal()
    """Emitted whenever any pending edit appears, changes or goes."""

    def __init__(self, parent: Any = None, decoded_limit: int = DECODED_LIMIT) -> None:
        super().__init__(parent)
        self._items: list[PhotoItem] = []
        self._row_of: dict[Path, int] = {}
        self._decoded: OrderedDict[Path, QImage] = OrderedDict()
        self._decoded_limit = decoded_limit

    # --- Qt model interface -------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of pictures (a list model has no children)."""
        return 0 if parent.isValid() else len(self._items)

    def roleNames(self) -> dict[int, bytes]:
        """Role names, for QML and debugging."""
        names = super().roleNames()
        names.update({int(r): r.name[0].lower().encode() + r.name[1:].encode() for r in PhotoRole})
        return names

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Pictures are selectable and enabled, nothing else."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Item data for `role` (see :class:`PhotoRole`)."""
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, PhotoRole.FileName):
            return item.path.name
        if role == PhotoRole.Path:
            return str(item.path)
        if role == PhotoRole.Caption:
            return item.value("caption")
        if role == PhotoRole.Thumbnail:
            return self.thumbnail(index.row())
        if role == PhotoRole.MissingCredit:
            return item.meta is not None and not item.value("credit")
        if role == PhotoRole.Conflict:
            return bool(item.meta and item.meta.conflicts)
        if role == PhotoRole.Unsaved:
            return bool(item.pending)
        if role == PhotoRole.Loaded:
            return item.meta is not None
        if role == PhotoRole.Error:
            return item.error
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(item.path)]
            if item.error:
                lines.append(item.error)
            caption = item.value("caption")
            if caption:
                lines.append(str(caption)[:300])
            if item.meta and item.meta.conflicts:
                lines.append("Sources disagree: " + ", ".join(item.meta.conflicts))
            return "\n".join(lines)
        return None

    # --- loading --------------------------------------------------------------------------------------------

    def set_paths(self, paths: Iterable[Path]) -> None:
        """Replace every row with `paths` (no metadata or thumbnail yet)."""
        self.beginResetModel()
        self._items = [PhotoItem(Path(p)) for p in paths]
        self._row_of = {item.path: row for row, item in enumerate(self._items)}
        self._decoded.clear()
        self.endResetModel()
        self.pendingChanged.emit()

    def append_paths(self, paths: Sequence[Path]) -> None:
        """Add rows for `paths` not already listed (the folder scan found more)."""
        new = [Path(p) for p in paths if Path(p) not in self._row_of]
        if not new:
            return
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for offset, path in enumerate(new):
            self._items.append(PhotoItem(path))
            self._row_of[path] = first + offset
        self.endInsertRows()

    def set_metadata(self, results: Iterable[tuple[Path, PhotoMetadata | None, str]]) -> None:
        """Store read results ``(path, metadata or None, error message)``; one dataChanged per call."""
        rows = []
        for path, meta, error in results:
            row = self._row_of.get(Path(path))
            if row is None:
                continue
            item = self._items[row]
            item.meta, item.error = meta, error
            rows.append(row)
        self._changed(rows)

    def set_thumbnails(self, thumbs: Iterable[tuple[Path, bytes, str]]) -> None:
        """Store thumbnails ``(path, JPEG bytes, kind)``; an embedded preview never replaces a sharp one."""
        rows = []
        for path, jpeg, kind in thumbs:
            row = self._row_of.get(Path(path))
            if row is None:
                continue
            item = self._items[row]
            if kind == "embedded" and item.thumbnail_kind in ("sharp", "cached"):
                continue
            item.thumbnail_jpeg, item.thumbnail_kind = jpeg, kind
            self._decoded.pop(item.path, None)
            rows.append(row)
        self._changed(rows, [PhotoRole.Thumbnail])

    def thumbnail(self, row: int) -> QImage | None:
        """The decoded thumbnail of `row` (kept for the most recently shown pictures only), or None."""
        item = self._items[row]
        if not item.thumbnail_jpeg:
            return None
        image = self._decoded.get(item.path)
        if image is None:
            image = QImage.fromData(item.thumbnail_jpeg, "JPG")
            if image.isNull():
                return None
            self._decoded[item.path] = image
            if len(self._decoded) > self._decoded_limit:
                self._decoded.popitem(last=False)
        else:
            self._decoded.move_to_end(item.path)
        return image

    # --- access ---------------------------------------------------------------------------------------------

    def item(self, row: int) -> PhotoItem:
        """The picture at `row`."""
        return self._items[row]

    def items(self) -> list[PhotoItem]:
        """Every picture, in row order."""
        return list(self._items)

    def row_of(self, path: Path) -> int | None:
        """Row of the picture at `path`, or None."""
        return self._row_of.get(Path(path))

    def paths(self) -> list[Path]:
        """Paths of every row, in order."""
        return [item.path for item in self._items]

    def dirty_items(self) -> list[PhotoItem]:
        """Pictures with pending edits."""
        return [item for item in self._items if item.pending]

    def all_loaded(self) -> bool:
        """True when every row's metadata was read (or failed to read)."""
        return all(item.meta is not None or item.error for item in self._items)

    # --- edits ----------------------------------------------------------------------------------------------

    def pending_value(self, path: Path, key: str) -> Any:
        """The pending edit of `key` for `path` (a copy), or :data:`UNSET`."""
        row = self._row_of.get(Path(path))
        if row is None:
            return UNSET
        value = self._items[row].pending.get(key, UNSET)
        if isinstance(value, (dict, list)):
            return value.copy()
        return value

    def set_pending(self, path: Path, key: str, value: Any) -> None:
        """Set (or with :data:`UNSET`, drop) the pending edit of `key` for `path`.

        An edit equal to the stored value is dropped, so typing a value back removes the unsaved mark.
        """
        row = self._row_of.get(Path(path))
        if row is None:
            return
        item = self._items[row]
        if value is not UNSET and FIELD_BY_KEY[key].is_lang_alt:
            value = {lang: text for lang, text in value.items() if text != item.stored(key, lang)}
            if not value:
                value = UNSET
        elif value is not UNSET and _same(value, item.stored(key)):
            value = UNSET
        if value is UNSET:
            item.pending.pop(key, None)
        else:
            item.pending[key] = value.copy() if isinstance(value, (dict, list)) else value
        self._changed([row])
        self.pendingChanged.emit()

    def clear_pending(self, path: Path, keys: Iterable[str] | None = None) -> None:
        """Drop the pending edits of `path` (only `keys` when given)."""
        row = self._row_of.get(Path(path))
        if row is None:
            return
        item = self._items[row]
        for key in list(item.pending) if keys is None else list(keys):
            item.pending.pop(key, None)
        self._changed([row])
        self.pendingChanged.emit()

    def _changed(self, rows: list[int], roles: Sequence[int] = ()) -> None:
        """dataChanged per row: a view repaints only the cells on screen (a range would repaint it all)."""
        role_list = [int(r) for r in roles]
        for row in sorted(set(rows)):
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, role_list)


def _same(a: Any, b: Any) -> bool:
    """Field values equal, treating ``None``, ``""`` and ``[]`` as the same empty value."""
    return (a or None) == (b or None)
