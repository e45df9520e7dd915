"""The seed article end to end on blank pictures: dry run, apply, check, export — ExifTool as the referee."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from helpers import make_jpeg
from helpers import run_cli as run
from PIL import Image

from captioner.housestyle import HouseStyle, Person, save_house_style

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_bac7dcb254da50f1.txt"
SEED_ORDER = [9336, 9297, 9278, 9309, 9326, 9353, 9363, 9384, 9391, 9402, 9413, 9422]
FILES = [f"bna_{n}.jpg" for n in SEED_ORDER]


def seed_caption_lines() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [lines[i + 1] for i, line in enumerate(lines) if line in FILES]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Twelve blank bna_*.jpg pictures, and the desk's house style in the user config folder."""
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    for number, name in enumerate(sorted(FILES)):
        make_jpeg(pictures / name, size=(160, 107), seed=number)
    save_house_style(HouseStyle(credit_label="图片", people=(Person("Thanh Cuong", ("清强", "Thanh Cường")),)))
    return pictures


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_seed_round_trip(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], exiftool: Callable[..., dict]
) -> None:
    catalogue = ["--catalogue", str(tmp_path / "catalogue.db")]
    before = snapshot(folder)

    # The blank pictures fail the checks.
    code, out, _ = run(capsys, "check", str(folder), *catalogue)
    assert code == 1
    assert out.count(": error: caption: no caption") == 12

    # Dry run: the twelve in article order, exactly three flagged, nothing written.
    code, out, err = run(capsys, "import-article", str(SEED), "--folder", str(folder), "--json", *catalogue)
    assert (code, err) == (0, "")
    plan = json.loads(out)
    assert [e["file"] for e in plan["entries"]] == FILES
    assert plan["unmatched"] == [] and plan["unused"] == []
    flagged = {e["file"]: e["warnings"] for e in plan["entries"] if e["warnings"]}
    assert sorted(flagged) == ["bna_9326.jpg", "bna_9384.jpg", "bna_9391.jpg"]
    assert "图:" in flagged["bna_9326.jpg"][0]
    assert "图片来源:" in flagged["bna_9391.jpg"][0]
    assert "清强" in flagged["bna_9384.jpg"][0]
    assert all(e["byline"] == "Thanh Cuong" and e["credit"] == "Thanh Cuong" for e in plan["entries"])
    assert [e["label"] for e in plan["entries"]].count("图片") == 10
    code, out, _ = run(capsys, "import-article", str(SEED), "--folder", str(folder), *catalogue)
    assert code == 0
    assert "bna_9336.jpg\n  caption: (empty) → 会议概况。图片:Thanh Cuong\n" in out
    assert "12 pictures in the article, 3 with warnings." in out
    assert "Nothing written" in out
    assert snapshot(folder) == before
    assert not (tmp_path / "catalogue.db").exists()

    # Apply: canonical names, house label, the story in article order.
    code, out, err = run(
        capsys, "import-article", str(SEED), "--folder", str(folder), "--apply", "--story", "口宣会议", *catalogue
    )
    assert (code, err) == (0, "")
    assert "Written: 12 pictures" in out
    expected = [
        line.replace("图片来源:", "图片:").replace("。图:", "。图片:").replace("清强", "Thanh Cuong")
        for line in seed_caption_lines()
    ]
    for name, caption in zip(FILES, expected, strict=True):
        tags = exiftool(folder / name)
        assert tags["IPTC:Caption-Abstract"] == caption
        assert tags["XMP-dc:Description"] == caption
        assert tags["IFD0:ImageDescription"] == caption
        assert tags["IPTC:By-line"] == "Thanh Cuong"
        assert tags["XMP-dc:Creator"] == ["Thanh Cuong"]
        assert tags["IPTC:Credit"] == "Thanh Cuong"
        assert tags["XMP-photoshop:Credit"] == "Thanh Cuong"

    # The checks now pass (a missing copyright is only a warning).
    code, out, _ = run(capsys, "check", "--story", "口宣会议", *catalogue)
    assert code == 0
    assert "12 pictures checked: 0 errors, 12 warnings" in out

    # A second apply finds nothing to do.
    written = snapshot(folder)
    code, out, _ = run(
        capsys, "import-article", str(SEED), "--folder", str(folder), "--apply", "--story", "口宣会议", *catalogue
    )
    assert code == 0 and "Written: 0 pictures, 12 already up to date" in out
    assert snapshot(folder) == written

    # Export in story order.
    code, out, err = run(
        capsys, "export", "--story", "口宣会议", "--format", "article", "--credit-label", "图片", *catalogue
    )
    assert (code, err) == (0, "")
    blocks = out.rstrip("\n").split("\n\n")
    assert [b.split("\n")[0] for b in blocks] == FILES
    captions = [b.split("\n")[1] for b in blocks]
    assert captions == expected
    assert all(c.endswith("图片:Thanh Cuong") for c in captions)

    sheet = tmp_path / "sheet.csv"
    assert run(capsys, "export", "--story", "口宣会议", "--format", "csv", "-o", str(sheet), *catalogue)[0] == 0
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8-sig"), newline="")))
    assert [r["file"] for r in rows] == FILES
    assert [r["caption_line"] for r in rows] == expected
    assert {r["byline"] for r in rows} == {"Thanh Cuong"}

    word = tmp_path / "sheet.docx"
    assert run(capsys, "export", "--story", "口宣会议", "--format", "docx", "-o", str(word), *catalogue)[0] == 0
    paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
    assert paragraphs[1::2] == FILES
    assert paragraphs[2::2] == expected

    pdf = tmp_path / "sheet.pdf"
    assert run(capsys, "export", "--story", "口宣会议", "--format", "pdf", "-o", str(pdf), *catalogue)[0] == 0
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "sheet")], check=True)
    pages = sorted(tmp_path.glob("sheet-*.png"))
    assert pages
    assert Image.open(pages[0]).convert("L").getextrema()[0] < 100

    data = json.loads(run(capsys, "export", "--story", "口宣会议", "--format", "json", *catalogue)[1])
    assert [p["file"] for p in data["pictures"]] == FILES


def test_demo_folder_flags_the_drift_then_imports_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo ships the drift; its own house style flags it; importing its article fixes it."""
    catalogue = ["--catalogue", str(tmp_path / "catalogue.db")]
    code, out, _ = run(capsys, "demo", str(tmp_path / "demo"))
    demo = Path(out.strip())
    assert code == 0 and demo == tmp_path / "demo"
    code, out, _ = run(capsys, "check", str(demo), "--json", *catalogue)
    report = json.loads(out)
    assert code == 0
    flagged = sorted(
        {(Path(f["path"]).name, f["code"], f["field"]) for f in report["findings"] if f["code"] != "missing"}
    )
    assert flagged == [
        ("bna_9326.jpg", "label", "caption"),
        ("bna_9384.jpg", "alias", "byline"),
        ("bna_9384.jpg", "alias", "caption"),
        ("bna_9384.jpg", "alias", "credit"),
        ("bna_9391.jpg", "label", "caption"),
    ]
    code, out, _ = run(
        capsys, "import-article", str(demo / "article.txt"), "--folder", str(demo), "--apply", *catalogue
    )
    assert code == 0
    assert "Written: 3 pictures, 9 already up to date, 0 failed; story 'article' has 12 pictures" in out
    code, out, _ = run(capsys, "check", "--story", "article", "--json", *catalogue)
    assert {f["code"] for f in json.loads(out)["findings"]} == {"missing"}
