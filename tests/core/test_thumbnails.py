"""Thumbnails: embedded preview first, sharp one after, upright, cached by path, size and mtime."""

from __future__ import annotations

import io
import os
from pathlib import Path

import exiv2
from PIL import Image

from captioner import thumbnails


def photo(path: Path, size: tuple[int, int] = (1600, 1067), colour: tuple[int, int, int] = (200, 30, 30)) -> Path:
    Image.new("RGB", size, colour).save(path, "JPEG", quality=90)
    return path


def add_exif_preview(path: Path, orientation: int = 1) -> None:
    """Give `path` a blue 160×120 EXIF thumbnail and an orientation tag, as a camera would."""
    buf = io.BytesIO()
    Image.new("RGB", (160, 120), (0, 0, 255)).save(buf, "JPEG")
    image = exiv2.ImageFactory.open(str(path))
    image.readMetadata()
    exif = image.exifData()
    exif["Exif.Image.Orientation"] = orientation
    exiv2.ExifThumb(exif).setJpegThumbnail(buf.getvalue())
    image.writeMetadata()


def test_sharp_thumbnail_fits_the_size(tmp_path: Path) -> None:
    thumb = thumbnails.sharp_thumbnail(photo(tmp_path / "a.jpg"), 256)
    assert thumb.mode == "RGB"
    assert thumb.size == (256, 171)


def test_embedded_preview_comes_first_then_the_sharp_one_upright(tmp_path: Path) -> None:
    path = photo(tmp_path / "cam.jpg")
    add_exif_preview(path, orientation=6)  # rotated 90° clockwise on display
    got = list(thumbnails.thumbnails([path], 256, root=tmp_path / "cache"))
    assert [t.kind for t in got] == ["embedded", "sharp"]
    embedded, sharp = got[0].image, got[1].image
    assert embedded.size == (120, 160)  # turned upright
    assert embedded.getpixel((60, 80))[2] > 190  # the blue preview
    assert sharp.size == (171, 256)  # upright as well
    assert sharp.getpixel((80, 120))[0] > 150  # the red picture


def test_cache_hit_then_miss_after_the_file_changes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = photo(tmp_path / "a.jpg")
    assert [t.kind for t in thumbnails.thumbnails([path], 128, root=cache)] == ["sharp"]
    assert [t.kind for t in thumbnails.thumbnails([path], 128, root=cache)] == ["cached"]
    assert [t.kind for t in thumbnails.thumbnails([path], 200, root=cache)] == ["sharp"]  # other size
    photo(path, colour=(10, 200, 10))
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    fresh = list(thumbnails.thumbnails([path], 128, root=cache))
    assert [t.kind for t in fresh] == ["sharp"]
    assert fresh[0].image.getpixel((10, 10))[1] > 150  # the new green picture, not the stale red one
    assert len(list((cache / "thumbnails").rglob("*.jpg"))) == 3


def test_default_cache_is_in_the_user_cache_folder(tmp_path: Path) -> None:
    path = photo(tmp_path / "a.jpg", size=(300, 200))
    list(thumbnails.thumbnails([path]))
    target = thumbnails.cache_path(path, thumbnails.DEFAULT_SIZE)
    assert target.is_file()
    assert Path(os.environ["XDG_CACHE_HOME"]) in target.parents


def test_undecodable_and_vanished_files_yield_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a picture")
    good = photo(tmp_path / "good.jpg", size=(100, 80))
    got = list(thumbnails.thumbnails([bad, tmp_path / "gone.jpg", good], 64, root=tmp_path / "cache"))
    assert [(t.path.name, t.kind) for t in got] == [("good.jpg", "sharp")]
