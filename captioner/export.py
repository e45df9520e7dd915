"""Caption sheets: a story's captions and credits handed back to the article, in story order.

Formats: ``article`` (the seed's layout: the file-name line, the caption line ending in ``label:credit``, a
blank line between pictures), ``csv`` (UTF-8 with a BOM so Excel shows Chinese, one column per field),
``json``, ``html`` (a self-contained contact sheet, thumbnails inline), ``pdf`` (that contact sheet printed by
Qt in a separate process, so the core never imports it) and ``docx``.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from captioner.errors import CaptionerError, FileOperationError
from captioner.fields import FIELD_KEYS, FieldValue
from captioner.housestyle import HouseStyle
from captioner.photo import PhotoMetadata

FORMATS = ("article", "csv", "json", "html", "pdf", "docx")
"""Every export format, as named on the command line."""

BINARY_FORMATS = frozenset({"pdf", "docx"})

SUFFIXES = {"article": ".txt", "csv": ".csv", "json": ".json", "html": ".html", "pdf": ".pdf", "docx": ".docx"}
"""The file name ending of each format."""

PDF_TIMEOUT = 120
"""Seconds the PDF printer may take before the export gives up."""


class ExportError(CaptionerError):
    """A caption sheet could not be produced (for example, the PDF printer failed)."""


@dataclass
class CaptionSheetEntry:
    """One picture of a caption sheet."""

    path: Path
    caption: str
    """The caption without the credit written at its end."""
    credit: str
    """The credit: the credit field, else the byline, else the credit written in the caption."""
    meta: PhotoMetadata | None = None
    error: str | None = None
    """Why the picture could not be read (it then appears with an empty caption)."""

    @property
    def file(self) -> str:
        """The picture's file name."""
        return self.path.name

    def value(self, key: str) -> FieldValue:
        """The picture's value of field `key` (empty when it could not be read)."""
        if self.meta is None:
            return [] if key in ("byline", "keywords") else ""
        return self.meta.value(key)


@dataclass
class CaptionSheet:
    """The pictures of a story (or a list of files) with their captions and credits, in order."""

    title: str
    entries: list[CaptionSheetEntry]
    style: HouseStyle
    label: str
    """The credit label the sheet writes (``--credit-label``, else the house style's)."""

    def caption_line(self, entry: CaptionSheetEntry) -> str:
        """The caption as the article prints it: the text ending with the credit in the house format."""
        return self.style.format_caption(entry.caption, entry.credit, self.label)

    @property
    def errors(self) -> list[str]:
        """One line per picture that could not be read."""
        return [e.error for e in self.entries if e.error]


def build_caption_sheet(
    paths: Sequence[Path],
    style: HouseStyle,
    title: str = "",
    label: str | None = None,
    reader: Callable[[Path], PhotoMetadata] | None = None,
) -> CaptionSheet:
    """Read each picture and split its caption from its credit, keeping the order of `paths`."""
    if reader is None:
        from captioner.reading import read_metadata

        reader = read_metadata
    entries = []
    for path in paths:
        path = Path(path)
        try:
            meta = reader(path)
        except FileOperationError as exc:
            entries.append(CaptionSheetEntry(path, "", "", None, str(exc)))
            continue
        caption = meta.value("caption")
        split = style.split_credit(caption if isinstance(caption, str) else "")
        credit = meta.value("credit") or " / ".join(meta.value("byline")) or split.credit or ""
        entries.append(CaptionSheetEntry(path, split.body, str(credit), meta))
    return CaptionSheet(title, entries, style, label or style.credit_label)


def render(sheet: CaptionSheet, fmt: str) -> bytes:
    """The caption sheet in format `fmt` (one of :data:`FORMATS`), as the bytes of the file."""
    if fmt == "article":
        return render_article(sheet).encode("utf-8")
    if fmt == "csv":
        return render_csv(sheet)
    if fmt == "json":
        return render_json(sheet).encode("utf-8")
    if fmt == "html":
        return render_html(sheet).encode("utf-8")
    if fmt == "docx":
        return render_docx(sheet)
    if fmt == "pdf":
        with tempfile.TemporaryDirectory(prefix="captioner-pdf-") as tmp:
            out = Path(tmp) / "sheet.pdf"
            render_pdf(sheet, out)
            return out.read_bytes()
    raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")


def export_caption_sheet(sheet: CaptionSheet, fmt: str, out: Path) -> Path:
    """Write the caption sheet in format `fmt` to `out` (via a temporary file, so `out` is never half-written)."""
    data = render(sheet, fmt)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{out}: cannot write: {exc.strerror or exc}") from None
    return out


# --- text formats -------------------------------------------------------------------------------------------


def render_article(sheet: CaptionSheet) -> str:
    """The seed's layout: the file-name line, the caption line, a blank line between pictures."""
    return "\n".join(f"{e.file}\n{sheet.caption_line(e)}\n" for e in sheet.entries)


def _text(value: FieldValue) -> str:
    return "; ".join(value) if isinstance(value, list) else value


def render_csv(sheet: CaptionSheet) -> bytes:
    """CSV in UTF-8 with a BOM: file, path, the caption line, then one column per field (lists ``; ``-joined)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "path", "caption_line", *FIELD_KEYS])
    for e in sheet.entries:
        writer.writerow([e.file, str(e.path), sheet.caption_line(e), *(_text(e.value(k)) for k in FIELD_KEYS)])
    return out.getvalue().encode("utf-8-sig")


def render_json(sheet: CaptionSheet) -> str:
    """JSON: the title and, per picture, file, path, caption line, caption text, credit and every field."""
    data: dict[str, Any] = {
        "title": sheet.title,
        "credit_label": sheet.label,
        "pictures": [
            {
                "file": e.file,
                "path": str(e.path),
                "caption_line": sheet.caption_line(e),
                "caption": e.caption,
                "credit": e.credit,
                "fields": {k: e.value(k) for k in FIELD_KEYS},
                "error": e.error,
            }
            for e in sheet.entries
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- HTML contact sheet -------------------------------------------------------------------------------------

THUMBNAIL_SIZE = 360
COLUMNS = 3

_HTML_STYLE = """
body { font-family: "Noto Sans CJK SC", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
       color: #1a1a1a; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 4px 0; }
p.meta { color: #666; font-size: 12px; margin: 0 0 16px 0; }
table.sheet { border-collapse: collapse; width: 100%; }
table.sheet td { vertical-align: top; padding: 8px; width: 33%; border: 1px solid #ddd; }
img { display: block; max-width: 100%; height: auto; }
p.file { font-weight: bold; font-size: 13px; margin: 6px 0 2px 0; }
p.caption { font-size: 13px; margin: 2px 0; }
p.credit { color: #555; font-size: 11px; margin: 2px 0; }
p.error { color: #b00020; font-size: 11px; }
"""


def thumbnail_data_uri(path: Path, size: int = THUMBNAIL_SIZE) -> str | None:
    """A JPEG thumbnail of the picture as a ``data:`` URI, None when Pillow cannot read it."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.draft("RGB", (size, size))
            thumb = ImageOps.exif_transpose(image).convert("RGB")
            thumb.thumbnail((size, size))
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=80)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def render_html(sheet: CaptionSheet, thumbnails: bool = True) -> str:
    """A self-contained HTML contact sheet: thumbnails (inline), file names, caption lines, credits."""
    esc = html.escape
    cells = []
    for number, e in enumerate(sheet.entries, start=1):
        uri = thumbnail_data_uri(e.path) if thumbnails and e.meta is not None else None
        image = f'<img src="{uri}" width="{THUMBNAIL_SIZE}" alt="{esc(e.file)}">' if uri else ""
        byline = _text(e.value("byline"))
        credit = " · ".join(
            x for x in (f"Byline: {esc(byline)}" if byline else "", f"Credit: {esc(e.credit)}" if e.credit else "") if x
        )
        parts = [
            image,
            f'<p class="file">{number}. {esc(e.file)}</p>',
            f'<p class="caption">{esc(sheet.caption_line(e))}</p>',
            f'<p class="credit">{credit}</p>' if credit else "",
            f'<p class="error">{esc(e.error)}</p>' if e.error else "",
        ]
        cells.append("<td>" + "".join(p for p in parts if p) + "</td>")
    while len(cells) % COLUMNS:
        cells.append("<td></td>")
    rows = ["<tr>" + "".join(cells[i : i + COLUMNS]) + "</tr>" for i in range(0, len(cells), COLUMNS)]
    title = sheet.title or "Caption sheet"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-Hans"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_HTML_STYLE}</style></head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n"
        f'<p class="meta">{len(sheet.entries)} pictures · credit label {esc(sheet.label)}</p>\n'
        '<table class="sheet" cellspacing="0" cellpadding="8" width="100%">\n' + "\n".join(rows) + "\n</table>\n"
        "</body></html>\n"
    )


# --- DOCX and PDF -------------------------------------------------------------------------------------------


def render_docx(sheet: CaptionSheet) -> bytes:
    """A Word caption list in the article's layout: the file name in bold, then the caption line."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    document.add_heading(sheet.title or "Caption sheet", level=1)
    for e in sheet.entries:
        name = document.add_paragraph()
        name.add_run(e.file).bold = True
        name.paragraph_format.space_after = Pt(0)
        document.add_paragraph(sheet.caption_line(e))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_pdf(sheet: CaptionSheet, out: Path) -> None:
    """Print the HTML contact sheet to the PDF `out` with Qt, in a separate process (the core stays Qt-free).

    Runs ``python -m captioner_gui.contact_sheet_pdf IN.html OUT.pdf`` offscreen; raises :class:`ExportError`
    with its one-line reason when that fails.
    """
    with tempfile.TemporaryDirectory(prefix="captioner-pdf-") as tmp:
        source = Path(tmp) / "sheet.html"
        source.write_text(render_html(sheet), encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        cmd = [sys.executable, "-m", "captioner_gui.contact_sheet_pdf", str(source), str(out)]
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, timeout=PDF_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExportError(f"{out}: the PDF printer did not run: {exc}") from None
        if done.returncode != 0 or not Path(out).is_file():
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"exit status {done.returncode}"
            raise ExportError(f"{out}: PDF not written: {reason}")
