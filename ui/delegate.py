"""How one picture is drawn in the grid: thumbnail, file name, caption snippet and badges.

Badges: ``CREDIT`` (no credit line), ``≠`` (the metadata sources disagree), ``●`` (unsaved edits). Colours
come from the palette so the grid follows the system light / dark theme; the badge colours are chosen to
read on both.
"""

from __future__ import annotations

from captioner_gui.photo_model import PhotoRole
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen, QPixmap, QPixmapCache
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

THUMB_W, THUMB_H = 168, 124
CELL_W, CELL_H = 184, 196
PAD = 6

MISSING_CREDIT_COLOUR = QColor("#e65100")
CONFLICT_COLOUR = QColor("#c62828")
UNSAVED_COLOUR = QColor("#6a1b9a")
SNIPPET_CACHE = 5000


class PhotoDelegate(QStyledItemDelegate):
    """Paints a grid cell from the :class:`~captioner_gui.photo_model.PhotoRole` roles."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell_width = CELL_W
        """Width of a cell; the window widens cells so that the columns fill the view."""
        self._fonts: dict[str, tuple[QFont, QFont, QFont, QFontMetrics, QFontMetrics, QFontMetrics]] = {}
        self._snippets: dict[tuple[str, int], str] = {}

    def _fonts_for(self, font: QFont) -> tuple[QFont, QFont, QFont, QFontMetrics, QFontMetrics, QFontMetrics]:
        """Name, caption and badge fonts with their metrics, made once per view font."""
        key = font.key()
        if key not in self._fonts:
            name_font = QFont(font)
            name_font.setBold(True)
            small = QFont(font)
            small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
            badge_font = QFont(font)
            badge_font.setBold(True)
            badge_font.setPointSizeF(max(6.5, font.pointSizeF() * 0.75))
            self._fonts[key] = (
                name_font,
                small,
                badge_font,
                QFontMetrics(name_font),
                QFontMetrics(small),
                QFontMetrics(badge_font),
            )
        return self._fonts[key]

    def _snippet(self, caption: str, fm: QFontMetrics, width: int) -> str:
        """The caption on two lines of `width`, remembered (wrapping CJK text measures it many times)."""
        key = (caption, width)
        snippet = self._snippets.get(key)
        if snippet is None:
            if len(self._snippets) > SNIPPET_CACHE:
                self._snippets.clear()
            snippet = self._snippets[key] = _two_lines(" ".join(caption.split()), fm, width)
        return snippet

    def _thumbnail(self, index: QModelIndex | QPersistentModelIndex, size: QSize, ratio: float) -> QPixmap | None:
        """The thumbnail scaled to the cell once, then drawn from ``QPixmapCache`` (not re-scaled per paint)."""
        image = index.data(PhotoRole.Thumbnail)
        if not isinstance(image, QImage) or image.isNull():
            return None
        key = f"{index.data(PhotoRole.Path)}|{image.cacheKey()}|{size.width()}x{size.height()}@{ratio}"
        pixmap = QPixmapCache.find(key)
        if pixmap is None or pixmap.isNull():
            scaled = image.scaled(
                size * ratio, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            pixmap = QPixmap.fromImage(scaled)
            pixmap.setDevicePixelRatio(ratio)
            QPixmapCache.insert(key, pixmap)
        return pixmap

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """Every cell is the same size (the view uses uniform item sizes)."""
        return QSize(self.cell_width, CELL_H)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """Draw one cell."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        palette: QPalette = option.palette
        rect = option.rect.adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(rect, 6, 6)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRoundedRect(rect, 6, 6)

        thumb_rect = QRect(rect.x() + (rect.width() - THUMB_W) // 2, rect.y() + PAD, THUMB_W, THUMB_H)
        pixmap = self._thumbnail(index, thumb_rect.size(), painter.device().devicePixelRatioF())
        if pixmap is not None:
            target = QRect(QPoint(0, 0), pixmap.deviceIndependentSize().toSize())
            target.moveCenter(thumb_rect.center())
            painter.drawPixmap(target, pixmap)
        else:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(thumb_rect.adjusted(8, 8, -8, -8), 4, 4)

        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        name_font, small, badge_font, fm, sfm, bfm = self._fonts_for(option.font)
        y = thumb_rect.bottom() + 4
        text_rect = QRect(rect.x() + PAD, y, rect.width() - 2 * PAD, 0)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        name_rect = QRect(text_rect.x(), y, text_rect.width(), fm.height())
        name = fm.elidedText(str(index.data(PhotoRole.FileName) or ""), Qt.TextElideMode.ElideMiddle, name_rect.width())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, name)

        painter.setFont(small)
        caption = str(index.data(PhotoRole.Caption) or "")
        error = str(index.data(PhotoRole.Error) or "")
        snippet_rect = QRect(
            text_rect.x(), name_rect.bottom() + 2, text_rect.width(), rect.bottom() - name_rect.bottom() - 4
        )
        if error:
            painter.setPen(CONFLICT_COLOUR)
            snippet = sfm.elidedText("cannot read", Qt.TextElideMode.ElideRight, snippet_rect.width())
        else:
            dim = QColor(text_colour)
            if not selected:
                dim.setAlphaF(0.75)
            painter.setPen(dim)
            snippet = self._snippet(caption, sfm, snippet_rect.width())
        painter.drawText(snippet_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, snippet)

        badges = []
        if index.data(PhotoRole.Unsaved):
            badges.append(("●", UNSAVED_COLOUR, "unsaved"))
        if index.data(PhotoRole.Conflict):
            badges.append(("≠", CONFLICT_COLOUR, "conflict"))
        if index.data(PhotoRole.MissingCredit):
            badges.append(("CREDIT", MISSING_CREDIT_COLOUR, "missing credit"))
        painter.setFont(badge_font)
        x = thumb_rect.right() - 2
        for text, colour, _name in badges:
            w = bfm.horizontalAdvance(text) + 8
            badge = QRect(x - w, thumb_rect.top() + 2, w, bfm.height() + 2)
            painter.setPen(QPen(QColor("white"), 1.2))  # readable on the selection colour and on dark photos
            painter.setBrush(colour)
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor("white"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            x -= w + 3
        painter.restore()


def _two_lines(text: str, fm: QFontMetrics, width: int) -> str:
    """`text` wrapped on two lines of `width`, the second elided (works for CJK text without spaces)."""
    if fm.horizontalAdvance(text) <= width:
        return text
    cut = len(text)
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits one line
        mid = (lo + hi + 1) // 2
        if fm.horizontalAdvance(text[:mid]) <= width:
            lo = mid
        else:
            hi = mid - 1
    cut = lo
    space = text.rfind(" ", 0, cut + 1)
    if space > cut // 2:
        cut = space
    first, rest = text[:cut].rstrip(), text[cut:].lstrip()
    return first + "\n" + fm.elidedText(rest, Qt.TextElideMode.ElideRight, width)
