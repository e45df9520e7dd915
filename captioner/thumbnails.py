"""Thumbnails for the picture grid: the embedded preview first, then a sharp one, cached on disk.

Qt-free: every function returns a Pillow image in RGB mode and the app turns it into a ``QImage`` in its
worker threads. The disk cache lives in the user cache folder, one small JPEG per picture, keyed by the
picture's path, its size and modification time, and the thumbnail size, so an edited or replaced file gets a
new thumbnail and a stale one is never shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps

from captioner.paths import cache_dir

DEFAULT_SIZE = 200
"""Longest edge of a grid thumbnail, in pixels: a 1600-pixel JPEG decodes straight to it at 1/8 scale."""

CACHE_QUALITY = 85

ThumbnailKind = Literal["cached", "embedded", "sharp"]


@dataclass(frozen=True)
class Thumbnail:
    """One thumbnail of one picture, JPEG-encoded. `kind` says where it came from; only ``embedded`` is provisional.

    Kept encoded (a few KB instead of ~80 KB of pixels) so that thousands of pictures fit in memory.
    """

    path: Path
    kind: ThumbnailKind
    jpeg: bytes
    """The thumbnail as JPEG bytes; its longest edge is at most the requested size."""

    @property
    def image(self) -> Image.Image:
        """The thumbnail decoded to an RGB Pillow image."""
        with Image.open(io.BytesIO(self.jpeg)) as img:
            return img.convert("RGB")


def thumbnail_cache_dir(root: Path | None = None) -> Path:
    """Folder of the thumbnail cache: ``<user cache>/thumbnails`` unless `root` is given."""
    return (root if root is not None else cache_dir()) / "thumbnails"


def cache_key(path: Path, size: int, file_size: int, mtime_ns: int) -> str:
    """Cache file name stem for `path` as it is now (size and mtime) at thumbnail size `size`."""
    ident = f"{Path(path).resolve()}\0{size}\0{file_size}\0{mtime_ns}"
    return hashlib.sha1(ident.encode("utf-8", "surrogateescape")).hexdigest()


def cache_path(path: Path, size: int, root: Path | None = None) -> Path:
    """Where the thumbnail of `path` at `size` is cached (the file may not exist yet)."""
    st = os.stat(path)
    key = cache_key(path, size, st.st_size, st.st_mtime_ns)
    return thumbnail_cache_dir(root) / key[:2] / f"{key}.jpg"


def cached_thumbnail(path: Path, size: int = DEFAULT_SIZE, root: Path | None = None) -> bytes | None:
    """The cached thumbnail of `path` (JPEG bytes) if the cache has one for its current size and mtime."""
    try:
        return cache_path(path, size, root).read_bytes()
    except FileNotFoundError:
        return None


def embedded_preview(path: Path, size: int = DEFAULT_SIZE) -> Image.Image | None:
    """The largest preview embedded in the file (EXIF thumbnail, maker-note preview), scaled to `size`.

    Returns None when the file has no embedded preview or it cannot be decoded.
    """
    import exiv2

    try:
        image = exiv2.ImageFactory.open(str(path))
        image.readMetadata()
        manager = exiv2.PreviewManager(image)
        props = manager.getPreviewProperties()
        if not props:
            return None
        buf = manager.getPreviewImage(props[-1]).copy()
        data = bytes(buf.data())
        orientation = _exif_orientation(image)
    except (exiv2.Exiv2Error, OSError, ValueError):
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            _draft(img, size)
            out = _fit(img.convert("RGB"), size)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return _orient(out, orientation)


def sharp_thumbnail(path: Path, size: int = DEFAULT_SIZE) -> Image.Image:
    """A thumbnail decoded from the picture itself, upright (EXIF orientation applied). Raises OSError."""
    with Image.open(path) as img:
        _draft(img, size)
        upright = ImageOps.exif_transpose(img)
        return _fit(upright.convert("RGB"), size)


def encode(image: Image.Image) -> bytes:
    """`image` as JPEG bytes at the cache quality."""
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=CACHE_QUALITY)
    return buf.getvalue()


def store_thumbnail(path: Path, jpeg: bytes, size: int = DEFAULT_SIZE, root: Path | None = None) -> Path:
    """Write `jpeg` to the cache as the thumbnail of `path` at `size` (atomic: temporary file, rename)."""
    target = cache_path(path, size, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".thumb-", suffix=".jpg", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(jpeg)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def thumbnails(
    paths: Iterable[Path], size: int = DEFAULT_SIZE, root: Path | None = None, embedded_first: bool = True
) -> Iterator[Thumbnail]:
    """Thumbnails of `paths`, each as soon as it is known.

    Per picture: the cached one if current; otherwise the embedded preview (when `embedded_first` and the file
    has one) and then the sharp one, which is stored in the cache. A file that cannot be decoded yields
    nothing; its grid cell keeps its placeholder.
    """
    for path in paths:
        path = Path(path)
        try:
            cached = cached_thumbnail(path, size, root)
        except OSError:
            continue  # vanished since it was listed
        if cached is not None:
            yield Thumbnail(path, "cached", cached)
            continue
        if embedded_first:
            preview = embedded_preview(path, size)
            if preview is not None:
                yield Thumbnail(path, "embedded", encode(preview))
        try:
            sharp = encode(sharp_thumbnail(path, size))
        except (OSError, ValueError, Image.DecompressionBombError):
            continue
        with contextlib.suppress(OSError):  # a read-only or full cache only costs speed
            store_thumbnail(path, sharp, size, root)
        yield Thumbnail(path, "sharp", sharp)


def _draft(img: Image.Image, size: int) -> None:
    """Let a JPEG decode at 1/2, 1/4 or 1/8 scale when the result still covers `size` on its longest edge."""
    w, h = img.size
    scale = size / max(w, h, 1)
    if scale < 1:
        img.draft("RGB", (max(1, math.floor(w * scale)), max(1, math.floor(h * scale))))


def _fit(img: Image.Image, size: int) -> Image.Image:
    """`img` scaled down so that its longest edge is at most `size` (never scaled up)."""
    if max(img.size) > size:
        img = img.copy()
        img.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return img


def _exif_orientation(image: object) -> int:
    """EXIF orientation (1–8) of an opened exiv2 image; 1 when absent or unreadable."""
    exif = image.exifData()  # type: ignore[attr-defined]
    if "Exif.Image.Orientation" not in exif:
        return 1
    try:
        return int(exif["Exif.Image.Orientation"].toInt64())
    except (ValueError, OverflowError):
        return 1


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _orient(img: Image.Image, orientation: int) -> Image.Image:
    """`img` turned upright according to EXIF `orientation`."""
    for op in _TRANSPOSE.get(orientation, ()):
        img = img.transpose(op)
    return img
