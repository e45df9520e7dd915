"""The sidebar: folders, stories and saved searches. Choosing an entry emits what to show."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

EMPTY_HINTS = {
    "folder": "File ▸ Open Folder… opens one",
    "story": "Story ▸ Import Article… makes one",
    "search": "Search, then Save Search",
}
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2


class Sidebar(QTreeWidget):
    """Three sections; each entry carries its kind (folder, story, search) and value."""

    folderChosen = Signal(str)
    storyChosen = Signal(str)
    searchChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.sections: dict[str, QTreeWidgetItem] = {}
        for kind, title in (("folder", "Folders"), ("story", "Stories"), ("search", "Saved searches")):
            section = QTreeWidgetItem(self, [title])
            section.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = section.font(0)
            font.setBold(True)
            section.setFont(0, font)
            section.setExpanded(True)
            self.sections[kind] = section
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)

    def set_entries(self, kind: str, entries: Sequence[tuple[str, str]]) -> None:
        """Replace the entries of section `kind` with ``(label, value)`` pairs."""
        section = self.sections[kind]
        section.takeChildren()
        if not entries:
            hint = QTreeWidgetItem(section, ["none yet"])
            hint.setToolTip(0, EMPTY_HINTS[kind])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            hint.setForeground(0, self.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for label, value in entries:
            child = QTreeWidgetItem(section, [label])
            child.setData(0, KIND_ROLE, kind)
            child.setData(0, VALUE_ROLE, value)
            child.setToolTip(0, value)
        section.setExpanded(True)

    def set_folders(self, folders: Sequence[Path]) -> None:
        """The open folder and recent ones."""
        names = [f.name or str(f) for f in folders]
        labels = [
            f"{name} ({f.parent.name})" if names.count(name) > 1 and f.parent.name else name
            for name, f in zip(names, folders, strict=True)
        ]
        self.set_entries("folder", [(label, str(f)) for label, f in zip(labels, folders, strict=True)])

    def entries(self, kind: str) -> list[str]:
        """Values of the entries in section `kind`."""
        section = self.sections[kind]
        values = [section.child(i).data(0, VALUE_ROLE) for i in range(section.childCount())]
        return [v for v in values if v is not None]

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        kind, value = item.data(0, KIND_ROLE), item.data(0, VALUE_ROLE)
        if kind == "folder":
            self.folderChosen.emit(value)
        elif kind == "story":
            self.storyChosen.emit(value)
        elif kind == "search":
            self.searchChosen.emit(value)
