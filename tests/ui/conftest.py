"""Fixtures of the app tests: offscreen Qt, a folder of captioned pictures, a main window on it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from captioner.catalogue import Catalogue
from captioner.writing import write_fields

CAPTIONS = [
    "出席会议的代表。图片:Thanh Cuong",
    "Đại biểu dự hội nghị tại Nghệ An.",
    "Delegates at the meeting.",
]


def make_jpeg(path: Path, size: tuple[int, int] = (320, 240), seed: int = 0) -> Path:
    """A plain JPEG with some structure in its pixels (a stripe whose colour depends on `seed`)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    ImageDraw.Draw(img).rectangle([0, 0, size[0] // 3, size[1]], fill=(200, (seed * 17) % 256, 40))
    img.save(path, "JPEG", quality=85)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three pictures with different captions, the same byline and no credit."""
    pics = tmp_path / "pics"
    pics.mkdir()
    for n, caption in enumerate(CAPTIONS):
        path = make_jpeg(pics / f"bna_{9300 + n}.jpg", size=(320, 240), seed=n)
        write_fields(path, {"caption": caption, "byline": ["Thanh Cuong"]})
    return pics


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Build a main window with isolated settings, templates, codes and thumbnail cache."""
    from captioner_gui.main_window import MainWindow

    made: list[MainWindow] = []

    def make(catalogue: object = None, codes: dict[str, str] | None = None) -> MainWindow:
        settings = QSettings(str(tmp_path / f"settings{len(made)}.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            settings,
            catalogue=catalogue,
            templates_file=tmp_path / "templates.json",
            codes=codes if codes is not None else {"tc": "Thanh Cuong", "na": "Nghệ An"},
            cache_root=tmp_path / "cache",
        )
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:  # closed here, not by qtbot, so that no unsaved-edits prompt blocks the teardown
        qtbot.waitUntil(lambda w=window: not w.saver.running, timeout=20_000)
        for item in window.model.dirty_items():
            window.model.clear_pending(item.path)
        window.close()
        window.loader.shutdown()
        window.deleteLater()


def wait_loaded(qtbot, window, timeout: int = 20_000) -> None:
    """Wait until the window's pictures have metadata and thumbnails."""
    qtbot.waitUntil(
        lambda: window.loader.metadata_done and window.loader.thumbnails_done and window.model.rowCount() > 0,
        timeout=timeout,
    )


@pytest.fixture
def window(make_window, folder: Path, qtbot):
    """A main window showing `folder`, loaded."""
    win = make_window()
    win.open_folder(folder)
    wait_loaded(qtbot, win)
    return win


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    """A fresh catalogue for the window under test, closed after it."""
    cat = Catalogue.open(tmp_path / "catalogue.sqlite")
    yield cat
    cat.close()
