"""The picture list model on its own: Qt's model tester, roles, pending edits."""

from __future__ import annotations

import io
from pathlib import Path

from captioner_gui.photo_model import UNSET, PhotoListModel, PhotoRole
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QAbstractItemModelTester

from captioner.reading import read_metadata


def test_model_passes_qt_model_tester(qtmodeltester, folder: Path) -> None:
    model = PhotoListModel()
    paths = sorted(folder.glob("*.jpg"))
    model.set_paths(paths[:2])
    qtmodeltester.check(model, force_py=True)
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.append_paths(paths)
    model.set_metadata([(p, read_metadata(p), "") for p in paths])
    model.set_thumbnails([(paths[0], jpeg_bytes(10, 8), "sharp")])
    model.set_pending(paths[1], "credit", "Báo Nghệ An")
    model.set_paths(paths[:1])
    del tester
    assert model.rowCount() == 1


def test_roles_report_values_and_badges(folder: Path) -> None:
    model = PhotoListModel()
    path = sorted(folder.glob("*.jpg"))[0]
    model.set_paths([path])
    index = model.index(0, 0)
    assert index.data(PhotoRole.Loaded) is False
    assert index.data(PhotoRole.MissingCredit) is False  # unknown until read
    model.set_metadata([(path, read_metadata(path), "")])
    assert index.data(Qt.ItemDataRole.DisplayRole) == path.name
    assert index.data(PhotoRole.Caption) == "出席会议的代表。图片:Thanh Cuong"
    assert index.data(PhotoRole.MissingCredit) is True
    assert index.data(PhotoRole.Unsaved) is False
    model.set_pending(path, "credit", "Thanh Cuong")
    assert index.data(PhotoRole.MissingCredit) is False
    assert index.data(PhotoRole.Unsaved) is True
    assert b"missingCredit" in model.roleNames().values()


def test_pending_equal_to_stored_value_is_dropped(folder: Path) -> None:
    model = PhotoListModel()
    path = sorted(folder.glob("*.jpg"))[0]
    model.set_paths([path])
    model.set_metadata([(path, read_metadata(path), "")])
    model.set_pending(path, "byline", ["Thanh Cuong", "Lê Minh"])
    assert model.pending_value(path, "byline") == ["Thanh Cuong", "Lê Minh"]
    model.set_pending(path, "byline", ["Thanh Cuong"])
    assert model.pending_value(path, "byline") is UNSET
    model.set_pending(path, "caption", {"x-default": "Mới", "vi": "Ảnh mới"})
    item = model.item(0)
    assert item.value("caption") == "Mới"
    assert item.value("caption", "vi") == "Ảnh mới"
    assert item.languages("caption") == ["x-default", "vi"]
    assert item.changes() == {"caption": {"x-default": "Mới", "vi": "Ảnh mới"}}


def jpeg_bytes(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (90, 20, 200)).save(buf, "JPEG")
    return buf.getvalue()


def test_embedded_preview_never_replaces_a_sharp_thumbnail(folder: Path) -> None:
    model = PhotoListModel()
    path = sorted(folder.glob("*.jpg"))[0]
    model.set_paths([path])
    model.set_thumbnails([(path, jpeg_bytes(20, 10), "sharp")])
    model.set_thumbnails([(path, jpeg_bytes(4, 3), "embedded")])
    assert model.index(0, 0).data(PhotoRole.Thumbnail).width() == 20


def test_only_a_few_thumbnails_are_kept_decoded(folder: Path) -> None:
    model = PhotoListModel(decoded_limit=2)
    paths = sorted(folder.glob("*.jpg"))
    model.set_paths(paths)
    model.set_thumbnails([(p, jpeg_bytes(16, 12), "sharp") for p in paths])
    images = [model.index(r, 0).data(PhotoRole.Thumbnail) for r in range(3)]
    assert all(isinstance(i, QImage) and i.width() == 16 for i in images)
    assert len(model._decoded) == 2
