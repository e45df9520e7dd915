"""The main window end to end: select, type, save through the core, read the files back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from captioner_gui.editor_panel import MULTIPLE
from conftest import wait_loaded
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from captioner.reading import read_metadata
from captioner.templates import Template, TemplateField
from captioner.writing import write_fields


def commit_text(widget, text: str) -> None:
    """Type `text` as an input method would (keyClicks cannot send non-ASCII text safely)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def save_and_wait(qtbot, window) -> None:
    assert window.save()
    qtbot.waitUntil(lambda: not window.saver.running, timeout=20_000)


def paths(window) -> list[Path]:
    return window.model.paths()


def test_edit_one_picture_and_save_writes_the_file(qtbot, window) -> None:
    window.select_rows([1])
    window.editor.caption.box.selectAll()
    commit_text(window.editor.caption.box, "Đại biểu dự hội nghị. Ảnh: Thanh Cường")
    credit = window.editor.line("credit")
    credit.setFocus()
    qtbot.keyClicks(credit, "Bao Nghe An")
    assert window.model.item(1).pending == {
        "caption": {"x-default": "Đại biểu dự hội nghị. Ảnh: Thanh Cường"},
        "credit": "Bao Nghe An",
    }
    assert window.isWindowModified()
    save_and_wait(qtbot, window)
    meta = read_metadata(paths(window)[1])
    assert meta.value("caption") == "Đại biểu dự hội nghị. Ảnh: Thanh Cường"
    assert meta.value("credit") == "Bao Nghe An"
    assert meta.value("byline") == ["Thanh Cuong"]
    assert not window.model.dirty_items()
    assert not window.isWindowModified()
    assert read_metadata(paths(window)[0]).value("credit") == ""  # other pictures untouched


def test_batch_edit_leaves_multiple_values_untouched(qtbot, window) -> None:
    before = [read_metadata(p).value("caption") for p in paths(window)]
    window.grid.setFocus()
    qtbot.keySequence(window.grid, QKeySequence.StandardKey.SelectAll)
    assert window.selected_rows() == [0, 1, 2]
    caption = window.editor.caption.box
    assert caption.toPlainText() == ""
    assert caption.placeholderText() == MULTIPLE
    assert window.editor.line("byline").text() == "Thanh Cuong"  # same everywhere: shown
    credit = window.editor.line("credit")
    credit.setFocus()
    qtbot.keyClicks(credit, "BNA")
    save_and_wait(qtbot, window)
    for path, caption_before in zip(paths(window), before, strict=True):
        meta = read_metadata(path)
        assert meta.value("credit") == "BNA"
        assert meta.value("caption") == caption_before
        assert meta.value("byline") == ["Thanh Cuong"]


def test_code_replacement_while_typing(qtbot, window) -> None:
    window.select_rows([0, 2])
    byline = window.editor.line("byline")
    byline.selectAll()
    byline.setFocus()
    qtbot.keyClicks(byline, "\\tc\\; Le Minh")
    assert byline.text() == "Thanh Cuong; Le Minh"
    caption = window.editor.caption.box
    caption.selectAll()
    commit_text(caption, "Hội nghị tại \\na\\.")
    assert caption.toPlainText() == "Hội nghị tại Nghệ An."
    for row in (0, 2):
        assert window.model.item(row).value("byline") == ["Thanh Cuong", "Le Minh"]
        assert window.model.item(row).value("caption") == "Hội nghị tại Nghệ An."


def test_typing_chinese_and_vietnamese_through_the_input_method(qtbot, window) -> None:
    window.select_rows([2])
    caption = window.editor.caption.box
    caption.selectAll()
    commit_text(caption, "省委宣传部")
    commit_text(caption, " — Đồng chí Nguyễn Đức Trung phát biểu")
    city = window.editor.line("city")
    commit_text(city, "Vinh, Nghệ An")
    item = window.model.item(2)
    assert item.value("caption") == "省委宣传部 — Đồng chí Nguyễn Đức Trung phát biểu"
    assert item.value("city") == "Vinh, Nghệ An"
    save_and_wait(qtbot, window)
    meta = read_metadata(paths(window)[2])
    assert meta.value("caption") == "省委宣传部 — Đồng chí Nguyễn Đức Trung phát biểu"
    assert meta.value("city") == "Vinh, Nghệ An"


def test_byte_meter_turns_red_past_the_iim_limit(qtbot, window) -> None:
    window.select_rows([0])
    credit_editor = window.editor.editors["credit"]
    commit_text(credit_editor.line, "图片" * 5)  # 30 bytes: fits 32
    assert credit_editor.meter.text() == "30/32"
    assert not credit_editor.meter.over
    commit_text(credit_editor.line, "图")  # 33 bytes
    assert credit_editor.meter.over
    assert "d32f2f" in credit_editor.meter.styleSheet()


def test_undo_and_redo_of_a_batch_template(qtbot, window) -> None:
    window.select_rows([0, 1, 2])
    template = Template("desk", [TemplateField("credit", "Báo {folder}"), TemplateField("headline", "Hội nghị")])
    window.apply_template(template)
    assert [i.value("credit") for i in window.model.items()] == ["Báo pics"] * 3
    assert window.undo_stack.count() == 1
    window.undo_action.trigger()
    assert not window.model.dirty_items()
    assert [i.value("credit") for i in window.model.items()] == ["", "", ""]
    window.redo_action.trigger()
    assert [i.value("headline") for i in window.model.items()] == ["Hội nghị"] * 3


def test_ctrl_z_in_a_field_undoes_through_the_window_stack(qtbot, window) -> None:
    window.select_rows([0])
    headline = window.editor.line("headline")
    headline.setFocus()
    qtbot.keyClicks(headline, "Hoi nghi")
    assert window.undo_stack.count() == 1  # typing in one field merges into one step
    qtbot.keySequence(headline, QKeySequence("Ctrl+Z"))
    assert window.model.item(0).value("headline") == ""
    qtbot.waitUntil(lambda: headline.text() == "")
    qtbot.keySequence(headline, QKeySequence("Ctrl+Shift+Z"))
    assert window.model.item(0).value("headline") == "Hoi nghi"


def test_revert_drops_unsaved_edits(qtbot, window) -> None:
    window.select_rows([0])
    commit_text(window.editor.line("credit"), "BNA")
    window.revert_action.trigger()
    assert not window.model.dirty_items()
    window.undo_action.trigger()
    assert window.model.item(0).value("credit") == "BNA"


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_closing_with_unsaved_edits_asks(qtbot, window, monkeypatch, answer) -> None:
    window.select_rows([0])
    commit_text(window.editor.line("credit"), "BNA")
    asked: list[str] = []
    buttons = {
        "cancel": QMessageBox.StandardButton.Cancel,
        "discard": QMessageBox.StandardButton.Discard,
        "save": QMessageBox.StandardButton.Save,
    }

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return buttons[answer]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    closed = window.close()
    assert asked and "1 picture(s) have unsaved edits" in asked[0]
    if answer == "cancel":
        assert not closed and window.isVisible()
        assert window.model.dirty_items()
    elif answer == "discard":
        assert closed
        assert read_metadata(paths(window)[0]).value("credit") == ""
    else:
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
        assert read_metadata(paths(window)[0]).value("credit") == "BNA"


@pytest.mark.parametrize("choice", ["reload", "overwrite", "keep"])
def test_file_changed_behind_our_back(qtbot, window, monkeypatch, choice) -> None:
    path = paths(window)[0]
    window.select_rows([0])
    commit_text(window.editor.line("credit"), "Ours")
    write_fields(path, {"headline": "Changed by another program"})  # behind the app's back
    asked: list[list[Path]] = []

    def ask(self, changed):
        asked.append(list(changed))
        return choice

    monkeypatch.setattr(type(window), "ask_changed_on_disk", ask)
    save_and_wait(qtbot, window)
    assert asked == [[path]]
    if choice == "overwrite":
        qtbot.waitUntil(lambda: not window.saver.running and not window.model.dirty_items(), timeout=20_000)
        meta = read_metadata(path)
        assert meta.value("credit") == "Ours"
        assert meta.value("headline") == "Changed by another program"  # only our fields were written
    elif choice == "reload":
        qtbot.waitUntil(lambda: window.model.item(0).value("headline") == "Changed by another program")
        assert not window.model.dirty_items()
        assert read_metadata(path).value("credit") == ""
    else:
        assert window.model.item(0).pending == {"credit": "Ours"}
        assert read_metadata(path).value("credit") == ""


def test_read_only_file_reports_a_per_file_error_and_the_rest_is_written(qtbot, make_window, folder) -> None:
    locked = folder / "bna_9301.jpg"
    locked.chmod(0o444)  # before the app reads it: a chmod afterwards counts as a change on disk
    window = make_window()
    window.open_folder(folder)
    wait_loaded(qtbot, window)
    window.select_rows([0, 1, 2])
    commit_text(window.editor.line("credit"), "BNA")
    try:
        save_and_wait(qtbot, window)
    finally:
        locked.chmod(0o644)
    assert window.errors.isVisible()
    assert window.errors.list.count() == 1
    assert locked.name in window.errors.list.item(0).text()
    assert read_metadata(paths(window)[0]).value("credit") == "BNA"
    assert read_metadata(paths(window)[2]).value("credit") == "BNA"
    assert [i.path for i in window.model.dirty_items()] == [locked]


def test_keyboard_shortcuts(qtbot, window) -> None:
    window.grid.setFocus()
    window.grid.setCurrentIndex(window.model.index(0, 0))
    qtbot.keyClick(window.grid, Qt.Key.Key_End)
    assert window.grid.currentIndex().row() == 2
    qtbot.keyClick(window.grid, Qt.Key.Key_Home)
    assert window.grid.currentIndex().row() == 0
    qtbot.keyClick(window.grid, Qt.Key.Key_Right)
    assert window.selected_rows() == [1]
    qtbot.keyClick(window.grid, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is window.editor.caption.box
    qtbot.keySequence(window.editor.caption.box, QKeySequence.StandardKey.Find)
    assert QApplication.focusWidget() is window.search_box


def test_layout_and_last_folder_are_remembered(qtbot, make_window, folder: Path, tmp_path: Path) -> None:
    first = make_window()
    first.open_folder(folder)
    wait_loaded(qtbot, first)
    first.close()
    assert first.settings.value("lastFolder") == str(folder)
    assert first.settings.value("window/geometry") is not None
    assert first.recent_folders() == [folder]


def test_unreadable_file_shows_an_error_not_a_crash(qtbot, make_window, folder: Path) -> None:
    (folder / "broken.jpg").write_bytes(b"not a jpeg at all")
    shutil.copyfile(folder / "bna_9300.jpg", folder / "copy.jpg")
    win = make_window()
    win.open_folder(folder)
    wait_loaded(qtbot, win)
    row = win.model.row_of(folder / "broken.jpg")
    assert row is not None
    assert win.model.item(row).error
    win.select_rows([row])
    assert not win.editor.editors["credit"].isEnabled()
