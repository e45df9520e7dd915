"""Print an HTML contact sheet to PDF with Qt: ``python -m captioner_gui.contact_sheet_pdf IN.html OUT.pdf``.

The core's PDF export (:func:`captioner.export.render_pdf`) runs this in a separate process so that
``captioner`` never imports Qt. It runs offscreen; Chinese text uses Noto Sans CJK SC when installed. Inline
``data:`` images are decoded and registered with the document before layout. Exit status 0 on success, 1 with
one line on stderr otherwise.
"""

from __future__ import annotations

import base64
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"]
"""Font families tried for the sheet's text, Simplified Chinese first."""

_DATA_URI = re.compile(r'src="data:image/[a-z]+;base64,([A-Za-z0-9+/=]+)"')
_IMG_WIDTH = re.compile(r'(<img\b[^>]*?\bwidth=")\d+(")')

IMAGE_WIDTH = 200
"""Width of a thumbnail on the page, in document units: three columns fit across A4."""


def print_pdf(html: str, out: Path) -> None:
    """Lay out `html` on A4 pages and write it to the PDF file `out`."""
    from PySide6.QtCore import QMarginsF, QUrl
    from PySide6.QtGui import QFont, QGuiApplication, QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    app = QGuiApplication.instance() or QGuiApplication(["contact_sheet_pdf"])
    document = QTextDocument()
    font = QFont()
    font.setFamilies([*CJK_FAMILIES, font.defaultFamily()])
    font.setPointSizeF(9)
    document.setDefaultFont(font)

    images: list[QImage] = []

    def register(match: re.Match[str]) -> str:
        name = f"sheet-image-{len(images)}"
        image = QImage.fromData(base64.b64decode(match.group(1)))
        images.append(image)
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        return f'src="{name}"'

    html = _IMG_WIDTH.sub(rf"\g<1>{IMAGE_WIDTH}\g<2>", _DATA_URI.sub(register, html))
    writer = QPdfWriter(str(out))
    writer.setResolution(200)
    writer.setTitle("Caption sheet")
    writer.setCreator("Captioner")
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(12, 12, 12, 12))
    )
    document.setHtml(html)
    document.print_(writer)
    del writer
    del app


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: IN.html OUT.pdf."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        sys.stderr.write("usage: python -m captioner_gui.contact_sheet_pdf IN.html OUT.pdf\n")
        return 2
    source, out = Path(args[0]), Path(args[1])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        html = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        sys.stderr.write(f"{source}: cannot read the contact sheet: {exc}\n")
        return 1
    try:
        print_pdf(html, out)
    except ImportError as exc:
        sys.stderr.write(f"Qt (PySide6) is needed to print PDF: {exc}\n")
        return 1
    if not out.is_file() or out.stat().st_size == 0:
        sys.stderr.write(f"{out}: Qt wrote no PDF (is the folder writable?)\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
