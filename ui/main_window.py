"""The main window: sidebar, thumbnail grid, preview and editor, wired to the loader, undo stack and save.

Layout only plus the glue between views and controllers; the work happens in
:mod:`~captioner_gui.loading`, :mod:`~captioner_gui.saving`, :mod:`~captioner_gui.undo` and the core.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from captioner_gui import workers
from captioner_gui.delegate import CELL_H, CELL_W, PhotoDelegate
from captioner_gui.editor_panel import EditorPanel
from captioner_gui.loading import IMAGE_SUFFIXES, PictureLoader
from captioner_gui.newsroom import NewsroomController
from captioner_gui.photo_model import PhotoItem, PhotoListModel
from captioner_gui.preview import PreviewPane
from captioner_gui.saving import SaveController, SaveReport
from captioner_gui.sidebar import Sidebar
from captioner_gui.template_dialog import TemplateDialog
from captioner_gui.undo import changes_edit, field_edit, revert_edit
from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QObject, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from captioner.errors import CaptionerError
from captioner.photo import PhotoMetadata
from captioner.templates import PictureContext, Template, apply_template, load_codes

log = logging.getLogger(__name__)

MAX_RECENT = 8


class ErrorList(QDialog):
    """Per-file errors of the last save, one line each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Some pictures were not saved")
        self.list = QListWidget(self)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        self.resize(640, 280)

    def show_errors(self, errors: Sequence[str], written: int) -> None:
        """List `errors` (and how many files were written)."""
        self.summary.setText(f"{written} picture(s) saved, {len(errors)} not saved; their edits are kept.")
        self.list.clear()
        self.list.addItems(list(errors))
        self.show()
        self.raise_()


def _catalogue_lists(catalogue: Any) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
    """The catalogue's stories and registered names (read in a worker); empty lists when it fails."""
    try:
        yield catalogue.stories(), [p["name"] for p in catalogue.people()]
    except CaptionerError as exc:
        log.warning("catalogue: %s", exc)
        yield [], []


def _story_paths(catalogue: Any, name: str) -> Iterator[tuple[str, list[Path]]]:
    """Story `name` and its pictures in order (read in a worker)."""
    yield name, catalogue.story(name)


class PhotoGrid(QListView):
    """The thumbnail grid. Repaints only the changed cells that are on screen: QListView would repaint the
    whole view for any changed row, hundreds of times while a folder loads."""

    def dataChanged(self, top: Any, bottom: Any, roles: Sequence[int] = ()) -> None:
        """Update the on-screen cells of rows `top`…`bottom`."""
        model = self.model()
        area = self.viewport().rect()
        for row in range(top.row(), bottom.row() + 1):
            rect = self.visualRect(model.index(row, 0))
            if rect.intersects(area):
                self.viewport().update(rect)


class MainWindow(QMainWindow):
    """Captioner's main window."""

    folderOpened = Signal(object)
    """A folder (Path) is being shown."""
    storyOpened = Signal(str)
    """A story is being shown, in its order."""

    def __init__(
        self,
        settings: QSettings,
        catalogue: Any = None,
        templates_file: Path | None = None,
        codes: dict[str, str] | None = None,
        read: Callable[[Path], PhotoMetadata] | None = None,
        cache_root: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.catalogue = catalogue
        self.templates_file = templates_file or Path("templates.json")
        self.folder: Path | None = None
        self.source_label = ""
        self._typing_session = 0
        self._close_after_save = False
        self._loaded_callbacks: list[Callable[[], None]] = []
        self._save_dialog: QProgressDialog | None = None
        self.setWindowTitle("Captioner[*]")
        self.setAcceptDrops(True)

        self.model = PhotoListModel(self)
        self.loader = PictureLoader(self.model, read=self._reader(read), cache_root=cache_root, parent=self)
        self.undo_stack = QUndoStack(self)
        record = catalogue.record_write if catalogue is not None else None
        self.saver = SaveController(self.model, record=record, parent=self)

        self._build_views()
        self._build_actions()
        self._connect()
        self.import_dialog: QDialog | None = None
        self.export_dialog: QDialog | None = None
        self.newsroom = NewsroomController(self)
        self.editor.set_codes(codes or {})
        self._restore_layout()
        self.refresh_sidebar()
        self._update_status()

    # --- construction -------------------------------------------------------------------------------------

    def _reader(self, read: Callable[[Path], PhotoMetadata] | None) -> Callable[[Path], PhotoMetadata]:
        if read is None:
            from captioner.reading import read_metadata

            read = read_metadata
        catalogue = self.catalogue
        if catalogue is None:
            return read

        known: dict[Path, dict[str, Any]] = {}
        lock = threading.Lock()
        write_lock = threading.Lock()

        def catalogued(folder: Path) -> dict[str, Any]:
            with lock:
                if folder not in known:
                    known[folder] = catalogue.entries_under(folder)
                return known[folder]

        def read_and_index(path: Path) -> PhotoMetadata:
            """Read the file; index it unless the catalogue already has it as it is on disk."""
            meta = read(path)
            try:
                real = path.resolve()
                entry = catalogued(real.parent).get(str(real))
                if entry is None or (entry.size, entry.mtime_ns) != (meta.stamp.size, meta.stamp.mtime_ns):
                    with write_lock:  # queue here: SQLite's busy handler would sleep in steps of milliseconds
                        catalogue.upsert_photo(meta)
            except CaptionerError as exc:  # the catalogue is an index: reading the file is what matters
                log.warning("catalogue: %s", exc)
            return meta

        return read_and_index

    def _build_views(self) -> None:
        self.sidebar = Sidebar(self)
        self.grid = PhotoGrid(self)
        self.grid.setObjectName("grid")
        self.grid.setModel(self.model)
        self.delegate = PhotoDelegate(self.grid)
        self.grid.setItemDelegate(self.delegate)
        # List mode wrapping left to right looks like an icon grid, but a changed item does not make the view
        # lay out every item again (icon mode does, which costs seconds while 1,000 thumbnails arrive).
        self.grid.setViewMode(QListView.ViewMode.ListMode)
        self.grid.setFlow(QListView.Flow.LeftToRight)
        self.grid.setWrapping(True)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setGridSize(QSize(CELL_W + 4, CELL_H + 4))
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setMouseTracking(True)
        self.grid.setSpacing(0)
        self.grid.setWordWrap(True)
        self.grid.viewport().installEventFilter(self)
        self.preview = PreviewPane(self)
        self.editor = EditorPanel(self)

        self.right = QSplitter(Qt.Orientation.Vertical, self)
        self.right.addWidget(self.preview)
        self.right.addWidget(self.editor)
        self.right.setStretchFactor(0, 2)
        self.right.setStretchFactor(1, 3)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([190, 640, 470])
        self.setCentralWidget(self.splitter)

        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("search")
        self.search_box.setPlaceholderText("Search captions, names, keywords…  (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(260)

        self.status_label = QLabel(self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.errors = ErrorList(self)

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence
        self.open_action = self._action("&Open Folder…", self.choose_folder, key.StandardKey.Open)
        self.save_action = self._action(
            "&Save", self.save, key.StandardKey.Save, "Write the pending edits into the files (Ctrl+S)"
        )
        self.revert_action = self._action(
            "&Revert", self.revert, None, "Drop the unsaved edits of the selected pictures (all if none selected)"
        )
        # Own actions rather than QUndoStack.createUndoAction: a fixed text keeps the toolbar from jumping;
        # what would be undone goes to the tooltip.
        self.undo_action = self._action("&Undo", self.undo_stack.undo, QKeySequence.keyBindings(key.StandardKey.Undo))
        self.redo_action = self._action("&Redo", self.undo_stack.redo)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(self._undo_text_changed)
        self.undo_stack.redoTextChanged.connect(self._redo_text_changed)
        redo_keys = QKeySequence.keyBindings(key.StandardKey.Redo)
        if QKeySequence("Ctrl+Shift+Z") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Shift+Z"))
        self.redo_action.setShortcuts(redo_keys)
        self.template_action = self._action(
            "Apply &Template…",
            self.apply_template_dialog,
            QKeySequence("Ctrl+T"),
            "Fill fields of the selected pictures from a template (Ctrl+T)",
        )
        self.find_action = self._action("&Find", self.focus_search, key.StandardKey.Find)
        self.caption_action = self._action("Edit &Caption", self.focus_caption, QKeySequence("F2"))
        self.select_all_action = self._action("Select &All", self.grid.selectAll, key.StandardKey.SelectAll)
        self.save_search_action = self._action(
            "Save Search", self.save_current_search, None, "Keep this search in the sidebar"
        )
        self.codes_action = self._action(
            "Code &Replacements…", self.choose_codes_file, None, "Choose a tab-separated codes file (code, TAB, text)"
        )
        self.quit_action = self._action("&Quit", self.close, key.StandardKey.Quit)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for a in (self.open_action, self.save_action, self.revert_action):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.codes_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        for a in (
            self.undo_action,
            self.redo_action,
            None,
            self.select_all_action,
            self.template_action,
            self.caption_action,
            None,
            self.find_action,
            self.save_search_action,
        ):
            if a is None:
                edit_menu.addSeparator()
            else:
                edit_menu.addAction(a)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        for a in (
            self.open_action,
            self.save_action,
            self.revert_action,
            self.undo_action,
            self.redo_action,
            self.template_action,
        ):
            toolbar.addAction(a)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search_box)
        toolbar.addAction(self.save_search_action)

    def _connect(self) -> None:
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        self.model.dataChanged.connect(self._data_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.model.pendingChanged.connect(self._update_status)
        self.editor.edited.connect(self._edited)
        self.editor.fieldFocused.connect(self._new_typing_session)
        self.loader.listed.connect(self._listed)
        self.loader.progress.connect(self._load_progress)
        self.loader.metadataLoaded.connect(self._metadata_loaded)
        self.loader.thumbnailsLoaded.connect(self._maybe_loaded)
        self.loader.failed.connect(self._load_failed)
        self.saver.progress.connect(self._save_progress)
        self.saver.finished.connect(self._save_finished)
        self.search_box.returnPressed.connect(self._search_entered)
        self.sidebar.folderChosen.connect(self._folder_chosen)
        self.sidebar.storyChosen.connect(self.open_story)
        self.sidebar.searchChosen.connect(self._search_from_sidebar)
        self.undo_stack.indexChanged.connect(self._undo_index_changed)
        self._progress = (0, 0)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(200)
        self._progress_timer.timeout.connect(self._show_progress)
        self._editor_refresh = QTimer(self)
        self._editor_refresh.setSingleShot(True)
        self._editor_refresh.setInterval(0)
        self._editor_refresh.timeout.connect(self._refresh_editor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stretch the grid's cells so the columns fill the width of the view."""
        if event.type() == QEvent.Type.Resize and watched is self.grid.viewport():
            width = self.grid.viewport().width()
            columns = max(1, width // (CELL_W + 4))
            cell = max(CELL_W + 4, width // columns)
            if cell != self.grid.gridSize().width():
                self.delegate.cell_width = cell - 4
                self.grid.setGridSize(QSize(cell, CELL_H + 4))
        return False

    def _current_changed(self, *_args: Any) -> None:
        self._refresh_preview()

    def _load_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Open folder", message)

    def _search_entered(self) -> None:
        self.search(self.search_box.text())

    def _folder_chosen(self, folder: str) -> None:
        self.open_folder(Path(folder))

    def _undo_text_changed(self, text: str) -> None:
        self.undo_action.setToolTip(f"Undo {text}" if text else "Undo")

    def _redo_text_changed(self, text: str) -> None:
        self.redo_action.setToolTip(f"Redo {text}" if text else "Redo")

    def _undo_index_changed(self, _index: int) -> None:
        self._update_status()

    # --- settings ---------------------------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        for name, splitter in (("window/splitter", self.splitter), ("window/right", self.right)):
            value = self.settings.value(name)
            if isinstance(value, QByteArray):
                splitter.restoreState(value)

    def _save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/right", self.right.saveState())
        self.settings.sync()

    def _list_setting(self, name: str) -> list[str]:
        value = self.settings.value(name, [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value or []]

    def recent_folders(self) -> list[Path]:
        """Folders opened before, most recent first."""
        return [Path(p) for p in self._list_setting("recentFolders")]

    def refresh_sidebar(self) -> None:
        """Reload folders and saved searches, and the stories from the catalogue (in a worker)."""
        self.sidebar.set_folders(self.recent_folders())
        self.sidebar.set_entries("search", [(q, q) for q in self._list_setting("savedSearches")])
        if self.catalogue is not None:
            workers.start(partial(_catalogue_lists, self.catalogue), on_value=self._catalogue_lists_loaded)

    def _catalogue_lists_loaded(self, lists: tuple[list[dict[str, Any]], list[str]]) -> None:
        stories, people = lists
        self.sidebar.set_entries("story", [(f"{s['name']} ({s['count']})", s["name"]) for s in stories])
        if people:
            self.add_names(people)

    # --- opening --------------------------------------------------------------------------------------------

    def add_names(self, names: Sequence[str]) -> None:
        """Offer `names` too when a byline or credit is typed (e.g. the house style's people)."""
        self.editor.set_names([*self.editor.name_list(), *names])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept folders and pictures dragged from the file manager."""
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open a dropped folder, or show the dropped pictures."""
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_dropped(paths)

    def open_dropped(self, paths: Sequence[Path]) -> bool:
        """A single folder is opened; otherwise the picture files among `paths` are shown."""
        if len(paths) == 1 and paths[0].is_dir():
            return self.open_folder(paths[0])
        pictures = [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]
        if not pictures:
            self.statusBar().showMessage("No pictures among the dropped files", 4000)
            return False
        return self.show_paths(pictures, f"{len(pictures)} dropped picture(s)")

    def choose_folder(self) -> None:
        """Ask for a folder and open it."""
        start = str(self.folder or Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Open folder", start)
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> bool:
        """Show the pictures of `folder` (after asking about unsaved edits); False if the user cancelled."""
        if not self._settle_unsaved("open another folder"):
            return False
        self.folder = Path(folder)
        self.source_label = str(self.folder)
        log.info("open folder %s", self.folder)
        recent = [str(self.folder)] + [p for p in self._list_setting("recentFolders") if p != str(self.folder)]
        self.settings.setValue("recentFolders", recent[:MAX_RECENT])
        self.settings.setValue("lastFolder", str(self.folder))
        self.refresh_sidebar()
        self.undo_stack.clear()
        self.setWindowTitle(f"{self.folder.name}[*] — Captioner")
        self.loader.load_folder(self.folder)
        self.folderOpened.emit(self.folder)
        return True

    def show_paths(self, paths: Sequence[Path], label: str) -> bool:
        """Show a given list of pictures (a story, search results)."""
        if not self._settle_unsaved("show other pictures"):
            return False
        self.source_label = label
        self.undo_stack.clear()
        self.setWindowTitle(f"{label}[*] — Captioner")
        self.loader.load_paths([Path(p) for p in paths])
        return True

    def open_story(self, name: str) -> None:
        """Show story `name` in its order (read from the catalogue in a worker)."""
        if self.catalogue is not None:
            workers.start(
                partial(_story_paths, self.catalogue, name),
                on_value=self._story_read,
                on_failed=self._story_failed,
            )

    def _story_read(self, story: tuple[str, list[Path]]) -> None:
        name, paths = story
        if self.show_paths(paths, f"Story: {name}"):
            self.storyOpened.emit(name)

    def _story_failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self, "Story", str(exc))

    def search(self, query: str) -> None:
        """Search the catalogue (``byline:…``, ``missing:credit`` …); an empty query shows the folder again."""
        query = query.strip()
        if not query:
            if self.folder is not None and self.source_label != str(self.folder):
                self.open_folder(self.folder)
            return
        if self.catalogue is None:
            self.statusBar().showMessage("Search needs the catalogue", 4000)
            return
        catalogue = self.catalogue

        def found(results: list[dict[str, Any]]) -> None:
            self.show_paths([Path(r["path"]) for r in results], f"Search: {query}")
            self.statusBar().showMessage(f"{len(results)} picture(s) match “{query}”", 5000)

        workers.start(
            lambda: iter([catalogue.search(query)]),
            on_value=found,
            on_failed=lambda exc: QMessageBox.warning(self, "Search", str(exc)),
        )

    def _search_from_sidebar(self, query: str) -> None:
        self.search_box.setText(query)
        self.search(query)

    def save_current_search(self) -> None:
        """Keep the search box's query in the sidebar's saved searches."""
        query = self.search_box.text().strip()
        if not query:
            return
        saved = self._list_setting("savedSearches")
        if query not in saved:
            self.settings.setValue("savedSearches", [*saved, query])
        self.refresh_sidebar()

    def choose_codes_file(self) -> None:
        """Ask for a codes file and use it from now on (remembered)."""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Code replacements", str(Path.home()), "Codes files (*.txt *.tsv *.tab);;All files (*)"
        )
        if path:
            self.load_codes_file(Path(path))

    def load_codes_file(self, path: Path) -> None:
        """Read the codes file `path` in a worker, then use its codes while typing."""

        def loaded(codes: dict[str, str]) -> None:
            self.editor.set_codes(codes)
            self.settings.setValue("codesFile", str(path))
            self.statusBar().showMessage(f"{len(codes)} code replacement(s) from {path.name}", 5000)

        def failed(exc: BaseException) -> None:
            QMessageBox.warning(self, "Code replacements", f"Cannot read {path}: {exc}")

        workers.start(lambda: iter([load_codes(path)]), on_value=loaded, on_failed=failed)

    def focus_search(self) -> None:
        """Ctrl+F."""
        self.search_box.setFocus()
        self.search_box.selectAll()

    def focus_caption(self) -> None:
        """F2: edit the caption of the selection."""
        self.editor.caption.tabs.setCurrentIndex(0)
        self.editor.caption.box.setFocus()

    def when_loaded(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the pictures shown are loaded (metadata and thumbnails); now if they are."""
        if self.loader.metadata_done and self.loader.thumbnails_done and self.folder_is_set():
            callback()
        else:
            self._loaded_callbacks.append(callback)

    def folder_is_set(self) -> bool:
        """True once a folder or list of pictures was asked for."""
        return bool(self.source_label)

    def _listed(self, count: int) -> None:
        self.progress_bar.setRange(0, max(count, 1))
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(count > 0)
        if count:
            self.grid.setCurrentIndex(self.model.index(0, 0))
        self._update_status()

    def _load_progress(self, done: int, total: int) -> None:
        """Remember the progress; the status bar shows it a few times a second, not on every batch."""
        self._progress = (done, total)
        if not self._progress_timer.isActive():
            self._progress_timer.start()

    def _show_progress(self) -> None:
        done, total = self._progress
        self.progress_bar.setValue(done)
        self._update_status(f"Reading {done}/{total}…" if done < total else "")

    def _metadata_loaded(self) -> None:
        self._progress_timer.stop()
        self.progress_bar.hide()
        names: set[str] = set()
        for item in self.model.items():
            if item.meta is not None:
                names.update(item.meta.value("byline"))
                credit = item.meta.value("credit")
                if credit:
                    names.add(str(credit))
        self.editor.set_names(sorted(names))
        self.refresh_sidebar()  # the catalogue's stories and people, read in a worker
        self._refresh_editor()
        self._update_status()
        self._maybe_loaded()

    def _maybe_loaded(self) -> None:
        if self.loader.metadata_done and self.loader.thumbnails_done:
            callbacks, self._loaded_callbacks = self._loaded_callbacks, []
            for callback in callbacks:
                callback()

    # --- selection and display -----------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """Selected rows in grid order."""
        return sorted(i.row() for i in self.grid.selectionModel().selectedIndexes())

    def selected_items(self) -> list[PhotoItem]:
        """Selected pictures in grid order."""
        return [self.model.item(r) for r in self.selected_rows()]

    def jump_to(self, path: Path) -> None:
        """Select and show the picture at `path` (from the Checks panel or the story order)."""
        row = self.model.row_of(Path(path))
        if row is None:
            self.statusBar().showMessage(f"{Path(path).name} is not among the pictures shown", 4000)
            return
        self.select_rows([row])
        self.grid.scrollTo(self.model.index(row, 0))
        self.grid.setFocus()

    def has_unsaved(self, path: Path) -> bool:
        """True when the app holds unsaved edits of the picture at `path`."""
        row = self.model.row_of(Path(path))
        return row is not None and bool(self.model.item(row).pending)

    def select_rows(self, rows: Sequence[int]) -> None:
        """Select `rows` (the first becomes current)."""
        selection = self.grid.selectionModel()
        selection.clearSelection()
        for row in rows:
            selection.select(self.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select)
        if rows:
            selection.setCurrentIndex(self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def _selection_changed(self, *_args: Any) -> None:
        self._new_typing_session()
        self._refresh_editor()
        self._refresh_preview()
        self._update_status()

    def _data_changed(self, top: Any, bottom: Any, roles: Sequence[int] = ()) -> None:
        selection = self.grid.selectionModel()
        if any(selection.isRowSelected(r) for r in range(top.row(), bottom.row() + 1)):
            self._editor_refresh.start()
        current = self.grid.currentIndex()
        if current.isValid() and top.row() <= current.row() <= bottom.row():
            self._refresh_preview()

    def _refresh_editor(self) -> None:
        self.editor.show_items(self.selected_items())

    def _refresh_preview(self) -> None:
        index = self.grid.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            self.preview.show_picture(None)
            return
        item = self.model.item(index.row())
        self.preview.show_picture(item.path, self.model.thumbnail(index.row()), item.error)

    def _update_status(self, message: str = "") -> None:
        total = self.model.rowCount()
        selected = len(self.grid.selectionModel().selectedIndexes()) if self.grid.selectionModel() else 0
        dirty = len(self.model.dirty_items())
        parts = [f"{total} picture(s)", f"{selected} selected"]
        if dirty:
            parts.append(f"{dirty} with unsaved edits")
        if message:
            parts.append(message)
        self.status_label.setText("   ·   ".join(parts))
        self.setWindowModified(bool(dirty))
        self.save_action.setEnabled(bool(dirty) and not self.saver.running)
        self.revert_action.setEnabled(bool(dirty))

    # --- editing ---------------------------------------------------------------------------------------------

    def _new_typing_session(self, *_args: Any) -> None:
        self._typing_session += 1

    def _edited(self, key: str, lang: str, value: Any) -> None:
        paths = [item.path for item in self.selected_items() if item.meta is not None]
        if not paths:
            return
        self.undo_stack.push(field_edit(self.model, paths, key, value, lang, self._typing_session))

    def apply_template(self, template: Template, items: Sequence[PhotoItem] | None = None) -> None:
        """Apply `template` to `items` (default: the selection) as one undoable step."""
        items = [i for i in (items if items is not None else self.selected_items()) if i.meta is not None]
        if not items or not template.enabled_fields():
            return
        changes = {}
        for seq, item in enumerate(items, start=1):
            values = {key: item.value(key) for key in item.meta.fields} if item.meta else {}
            for key in ("byline", "credit", "date_created", "caption"):
                values[key] = item.value(key)
            changes[item.path] = apply_template(template, PictureContext(item.path, seq, values))
        name = template.name if template.name and template.name != "(new)" else "template"
        self.undo_stack.push(changes_edit(self.model, changes, f"Apply {name} to {len(items)} picture(s)"))
        self._new_typing_session()

    def apply_template_dialog(self) -> None:
        """Ctrl+T: choose or write a template and apply it to the selection."""
        items = self.selected_items()
        if not items:
            self.statusBar().showMessage("Select pictures first", 3000)
            return
        dialog = TemplateDialog(self.templates_file, len(items), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_template(dialog.template(), items)

    def revert(self) -> None:
        """Drop the unsaved edits of the selection (of everything when nothing selected); undoable."""
        items = [i for i in self.selected_items() if i.pending] or self.model.dirty_items()
        if items:
            self.undo_stack.push(revert_edit(self.model, [i.path for i in items]))

    # --- saving ---------------------------------------------------------------------------------------------

    def save(self, force: bool = False, paths: Sequence[Path] | None = None) -> bool:
        """Ctrl+S: write the pending edits in a worker, with progress; False if nothing to do."""
        jobs = self.saver.jobs(paths)
        if not self.saver.start(jobs, force=force):
            return False
        self._save_dialog = QProgressDialog(f"Saving {len(jobs)} picture(s)…", "", 0, len(jobs), self)
        self._save_dialog.setWindowTitle("Saving")
        self._save_dialog.setCancelButton(None)
        self._save_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._save_dialog.setMinimumDuration(400)
        self._save_dialog.setValue(0)
        self.progress_bar.setRange(0, len(jobs))
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self._update_status("Saving…")
        return True

    def _save_progress(self, done: int, total: int, name: str) -> None:
        self.progress_bar.setValue(done)
        if self._save_dialog is not None:
            self._save_dialog.setValue(done)
            self._save_dialog.setLabelText(f"Saved {name} ({done}/{total})")

    def _save_finished(self, report: SaveReport) -> None:
        if self._save_dialog is not None:
            self._save_dialog.reset()
            self._save_dialog.deleteLater()
            self._save_dialog = None
        self.progress_bar.hide()
        written = len(report.written)
        if written and not self.model.dirty_items():
            self.undo_stack.clear()  # saved edits are in the files now; the history is in the catalogue
        self._update_status()
        self.statusBar().showMessage(f"Saved {written} picture(s)", 5000)
        if report.changed_on_disk:
            paths = [o.path for o in report.changed_on_disk]
            choice = self.ask_changed_on_disk(paths)
            if choice == "overwrite":
                self.save(force=True, paths=paths)
                return
            if choice == "reload":
                self.reload(paths)
        if report.failed:
            self.errors.show_errors([o.error for o in report.failed], written)
        if self._close_after_save and not self.model.dirty_items():
            self.close()
        self._close_after_save = False

    def ask_changed_on_disk(self, paths: Sequence[Path]) -> str:
        """Ask what to do with files another program changed: ``overwrite``, ``reload`` or ``keep``."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Changed on disk")
        names = ", ".join(p.name for p in paths[:5]) + (" …" if len(paths) > 5 else "")
        box.setText(f"{len(paths)} picture(s) changed on disk since Captioner read them: {names}")
        box.setInformativeText(
            "Overwrite writes your edits over the other program's changes. Reload reads the files again "
            "and drops your edits to them."
        )
        overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
        reload = box.addButton("Reload", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep my edits", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return "overwrite" if clicked is overwrite else "reload" if clicked is reload else "keep"

    def reload(self, paths: Sequence[Path]) -> None:
        """Read `paths` again and drop their pending edits."""
        for path in paths:
            self.model.clear_pending(path)
        read = self.loader.reader()

        def reread() -> Any:
            from captioner_gui.loading import read_results

            yield list(read_results(list(paths), read))

        workers.start(reread, on_value=self.model.set_metadata)

    # --- closing --------------------------------------------------------------------------------------------

    def _settle_unsaved(self, doing: str) -> bool:
        """Before leaving pictures with unsaved edits: ask Save / Discard / Cancel. True to go ahead."""
        dirty = self.model.dirty_items()
        if not dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved edits",
            f"{len(dirty)} picture(s) have unsaved edits. Save them before you {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            self._close_after_save = doing == "quit"
            self.save()
            return False
        if answer == QMessageBox.StandardButton.Discard:
            for item in dirty:
                self.model.clear_pending(item.path)
            return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved edits, remember the layout, stop the workers."""
        if self.saver.running:
            self.statusBar().showMessage("Saving — the window closes when you ask again after the save", 5000)
            event.ignore()
            return
        if not self._settle_unsaved("quit"):
            event.ignore()
            return
        self._save_layout()
        self.loader.shutdown()
        event.accept()
