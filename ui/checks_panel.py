"""The Checks panel: every credit check finding of a set of pictures, with one-click fixes where they are certain.

:class:`FindingTableModel` is a plain table model of :class:`captioner.checks.Finding` (named columns, custom
roles; no window needed to test it). :class:`ChecksPanel` runs :func:`captioner.checks.check_paths` and
:func:`captioner.checks.apply_fixes` in workers, lists the findings, and asks the main window (by signal) to
show the picture of a finding the user activates.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any

from captioner_gui import workers
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from captioner.checks import SEVERITY_ORDER, Finding, apply_fixes, check_paths
from captioner.fields import FIELD_BY_KEY
from captioner.housestyle import HouseStyle, People

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex


class FindingColumn(IntEnum):
    """Columns of :class:`FindingTableModel`."""

    File = 0
    Field = 1
    Severity = 2
    Message = 3
    Fix = 4


COLUMN_TITLES = {
    FindingColumn.File: "File",
    FindingColumn.Field: "Field",
    FindingColumn.Severity: "Severity",
    FindingColumn.Message: "Problem",
    FindingColumn.Fix: "Suggested fix",
}


class FindingRole(IntEnum):
    """Named item-data roles of :class:`FindingTableModel` (the same on every column of a row)."""

    Finding = Qt.ItemDataRole.UserRole + 1
    Path = Qt.ItemDataRole.UserRole + 2
    Severity = Qt.ItemDataRole.UserRole + 3
    Code = Qt.ItemDataRole.UserRole + 4
    Fixable = Qt.ItemDataRole.UserRole + 5
    """True when the finding carries a certain fix (``fix_changes``)."""
    SortKey = Qt.ItemDataRole.UserRole + 6


SEVERITY_COLOURS = {"error": QColor(0xC6, 0x28, 0x28), "warning": QColor(0xB2, 0x6A, 0x00)}
SEVERITY_ICONS = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def field_label(key: str | None) -> str:
    """The UI label of field `key` (``Caption``), ``—`` for a finding about the whole file."""
    if key is None:
        return "—"
    info = FIELD_BY_KEY.get(key)
    return info.label if info is not None else key


class FindingTableModel(QAbstractTableModel):
    """Findings, one per row, kept grouped by file in the order the files were checked."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Finding] = []
        self._order: dict[Path, int] = {}
        self._icons: dict[str, QIcon | None] = {}

    # --- Qt model -----------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Number of findings (no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """The named columns of :class:`FindingColumn`."""
        return 0 if parent.isValid() else len(FindingColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(FindingColumn):
            return COLUMN_TITLES[FindingColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text per column, severity colour and icon, and the :class:`FindingRole` values."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        finding = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._text(finding, column)
            if role == Qt.ItemDataRole.ToolTipRole:
                return finding.line() if column == FindingColumn.File else text or None
            return text
        if role == Qt.ItemDataRole.ForegroundRole and column == FindingColumn.Severity:
            colour = SEVERITY_COLOURS.get(finding.severity)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.DecorationRole and column == FindingColumn.Severity:
            return self._icon(finding.severity)
        if role == FindingRole.Finding:
            return finding
        if role == FindingRole.Path:
            return finding.path
        if role == FindingRole.Severity:
            return finding.severity
        if role == FindingRole.Code:
            return finding.code
        if role == FindingRole.Fixable:
            return bool(finding.fix_changes)
        if role == FindingRole.SortKey:
            return self._sort_key(finding, column)
        return None

    def _icon(self, severity: str) -> QIcon | None:
        if severity not in self._icons:
            pixmap = SEVERITY_ICONS.get(severity)
            app = QApplication.instance()
            ok = pixmap is not None and isinstance(app, QApplication)
            self._icons[severity] = app.style().standardIcon(pixmap) if ok else None  # type: ignore[union-attr]
        return self._icons[severity]

    def _text(self, finding: Finding, column: int) -> str:
        if column == FindingColumn.File:
            return finding.path.name
        if column == FindingColumn.Field:
            return field_label(finding.field)
        if column == FindingColumn.Severity:
            return finding.severity
        if column == FindingColumn.Message:
            return finding.message
        if column == FindingColumn.Fix:
            return ("✓ " if finding.fix_changes else "") + (finding.fix or "")
        return ""

    def _sort_key(self, finding: Finding, column: int) -> Any:
        order = self._order.get(finding.path, len(self._order))
        severity = SEVERITY_ORDER.get(finding.severity, 3)
        if column == FindingColumn.Severity:
            return (severity, order)
        if column == FindingColumn.File:
            return (order, severity)
        return (self._text(finding, column).casefold(), order)

    # --- content ------------------------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        """Every finding, in row order."""
        return list(self._rows)

    def finding(self, row: int) -> Finding:
        """The finding of `row`."""
        return self._rows[row]

    def clear(self) -> None:
        """Drop every finding."""
        self.beginResetModel()
        self._rows = []
        self._order = {}
        self.endResetModel()

    def set_file_findings(self, path: Path, findings: Sequence[Finding]) -> None:
        """Replace the findings of `path` with `findings` (a file checked for the first time goes last)."""
        path = Path(path)
        self._order.setdefault(path, len(self._order))
        rows = [r for r, f in enumerate(self._rows) if f.path == path]
        if rows:
            first, last = rows[0], rows[-1]
            # a file's findings are always contiguous: they are only ever added together
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
            at = first
        else:
            later = [r for r, f in enumerate(self._rows) if self._order.get(f.path, 0) > self._order[path]]
            at = later[0] if later else len(self._rows)
        if findings:
            self.beginInsertRows(QModelIndex(), at, at + len(findings) - 1)
            self._rows[at:at] = list(findings)
            self.endInsertRows()

    def counts(self) -> Counter[str]:
        """How many findings of each severity."""
        return Counter(f.severity for f in self._rows)


class _SortProxy(QSortFilterProxyModel):
    """Sorts on :attr:`FindingRole.SortKey`; can hide everything but errors."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(FindingRole.SortKey)
        self.errors_only = False

    def lessThan(self, left: Index, right: Index) -> bool:
        """Compare the sort keys (tuples) of two rows."""
        return bool(left.data(FindingRole.SortKey) < right.data(FindingRole.SortKey))

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """With `errors_only`, only errors pass."""
        if not self.errors_only:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        return bool(index.data(FindingRole.Severity) == "error")

    def set_errors_only(self, on: bool) -> None:
        """Show only errors (True) or every finding."""
        self.errors_only = on
        self.invalidateFilter()


def _check_and_fix(findings: Sequence[Finding], style: HouseStyle, people: People, catalogue: Any) -> Iterator[Any]:
    """Worker body of a fix: write the certain fixes, then check the written files again."""
    written: list[Path] = []
    for item in apply_fixes(findings, catalogue):
        yield item
        if item.error is None:
            written.append(item.path)
    paths = list(dict.fromkeys(f.path for f in findings))
    yield from check_paths(paths, style, people, catalogue)


class ChecksPanel(QWidget):
    """Runs the credit checks over pictures, lists the findings, and applies the certain fixes.

    The main window gives it the pictures to check (:meth:`set_paths` / :meth:`run`) and listens to
    :attr:`jumpRequested` (show that picture) and :attr:`filesChanged` (read those files again).
    """

    jumpRequested = Signal(object)
    """A finding was activated (double-click, Enter): the :class:`~pathlib.Path` of its picture."""
    filesChanged = Signal(list)
    """Fixes were written to these files (list of Path): the window should read them again."""
    checkFinished = Signal(int, int)
    """A check run ended: (errors, warnings)."""
    fixFinished = Signal(int, list)
    """A fix run ended: (files written, one line per file not written)."""

    def __init__(
        self,
        style: HouseStyle,
        people: People,
        catalogue: Any = None,
        paths: Sequence[Path] = (),
        parent: QWidget | None = None,
        has_unsaved: Callable[[Path], bool] | None = None,
    ) -> None:
        """`has_unsaved(path)` tells whether the app holds unsaved edits of a picture: those are not fixed."""
        super().__init__(parent)
        self.setObjectName("checks_panel")
        self.has_unsaved = has_unsaved
        self.style_ = style
        self.people = people
        self.catalogue = catalogue
        self.paths: list[Path] = [Path(p) for p in paths]
        self.running = False
        self.fixing = False
        self.fix_errors: list[str] = []
        self._cancel: workers.Cancelled | None = None
        self._checked = 0
        self._total = 0

        self.model = FindingTableModel(self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)

        self.table = QTableView(self)
        self.table.setObjectName("findings")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(FindingColumn.File, Qt.SortOrder.AscendingOrder)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(FindingColumn.Message, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(FindingColumn.Fix, QHeaderView.ResizeMode.Interactive)
        for column, width in (
            (FindingColumn.File, 110),
            (FindingColumn.Field, 130),
            (FindingColumn.Severity, 90),
            (FindingColumn.Fix, 260),
        ):
            self.table.setColumnWidth(column, width)

        self.run_button = QPushButton("Run checks", self)
        self.run_button.setToolTip("Check captions, credits and bylines of the pictures shown")
        self.fix_button = QPushButton("Fix selected", self)
        self.fix_button.setToolTip("Write the certain fixes (✓) of the selected findings into the files")
        self.fix_all_button = QPushButton("Fix all certain", self)
        self.fix_all_button.setToolTip("Write every certain fix (✓) listed")
        self.errors_only = QCheckBox("Errors only", self)
        self.summary = QLabel("Not checked yet", self)
        self.summary.setObjectName("checks_summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.fix_action = QAction("Fix", self)
        self.fix_action.setToolTip(self.fix_button.toolTip())
        self.fix_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.fix_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.fix_action)
        self.table.addAction(self.fix_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        bar = QHBoxLayout()
        bar.addWidget(self.run_button)
        bar.addWidget(self.fix_button)
        bar.addWidget(self.fix_all_button)
        bar.addWidget(self.errors_only)
        bar.addSpacing(12)
        bar.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table)

        self.run_button.clicked.connect(lambda: self.run())
        self.fix_button.clicked.connect(self.fix_selected)
        self.fix_action.triggered.connect(self.fix_selected)
        self.fix_all_button.clicked.connect(self.fix_all)
        self.errors_only.toggled.connect(self.proxy.set_errors_only)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.model.modelReset.connect(self._update_actions)
        self.model.rowsInserted.connect(lambda *_: self._update_actions())
        self.model.rowsRemoved.connect(lambda *_: self._update_actions())
        self._update_actions()

    # --- running ------------------------------------------------------------------------------------------

    def set_paths(self, paths: Sequence[Path]) -> None:
        """The pictures the Run button checks (the folder or story shown)."""
        self.paths = [Path(p) for p in paths]
        self._update_actions()

    def set_house_style(self, style: HouseStyle, people: People) -> None:
        """Use another house style and people registry from the next run on."""
        self.style_, self.people = style, people

    def run(self, paths: Sequence[Path] | None = None) -> bool:
        """Check `paths` (default: those of :meth:`set_paths`) in a worker; a running check is abandoned.

        False when there is nothing to check or a fix is being written.
        """
        if paths is not None:
            self.paths = [Path(p) for p in paths]
        if self.fixing or not self.paths:
            self._update_actions()
            return False
        if self._cancel is not None:
            self._cancel.cancel()
        cancel = workers.Cancelled()
        self._cancel = cancel
        self.model.clear()
        self.running = True
        self._checked, self._total = 0, len(self.paths)
        paths_, style, people, catalogue = list(self.paths), self.style_, self.people, self.catalogue
        workers.start(
            lambda: check_paths(paths_, style, people, catalogue),
            on_value=lambda batch: self._checked_batch(batch, cancel),
            on_failed=lambda exc: self._run_failed(exc, cancel),
            on_finished=lambda: self._run_finished(cancel),
            cancelled=cancel,
            batch_ms=60,
            owner=self,
        )
        self._show_summary()
        self._update_actions()
        return True

    def _checked_batch(self, batch: list[tuple[Path, list[Finding]]], cancel: workers.Cancelled) -> None:
        if cancel is not self._cancel:
            return
        for path, findings in batch:
            self.model.set_file_findings(path, findings)
            self._checked += 1
        self._show_summary()

    def _run_failed(self, exc: BaseException, cancel: workers.Cancelled) -> None:
        if cancel is self._cancel:
            self.summary.setText(f"The check stopped: {exc}")

    def _run_finished(self, cancel: workers.Cancelled) -> None:
        if cancel is not self._cancel:
            return
        self.running = False
        self._cancel = None
        self._show_summary()
        self._update_actions()
        counts = self.model.counts()
        self.checkFinished.emit(counts["error"], counts["warning"])

    # --- fixing -------------------------------------------------------------------------------------------

    def selected_findings(self) -> list[Finding]:
        """The findings of the selected rows, in view order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(FindingRole.Finding) for r in rows]

    def fixable(self, findings: Iterable[Finding]) -> list[Finding]:
        """Those of `findings` whose fix is certain."""
        return [f for f in findings if f.fix_changes]

    def fix_selected(self) -> bool:
        """Write the certain fixes of the selected findings (in a worker), then check those files again."""
        return self.fix(self.fixable(self.selected_findings()))

    def fix_all(self) -> bool:
        """Write every certain fix listed, then check those files again."""
        return self.fix(self.fixable(self.model.findings()))

    def fix(self, findings: Sequence[Finding]) -> bool:
        """Write the certain fixes of `findings` in a worker; False when none is certain or a run is going on."""
        findings = self.fixable(findings)
        if not findings or self.fixing or self.running:
            return False
        unsaved = sorted({f.path for f in findings if self.has_unsaved is not None and self.has_unsaved(f.path)})
        findings = [f for f in findings if f.path not in unsaved]
        held = [f"{p}: has unsaved edits; save or revert them, then fix" for p in unsaved]
        if not findings:
            self.fix_errors = held
            self.summary.setText(f"Not fixed: {len(held)} picture(s) have unsaved edits; save or revert them first")
            self.summary.setToolTip("\n".join(held))
            self.fixFinished.emit(0, list(held))
            return False
        self.fixing = True
        self.fix_errors = list(held)
        written: list[Path] = []
        style, people, catalogue = self.style_, self.people, self.catalogue
        self.summary.setText(f"Fixing {len({f.path for f in findings})} picture(s)…")
        self._update_actions()

        def value(v: Any) -> None:
            if isinstance(v, tuple):
                self.model.set_file_findings(*v)
            elif v.error is None:
                written.append(v.path)
            else:
                self.fix_errors.append(str(v.error))

        def failed(exc: BaseException) -> None:
            self.fix_errors.append(f"the fix stopped: {exc}")

        def finished() -> None:
            self.fixing = False
            self._show_summary()
            if self.fix_errors:
                self.summary.setText(self.summary.text() + f" — {len(self.fix_errors)} fix(es) not written")
                self.summary.setToolTip("\n".join(self.fix_errors))
            self._update_actions()
            if written:
                self.filesChanged.emit(written)
            self.fixFinished.emit(len(written), list(self.fix_errors))

        workers.start(
            lambda: _check_and_fix(findings, style, people, catalogue),
            on_value=value,
            on_failed=failed,
            on_finished=finished,
            owner=self,
        )
        return True

    # --- display ------------------------------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        path = index.data(FindingRole.Path)
        if path is not None:
            self.jumpRequested.emit(path)

    def summary_text(self) -> str:
        """``2 errors, 5 warnings in 12 pictures`` (or the progress while checking)."""
        counts = self.model.counts()
        errors, warnings, infos = counts["error"], counts["warning"], counts["info"]
        if self.running:
            return f"Checking {self._checked}/{self._total}… {errors} error(s), {warnings} warning(s) so far"
        if not self._total:
            return "Not checked yet"
        pictures = f"{self._total} picture{'s' if self._total != 1 else ''}"
        if not (errors or warnings or infos):
            return f"No problems in {pictures}"
        parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
        if infos:
            parts.append(f"{infos} note{'s' if infos != 1 else ''}")
        fixable = len(self.fixable(self.model.findings()))
        fixes = f" · {fixable} with a certain fix (✓)" if fixable else ""
        return f"{', '.join(parts)} in {pictures}{fixes}"

    def _show_summary(self) -> None:
        self.summary.setText(self.summary_text())
        self.summary.setToolTip("")
        counts = self.model.counts()
        colour = SEVERITY_COLOURS.get("error" if counts["error"] else "warning" if counts["warning"] else "")
        self.summary.setStyleSheet(f"color: {colour.name()};" if colour is not None and not self.running else "")

    def _update_actions(self) -> None:
        busy = self.running or self.fixing
        self.run_button.setEnabled(bool(self.paths) and not self.fixing)
        selected = bool(self.fixable(self.selected_findings()))
        self.fix_button.setEnabled(selected and not busy)
        self.fix_action.setEnabled(selected and not busy)
        self.fix_all_button.setEnabled(bool(self.fixable(self.model.findings())) and not busy)
