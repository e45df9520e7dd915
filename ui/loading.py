"""Loading a set of pictures in the background: listing, metadata and thumbnails, all off the GUI thread.

:class:`PictureLoader` lists a folder (or takes a list of paths), then runs the metadata reads and the
thumbnail loads as chunks on its own ``QThreadPool`` — the rows near the top first — and feeds the results
to a :class:`~captioner_gui.photo_model.PhotoListModel` in batches so the GUI thread never stalls.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from captioner_gui import workers
from captioner_gui.photo_model import PhotoListModel
from PIL import Image
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage

from captioner import thumbnails
from captioner.errors import CaptionerError
from captioner.photo import PhotoMetadata

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".png", ".webp", ".heic", ".heif", ".avif", ".jxl", ".dng"}
)
SUBMIT_SLICE = 4
"""Chunks handed to the thread pool per event-loop turn."""
FIRST_CHUNK = 24
"""Pictures whose thumbnails are loaded first, in small chunks: about one screenful."""
CHUNK = 48


def prepare_metadata_engine() -> None:
    """Initialise the metadata engine on the GUI thread before any worker reads (see ``init_engine``)."""
    from captioner.reading import init_engine

    init_engine()


def list_pictures(folder: Path) -> list[Path]:
    """Picture files directly in `folder`, sorted by name (hidden files and our temporary files skipped)."""
    with os.scandir(folder) as entries:
        found = [
            Path(e.path)
            for e in entries
            if not e.name.startswith(".") and Path(e.name).suffix.lower() in IMAGE_SUFFIXES and e.is_file()
        ]
    return sorted(found, key=lambda p: p.name.casefold())


def to_qimage(image: Image.Image) -> QImage:
    """A deep-copied RGB888 ``QImage`` of a Pillow RGB image (safe to hand to another thread)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


def read_results(paths: Sequence[Path], read: Callable[[Path], PhotoMetadata]) -> Iterator[tuple[Path, Any, str]]:
    """``(path, metadata, "")`` per path, or ``(path, None, message)`` when it cannot be read."""
    for path in paths:
        try:
            yield path, read(path), ""
        except CaptionerError as exc:
            yield path, None, str(exc)
        except OSError as exc:
            yield path, None, f"{path}: cannot read: {exc.strerror or exc}"


def thumbnail_results(paths: Sequence[Path], size: int, cache_root: Path | None) -> Iterator[tuple[Path, bytes, str]]:
    """``(path, JPEG bytes, kind)`` for each thumbnail the core produces."""
    for thumb in thumbnails.thumbnails(paths, size, cache_root):
        yield thumb.path, thumb.jpeg, thumb.kind


def _chunks(paths: Sequence[Path]) -> Iterator[Sequence[Path]]:
    """Small chunks for the first screenful, larger ones after."""
    first = min(FIRST_CHUNK, len(paths))
    for start in range(0, first, 6):
        yield paths[start : min(start + 6, first)]
    for start in range(first, len(paths), CHUNK):
        yield paths[start : start + CHUNK]


class PictureLoader(QObject):
    """Loads pictures into a model in the background; one load at a time, a new one cancels the old."""

    listed = Signal(int)
    """The pictures are known (their number); rows exist, metadata and thumbnails follow."""
    progress = Signal(int, int)
    """(metadata read, total)."""
    metadataLoaded = Signal()
    """Every picture's metadata was read (or failed)."""
    thumbnailsLoaded = Signal()
    """Every thumbnail job finished."""
    failed = Signal(str)
    """The folder itself could not be listed."""

    def __init__(
        self,
        model: PhotoListModel,
        read: Callable[[Path], PhotoMetadata] | None = None,
        thumb_size: int = thumbnails.DEFAULT_SIZE,
        cache_root: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        prepare_metadata_engine()
        self._model = model
        self._read = read
        self._thumb_size = thumb_size
        self._cache_root = cache_root
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(2, os.cpu_count() or 2))
        self._cancelled = workers.Cancelled()
        self._pending_meta = 0
        self._pending_thumbs = 0
        self._read_count = 0
        self.metadata_done = True
        self.thumbnails_done = True

    def reader(self) -> Callable[[Path], PhotoMetadata]:
        """The function that reads one picture's metadata (the core's, unless another was given)."""
        if self._read is None:
            from captioner.reading import read_metadata

            self._read = read_metadata
        return self._read

    def cancel(self) -> None:
        """Stop the current load (its late results are ignored)."""
        self._cancelled.cancel()
        self._cancelled = workers.Cancelled()

    def load_folder(self, folder: Path) -> None:
        """List `folder` in the background, then load its pictures."""
        self.cancel()
        cancelled = self._cancelled
        self.metadata_done = self.thumbnails_done = False

        def listing() -> Iterator[list[Path]]:
            yield list_pictures(folder)

        def on_failed(exc: BaseException) -> None:
            self.metadata_done = self.thumbnails_done = True
            self.failed.emit(f"{folder}: cannot open folder: {getattr(exc, 'strerror', None) or exc}")

        def on_listed(paths: list[Path]) -> None:
            if not cancelled.is_set:
                self.load_paths(paths, _keep=cancelled)

        workers.start(
            listing,
            on_value=on_listed,
            on_failed=on_failed,
            cancelled=cancelled,
            pool=self.pool,
            priority=10,
        )

    def load_paths(self, paths: Sequence[Path], _keep: workers.Cancelled | None = None) -> None:
        """Show `paths` (a story, search results or a listed folder) and load them in the background."""
        if _keep is None:
            self.cancel()
        cancelled = self._cancelled
        paths = [Path(p) for p in paths]
        self._model.set_paths(paths)
        self.listed.emit(len(paths))
        self._read_count = 0
        self._pending_meta = self._pending_thumbs = 0
        self.metadata_done = self.thumbnails_done = not paths
        if not paths:
            self.progress.emit(0, 0)
            self.metadataLoaded.emit()
            self.thumbnailsLoaded.emit()
            return
        read = self.reader()
        total = len(paths)

        # The first screenful's thumbnails and metadata go first; then every thumbnail (cheap when cached,
        # and what the eye looks for), then the remaining metadata.
        meta_chunks = [paths[start : start + CHUNK] for start in range(0, total, CHUNK)]
        thumb_chunks = list(_chunks(paths))
        first_screen = [c for c in thumb_chunks if len(c) <= FIRST_CHUNK // 4]
        queue: list[tuple[str, Sequence[Path]]] = [("thumbs", c) for c in first_screen]
        queue.append(("meta", meta_chunks[0]))
        queue += [("thumbs", c) for c in thumb_chunks[len(first_screen) :]]
        queue += [("meta", c) for c in meta_chunks[1:]]
        self._pending_thumbs = sum(1 for kind, _ in queue if kind == "thumbs")
        self._pending_meta = len(queue) - self._pending_thumbs
        self._submit(queue, cancelled, read, total)

    def _submit(
        self, queue: list[tuple[str, Sequence[Path]]], cancelled: workers.Cancelled, read: Any, total: int
    ) -> None:
        """Hand the chunks to the pool a few at a time, one event-loop turn apart: creating forty workers at
        once kept the GUI thread busy for tens of milliseconds just as a folder opened."""
        if cancelled.is_set:
            return
        now, later = queue[:SUBMIT_SLICE], queue[SUBMIT_SLICE:]
        if later:
            QTimer.singleShot(0, partial(self._submit, later, cancelled, read, total))
        size, root = self._thumb_size, self._cache_root
        for kind, chunk in now:
            if kind == "thumbs":
                workers.start(
                    partial(thumbnail_results, chunk, size, root),
                    on_value=partial(self._on_thumbnails, cancelled),
                    on_finished=partial(self._thumb_chunk_done, cancelled),
                    cancelled=cancelled,
                    batch_ms=25,
                    pool=self.pool,
                )
            else:
                workers.start(
                    partial(read_results, chunk, read),
                    on_value=partial(self._on_metadata, cancelled, total),
                    on_finished=partial(self._meta_chunk_done, cancelled),
                    cancelled=cancelled,
                    batch_ms=40,
                    pool=self.pool,
                )

    def _on_thumbnails(self, cancelled: workers.Cancelled, batch: list[tuple[Path, bytes, str]]) -> None:
        if not cancelled.is_set:
            self._model.set_thumbnails(batch)

    def _on_metadata(self, cancelled: workers.Cancelled, total: int, batch: list[tuple[Path, Any, str]]) -> None:
        if cancelled.is_set:
            return
        self._model.set_metadata(batch)
        self._read_count += len(batch)
        self.progress.emit(self._read_count, total)

    def _meta_chunk_done(self, cancelled: workers.Cancelled) -> None:
        if cancelled.is_set:
            return
        self._pending_meta -= 1
        if self._pending_meta == 0:
            self.metadata_done = True
            self.metadataLoaded.emit()

    def _thumb_chunk_done(self, cancelled: workers.Cancelled) -> None:
        if cancelled.is_set:
            return
        self._pending_thumbs -= 1
        if self._pending_thumbs == 0:
            self.thumbnails_done = True
            self.thumbnailsLoaded.emit()

    def shutdown(self) -> None:
        """Cancel and wait for the running workers (on quit)."""
        self.cancel()
        self.pool.clear()
        self.pool.waitForDone(5000)
