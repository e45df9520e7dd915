"""Export dialog: a story's (or the selection's) caption sheet in a chosen format, previewed, then saved.

The pictures are read once in a worker (:func:`captioner.export.build_caption_sheet`); each preview is rendered
in a worker too (the HTML contact sheet reads thumbnails), and Save As… writes the file in a worker through
:func:`captioner.export.export_caption_sheet`. Text formats are previewed as text; the HTML and PDF contact
sheets as laid-out HTML with their thumbnails; DOCX as its caption list.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from captioner_gui import workers
from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QFont, QFontDatabase, QImage, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from captioner.export import (
    FORMATS,
    SUFFIXES,
    CaptionSheet,
    build_caption_sheet,
    export_caption_sheet,
    render,
    render_html,
)
from captioner.housestyle import HouseStyle

log = logging.getLogger(__name__)

FORMAT_NAMES = {
    "article": "Article text — file name, then caption line",
    "csv": "CSV — one column per field (opens in Excel)",
    "json": "JSON",
    "html": "HTML contact sheet with thumbnails",
    "pdf": "PDF contact sheet with thumbnails",
    "docx": "Word (DOCX) caption list",
}
"""What the format menu says for each of :data:`captioner.export.FORMATS`."""

FILTERS = {
    "article": "Text (*.txt)",
    "csv": "CSV (*.csv)",
    "json": "JSON (*.json)",
    "html": "HTML (*.html *.htm)",
    "pdf": "PDF (*.pdf)",
    "docx": "Word document (*.docx)",
}

NOTES = {
    "article": "The article's layout: the file-name line, the caption line ending with the credit, a blank line.",
    "csv": "UTF-8 with a byte-order mark, so Excel shows Chinese and Vietnamese correctly.",
    "json": "Every field of every picture, in story order.",
    "html": "A self-contained page: the thumbnails are inside the file.",
    "pdf": "This contact sheet, printed on A4 pages.",
    "docx": "A Word document: each file name in bold, then its caption line.",
}

CREDIT_LABELS = ("图片", "Photo", "Ảnh")
"""Labels offered in the credit-label box (the house style's comes first)."""

PREVIEW_DELAY_MS = 250
THUMB_WIDTH = 200
"""Width of a thumbnail in the HTML preview (three columns fit the dialog)."""

_DATA_URI = re.compile(r'src="data:image/[a-z]+;base64,([A-Za-z0-9+/=]+)"')
_IMG_WIDTH = re.compile(r'(<img\b[^>]*?\bwidth=")\d+(")')


@dataclass
class Preview:
    """A rendered preview: text for the text formats, or HTML with its images (named ``thumb:N``)."""

    fmt: str
    label: str
    title: str
    text: str | None = None
    html: str | None = None
    images: dict[str, QImage] = field(default_factory=dict)


def docx_preview_html(sheet: CaptionSheet) -> str:
    """The DOCX caption list as HTML: the title, then each file name in bold over its caption line."""
    esc = html.escape
    parts = [f"<h2>{esc(sheet.title or 'Caption sheet')}</h2>"]
    for entry in sheet.entries:
        parts.append(f"<p><b>{esc(entry.file)}</b><br>{esc(sheet.caption_line(entry))}</p>")
    return "\n".join(parts)


def render_preview(sheet: CaptionSheet, fmt: str) -> Preview:
    """Render the preview of `sheet` in `fmt` (worker side: reads thumbnails; QImage only, never QPixmap)."""
    preview = Preview(fmt, sheet.label, sheet.title)
    if fmt in ("article", "csv", "json"):
        preview.text = render(sheet, fmt).decode("utf-8-sig")
        return preview
    if fmt == "docx":
        preview.html = docx_preview_html(sheet)
        return preview
    source = render_html(sheet, thumbnails=True)
    count = 0

    def resource(match: re.Match[str]) -> str:
        nonlocal count
        image = QImage()
        image.loadFromData(QByteArray(base64.b64decode(match.group(1))))
        if image.isNull():
            return 'src=""'
        name = f"thumb:{count}"
        count += 1
        preview.images[name] = image
        return f'src="{name}"'

    body = _DATA_URI.sub(resource, source)
    preview.html = _IMG_WIDTH.sub(rf"\g<1>{THUMB_WIDTH}\g<2>", body)
    return preview


def _build(paths: Sequence[Path], style: HouseStyle, title: str) -> Iterator[CaptionSheet]:
    yield build_caption_sheet(paths, style, title)


def _render(sheet: CaptionSheet, fmt: str) -> Iterator[Preview]:
    yield render_preview(sheet, fmt)


def _export(sheet: CaptionSheet, fmt: str, out: Path) -> Iterator[Path]:
    yield export_caption_sheet(sheet, fmt, out)


class ExportDialog(QDialog):
    """Choose a format and a credit label, look at the preview, Save As…."""

    exported = Signal(object)
    """The caption sheet was written to this :class:`~pathlib.Path`."""

    def __init__(
        self,
        paths: Sequence[Path],
        style: HouseStyle,
        title: str = "",
        fmt: str = "article",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export caption sheet")
        self.setObjectName("export_dialog")
        self.paths = [Path(p) for p in paths]
        self.style_ = style
        self.sheet: CaptionSheet | None = None
        self.preview: Preview | None = None
        self.loading = True
        self.rendering = False
        self.saving = False
        self.last_saved: Path | None = None
        self._generation = 0
        self._message = ""
        self._cache: dict[tuple[str, str, str], Preview] = {}

        self.format = QComboBox(self)
        self.format.setObjectName("format")
        for key in FORMATS:
            self.format.addItem(FORMAT_NAMES.get(key, key), key)
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        self.label = QComboBox(self)
        self.label.setObjectName("credit_label")
        self.label.setEditable(True)
        self.label.addItems(list(dict.fromkeys((style.credit_label, *CREDIT_LABELS))))
        self.label.setToolTip("The label written before the credit at the end of each caption")
        self.title = QLineEdit(title, self)
        self.title.setObjectName("title")
        self.title.setPlaceholderText("Caption sheet")
        self.note = QLabel(self)
        self.note.setObjectName("format_note")
        self.note.setWordWrap(True)

        self.text_preview = QPlainTextEdit(self)
        self.text_preview.setObjectName("text_preview")
        self.text_preview.setReadOnly(True)
        self.text_preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setFamilies([*mono.families(), *self.font().families()])
        self.text_preview.setFont(mono)
        self.html_preview = QTextBrowser(self)
        self.html_preview.setObjectName("html_preview")
        self.html_preview.setOpenLinks(False)
        font = QFont(self.font())
        self.html_preview.document().setDefaultFont(font)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.text_preview)
        self.stack.addWidget(self.html_preview)

        self.status = QLabel(self)
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(10)
        self.busy.setTextVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = self.buttons.addButton("Save As…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)

        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Credit label:", self.label)
        form.addRow("Title:", self.title)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(980, 720)

        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(PREVIEW_DELAY_MS)
        self._refresh.timeout.connect(self.refresh_preview)
        self.format.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        self.label.editTextChanged.connect(lambda _t: self._refresh.start())
        self.title.textChanged.connect(lambda _t: self._refresh.start())
        self.save_button.clicked.connect(self.choose_file)
        self.buttons.rejected.connect(self.reject)
        self._read()

    # --- state ----------------------------------------------------------------------------------------------

    def current_format(self) -> str:
        """The chosen format (one of :data:`captioner.export.FORMATS`)."""
        return str(self.format.currentData())

    def set_format(self, fmt: str) -> None:
        """Choose format `fmt`."""
        self.format.setCurrentIndex(self.format.findData(fmt))

    def current_label(self) -> str:
        """The credit label to write (the house style's when the box is empty)."""
        return self.label.currentText().strip() or self.style_.credit_label

    def current_sheet(self) -> CaptionSheet | None:
        """The caption sheet with the chosen label and title, None while the pictures are being read."""
        if self.sheet is None:
            return None
        return dataclasses.replace(self.sheet, label=self.current_label(), title=self.title.text().strip())

    # --- reading and previewing -----------------------------------------------------------------------------

    def _read(self) -> None:
        self._update()
        paths, style, title = list(self.paths), self.style_, self.title.text().strip()

        def built(sheet: CaptionSheet) -> None:
            self.sheet = sheet

        def failed(exc: BaseException) -> None:
            self._message = f"Cannot read the pictures: {exc}"

        def finished() -> None:
            self.loading = False
            self._update()
            if self.sheet is not None:
                self.refresh_preview()

        workers.start(lambda: _build(paths, style, title), built, finished, failed, owner=self)

    def refresh_preview(self) -> None:
        """Render the preview of the chosen format and label (in a worker; cached per format, label, title)."""
        self._refresh.stop()
        if self._message.startswith("No preview"):
            self._message = ""
        fmt = self.current_format()
        self.note.setText(NOTES.get(fmt, ""))
        sheet = self.current_sheet()
        if sheet is None:
            return
        key = (fmt, sheet.label, sheet.title)
        self._generation += 1
        generation = self._generation
        if key in self._cache:
            self._show(self._cache[key])
            self.rendering = False
            self._update()
            return
        self.rendering = True
        self._update()

        def rendered(preview: Preview) -> None:
            self._cache[key] = preview
            if generation == self._generation:
                self._show(preview)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._message = f"No preview: {exc}"

        def finished() -> None:
            if generation == self._generation:
                self.rendering = False
                self._update()

        render_fmt = "html" if fmt == "pdf" else fmt
        workers.start(lambda: _render(sheet, render_fmt), rendered, finished, failed, owner=self)

    def _show(self, preview: Preview) -> None:
        self.preview = preview
        if preview.text is not None:
            self.text_preview.setPlainText(preview.text)
            self.stack.setCurrentWidget(self.text_preview)
            return
        document = self.html_preview.document()
        document.clear()
        for name, image in preview.images.items():
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        self.html_preview.setHtml(preview.html or "")
        self.stack.setCurrentWidget(self.html_preview)

    # --- saving ---------------------------------------------------------------------------------------------

    def default_file(self) -> Path:
        """A file name to offer: the title (or ``caption-sheet``) with the format's ending, next to the pictures."""
        folder = self.paths[0].parent if self.paths else Path.home()
        stem = re.sub(r'[\\/:*?"<>|]+', "-", self.title.text().strip()) or "caption-sheet"
        return folder / f"{stem}{SUFFIXES[self.current_format()]}"

    def choose_file(self) -> None:
        """Save As…: ask where, then write the caption sheet there."""
        fmt = self.current_format()
        name, _ = QFileDialog.getSaveFileName(self, "Export caption sheet", str(self.default_file()), FILTERS[fmt])
        if name:
            out = Path(name)
            if not out.suffix:
                out = out.with_suffix(SUFFIXES[fmt])
            self.save_to(out)

    def save_to(self, out: Path) -> bool:
        """Write the caption sheet in the chosen format to `out`, in a worker; False if it cannot start."""
        sheet = self.current_sheet()
        if sheet is None or self.saving:
            return False
        fmt = self.current_format()
        self.saving = True
        self._say(f"Writing {out.name}…")

        def written(path: Path) -> None:
            self.last_saved = path
            self._message = f"Saved {path}"
            self.exported.emit(path)

        def failed(exc: BaseException) -> None:
            self._message = f"Not saved: {exc}"

        def finished() -> None:
            self.saving = False
            self._update()

        workers.start(lambda: _export(sheet, fmt, Path(out)), written, finished, failed, owner=self)
        return True

    def reject(self) -> None:
        """Close, except while the file is being written."""
        if not self.saving:
            super().reject()

    def _say(self, message: str) -> None:
        self._message = message
        self._update()

    def _update(self) -> None:
        busy = self.loading or self.rendering or self.saving
        self.busy.setVisible(busy)
        self.save_button.setEnabled(self.sheet is not None and not self.saving and bool(self.paths))
        parts = []
        if self.sheet is not None:
            parts.append(f"{len(self.sheet.entries)} picture(s), in order.")
            errors = self.sheet.errors
            if errors:
                parts.append(f"{len(errors)} could not be read: " + "; ".join(errors))
        elif self.loading:
            parts.append(f"Reading {len(self.paths)} picture(s)…")
        if self._message:
            parts.append(self._message)
        self.status.setText(" ".join(parts))
