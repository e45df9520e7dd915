"""The demo folder: the seed's twelve pictures with its captions and credit drift, checked by ExifTool."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image

from captioner.demo import ARTICLE_FILE, create_demo, default_folder
from captioner.housestyle import FILE_NAME, load_house_style
from captioner.paths import data_dir
from captioner.reading import read_metadata

ROOT = Path(__file__).resolve().parents[2]
SEED_ORDER = [9336, 9297, 9278, 9309, 9326, 9353, 9363, 9384, 9391, 9402, 9413, 9422]


def test_demo_folder(tmp_path: Path, exiftool: Callable[..., dict]) -> None:
    folder = create_demo(tmp_path / "demo")
    assert folder == tmp_path / "demo"
    pictures = sorted(p.name for p in folder.glob("*.jpg"))
    assert pictures == sorted(f"bna_{n}.jpg" for n in SEED_ORDER)
    assert (folder / ARTICLE_FILE).read_text(encoding="utf-8").startswith("消息")
    style = load_house_style(folder / FILE_NAME)
    assert style.credit_label == "图片"
    assert style.people[0].name == "Thanh Cuong"
    assert set(style.people[0].aliases) == {"清强", "Thanh Cường"}

    with Image.open(folder / "bna_9336.jpg") as image:
        assert image.size == (1600, 1067)
        assert image.format == "JPEG"

    first = exiftool(folder / "bna_9336.jpg")
    assert first["IPTC:Caption-Abstract"] == "会议概况。图片:Thanh Cuong"
    assert first["XMP-dc:Description"] == "会议概况。图片:Thanh Cuong"
    assert first["IPTC:By-line"] == "Thanh Cuong"
    assert first["XMP-photoshop:Credit"] == "Thanh Cuong"
    # The seed's drift is kept as written.
    assert exiftool(folder / "bna_9326.jpg")["IPTC:Caption-Abstract"].endswith("。图:Thanh Cuong")
    assert exiftool(folder / "bna_9391.jpg")["XMP-dc:Description"].endswith("。图片来源:Thanh Cuong")
    drift = exiftool(folder / "bna_9384.jpg")
    assert drift["IPTC:Caption-Abstract"].endswith("。图片:清强")
    assert drift["IPTC:By-line"] == "清强"
    assert drift["XMP-dc:Creator"] == ["清强"]
    assert drift["IPTC:Credit"] == "清强"


def test_demo_default_folder_is_in_user_data(tmp_path: Path) -> None:
    folder = create_demo()
    assert folder == default_folder() == data_dir() / "demo"
    assert not folder.is_relative_to(ROOT)
    assert len(list(folder.glob("bna_*.jpg"))) == 12


def test_demo_recreated_afresh(tmp_path: Path) -> None:
    folder = create_demo(tmp_path)
    from captioner.writing import write_fields

    write_fields(folder / "bna_9336.jpg", {"caption": "edited"})
    (folder / "mine.txt").write_text("keep me")
    create_demo(tmp_path)
    assert read_metadata(folder / "bna_9336.jpg").value("caption") == "会议概况。图片:Thanh Cuong"
    assert (folder / "mine.txt").read_text() == "keep me"
    assert not list(folder.glob(".*.tmp"))
