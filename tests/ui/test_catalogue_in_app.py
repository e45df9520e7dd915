"""The app with a catalogue: indexing on open, search box, stories and saved searches in the sidebar,
byline completion from the people registry, saves recorded in the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import wait_loaded
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QApplication


@pytest.fixture
def window(make_window, folder: Path, qtbot, catalogue):
    catalogue.add_person("Thanh Cuong", aliases=["清强", "Thanh Cường"])
    catalogue.add_person("Nguyễn Đức Trung")
    win = make_window(catalogue=catalogue)
    win.open_folder(folder)
    wait_loaded(qtbot, win)
    return win


def test_opening_a_folder_indexes_it_and_the_search_box_finds_pictures(qtbot, window, folder: Path) -> None:
    # Opening the folder indexes it in the background: wait for the index rather than race it.
    qtbot.waitUntil(lambda: len(window.catalogue.search("nghe an")) == 1, timeout=10_000)
    window.search_box.setText("nghe an")  # folded: finds "Nghệ An"
    window.search_box.returnPressed.emit()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and window.loader.metadata_done, timeout=10_000)
    assert window.model.item(0).path.name == "bna_9301.jpg"
    assert "Search: nghe an" in window.windowTitle()
    window.save_current_search()
    assert window.sidebar.entries("search") == ["nghe an"]
    window.search_box.clear()
    window.search("")  # back to the folder
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)


def test_stories_are_listed_and_open_in_story_order(qtbot, window, catalogue, folder: Path) -> None:
    order = [folder / "bna_9302.jpg", folder / "bna_9300.jpg"]
    catalogue.create_story("Nghệ An congress", order)
    window.refresh_sidebar()
    qtbot.waitUntil(lambda: window.sidebar.entries("story") == ["Nghệ An congress"])
    window.sidebar.storyChosen.emit("Nghệ An congress")
    qtbot.waitUntil(lambda: window.model.paths() == order, timeout=10_000)


def test_byline_completion_offers_registered_people(qtbot, window) -> None:
    # The registry is read in a worker: wait for it rather than racing it.
    qtbot.waitUntil(lambda: "Nguyễn Đức Trung" in window.editor.name_list(), timeout=10_000)
    assert "Thanh Cuong" in window.editor.name_list()
    window.select_rows([0])
    byline = window.editor.line("byline")
    byline.setFocus()
    byline.selectAll()
    qtbot.keyClicks(byline, "Duc")
    completer = window.editor.editors["byline"].completer
    offered = [completer.completionModel().index(r, 0).data() for r in range(completer.completionCount())]
    assert offered == ["Nguyễn Đức Trung"]  # typed without diacritics
    completer.activated[QModelIndex].emit(completer.completionModel().index(0, 0))
    assert byline.text() == "Nguyễn Đức Trung"
    assert window.model.item(0).value("byline") == ["Nguyễn Đức Trung"]
    QApplication.processEvents()


def test_saving_records_the_edit_in_the_history(qtbot, window, catalogue) -> None:
    window.select_rows([0])
    window.editor.line("credit").setFocus()
    qtbot.keyClicks(window.editor.line("credit"), "BNA")
    assert window.save()
    qtbot.waitUntil(lambda: not window.saver.running, timeout=20_000)
    history = catalogue.history(window.model.item(0).path)
    assert [(h["field"], h["new"], h["status"]) for h in history] == [("credit", "BNA", "written")]
