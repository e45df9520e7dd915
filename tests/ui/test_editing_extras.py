"""Template dialog (Ctrl+T), caption language tabs, codes file chosen in the app."""

from __future__ import annotations

from pathlib import Path

from captioner_gui.template_dialog import TemplateDialog
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog

from captioner.reading import read_metadata
from captioner.templates import load_templates


def commit_text(widget, text: str) -> None:
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def test_ctrl_t_applies_the_dialogs_template_as_one_undo_step(qtbot, window, monkeypatch, tmp_path: Path) -> None:
    window.select_rows([0, 1, 2])

    def fill_and_apply(dialog: TemplateDialog) -> int:
        dialog.texts["credit"].setText("BNA {seq}/{filename}")
        dialog.ticks["credit"].setChecked(True)
        dialog.texts["caption"].setText(" 图片:{byline}")
        dialog.modes["caption"].setCurrentIndex(dialog.modes["caption"].findData("append"))
        dialog.ticks["caption"].setChecked(True)
        dialog.save_as("desk")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TemplateDialog, "exec", fill_and_apply)
    window.template_action.trigger()
    items = window.model.items()
    assert [i.value("credit") for i in items] == [f"BNA {n}/{i.path.name}" for n, i in enumerate(items, start=1)]
    assert items[1].value("caption") == "Đại biểu dự hội nghị tại Nghệ An. 图片:Thanh Cuong"
    assert window.undo_stack.count() == 1
    assert [t.name for t in load_templates(window.templates_file)] == ["desk"]
    again = TemplateDialog(window.templates_file, 3)
    again.chooser.setCurrentIndex(1)
    assert again.template().enabled_fields()[0].key == "caption"
    assert again.texts["credit"].text() == "BNA {seq}/{filename}"


def test_caption_language_tab_is_saved_as_an_xmp_language_alternative(qtbot, window) -> None:
    window.select_rows([0])
    caption = window.editor.caption
    caption.add_language("vi")
    assert list(caption.boxes) == ["x-default", "vi"]
    commit_text(caption.boxes["vi"], "Các đại biểu dự hội nghị. Ảnh: Thanh Cường")
    assert window.model.item(0).pending == {"caption": {"vi": "Các đại biểu dự hội nghị. Ảnh: Thanh Cường"}}
    assert window.save()
    qtbot.waitUntil(lambda: not window.saver.running, timeout=20_000)
    meta = read_metadata(window.model.item(0).path)
    assert meta.languages["caption"]["vi"] == "Các đại biểu dự hội nghị. Ảnh: Thanh Cường"
    assert meta.value("caption") == "出席会议的代表。图片:Thanh Cuong"  # x-default kept
    window.select_rows([1])
    window.select_rows([0])
    assert list(caption.boxes) == ["x-default", "vi"]  # the language read back from the file


def test_codes_file_chosen_in_the_app(qtbot, window, tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("hn\tHà Nội\n", encoding="utf-8")
    window.load_codes_file(codes)
    qtbot.waitUntil(lambda: window.editor.editors["city"].codes == {"hn": "Hà Nội"})
    assert window.settings.value("codesFile") == str(codes)
    window.select_rows([0])
    city = window.editor.line("city")
    city.setFocus()
    qtbot.keyClicks(city, "\\hn\\")
    assert city.text() == "Hà Nội"


def test_dropping_a_folder_or_pictures(qtbot, window, folder: Path) -> None:
    pictures = [folder / "bna_9302.jpg", folder / "bna_9300.jpg", folder / "notes.txt"]
    assert window.open_dropped(pictures)
    qtbot.waitUntil(lambda: window.model.paths() == pictures[:2] and window.loader.metadata_done)
    assert window.open_dropped([folder])
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    assert not window.open_dropped([folder / "notes.txt"])


def test_house_style_people_are_offered_for_bylines(qtbot, window, folder: Path) -> None:
    window.newsroom._style_loaded((window.newsroom.style, _people("Lê Minh Quân")))
    assert "Lê Minh Quân" in window.editor.name_list()
    assert "Thanh Cuong" in window.editor.name_list()  # seen in the folder, still offered


def _people(name: str):
    from captioner.housestyle import People, Person

    return People([Person(name)])
