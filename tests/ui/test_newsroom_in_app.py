"""The newsroom panels inside the main window: F7 checks the pictures shown and a finding jumps to its
picture; Import article and Export open on the folder and pictures shown; a story opens its order dock."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import wait_loaded
from PySide6.QtWidgets import QApplication


@pytest.fixture
def window(make_window, folder: Path, qtbot, catalogue):
    win = make_window(catalogue=catalogue)
    win.open_folder(folder)
    wait_loaded(qtbot, win)
    return win


def test_f7_checks_the_pictures_shown_and_a_finding_jumps_to_its_picture(qtbot, window) -> None:
    panel = window.newsroom.checks
    with qtbot.waitSignal(panel.checkFinished, timeout=20_000) as finished:
        window.newsroom.check_action.trigger()
    assert window.newsroom.checks_dock.isVisible()
    errors, _warnings = finished.args
    assert errors >= 3  # no credit on any of the three pictures
    findings = panel.model.findings() if hasattr(panel, "model") else []
    target = next(f for f in findings if Path(f.path).name == "bna_9302.jpg")
    panel.jumpRequested.emit(Path(target.path))
    assert [i.path.name for i in window.selected_items()] == ["bna_9302.jpg"]


def test_import_and_export_dialogs_open_on_what_is_shown(qtbot, window, folder: Path) -> None:
    window.newsroom.import_action.trigger()
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.reject()
    window.select_rows([2, 0])
    window.newsroom.export_action.trigger()
    export = window.export_dialog
    assert export is not None and export.isVisible()
    export.reject()
    QApplication.processEvents()


def test_opening_a_story_shows_its_order(qtbot, window, catalogue, folder: Path) -> None:
    catalogue.create_story("congress", [folder / "bna_9302.jpg", folder / "bna_9300.jpg"])
    window.refresh_sidebar()
    window.open_story("congress")
    qtbot.waitUntil(window.newsroom.story_dock.isVisible)
    qtbot.waitUntil(lambda: window.newsroom.story_list.paths() == [folder / "bna_9302.jpg", folder / "bna_9300.jpg"])
