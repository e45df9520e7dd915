"""How one picture is drawn in the grid: thumbnail, file name, caption snippet and badges.

Badges: ``CREDIT`` (no credit line), ``≠`` (the metadata sources disagree), ``●`` (unsaved edits). Colours
come from the palette so the grid follows the system light / dark theme; the badge colours are chosen to
read on both.
"""

from __future__ import annotations

from captioner_gui.photo_model import PhotoRole
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

THUMB_W, THUMB_H = 168, 124
CELL_W, CELL_H = 184, 196
PAD = 6

MISSING_CREDIT_COLOUR = QColor("#e65100")
CONFLICT_COLOUR = QColor("#c62828")
UNSAVED_COLOUR = QColor("#6a1b9a")


class PhotoDelegate(QStyledItemDelegate):
    """Paints a grid cell from the :class:`~captioner_gui.photo_model.PhotoRole` roles."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """Every cell is the same size (the view uses uniform item sizes)."""
        return QSize(CELL_W, CELL_H)

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
        image = index.data(PhotoRole.Thumbnail)
        if isinstance(image, QImage) and not image.isNull():
            scaled = image.size().scaled(thumb_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(thumb_rect.center())
            painter.drawImage(target, image)
        else:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(thumb_rect.adjusted(8, 8, -8, -8), 4, 4)

        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        font = QFont(option.font)
        y = thumb_rect.bottom() + 4
        text_rect = QRect(rect.x() + PAD, y, rect.width() - 2 * PAD, 0)

        name_font = QFont(font)
        name_font.setBold(True)
        fm = QFontMetrics(name_font)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        name_rect = QRect(text_rect.x(), y, text_rect.width(), fm.height())
        name = fm.elidedText(str(index.data(PhotoRole.FileName) or ""), Qt.TextElideMode.ElideMiddle, name_rect.width())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, name)

        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        sfm = QFontMetrics(small)
        painter.setFont(small)
        caption = " ".join(str(index.data(PhotoRole.Caption) or "").split())
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
            snippet = _two_lines(caption, sfm, snippet_rect.width())
        painter.drawText(snippet_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, snippet)

        badges = []
        if index.data(PhotoRole.Unsaved):
            badges.append(("●", UNSAVED_COLOUR, "unsaved"))
        if index.data(PhotoRole.Conflict):
            badges.append(("≠", CONFLICT_COLOUR, "conflict"))
        if index.data(PhotoRole.MissingCredit):
            badges.append(("CREDIT", MISSING_CREDIT_COLOUR, "missing credit"))
        badge_font = QFont(font)
        badge_font.setBold(True)
        badge_font.setPointSizeF(max(6.5, font.pointSizeF() * 0.75))
        bfm = QFontMetrics(badge_font)
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
