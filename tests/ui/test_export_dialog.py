"""The Export dialog: previews per format and credit label, Save As… in a worker, files that parse back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from captioner_gui.export_dialog import ExportDialog
from conftest import make_jpeg

from captioner.housestyle import HouseStyle
from captioner.writing import write_fields

PICTURES = [
    ("bna_9336.jpg", "会议概况。图片:Thanh Cuong"),
    ("bna_9297.jpg", "Đại biểu dự hội nghị tại Nghệ An. Ảnh: Thanh Cuong"),
    ("bna_9278.jpg", "出席会议的代表。图:Thanh Cuong"),
]


@pytest.fixture
def story(tmp_path: Path) -> list[Path]:
    """Three captioned pictures in story order (not name order)."""
    folder = tmp_path / "pics"
    folder.mkdir()
    paths = []
    for n, (name, caption) in enumerate(PICTURES):
        path = make_jpeg(folder / name, size=(160, 120), seed=n)
        write_fields(path, {"caption": caption, "byline": ["Thanh Cuong"], "credit": "Thanh Cuong"})
        paths.append(path)
    return paths


def make_dialog(qtbot, paths: list[Path], **kwargs) -> ExportDialog:
    dialog = ExportDialog(paths, HouseStyle(), **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.loading and not dialog.rendering and dialog.preview is not None, timeout=20_000)
    return dialog


def wait_preview(qtbot, dialog: ExportDialog, fmt: str) -> None:
    qtbot.waitUntil(
        lambda: not dialog.rendering and dialog.preview is not None and dialog.preview.fmt in (fmt, "html"),
        timeout=20_000,
    )


def test_article_preview_in_story_order_with_the_chosen_label(qtbot, story: list[Path]) -> None:
    dialog = make_dialog(qtbot, story, title="口宣会议")
    assert dialog.stack.currentWidget() is dialog.text_preview
    lines = dialog.text_preview.toPlainText().splitlines()
    assert lines[0::3] == [name for name, _ in PICTURES]
    assert lines[1] == "会议概况。图片:Thanh Cuong"
    assert lines[4] == "Đại biểu dự hội nghị tại Nghệ An.图片:Thanh Cuong"
    assert lines[7] == "出席会议的代表。图片:Thanh Cuong"
    assert dialog.status.text() == "3 picture(s), in order."
    dialog.label.setEditText("Ảnh")
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.preview.label == "Ảnh", timeout=20_000)
    assert dialog.text_preview.toPlainText().splitlines()[1] == "会议概况。Ảnh:Thanh Cuong"


def test_each_format_has_a_preview(qtbot, story: list[Path]) -> None:
    dialog = make_dialog(qtbot, story)
    dialog.set_format("csv")
    wait_preview(qtbot, dialog, "csv")
    assert dialog.text_preview.toPlainText().startswith("file,path,caption_line,")
    dialog.set_format("json")
    wait_preview(qtbot, dialog, "json")
    assert [p["file"] for p in json.loads(dialog.text_preview.toPlainText())["pictures"]] == [n for n, _ in PICTURES]
    dialog.set_format("html")
    wait_preview(qtbot, dialog, "html")
    assert dialog.stack.currentWidget() is dialog.html_preview
    assert len(dialog.preview.images) == 3
    assert all(not image.isNull() for image in dialog.preview.images.values())
    assert "会议概况。图片:Thanh Cuong" in dialog.html_preview.toPlainText()
    dialog.set_format("pdf")
    wait_preview(qtbot, dialog, "pdf")
    assert dialog.stack.currentWidget() is dialog.html_preview
    assert "A4" in dialog.note.text()
    dialog.set_format("docx")
    wait_preview(qtbot, dialog, "docx")
    text = dialog.html_preview.toPlainText()
    assert text.index("bna_9336.jpg") < text.index("bna_9297.jpg") < text.index("bna_9278.jpg")


def test_save_as_csv_parses_back(qtbot, story: list[Path], tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, story, fmt="csv")
    out = tmp_path / "sheet.csv"
    assert dialog.default_file() == story[0].parent / "caption-sheet.csv"
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as exported:
        assert dialog.save_to(out)
    qtbot.waitUntil(lambda: not dialog.saving)
    assert exported.args == [out]
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["file"] for r in rows] == [n for n, _ in PICTURES]
    assert rows[0]["caption_line"] == "会议概况。图片:Thanh Cuong"
    assert rows[1]["byline"] == "Thanh Cuong"
    assert rows[2]["credit"] == "Thanh Cuong"
    assert f"Saved {out}" in dialog.status.text()


def test_save_failure_is_reported(qtbot, story: list[Path], tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, story)
    out = tmp_path / "missing-folder" / "sheet.txt"
    assert dialog.save_to(out)
    qtbot.waitUntil(lambda: not dialog.saving, timeout=20_000)
    assert "Not saved" in dialog.status.text()
    assert not out.exists()


def test_unreadable_picture_is_reported(qtbot, story: list[Path], tmp_path: Path) -> None:
    broken = tmp_path / "pics" / "bna_0000.jpg"
    broken.write_bytes(b"not a jpeg")
    dialog = make_dialog(qtbot, [*story, broken])
    assert "1 could not be read" in dialog.status.text()
    assert dialog.text_preview.toPlainText().splitlines()[-2] == "bna_0000.jpg"


def test_save_as_docx_reads_back(qtbot, story: list[Path], tmp_path: Path) -> None:
    import docx

    dialog = make_dialog(qtbot, story, fmt="docx", title="口宣会议")
    out = tmp_path / "sheet.docx"
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        assert dialog.save_to(out)
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert paragraphs[0] == "口宣会议"
    assert paragraphs[1:3] == ["bna_9336.jpg", "会议概况。图片:Thanh Cuong"]


def test_save_as_pdf_writes_a_pdf(qtbot, story: list[Path], tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, story, fmt="pdf", title="口宣会议")
    out = tmp_path / "sheet.pdf"
    with qtbot.waitSignal(dialog.exported, timeout=120_000):
        assert dialog.save_to(out)
    assert out.read_bytes().startswith(b"%PDF-")
