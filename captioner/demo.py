"""The demo folder: the seed article's twelve ``bna_*.jpg`` pictures with its captions, credit drift included.

The pictures are generated (a meeting-hall scene with the file name on it); their captions, bylines and
credits are the seed article's as written — ``图:``, ``图片来源:`` and ``清强`` included — so that the checks,
the import and the export have something real to show. The folder also gets the article itself and a house
style matching it.
"""

from __future__ import annotations

import io
import os
import random
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from captioner.article import ArticleEntry, parse_article
from captioner.fields import FieldValue
from captioner.housestyle import FILE_NAME as HOUSE_STYLE_FILE
from captioner.housestyle import HouseStyle
from captioner.paths import data_dir

ARTICLE_FILE = "article.txt"
"""Name of the seed article's copy in the demo folder."""

PICTURE_SIZE = (1600, 1067)

_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


def default_folder() -> Path:
    """Where the demo goes unless told otherwise: ``demo`` in the user data folder."""
    return data_dir() / "demo"


def seed_article_text() -> str:
    """The seed article (a copy ships with the package)."""
    return resources.files("captioner").joinpath("data/seed_article.txt").read_text(encoding="utf-8")


def seed_house_style_text() -> str:
    """The house style matching the seed article (label 图片, Thanh Cuong and his aliases)."""
    return resources.files("captioner").joinpath("data/housestyle.toml").read_text(encoding="utf-8")


def demo_changes(entry: ArticleEntry) -> dict[str, FieldValue]:
    """The fields a demo picture carries: the caption as the article writes it, byline and credit from it."""
    credit = HouseStyle().split_credit(entry.caption).credit or ""
    return {"caption": entry.caption, "byline": [credit] if credit else [], "credit": credit}


def create_demo(folder: Path | None = None) -> Path:
    """Write the demo folder and return it (default: :func:`default_folder`).

    Existing demo pictures in the folder are replaced, so the demo starts afresh; other files are left alone.
    """
    from captioner.writing import write_fields

    folder = Path(folder) if folder is not None else default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    text = seed_article_text()
    entries = parse_article(text, "seed article")
    for number, entry in enumerate(entries):
        path = folder / entry.file
        _replace_bytes(path, render_picture(entry, number))
        write_fields(path, demo_changes(entry))
    _replace_bytes(folder / HOUSE_STYLE_FILE, seed_house_style_text().encode("utf-8"))
    _replace_bytes(folder / ARTICLE_FILE, text.encode("utf-8"))
    return folder


def _replace_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def render_picture(entry: ArticleEntry, number: int, size: tuple[int, int] = PICTURE_SIZE) -> bytes:
    """A photo-like JPEG of a meeting hall with the picture's file name on it."""
    rng = random.Random(entry.file)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    wall = (150 + rng.randrange(60), 110 + rng.randrange(50), 80 + rng.randrange(40))
    for line in range(height):
        shade = 1.0 - 0.45 * line / height
        draw.line([(0, line), (width, line)], fill=tuple(int(c * shade) for c in wall))
    # The stage banner and the podium.
    banner_top = int(height * (0.08 + 0.05 * rng.random()))
    draw.rectangle([width * 0.1, banner_top, width * 0.9, banner_top + height * 0.22], fill=(178, 24, 30))
    draw.rectangle(
        [width * 0.1, banner_top + height * 0.22, width * 0.9, banner_top + height * 0.24], fill=(230, 190, 60)
    )
    podium_x = width * (0.2 + 0.6 * rng.random())
    draw.rectangle([podium_x - 70, height * 0.42, podium_x + 70, height * 0.62], fill=(110, 60, 30))
    draw.ellipse([podium_x - 28, height * 0.33, podium_x + 28, height * 0.41], fill=(60, 45, 35))
    # Rows of delegates, smaller towards the back.
    for row in range(7):
        y = height * (0.6 + row * 0.065)
        radius = 14 + row * 6
        x: float = -rng.randrange(radius * 2)
        while x < width + radius:
            shirt = rng.choice([(240, 240, 235), (40, 50, 70), (200, 200, 210), (90, 90, 100)])
            draw.rounded_rectangle(
                [x - radius * 1.3, y + radius * 0.8, x + radius * 1.3, y + radius * 3.2], radius=radius // 2, fill=shirt
            )
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(35 + rng.randrange(30), 28, 22))
            x += radius * 2.9 + rng.randrange(radius)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    _draw_label(image, entry, number)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _draw_label(image: Image.Image, entry: ArticleEntry, number: int) -> None:
    draw = ImageDraw.Draw(image)
    width, height = image.size
    big = _font(height // 10)
    small = _font(height // 28, cjk=True)
    draw.text(
        (width * 0.5, banner := height * 0.2),
        entry.file,
        font=big,
        anchor="mm",
        fill=(255, 236, 160),
        stroke_width=3,
        stroke_fill=(90, 10, 10),
    )
    body = HouseStyle().split_credit(entry.caption).body
    if len(body) > 40:
        body = body[:39] + "…"
    draw.rectangle([0, height - height // 14, width, height], fill=(0, 0, 0))
    draw.text(
        (24, height - height // 28), f"{number + 1:02d}/12  {body}", font=small, anchor="lm", fill=(255, 255, 255)
    )
    del banner


def _font(size: int, cjk: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if cjk:
        for candidate in _CJK_FONTS:
            if Path(candidate).is_file():
                # Face 2 of Noto Sans CJK is the Simplified Chinese one; other collections start at 0.
                index = 2 if "Noto" in candidate else 0
                return ImageFont.truetype(candidate, size, index=index)
    return ImageFont.load_default(size)
