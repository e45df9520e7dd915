"""The story list: the model's moves (Qt's model tester), drag-and-drop data, the order kept in the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from captioner_gui.story_list import MIME_TYPE, StoryListWidget, StoryModel, StoryPicture, StoryRole
from conftest import make_jpeg
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from captioner.catalogue import Catalogue
from captioner.writing import write_fields

CAPTIONS = ["会议概况。图片:Thanh Cuong", "Đại biểu dự hội nghị tại Nghệ An.", "出席会议的代表。图:Thanh Cuong", ""]


@pytest.fixture
def catalogue(tmp_path: Path):
    """A catalogue with story 口宣会议 holding four pictures."""
    folder = tmp_path / "pics"
    folder.mkdir()
    paths = []
    for n, caption in enumerate(CAPTIONS):
        path = make_jpeg(folder / f"bna_{9300 + n}.jpg", size=(120, 90), seed=n)
        if caption:
            write_fields(path, {"caption": caption})
        paths.append(path)
    cat = Catalogue.open(tmp_path / "catalogue.db")
    cat.create_story("口宣会议", paths)
    yield cat
    cat.close()


def names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def pictures(*files: str) -> list[StoryPicture]:
    return [StoryPicture(Path(f"/p/{f}"), caption=f"caption of {f}") for f in files]


def test_model_passes_qt_model_tester_through_moves(qtmodeltester) -> None:
    model = StoryModel()
    model.set_pictures(pictures("a.jpg", "b.jpg", "c.jpg", "d.jpg"))
    qtmodeltester.check(model, force_py=True)
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 4)  # first to the end
    assert names(model.paths()) == ["b.jpg", "c.jpg", "d.jpg", "a.jpg"]
    assert model.moveRows(QModelIndex(), 2, 2, QModelIndex(), 0)  # the last two to the top
    assert names(model.paths()) == ["d.jpg", "a.jpg", "b.jpg", "c.jpg"]
    assert not model.moveRows(QModelIndex(), 1, 1, QModelIndex(), 2)  # onto itself
    assert not model.moveRows(QModelIndex(), 3, 1, QModelIndex(), 9)
    model.set_pictures(pictures("x.jpg"))
    del tester
    assert model.index(0).data(StoryRole.Position) == 1
    assert model.index(0).data() == "1. x.jpg\ncaption of x.jpg"


def test_drop_mime_data_moves_the_dragged_rows_together_in_order() -> None:
    model = StoryModel()
    model.set_pictures(pictures("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"))
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    data = model.mimeData([model.index(0), model.index(3)])
    assert data.hasFormat(MIME_TYPE)
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, 2, 0, QModelIndex())
    assert not model.canDropMimeData(data, Qt.DropAction.CopyAction, 2, 0, QModelIndex())
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 2, 0, QModelIndex())
    assert names(model.paths()) == ["b.jpg", "a.jpg", "d.jpg", "c.jpg", "e.jpg"]
    assert model.dropMimeData(model.mimeData([model.index(0)]), Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert names(model.paths()) == ["a.jpg", "d.jpg", "c.jpg", "e.jpg", "b.jpg"]
    del tester
    flags = model.flags(model.index(0))
    assert flags & Qt.ItemFlag.ItemIsDragEnabled and not flags & Qt.ItemFlag.ItemIsDropEnabled
    assert model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled
    assert model.supportedDropActions() == Qt.DropAction.MoveAction


def loaded(qtbot, catalogue) -> StoryListWidget:
    widget = StoryListWidget(catalogue, "口宣会议")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: not widget.loading, timeout=20_000)
    return widget


def test_widget_shows_the_story_in_order_with_captions(qtbot, catalogue) -> None:
    widget = loaded(qtbot, catalogue)
    assert names(widget.paths()) == ["bna_9300.jpg", "bna_9301.jpg", "bna_9302.jpg", "bna_9303.jpg"]
    assert widget.title.text() == "Story: 口宣会议  (4 pictures)"
    assert widget.model.index(1).data(StoryRole.Caption) == "Đại biểu dự hội nghị tại Nghệ An."
    assert widget.model.index(3).data().endswith("(no caption)")
    assert not widget.model.index(0).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert widget.view.dragDropMode() == widget.view.DragDropMode.InternalMove


def test_drop_persists_the_new_order_in_the_catalogue(qtbot, catalogue) -> None:
    widget = loaded(qtbot, catalogue)
    model = widget.model
    data = model.mimeData([model.index(2), model.index(3)])
    with qtbot.waitSignal(widget.orderSaved, timeout=20_000) as saved:
        assert model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    expected = ["bna_9302.jpg", "bna_9303.jpg", "bna_9300.jpg", "bna_9301.jpg"]
    assert names(saved.args[0]) == expected
    qtbot.waitUntil(lambda: not widget.saving)
    assert names(catalogue.story("口宣会议")) == expected
    assert widget.status.text() == "Order saved"


def test_moves_while_saving_end_with_the_latest_order(qtbot, catalogue) -> None:
    widget = loaded(qtbot, catalogue)
    model = widget.model
    assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 4)
    qtbot.waitUntil(lambda: widget.saving or not widget._save_soon.isActive())
    assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 4)
    qtbot.waitUntil(lambda: not widget.saving and not widget._dirty, timeout=20_000)
    assert names(catalogue.story("口宣会议")) == ["bna_9302.jpg", "bna_9303.jpg", "bna_9300.jpg", "bna_9301.jpg"]


def test_keyboard_moves_and_activation(qtbot, catalogue) -> None:
    widget = loaded(qtbot, catalogue)
    widget.view.setCurrentIndex(widget.model.index(0))
    widget.view.setFocus()
    with qtbot.waitSignal(widget.orderSaved, timeout=20_000):
        qtbot.keyClick(widget.view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not widget.saving)
    assert names(catalogue.story("口宣会议"))[:2] == ["bna_9301.jpg", "bna_9300.jpg"]
    assert widget.view.currentIndex().row() == 1
    assert not widget.move_current(5)
    with qtbot.waitSignal(widget.jumpRequested) as jumped:
        widget.view.activated.emit(widget.model.index(1))
    assert names(jumped.args) == ["bna_9300.jpg"]


def test_without_catalogue_or_story(qtbot) -> None:
    widget = StoryListWidget(None, "x")
    qtbot.addWidget(widget)
    assert widget.status.text() == "Stories need the catalogue"
    assert widget.model.rowCount() == 0
