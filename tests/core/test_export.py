"""Caption sheets: every format, read back with the tool that would open it."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import docx
import pytest
from helpers import make_jpeg
from PIL import Image

from captioner.export import (
    FORMATS,
    ExportError,
    build_caption_sheet,
    export_caption_sheet,
    render,
    render_article,
    render_csv,
    render_docx,
    render_html,
    render_json,
    render_pdf,
)
from captioner.housestyle import HouseStyle
from captioner.writing import write_fields

PICTURES = [
    ("bna_9336.jpg", {"caption": "会议概况。图片:Thanh Cuong", "byline": ["Thanh Cuong"], "credit": "Thanh Cuong"}),
    ("bna_9326.jpg", {"caption": "科技部部长。图:Thanh Cuong", "byline": ["Thanh Cuong"], "credit": ""}),
    ("bna_9384.jpg", {"caption": "颁发奖状。图片:清强", "byline": [], "credit": ""}),
    ("bna_0001.jpg", {"caption": 'Đại biểu "dự" hội nghị, Vinh', "keywords": ["hội nghị", "宣传"]}),
]


@pytest.fixture
def story(tmp_path: Path) -> list[Path]:
    paths = []
    for number, (name, fields) in enumerate(PICTURES):
        path = make_jpeg(tmp_path / name, size=(320, 200), seed=number)
        write_fields(path, fields)
        paths.append(path)
    return paths


def test_caption_sheet_splits_credit_and_keeps_order(story: list[Path]) -> None:
    sheet = build_caption_sheet(story, HouseStyle(), title="会议")
    assert [e.file for e in sheet.entries] == [name for name, _ in PICTURES]
    assert [(e.caption, e.credit) for e in sheet.entries] == [
        ("会议概况。", "Thanh Cuong"),
        ("科技部部长。", "Thanh Cuong"),
        ("颁发奖状。", "清强"),
        ('Đại biểu "dự" hội nghị, Vinh', ""),
    ]
    assert sheet.errors == []


def test_article_format(story: list[Path]) -> None:
    text = render_article(build_caption_sheet(story, HouseStyle()))
    assert text.split("\n") == [
        "bna_9336.jpg",
        "会议概况。图片:Thanh Cuong",
        "",
        "bna_9326.jpg",
        "科技部部长。图片:Thanh Cuong",
        "",
        "bna_9384.jpg",
        "颁发奖状。图片:清强",
        "",
        "bna_0001.jpg",
        'Đại biểu "dự" hội nghị, Vinh',
        "",
    ]
    english = HouseStyle(credit_label="Photo", credit_format="{caption} ({label}: {credit})")
    relabelled = render_article(build_caption_sheet(story[:1], english, label="Ảnh"))
    assert relabelled == "bna_9336.jpg\n会议概况。 (Ảnh: Thanh Cuong)\n"


def test_csv_with_bom_parses_back(story: list[Path]) -> None:
    data = render_csv(build_caption_sheet(story, HouseStyle()))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["file"] for r in rows] == [name for name, _ in PICTURES]
    assert rows[0]["caption_line"] == "会议概况。图片:Thanh Cuong"
    assert rows[0]["byline"] == "Thanh Cuong"
    assert rows[3]["caption"] == 'Đại biểu "dự" hội nghị, Vinh'
    assert rows[3]["keywords"] == "hội nghị; 宣传"
    assert "copyright" in rows[0] and "alt_text" in rows[0]


def test_json(story: list[Path]) -> None:
    data = json.loads(render_json(build_caption_sheet(story, HouseStyle(), title="会议")))
    assert data["title"] == "会议"
    assert data["credit_label"] == "图片"
    assert [p["file"] for p in data["pictures"]] == [name for name, _ in PICTURES]
    assert data["pictures"][2]["caption_line"] == "颁发奖状。图片:清强"
    assert data["pictures"][3]["fields"]["keywords"] == ["hội nghị", "宣传"]


def test_html_is_self_contained(story: list[Path]) -> None:
    page = render_html(build_caption_sheet(story, HouseStyle(), title="会议 <draft>"))
    assert page.count('<img src="data:image/jpeg;base64,') == 4
    assert "会议 &lt;draft&gt;" in page
    assert "Đại biểu &quot;dự&quot; hội nghị, Vinh" in page
    assert "http" not in page.replace('lang="zh-Hans"', "")
    assert page.index("bna_9336.jpg") < page.index("bna_9326.jpg") < page.index("bna_9384.jpg")


def test_docx_reads_back(story: list[Path], tmp_path: Path) -> None:
    out = export_caption_sheet(build_caption_sheet(story, HouseStyle(), title="会议"), "docx", tmp_path / "sheet.docx")
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert paragraphs[0] == "会议"
    assert paragraphs[1:] == [
        "bna_9336.jpg",
        "会议概况。图片:Thanh Cuong",
        "bna_9326.jpg",
        "科技部部长。图片:Thanh Cuong",
        "bna_9384.jpg",
        "颁发奖状。图片:清强",
        "bna_0001.jpg",
        'Đại biểu "dự" hội nghị, Vinh',
    ]
    assert render_docx(build_caption_sheet(story[:1], HouseStyle())).startswith(b"PK")


def test_pdf_renders(story: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    render_pdf(build_caption_sheet(story, HouseStyle(), title="会议"), out)
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(out), str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page-1.png").convert("L")
    assert page.width > 400
    assert page.getextrema()[0] < 100, "the page is blank"
    if shutil.which("pdftotext"):
        # Qt's CJK font maps some glyphs to Kangxi radicals in the PDF's text layer: compare NFKC forms.
        raw = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True).stdout.decode()
        text = unicodedata.normalize("NFKC", raw)
        assert "会议概况。图片:Thanh Cuong" in text
        assert "颁发奖状。图片:清强" in text
        assert 'Đại biểu "dự" hội nghị, Vinh' in text


def test_pdf_failure_is_one_clear_line(story: list[Path], tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"PDF not written: .+"):
        render_pdf(build_caption_sheet(story[:1], HouseStyle()), tmp_path / "no-such-folder" / "sheet.pdf")


def test_unreadable_picture_is_reported_not_fatal(story: list[Path], tmp_path: Path) -> None:
    sheet = build_caption_sheet([story[0], tmp_path / "gone.jpg"], HouseStyle())
    assert len(sheet.entries) == 2
    assert len(sheet.errors) == 1 and "gone.jpg" in sheet.errors[0]
    assert render_article(sheet).endswith("gone.jpg\n\n")


def test_every_format_renders(story: list[Path]) -> None:
    sheet = build_caption_sheet(story, HouseStyle())
    for fmt in FORMATS:
        assert render(sheet, fmt)
    with pytest.raises(ValueError, match="unknown export format"):
        render(sheet, "rtf")


def test_export_write_failure(story: list[Path], tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="cannot write"):
        export_caption_sheet(build_caption_sheet(story, HouseStyle()), "csv", tmp_path / "missing" / "sheet.csv")
