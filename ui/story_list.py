"""A story's pictures in order, re-ordered by drag and drop (or Ctrl+Up / Ctrl+Down), the order kept in the catalogue.

:class:`StoryModel` is a list model that supports ``moveRows`` and internal drag and drop; every move is written
to the catalogue (:meth:`captioner.catalogue.Catalogue.create_story` with ``replace=True``) in a worker, the
latest order winning when moves come faster than the writes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from captioner_gui import workers
from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from captioner.errors import CaptionerError

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

MIME_TYPE = "application/x-captioner-story-rows"
"""Drag data of story rows: their row numbers, comma-separated."""

THUMB_SIZE = 72


class StoryRole(IntEnum):
    """Named item-data roles of :class:`StoryModel`."""

    Path = Qt.ItemDataRole.UserRole + 1
    FileName = Qt.ItemDataRole.UserRole + 2
    Caption = Qt.ItemDataRole.UserRole + 3
    Position = Qt.ItemDataRole.UserRole + 4
    """1-based place in the story."""


@dataclass
class StoryPicture:
    """One picture of the story: where it is, its caption and a small thumbnail (read in a worker)."""

    path: Path
    caption: str = ""
    thumbnail: QImage | None = None
    error: str = ""


class StoryModel(QAbstractListModel):
    """The pictures of one story, in story order; rows move with ``moveRows`` or by drag and drop."""

    orderChanged = Signal()
    """Rows were moved (by the user): the new order should be saved."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[StoryPicture] = []

    def set_pictures(self, pictures: Sequence[StoryPicture]) -> None:
        """Show `pictures` in this order."""
        self.beginResetModel()
        self._items = list(pictures)
        self.endResetModel()

    def paths(self) -> list[Path]:
        """The story's pictures in the order shown."""
        return [item.path for item in self._items]

    def item(self, row: int) -> StoryPicture:
        """The picture of `row`."""
        return self._items[row]

    # --- Qt model -----------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """One row per picture."""
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """``N. file`` and the caption's start; thumbnail; the :class:`StoryRole` values."""
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            caption = item.error or item.caption or "(no caption)"
            short = caption if len(caption) <= 90 else caption[:89] + "…"
            return f"{index.row() + 1}. {item.path.name}\n{short}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.path}\n{item.error or item.caption}"
        if role == Qt.ItemDataRole.DecorationRole:
            return item.thumbnail
        if role == StoryRole.Path:
            return item.path
        if role == StoryRole.FileName:
            return item.path.name
        if role == StoryRole.Caption:
            return item.caption
        if role == StoryRole.Position:
            return index.row() + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Rows can be dragged; drops land between rows, never onto one."""
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        """Only moves within the story."""
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        """Only moves within the story."""
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        """The story-rows type."""
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged rows' numbers."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(MIME_TYPE, QByteArray(",".join(map(str, rows)).encode("ascii")))
        return data

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        """Story rows dropped between rows of this list."""
        return action == Qt.DropAction.MoveAction and data.hasFormat(MIME_TYPE) and not parent.isValid()

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        """Move the dropped rows before `row` (-1: at the end), keeping their order."""
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        text = bytes(data.data(MIME_TYPE).data()).decode("ascii")
        rows = [int(r) for r in text.split(",") if r.strip().isdigit()]
        rows = [r for r in rows if 0 <= r < len(self._items)]
        if not rows:
            return False
        target = len(self._items) if row < 0 else min(row, len(self._items))
        picked = [self._items[r] for r in sorted(set(rows))]
        anchor = next((item for item in self._items[target:] if not any(item is p for p in picked)), None)
        moved = False
        for item in picked:
            # each picked picture goes just before the anchor, so they land together and in their order
            current = next(i for i, it in enumerate(self._items) if it is item)
            dest = len(self._items) if anchor is None else next(i for i, it in enumerate(self._items) if it is anchor)
            moved = self.moveRows(QModelIndex(), current, 1, QModelIndex(), dest) or moved
        return moved

    def moveRows(
        self, source_parent: Index, source_row: int, count: int, destination_parent: Index, destination_child: int
    ) -> bool:
        """Move `count` rows from `source_row` to before `destination_child`; emits :attr:`orderChanged`."""
        if source_parent.isValid() or destination_parent.isValid() or count < 1:
            return False
        last = source_row + count - 1
        if source_row < 0 or last >= len(self._items) or not 0 <= destination_child <= len(self._items):
            return False
        if source_row <= destination_child <= last + 1:
            return False  # onto itself
        if not self.beginMoveRows(QModelIndex(), source_row, last, QModelIndex(), destination_child):
            return False
        block = self._items[source_row : last + 1]
        del self._items[source_row : last + 1]
        at = destination_child - count if destination_child > last else destination_child
        self._items[at:at] = block
        self.endMoveRows()
        first, end = min(source_row, at), max(last, at + count - 1)
        self.dataChanged.emit(self.index(first), self.index(end), [Qt.ItemDataRole.DisplayRole, StoryRole.Position])
        self.orderChanged.emit()
        return True


def _qimage(image: Any) -> QImage:
    """A Pillow RGB image as a QImage (a deep copy, so it outlives the Pillow buffer)."""
    data = image.tobytes("raw", "RGB")
    return QImage(data, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888).copy()


def load_story(catalogue: Any, name: str) -> Iterator[list[StoryPicture]]:
    """Worker body: the story's pictures in order, each with its caption and a thumbnail."""
    from captioner.reading import read_metadata
    from captioner.thumbnails import sharp_thumbnail

    pictures = [StoryPicture(path) for path in catalogue.story(name)]
    for picture in pictures:
        try:
            caption = read_metadata(picture.path).value("caption")
            picture.caption = caption if isinstance(caption, str) else ""
            picture.thumbnail = _qimage(sharp_thumbnail(picture.path, THUMB_SIZE))
        except CaptionerError as exc:
            picture.error = str(exc)
        except OSError as exc:
            picture.error = picture.error or f"{picture.path}: {exc.strerror or exc}"
    yield pictures


def save_order(catalogue: Any, name: str, paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Worker body: keep `paths` as the order of story `name`."""
    catalogue.create_story(name, list(paths), replace=True)
    yield list(paths)


class StoryListWidget(QWidget):
    """One story's pictures in order; drag them (or Ctrl+Up / Ctrl+Down) to re-order; the order is saved."""

    jumpRequested = Signal(object)
    """A picture was activated (double-click, Enter): its :class:`~pathlib.Path`."""
    orderSaved = Signal(list)
    """The catalogue now holds this order (list of Path)."""
    failed = Signal(str)
    """Loading or saving the story failed: one line."""

    def __init__(self, catalogue: Any, story: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("story_list")
        self.catalogue = catalogue
        self.story = story
        self.loading = False
        self.saving = False
        self._dirty = False
        self._generation = 0

        self.model = StoryModel(self)
        self.title = QLabel(self)
        self.title.setObjectName("story_title")
        self.view = QListView(self)
        self.view.setObjectName("story_pictures")
        self.view.setModel(self.model)
        self.view.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.view.setSpacing(2)
        self.view.setWordWrap(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.status = QLabel(self)
        self.status.setObjectName("story_status")
        self.status.setWordWrap(True)
        self.up_button = QPushButton("Move up", self)
        self.down_button = QPushButton("Move down", self)
        self.up_action = QAction("Move up", self)
        self.up_action.setShortcut(QKeySequence("Ctrl+Up"))
        self.down_action = QAction("Move down", self)
        self.down_action.setShortcut(QKeySequence("Ctrl+Down"))
        for action in (self.up_action, self.down_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

        buttons = QHBoxLayout()
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.up_action.triggered.connect(lambda: self.move_current(-1))
        self.down_action.triggered.connect(lambda: self.move_current(1))
        self.view.activated.connect(self._activated)
        self.view.doubleClicked.connect(self._activated)
        self._save_soon = QTimer(self)
        self._save_soon.setSingleShot(True)
        self._save_soon.setInterval(0)
        self._save_soon.timeout.connect(self._save)
        self.model.orderChanged.connect(self._order_changed)
        self._show_title()
        if story:
            self.set_story(story)

    # --- loading --------------------------------------------------------------------------------------------

    def set_story(self, story: str) -> None:
        """Show story `story` (read from the catalogue, with captions and thumbnails, in a worker)."""
        self.story = story
        self._generation += 1
        generation = self._generation
        self.loading = True
        self._dirty = False
        self.model.set_pictures([])
        self._show_title()
        self.status.setText("Reading the story…")
        if self.catalogue is None:
            self.loading = False
            self.status.setText("Stories need the catalogue")
            return
        catalogue = self.catalogue

        def loaded(pictures: list[StoryPicture]) -> None:
            if generation == self._generation:
                self.model.set_pictures(pictures)
                self.status.setText("Drag pictures (or Ctrl+Up / Ctrl+Down) to change the order")

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.status.setText(str(exc))
                self.failed.emit(str(exc))

        def finished() -> None:
            if generation == self._generation:
                self.loading = False
                self._show_title()

        workers.start(lambda: load_story(catalogue, story), loaded, finished, failed, owner=self)

    def paths(self) -> list[Path]:
        """The pictures in the order shown."""
        return self.model.paths()

    # --- moving and saving ----------------------------------------------------------------------------------

    def move_current(self, step: int) -> bool:
        """Move the current picture `step` places (−1 up, +1 down)."""
        row = self.view.currentIndex().row()
        if row < 0:
            return False
        target = row + step
        if not 0 <= target < self.model.rowCount():
            return False
        moved = self.model.moveRows(QModelIndex(), row, 1, QModelIndex(), target + 1 if step > 0 else target)
        if moved:
            self.view.setCurrentIndex(self.model.index(target))
        return moved

    def _order_changed(self) -> None:
        self._dirty = True
        self._save_soon.start()  # one drop may move several rows: save once they all moved

    def _save(self) -> None:
        if self.saving or not self._dirty or self.catalogue is None or not self.story:
            return
        self._dirty = False
        self.saving = True
        self.status.setText("Saving the order…")
        catalogue, story, paths = self.catalogue, self.story, self.model.paths()
        error: list[str] = []

        def saved(order: list[Path]) -> None:
            if not self._dirty:
                self.status.setText("Order saved")
            self.orderSaved.emit(order)

        def failed(exc: BaseException) -> None:
            error.append(str(exc))
            self.status.setText(f"The order was not saved: {exc}")
            self.failed.emit(str(exc))

        def finished() -> None:
            self.saving = False
            if self._dirty and not error:
                self._save()  # moved again while saving: write the latest order

        workers.start(lambda: save_order(catalogue, story, paths), saved, finished, failed, owner=self)

    # --- display --------------------------------------------------------------------------------------------

    def _show_title(self) -> None:
        count = self.model.rowCount()
        self.title.setText(f"Story: {self.story}  ({count} picture{'s' if count != 1 else ''})" if self.story else "")

    def _activated(self, index: QModelIndex) -> None:
        path = index.data(StoryRole.Path)
        if path is not None:
            self.jumpRequested.emit(path)
