"""The Import article dialog: the seed article over twelve blank pictures, tick boxes, Apply in a worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from captioner_gui.import_dialog import ImportArticleDialog, ImportColumn, ImportRole
from conftest import make_jpeg
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from captioner.article import parse_article
from captioner.catalogue import Catalogue
from captioner.demo import seed_article_text
from captioner.housestyle import HouseStyle, People, Person
from captioner.reading import read_metadata

PEOPLE = People([Person("Thanh Cuong", ("清强", "Thanh Cường"))])
SEED = seed_article_text()
SEED_FILES = [e.file for e in parse_article(SEED)]


@pytest.fixture
def blank_folder(tmp_path: Path) -> Path:
    """The seed's twelve pictures with no metadata."""
    folder = tmp_path / "bna"
    folder.mkdir()
    for n, name in enumerate(SEED_FILES):
        make_jpeg(folder / name, size=(96, 64), seed=n)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def make_dialog(qtbot, folder: Path, catalogue: object = None) -> ImportArticleDialog:
    dialog = ImportArticleDialog(folder, HouseStyle(), PEOPLE, catalogue)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def planned(qtbot, dialog: ImportArticleDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.planning and dialog.model.plan is not None, timeout=20_000)


def cells(dialog: ImportArticleDialog, column: ImportColumn) -> list[str]:
    return [dialog.model.index(r, column).data() for r in range(dialog.model.rowCount())]


def test_seed_article_lists_twelve_pictures_in_article_order_and_writes_nothing(qtbot, blank_folder: Path) -> None:
    before = snapshot(blank_folder)
    dialog = make_dialog(qtbot, blank_folder)
    tester = QAbstractItemModelTester(dialog.model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    dialog.set_article_text(SEED, "seed.txt")
    planned(qtbot, dialog)
    assert dialog.model.rowCount() == 12
    assert cells(dialog, ImportColumn.File) == SEED_FILES
    assert cells(dialog, ImportColumn.Current) == [""] * 12
    proposed = cells(dialog, ImportColumn.Proposed)
    assert proposed[0] == "会议概况。图片:Thanh Cuong"
    assert all(p.endswith("图片:Thanh Cuong") for p in proposed)
    assert set(cells(dialog, ImportColumn.Byline)) == {"Thanh Cuong"}
    warned = {f for f, w in zip(SEED_FILES, cells(dialog, ImportColumn.Warnings), strict=True) if w}
    assert warned == {"bna_9326.jpg", "bna_9391.jpg", "bna_9384.jpg"}
    assert cells(dialog, ImportColumn.Credit)[SEED_FILES.index("bna_9384.jpg")] == "清强 → Thanh Cuong"
    assert all(
        dialog.model.index(r, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked for r in range(12)
    )
    assert dialog.apply_button.isEnabled()
    assert dialog.apply_button.text() == "Apply to 12 picture(s)"
    assert not dialog.unmatched.isVisible()
    assert not dialog.unused.isVisible()
    del tester
    assert snapshot(blank_folder) == before


def test_unticked_picture_is_left_alone_and_the_rest_written(qtbot, blank_folder: Path, tmp_path: Path) -> None:
    catalogue = Catalogue.open(tmp_path / "catalogue.db")
    dialog = make_dialog(qtbot, blank_folder, catalogue)
    dialog.set_article_text(SEED, "seed.txt")
    planned(qtbot, dialog)
    skipped = blank_folder / "bna_9353.jpg"
    untouched = skipped.read_bytes()
    row = SEED_FILES.index(skipped.name)
    assert dialog.model.setData(
        dialog.model.index(row, ImportColumn.File), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole
    )
    assert dialog.model.index(row, ImportColumn.Status).data() == "skipped"
    assert dialog.apply_button.text() == "Apply to 11 picture(s)"
    dialog.story.setText("口宣会议")
    with qtbot.waitSignal(dialog.applied, timeout=30_000) as applied:
        dialog.apply_button.click()
        dialog.reject()  # refused while writing
        assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.applying)
    written = applied.args[0]
    assert [p.name for p in written] == [f for f in SEED_FILES if f != skipped.name]
    assert skipped.read_bytes() == untouched
    for path in written:
        meta = read_metadata(path)
        assert meta.value("byline") == ["Thanh Cuong"]
        assert meta.value("credit") == "Thanh Cuong"
        assert str(meta.value("caption")).endswith("图片:Thanh Cuong")
    assert (
        read_metadata(blank_folder / "bna_9384.jpg").value("caption").endswith("颁发中宣部颁发的奖状。图片:Thanh Cuong")
    )
    assert dialog.progress.value() == 12
    assert dialog.model.index(row, ImportColumn.Status).data() == "unchanged"
    assert dialog.model.index(0, ImportColumn.Status).data() == "written"
    assert [p.name for p in catalogue.story("口宣会议")] == SEED_FILES
    assert not dialog.failures.isVisible()
    assert not dialog.apply_button.isEnabled()  # the plan is spent
    catalogue.close()


def test_read_only_picture_fails_alone(qtbot, blank_folder: Path) -> None:
    dialog = make_dialog(qtbot, blank_folder)
    dialog.set_article_text(SEED, "seed.txt")
    planned(qtbot, dialog)
    locked = blank_folder / "bna_9309.jpg"
    locked.chmod(0o444)
    untouched = locked.read_bytes()
    with qtbot.waitSignal(dialog.applied, timeout=30_000) as applied:
        assert dialog.apply()
    qtbot.waitUntil(lambda: not dialog.applying)
    assert len(applied.args[0]) == 11 and locked not in applied.args[0]
    assert locked.read_bytes() == untouched
    assert dialog.failures.isVisible()
    assert dialog.failures.count() == 1
    assert "bna_9309.jpg" in dialog.failures.item(0).text() and "read-only" in dialog.failures.item(0).text()
    assert dialog.model.index(SEED_FILES.index(locked.name), ImportColumn.Status).data() == "not written"
    assert dialog.status.text() == "11 picture(s) written, 1 not written"


def test_unmatched_unused_and_bad_articles(qtbot, blank_folder: Path) -> None:
    make_jpeg(blank_folder / "bna_0001.jpg")
    dialog = make_dialog(qtbot, blank_folder)
    dialog.set_article_text("bna_9336.jpg\n会议概况。图:清强\n\nbna_7777.jpg: Đại biểu. Ảnh: Thanh Cường\n")
    planned(qtbot, dialog)
    assert cells(dialog, ImportColumn.File) == ["bna_9336.jpg", "bna_7777.jpg"]
    assert dialog.model.index(1, ImportColumn.Status).data() == "not in folder"
    assert dialog.model.index(1, 0).data(ImportRole.Writable) is False
    assert dialog.model.index(1, 0).flags() & Qt.ItemFlag.ItemIsUserCheckable == Qt.ItemFlag.NoItemFlags
    assert dialog.unmatched.isVisible() and "bna_7777.jpg" in dialog.unmatched.text()
    assert dialog.unused.isVisible() and "bna_0001.jpg" in dialog.unused.text()
    assert dialog.apply_button.text() == "Apply to 1 picture(s)"

    dialog.set_article_text("no pictures here")
    qtbot.waitUntil(lambda: not dialog.planning, timeout=20_000)
    assert dialog.model.plan is None and dialog.model.rowCount() == 0
    assert "no pictures found" in dialog.status.text()
    assert not dialog.apply_button.isEnabled()

    dialog.set_article_text("bna_9336.jpg: a\nbna_9336.jpg: b\n")
    qtbot.waitUntil(lambda: not dialog.planning, timeout=20_000)
    assert "named 2 times" in dialog.status.text()


def test_open_article_file_and_pasted_text(qtbot, blank_folder: Path, tmp_path: Path) -> None:
    article = tmp_path / "draft.txt"
    article.write_text(SEED, encoding="utf-8")
    dialog = make_dialog(qtbot, blank_folder)
    dialog.open_article(article)
    planned(qtbot, dialog)
    assert dialog.model.rowCount() == 12
    assert "draft.txt" in dialog.source_label.text()
    assert dialog.text.toPlainText() == SEED
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    dialog.open_article(binary)
    qtbot.waitUntil(lambda: not dialog.planning, timeout=20_000)
    assert "binary" in dialog.status.text()
    # typing (pasting) text re-plans after a pause
    dialog.text.setPlainText("bna_9297.jpg\n讲话。图片:Thanh Cuong\n")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1 and not dialog.planning, timeout=20_000)
    assert "pasted text" in dialog.source_label.text()


def test_pictures_with_unsaved_edits_cannot_be_ticked(qtbot, blank_folder: Path) -> None:
    held = blank_folder / "bna_9297.jpg"
    before = held.read_bytes()
    dialog = ImportArticleDialog(blank_folder, HouseStyle(), PEOPLE, has_unsaved=lambda p: p == held)
    qtbot.addWidget(dialog)
    dialog.set_article_text(SEED, "seed.txt")
    planned(qtbot, dialog)
    row = SEED_FILES.index(held.name)
    index = dialog.model.index(row, ImportColumn.File)
    assert not index.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert not dialog.model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert dialog.model.index(row, ImportColumn.Status).data().startswith("unsaved edits")
    assert "1 with unsaved edits" in dialog.status.text()
    assert dialog.apply_button.text() == "Apply to 11 picture(s)"
    with qtbot.waitSignal(dialog.applied, timeout=30_000) as applied:
        assert dialog.apply()
    assert len(applied.args[0]) == 11
    assert held.read_bytes() == before
