"""Wires the newsroom panels into the main window: Checks dock, story order dock, Import article, Export.

The panels themselves (:mod:`~captioner_gui.checks_panel`, :mod:`~captioner_gui.story_list`,
:mod:`~captioner_gui.import_dialog`, :mod:`~captioner_gui.export_dialog`) know nothing of the window; this
controller gives them the house style, the people registry and the pictures shown, and turns their signals
into window actions (jump to a picture, read changed files again, list a new story).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from captioner_gui import workers
from captioner_gui.checks_panel import ChecksPanel
from captioner_gui.export_dialog import ExportDialog
from captioner_gui.import_dialog import ImportArticleDialog
from captioner_gui.story_list import StoryListWidget
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from captioner.errors import CaptionerError
from captioner.housestyle import HouseStyle, People, find_house_style, load_house_style, people_registry

if TYPE_CHECKING:
    from captioner_gui.main_window import MainWindow

log = logging.getLogger(__name__)


def load_style(folder: Path | None, catalogue: Any) -> Iterator[tuple[HouseStyle, People]]:
    """The house style for `folder` (its own file, else the user's, else defaults) and the people registry."""
    try:
        style = load_house_style(find_house_style(folder))
    except CaptionerError as exc:
        log.warning("%s — using the default house style", exc)
        style = HouseStyle()
    yield style, people_registry(style, catalogue)


class NewsroomController(QObject):
    """Owns the newsroom docks and dialogs of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.style = HouseStyle()
        self.people = People()
        self.checks = ChecksPanel(
            self.style, self.people, window.catalogue, parent=window, has_unsaved=window.has_unsaved
        )
        self.checks.setObjectName("checks_panel")
        self.checks_dock = self._dock("Checks", "checks_dock", self.checks, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.story_list: StoryListWidget | None = None
        self.story_dock: QDockWidget | None = None
        if window.catalogue is not None:
            self.story_list = StoryListWidget(window.catalogue, parent=window)
            self.story_dock = self._dock(
                "Story order", "story_dock", self.story_list, Qt.DockWidgetArea.LeftDockWidgetArea
            )
            self.story_list.jumpRequested.connect(window.jump_to)
            self.story_list.failed.connect(self._story_failed)

        self.check_action = self._action("&Check Credits", self.run_checks, QKeySequence("F7"))
        self.import_action = self._action("&Import Article…", self.import_article, QKeySequence("Ctrl+I"))
        self.export_action = self._action("&Export Caption Sheet…", self.export, QKeySequence("Ctrl+E"))
        menu = window.menuBar().addMenu("&Story")
        for action in (self.check_action, self.import_action, self.export_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.checks_dock.toggleViewAction())
        if self.story_dock is not None:
            menu.addAction(self.story_dock.toggleViewAction())

        self.checks.jumpRequested.connect(window.jump_to)
        self.checks.filesChanged.connect(window.reload)
        window.folderOpened.connect(self._folder_opened)
        window.storyOpened.connect(self._story_opened)

    def _dock(self, title: str, name: str, widget: Any, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        dock.hide()
        return dock

    def _action(self, text: str, slot: Any, shortcut: QKeySequence) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(shortcut)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _folder_opened(self, folder: Path) -> None:
        workers.start(
            lambda: load_style(folder, self.window.catalogue),
            on_value=self._style_loaded,
            on_failed=self._style_failed,
        )

    def _style_loaded(self, loaded: tuple[HouseStyle, People]) -> None:
        self.style, self.people = loaded
        self.checks.set_house_style(self.style, self.people)
        self.window.add_names([person.name for person in self.people])

    def _style_failed(self, exc: BaseException) -> None:
        log.warning("house style: %s", exc)

    def _story_opened(self, name: str) -> None:
        if self.story_list is not None and self.story_dock is not None:
            self.story_list.set_story(name)
            self.story_dock.show()

    def _story_failed(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 6000)

    def run_checks(self) -> None:
        """F7: check the pictures shown and show the findings."""
        self.checks_dock.show()
        self.checks_dock.raise_()
        self.checks.run(self.window.model.paths())

    def import_article(self) -> None:
        """Ctrl+I: import an article draft's captions onto the folder shown."""
        folder = self.window.folder
        if folder is None:
            self.window.statusBar().showMessage("Open a folder first", 4000)
            return
        dialog = ImportArticleDialog(
            folder,
            self.style,
            self.people,
            self.window.catalogue,
            parent=self.window,
            has_unsaved=self.window.has_unsaved,
        )
        dialog.applied.connect(self.window.reload)
        dialog.storyCreated.connect(self._story_created)
        self.window.import_dialog = dialog  # not deleted on close: its workers may still report to it
        dialog.open()

    def _story_created(self, _name: str) -> None:
        self.window.refresh_sidebar()

    def export(self) -> None:
        """Ctrl+E: export the caption sheet of the selection (or of every picture shown), in grid order."""
        items = self.window.selected_items()
        paths = [i.path for i in items] if len(items) > 1 else self.window.model.paths()
        if not paths:
            self.window.statusBar().showMessage("Nothing to export", 4000)
            return
        dialog = ExportDialog(paths, self.style, title=self.window.source_label, parent=self.window)
        self.window.export_dialog = dialog  # not deleted on close: its workers may still report to it
        dialog.open()
