"""The large preview of the current picture, decoded in a worker (the grid thumbnail shows meanwhile)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from captioner_gui import workers
from captioner_gui.loading import to_qimage
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from captioner import thumbnails

PREVIEW_SIZE = 1600


def _preview_result(path: Path) -> Iterator[tuple[Path, QImage]]:
    """The large preview of `path`, decoded in a worker."""
    yield path, to_qimage(thumbnails.sharp_thumbnail(path, PREVIEW_SIZE))


class PreviewPane(QWidget):
    """Shows one picture as large as the pane allows, keeping its aspect ratio."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.path: Path | None = None
        self._pixmap: QPixmap | None = None
        self._scaled: QPixmap | None = None
        self._message = "No picture selected"
        self._cancelled = workers.Cancelled()

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def show_picture(self, path: Path | None, placeholder: QImage | None = None, message: str = "") -> None:
        """Show `path` (the `placeholder` thumbnail until the large image is decoded); None clears."""
        if path == self.path and self._pixmap is not None:
            return
        self._cancelled.cancel()
        self._cancelled = cancelled = workers.Cancelled()
        self.path = path
        self._message = message or ("No picture selected" if path is None else "")
        self._pixmap = QPixmap.fromImage(placeholder) if placeholder is not None and not placeholder.isNull() else None
        self._scaled = None
        self.update()
        if path is None:
            return

        workers.start(
            partial(_preview_result, path),
            on_value=self._loaded,
            on_failed=self._failed,
            cancelled=cancelled,
        )

    def _loaded(self, result: tuple[Path, QImage]) -> None:
        path, image = result
        if path == self.path:
            self._pixmap = QPixmap.fromImage(image)
            self._scaled = None
            self.update()

    def _failed(self, exc: BaseException) -> None:
        if self.path is not None:
            self._message = f"Cannot show {self.path.name}"
            self._pixmap = None
            self.update()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window).darker(115))
        if self._pixmap is not None and not self._pixmap.isNull():
            size = self._pixmap.size().scaled(self.size() - QSize(16, 16), Qt.AspectRatioMode.KeepAspectRatio)
            if self._scaled is None or self._scaled.size() != size:  # scale once per size, not per paint
                self._scaled = self._pixmap.scaled(
                    size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            x = (self.width() - self._scaled.width()) // 2
            y = (self.height() - self._scaled.height()) // 2
            painter.drawPixmap(x, y, self._scaled)
        elif self._message:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
        painter.end()
