"""Import article: match an article draft's caption list to a folder, review the changes, then write them.

The user opens an article (text or DOCX) or pastes its text. :func:`captioner.article.plan_import` runs in a
worker and :class:`ImportPlanModel` shows, per picture in article order, the current caption, the proposed
one, credit, byline and warnings, with a tick box. Nothing is written until Apply, which runs
:func:`captioner.article.apply_import` in a worker (unticked pictures skipped) with a progress bar and lists
the pictures that could not be written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from enum import IntEnum
from pathlib import Path
from typing import Any

from captioner_gui import workers
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from captioner.article import (
    ImportEntry,
    ImportOutcome,
    ImportPlan,
    apply_import,
    parse_article,
    plan_import,
    read_article_text,
)
from captioner.housestyle import HouseStyle, People

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

PLAN_DELAY_MS = 400
"""Pause after the last keystroke in the pasted text before the changes are worked out again."""

WARNING_COLOUR = QColor(0xB2, 0x6A, 0x00)
ERROR_COLOUR = QColor(0xC6, 0x28, 0x28)
DONE_COLOUR = QColor(0x2E, 0x7D, 0x32)


class ImportColumn(IntEnum):
    """Columns of :class:`ImportPlanModel`."""

    File = 0
    """The file name, with the tick box."""
    Current = 1
    Proposed = 2
    Credit = 3
    Byline = 4
    Status = 5
    Warnings = 6


COLUMN_TITLES = {
    ImportColumn.File: "File",
    ImportColumn.Current: "Current caption",
    ImportColumn.Proposed: "Proposed caption",
    ImportColumn.Credit: "Credit",
    ImportColumn.Byline: "Byline",
    ImportColumn.Status: "Status",
    ImportColumn.Warnings: "Warnings",
}


class ImportRole(IntEnum):
    """Named item-data roles of :class:`ImportPlanModel`."""

    Entry = Qt.ItemDataRole.UserRole + 1
    """The :class:`captioner.article.ImportEntry`."""
    Path = Qt.ItemDataRole.UserRole + 2
    """The matching picture, or None."""
    Ticked = Qt.ItemDataRole.UserRole + 3
    """True when the picture will be written on Apply."""
    Writable = Qt.ItemDataRole.UserRole + 4
    """True when there is something to write (a matched, readable picture whose values differ)."""
    Outcome = Qt.ItemDataRole.UserRole + 5
    """The :class:`captioner.article.ImportOutcome` once applied, else None."""


def _text(value: Any) -> str:
    return "; ".join(value) if isinstance(value, list) else str(value or "")


def writable(entry: ImportEntry) -> bool:
    """True when Apply would write something to this entry's picture."""
    return entry.path is not None and entry.current is not None and bool(entry.changes)


class ImportPlanModel(QAbstractTableModel):
    """The rows of an :class:`~captioner.article.ImportPlan`, in article order, each with a tick box."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.plan: ImportPlan | None = None
        self._entries: list[ImportEntry] = []
        self._ticked: list[bool] = []
        self._outcomes: list[ImportOutcome | None] = []
        self._held: set[Path] = set()

    def set_plan(self, plan: ImportPlan | None, held: Collection[Path] = ()) -> None:
        """Show `plan` (None: nothing); every picture with something to write starts ticked, except those
        `held` (pictures with unsaved edits in the app), which cannot be ticked."""
        self.beginResetModel()
        self.plan = plan
        self._held = set(held)
        self._entries = list(plan.entries) if plan is not None else []
        self._ticked = [self.can_tick(r) for r in range(len(self._entries))]
        self._outcomes = [None] * len(self._entries)
        self.endResetModel()

    def can_tick(self, row: int) -> bool:
        """True when the picture of `row` has something to write and no unsaved edits in the app."""
        entry = self._entries[row]
        return writable(entry) and entry.path not in self._held

    def held_count(self) -> int:
        """How many pictures would be written but have unsaved edits in the app."""
        return sum(1 for e in self._entries if writable(e) and e.path in self._held)

    def entries(self) -> list[ImportEntry]:
        """The plan's entries in article order."""
        return list(self._entries)

    def skipped(self) -> set[Path]:
        """Pictures the user unticked (passed as ``skip`` to :func:`~captioner.article.apply_import`)."""
        return {e.path for e, t in zip(self._entries, self._ticked, strict=True) if e.path is not None and not t}

    def ticked_count(self) -> int:
        """How many pictures Apply will write."""
        return sum(1 for row, t in enumerate(self._ticked) if t and self.can_tick(row))

    def set_all_ticked(self, ticked: bool) -> None:
        """Tick (or untick) every picture that has something to write."""
        for row in range(len(self._entries)):
            if self.can_tick(row):
                self.setData(self.index(row, ImportColumn.File), ticked, Qt.ItemDataRole.CheckStateRole)

    def set_outcome(self, outcome: ImportOutcome) -> None:
        """Show what happened to one picture on Apply."""
        for row, entry in enumerate(self._entries):
            if entry is outcome.entry:
                self._outcomes[row] = outcome
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(ImportColumn) - 1))
                return

    # --- Qt model -----------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """One row per picture the article names."""
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """The named columns of :class:`ImportColumn`."""
        return 0 if parent.isValid() else len(ImportColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles; rows are numbered in article order."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLUMN_TITLES[ImportColumn(section)] if 0 <= section < len(ImportColumn) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Selectable rows; the file cell is a tick box when there is something to write."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if index.column() == ImportColumn.File and self.can_tick(index.row()):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell texts, the tick box, warning colours and the :class:`ImportRole` values."""
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        row, column = index.row(), index.column()
        entry = self._entries[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == ImportColumn.Warnings and entry.warnings:
                return "\n".join(entry.warnings)
            return self._cell(row, column) or None
        if role == Qt.ItemDataRole.CheckStateRole and column == ImportColumn.File and self.can_tick(row):
            return Qt.CheckState.Checked if self._ticked[row] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, column)
        if role == ImportRole.Entry:
            return entry
        if role == ImportRole.Path:
            return entry.path
        if role == ImportRole.Ticked:
            return self._ticked[row] and self.can_tick(row)
        if role == ImportRole.Writable:
            return writable(entry)
        if role == ImportRole.Outcome:
            return self._outcomes[row]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Tick or untick a picture."""
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole or index.column() != ImportColumn.File:
            return False
        if not self.can_tick(index.row()):
            return False
        if isinstance(value, Qt.CheckState):
            ticked = value == Qt.CheckState.Checked
        elif isinstance(value, bool):
            ticked = value
        else:
            ticked = int(value) == Qt.CheckState.Checked.value
        self._ticked[index.row()] = ticked
        self.dataChanged.emit(index, self.index(index.row(), len(ImportColumn) - 1))
        return True

    def _cell(self, row: int, column: int) -> str:
        entry = self._entries[row]
        if column == ImportColumn.File:
            return entry.file
        if column == ImportColumn.Current:
            return _text(entry.current.value("caption")) if entry.current is not None else ""
        if column == ImportColumn.Proposed:
            return entry.caption
        if column == ImportColumn.Credit:
            if entry.written_credit and entry.written_credit != entry.credit:
                return f"{entry.written_credit} → {entry.credit}"
            return entry.credit
        if column == ImportColumn.Byline:
            return entry.byline
        if column == ImportColumn.Status:
            return self._status(row)
        if column == ImportColumn.Warnings:
            return " · ".join(entry.warnings)
        return ""

    def _status(self, row: int) -> str:
        entry, outcome = self._entries[row], self._outcomes[row]
        if outcome is not None:
            if outcome.error:
                return "not written"
            return "written" if outcome.written else "unchanged"
        if entry.path is None:
            return "not in folder"
        if entry.current is None:
            return "unreadable"
        if not entry.changes:
            return "no change"
        if entry.path in self._held:
            return "unsaved edits in the app: save or revert them first"
        changed = ", ".join(sorted(entry.changes))
        return f"will write {changed}" if self._ticked[row] else "skipped"

    def _colour(self, row: int, column: int) -> QBrush | None:
        entry, outcome = self._entries[row], self._outcomes[row]
        if column == ImportColumn.Status:
            held = entry.path in self._held and bool(entry.changes)
            if (outcome is not None and outcome.error) or entry.path is None or entry.current is None or held:
                return QBrush(ERROR_COLOUR)
            if outcome is not None and outcome.written:
                return QBrush(DONE_COLOUR)
        if column == ImportColumn.Warnings and entry.warnings:
            return QBrush(WARNING_COLOUR)
        return None


def _plan(text: str, name: str, folder: Path, style: HouseStyle, people: People) -> Iterator[ImportPlan]:
    """Worker body: parse the article and match it to the folder (reads every named picture)."""
    yield plan_import(parse_article(text, name), folder, style, people, article=name)


def _read(path: Path) -> Iterator[str]:
    """Worker body: the text of an article file."""
    yield read_article_text(path)


class ImportArticleDialog(QDialog):
    """Open or paste an article, review the proposed changes per picture, tick, Apply."""

    applied = Signal(list)
    """Apply finished: the pictures written (list of Path); the window should read them again."""
    storyCreated = Signal(str)
    """Apply created or replaced this story (the sidebar should list it)."""

    def __init__(
        self,
        folder: Path,
        style: HouseStyle,
        people: People,
        catalogue: Any = None,
        story: str = "",
        parent: QWidget | None = None,
        has_unsaved: Callable[[Path], bool] | None = None,
    ) -> None:
        """`has_unsaved(path)` tells whether the app holds unsaved edits of a picture: those cannot be ticked."""
        super().__init__(parent)
        self.has_unsaved = has_unsaved
        self.setWindowTitle("Import captions from an article")
        self.setObjectName("import_dialog")
        self.folder = Path(folder)
        self.style_ = style
        self.people = people
        self.catalogue = catalogue
        self.article_name = "pasted text"
        self.planning = False
        self.applying = False
        self.outcomes: list[ImportOutcome] = []
        self._generation = 0
        self._error = ""

        self.model = ImportPlanModel(self)

        self.open_button = QPushButton("Open article…", self)
        self.open_button.setToolTip("A text (UTF-8) or Word (DOCX) draft")
        self.folder_button = QPushButton("Folder…", self)
        self.folder_button.setToolTip("The folder whose pictures the article names")
        self.source_label = QLabel(self)
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("article_text")
        self.text.setPlaceholderText(
            "Paste the article here, or open the draft. Each picture: its file name on a line (bna_9336.jpg), "
            "then the caption line ending with the credit (…图片:Thanh Cuong)."
        )
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

        self.table = QTableView(self)
        self.table.setObjectName("import_changes")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for column, width in (
            (ImportColumn.File, 130),
            (ImportColumn.Current, 220),
            (ImportColumn.Proposed, 260),
            (ImportColumn.Credit, 130),
            (ImportColumn.Byline, 100),
            (ImportColumn.Status, 120),
        ):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(ImportColumn.Warnings, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        self.status = QLabel(self)
        self.status.setObjectName("import_status")
        self.status.setWordWrap(True)
        self.unmatched = QLabel(self)
        self.unmatched.setObjectName("unmatched")
        self.unmatched.setWordWrap(True)
        self.unused = QLabel(self)
        self.unused.setObjectName("unused")
        self.unused.setWordWrap(True)
        self.tick_all = QPushButton("Tick all", self)
        self.untick_all = QPushButton("Untick all", self)
        self.story = QLineEdit(story, self)
        self.story.setObjectName("story_name")
        self.story.setPlaceholderText("optional: the pictures become this story, in article order")
        if catalogue is None:
            self.story.setEnabled(False)
            self.story.setPlaceholderText("stories need the catalogue")
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.failures = QListWidget(self)
        self.failures.setObjectName("failures")
        self.failures.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.apply_button = self.buttons.addButton("Apply", QDialogButtonBox.ButtonRole.ApplyRole)
        self.apply_button.setToolTip("Write the ticked pictures' captions, credits and bylines")

        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.folder_button)
        top.addWidget(self.source_label, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.text)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([140, 420])
        ticks = QHBoxLayout()
        ticks.addWidget(self.status, 1)
        ticks.addWidget(self.tick_all)
        ticks.addWidget(self.untick_all)
        form = QFormLayout()
        form.addRow("Story:", self.story)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(ticks)
        layout.addWidget(self.unmatched)
        layout.addWidget(self.unused)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.failures)
        layout.addWidget(self.buttons)
        self.resize(1240, 760)

        self._replan = QTimer(self)
        self._replan.setSingleShot(True)
        self._replan.setInterval(PLAN_DELAY_MS)
        self._replan.timeout.connect(self.plan)
        self.text.textChanged.connect(self._text_edited)
        self.open_button.clicked.connect(self.choose_article)
        self.folder_button.clicked.connect(self.choose_folder)
        self.tick_all.clicked.connect(lambda: self.model.set_all_ticked(True))
        self.untick_all.clicked.connect(lambda: self.model.set_all_ticked(False))
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.model.dataChanged.connect(lambda *_: self._update())
        self.model.modelReset.connect(self._update)
        self.story.textChanged.connect(lambda _t: self._update())
        self._show_source()
        self._update()

    # --- the article ----------------------------------------------------------------------------------------

    def choose_article(self) -> None:
        """Ask for an article file and read it."""
        name, _ = QFileDialog.getOpenFileName(
            self, "Open article", str(self.folder), "Articles (*.txt *.docx *.md);;All files (*)"
        )
        if name:
            self.open_article(Path(name))

    def choose_folder(self) -> None:
        """Ask for the folder of pictures and match the article to it."""
        folder = QFileDialog.getExistingDirectory(self, "Folder of pictures", str(self.folder))
        if folder:
            self.set_folder(Path(folder))

    def set_folder(self, folder: Path) -> None:
        """Match the article to the pictures of `folder`."""
        self.folder = Path(folder)
        self._show_source()
        self.plan()

    def open_article(self, path: Path) -> None:
        """Read the article at `path` in a worker, show its text and work out the changes."""
        path = Path(path)
        self._generation += 1
        generation = self._generation
        self.planning = True
        self._error = ""
        self.status.setText(f"Reading {path.name}…")
        self._update()

        def read(text: str) -> None:
            if generation == self._generation:
                self.set_article_text(text, path.name)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.planning = False
                self._show_error(str(exc))

        workers.start(lambda: _read(path), on_value=read, on_failed=failed, owner=self)

    def set_article_text(self, text: str, name: str = "pasted text") -> None:
        """Show `text` as the article (named `name` in messages) and work out the changes at once."""
        self.text.blockSignals(True)
        self.text.setPlainText(text)
        self.text.blockSignals(False)
        self.article_name = name
        self._show_source()
        self.plan()

    def _text_edited(self) -> None:
        self.article_name = "pasted text"
        self._show_source()
        self._replan.start()

    def plan(self) -> None:
        """Work out the changes for the article's text in a worker (reads the pictures; writes nothing)."""
        self._replan.stop()
        if self.applying:
            return
        text, name = self.text.toPlainText(), self.article_name
        self._generation += 1
        generation = self._generation
        self.outcomes = []
        self._error = ""
        self.failures.clear()
        self.failures.hide()
        self.progress.hide()
        if not text.strip():
            self.planning = False
            self.model.set_plan(None)
            self.status.setText("")
            self._update()
            return
        self.planning = True
        self.status.setText("Matching the article to the pictures…")
        self._update()
        folder, style, people = self.folder, self.style_, self.people

        def planned(plan: ImportPlan) -> None:
            if generation == self._generation:
                unsaved = self.has_unsaved
                held = [p for p in plan.paths if unsaved is not None and unsaved(p)]
                self.model.set_plan(plan, held)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.model.set_plan(None)
                self._show_error(str(exc))

        def finished() -> None:
            if generation == self._generation:
                self.planning = False
                self._update()

        workers.start(lambda: _plan(text, name, folder, style, people), planned, finished, failed, owner=self)

    # --- applying -------------------------------------------------------------------------------------------

    def apply(self) -> bool:
        """Write the ticked pictures in a worker (progress bar; failures listed). False if nothing to do."""
        plan = self.model.plan
        if plan is None or self.planning or self.applying:
            return False
        story = self.story.text().strip() if self.catalogue is not None else ""
        if not self.model.ticked_count() and not story:
            return False
        self.applying = True
        self.outcomes = []
        self.failures.clear()
        self.failures.hide()
        self.progress.setRange(0, len(plan.entries))
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText("Writing…")
        self._update()
        skip, catalogue = self.model.skipped(), self.catalogue

        def outcome(result: ImportOutcome) -> None:
            self.outcomes.append(result)
            self.model.set_outcome(result)
            self.progress.setValue(len(self.outcomes))
            if result.error:
                self.failures.addItem(result.error)
                self.failures.show()

        def failed(exc: BaseException) -> None:
            self.failures.addItem(f"the import stopped: {exc}")
            self.failures.show()

        def finished() -> None:
            self.applying = False
            written = [o.entry.path for o in self.outcomes if o.written and o.entry.path is not None]
            errors = sum(1 for o in self.outcomes if o.error)
            self.status.setText(
                f"{len(written)} picture(s) written, {errors} not written"
                + (f"; story “{story}” holds the article's pictures" if story and not self._stopped() else "")
            )
            self.model.plan = None  # its stamps are spent: plan again to write more
            self._update()
            if written:
                self.applied.emit(written)
            if story and not self._stopped():
                self.storyCreated.emit(story)

        workers.start(
            lambda: apply_import(plan, catalogue, story or None, skip=skip),
            on_value=outcome,
            on_failed=failed,
            on_finished=finished,
            owner=self,
        )
        return True

    def reject(self) -> None:
        """Close, except while Apply is writing (the per-file results must be seen)."""
        if self.applying:
            self.status.setText("Writing… the dialog closes once every picture is done")
            return
        super().reject()

    def _stopped(self) -> bool:
        return any(self.failures.item(i).text().startswith("the import stopped") for i in range(self.failures.count()))

    # --- display --------------------------------------------------------------------------------------------

    def _show_source(self) -> None:
        self.source_label.setText(f"Article: {self.article_name}    Pictures: {self.folder}")

    def _show_error(self, message: str) -> None:
        self._error = message
        self.status.setText(message)
        self.status.setStyleSheet(f"color: {ERROR_COLOUR.name()};")
        self._update()

    def _update(self) -> None:
        plan = self.model.plan
        busy = self.planning or self.applying
        ticked = self.model.ticked_count()
        story = self.story.text().strip() if self.catalogue is not None else ""
        self.apply_button.setEnabled(plan is not None and not busy and bool(ticked or story))
        self.apply_button.setText(f"Apply to {ticked} picture(s)" if plan is not None else "Apply")
        for widget in (self.open_button, self.folder_button, self.text, self.tick_all, self.untick_all):
            widget.setEnabled(not self.applying)
        self.story.setEnabled(self.catalogue is not None and not self.applying)
        if plan is None:
            self.unmatched.hide()
            self.unused.hide()
            return
        if not busy and not self.outcomes and not self._error:
            self.status.setStyleSheet("")
            warned = sum(1 for e in plan.entries if e.warnings)
            held = self.model.held_count()
            self.status.setText(
                f"{len(plan.entries)} picture(s) in the article, {ticked} ticked to write"
                + (f", {warned} with warnings" if warned else "")
                + (f", {held} with unsaved edits in the app (save or revert them first)" if held else "")
                + ". Nothing is written until Apply."
            )
        self.unmatched.setVisible(bool(plan.unmatched))
        self.unmatched.setText("Named in the article but not in the folder: " + ", ".join(plan.unmatched))
        self.unmatched.setStyleSheet(f"color: {ERROR_COLOUR.name()};")
        self.unused.setVisible(bool(plan.unused))
        self.unused.setText("Pictures of the folder the article does not name: " + ", ".join(plan.unused))
