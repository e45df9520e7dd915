"""The sidebar: folders, stories and saved searches. Choosing an entry emits what to show."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

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
        for label, value in entries:
            child = QTreeWidgetItem(section, [label])
            child.setData(0, KIND_ROLE, kind)
            child.setData(0, VALUE_ROLE, value)
            child.setToolTip(0, value)
        section.setExpanded(True)

    def set_folders(self, folders: Sequence[Path]) -> None:
        """The open folder and recent ones."""
        self.set_entries("folder", [(f.name or str(f), str(f)) for f in folders])

    def entries(self, kind: str) -> list[str]:
        """Values of the entries in section `kind`."""
        section = self.sections[kind]
        return [section.child(i).data(0, VALUE_ROLE) for i in range(section.childCount())]

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        kind, value = item.data(0, KIND_ROLE), item.data(0, VALUE_ROLE)
        if kind == "folder":
            self.folderChosen.emit(value)
        elif kind == "story":
            self.storyChosen.emit(value)
        elif kind == "search":
            self.searchChosen.emit(value)
