"""Indexing folders into the catalogue, incrementally.

A file whose size and modification time match the catalogue is not re-read. New and changed files are read on
all cores (a process pool once there are enough of them); a changed file's differing fields are recorded in its
history as edited outside Captioner; a file that vanished while a file with the same content fingerprint
appeared is taken as moved and keeps its history; vanished files are marked missing; temporary files left by an
interrupted write are removed. The scan never prints: it reports progress through a callback.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from captioner.catalogue import Catalogue, Entry, PreparedPhoto, fingerprint, normalise_path, prepare_photo
from captioner.errors import CaptionerError, UsageError

if TYPE_CHECKING:
    import multiprocessing.context

IMAGE_SUFFIXES = frozenset(
    [
        ".jpg",
        ".jpeg",
        ".jpe",
        ".tif",
        ".tiff",
        ".png",
        ".webp",
        ".heic",
        ".heif",
        ".avif",
        ".dng",
        ".cr2",
        ".cr3",
        ".nef",
        ".arw",
        ".orf",
        ".rw2",
        ".raf",
        ".pef",
        ".srw",
    ]
)
"""File name endings the scan picks up (case-insensitive)."""
TEMP_MARK = ".captioner-tmp-"
"""Temporary files of the safe write are named ``.<name>.captioner-tmp-<random>`` beside the picture."""
TEMP_GRACE_S = 10.0
"""A temporary file younger than this may belong to a write in progress and is left alone."""
POOL_THRESHOLD = 48
"""Below this many files to read, reading in this process beats starting worker processes."""
COMMIT_EVERY = 500


@dataclass(frozen=True)
class ScanProgress:
    """How far a scan has got: `done` of `total` files read, the last one being `path`."""

    done: int
    total: int
    path: Path | None = None


class ScanCancelled(Exception):
    """Raise from a scan's `progress` callback to stop it; what was read so far is kept."""


@dataclass
class ScanReport:
    """What a scan did."""

    cancelled: bool = False
    """The progress callback stopped the scan (files not read yet keep their old entries; none marked missing)."""

    seen: int = 0
    """Picture files found in the folders."""
    unchanged: int = 0
    added: int = 0
    updated: int = 0
    """Files re-read because their size or modification time changed."""
    outside_edits: int = 0
    """Of the updated files, those whose fields were changed by another program (recorded in their history)."""
    moved: int = 0
    missing: int = 0
    """Files marked missing by this scan."""
    temp_removed: int = 0
    errors: list[tuple[Path, str]] = field(default_factory=list)
    """Files that could not be read, with the reason (recorded in the catalogue too)."""


@dataclass
class _Found:
    path: str
    size: int
    mtime_ns: int
    ctime_ns: int


@dataclass
class _Read:
    path: Path
    photo: PreparedPhoto | None
    fingerprint: str | None
    error: str | None
    size: int
    mtime_ns: int
    ctime_ns: int


def _read(found: _Found) -> _Read:
    """Read one file (in a worker process or here); never raises."""
    from captioner.reading import read_metadata

    try:
        path = Path(found.path)
        meta = read_metadata(path)
        content = fingerprint(path)
        photo = prepare_photo(meta, content, normalised=True)
        return _Read(path, photo, content, None, meta.stamp.size, meta.stamp.mtime_ns, found.ctime_ns)
    except CaptionerError as exc:
        return _Read(Path(found.path), None, None, str(exc), found.size, found.mtime_ns, found.ctime_ns)
    except Exception as exc:  # a bug or an engine crash on one odd file must not stop the scan
        return _Read(
            Path(found.path),
            None,
            None,
            f"{found.path}: cannot read: {type(exc).__name__}: {exc}",
            found.size,
            found.mtime_ns,
            found.ctime_ns,
        )


def _walk(root: Path, report: ScanReport, now: float, temp_grace: float) -> Iterator[_Found]:
    """Picture files under `root` (hidden files and folders skipped), removing stale temporary files."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                if TEMP_MARK in name and _remove_stale_temp(entry, now, temp_grace):
                    report.temp_removed += 1
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    subfolders.append(Path(entry.path))
                    continue
                if os.path.splitext(name)[1].lower() not in IMAGE_SUFFIXES or not entry.is_file():
                    continue
                st = entry.stat()
                path = os.path.realpath(entry.path) if entry.is_symlink() else entry.path
            except OSError:
                continue
            yield _Found(path, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        stack.extend(reversed(subfolders))


def _remove_stale_temp(entry: os.DirEntry[str], now: float, grace: float) -> bool:
    try:
        if not entry.is_file(follow_symlinks=False) or now - entry.stat(follow_symlinks=False).st_mtime < grace:
            return False
        os.unlink(entry.path)
    except OSError:
        return False
    return True


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork when this process has one thread (the command line: fast start); forkserver when it has more (the
    app), since forking a threaded process can deadlock."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["captioner.reading"])
        return ctx
    return multiprocessing.get_context("spawn")


def _read_all(todo: Sequence[_Found], workers: int) -> Iterator[_Read]:
    if workers <= 1 or len(todo) < POOL_THRESHOLD:
        yield from map(_read, todo)
        return
    from concurrent.futures import ProcessPoolExecutor

    import captioner.reading  # noqa: F401  (imported before forking, so workers start ready)

    chunk = max(4, min(64, len(todo) // (workers * 8)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    try:
        yield from pool.map(_read, todo, chunksize=chunk)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a cancelled scan waits for one chunk, not for all


def default_workers() -> int:
    """Worker processes for reading: one per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def scan(
    catalogue: Catalogue,
    folders: Iterable[str | os.PathLike[str]],
    *,
    rebuild: bool = False,
    progress: Callable[[ScanProgress], None] | None = None,
    workers: int | None = None,
    temp_grace: float = TEMP_GRACE_S,
) -> ScanReport:
    """Index `folders` (with their subfolders) into `catalogue` and return what changed.

    With `rebuild` every file is re-read whatever its size and time. `progress` is called after the folders are
    listed (``done`` 0) and after each file read; it may raise :class:`ScanCancelled` to stop the scan. Raises
    UsageError for a folder that does not exist.
    """
    roots = []
    for f in folders:
        root = normalise_path(f)
        if not root.is_dir():
            raise UsageError(f"{root}: no such folder")
        roots.append(root)
    report = ScanReport()
    now = time.time()
    known: dict[str, Entry] = {}
    on_disk: dict[str, _Found] = {}
    for root in roots:
        known.update(catalogue.entries_under(root))
        for found in _walk(root, report, now, temp_grace):
            on_disk[found.path] = found
    report.seen = len(on_disk)
    for key in on_disk.keys() - known.keys():  # symlinked pictures whose target is outside the folders
        if not any(key.startswith(str(root) + os.sep) for root in roots):
            outside = catalogue.entry(Path(key))
            if outside is not None:
                known[key] = outside

    todo: list[_Found] = []
    for key, found in on_disk.items():
        entry = known.get(key)
        if (
            not rebuild
            and entry is not None
            and entry.status in ("ok", "error")
            and entry.size == found.size
            and entry.mtime_ns == found.mtime_ns
            and (not entry.ctime_ns or entry.ctime_ns == found.ctime_ns)
        ):
            report.unchanged += 1
        else:
            todo.append(found)
    vanished = [Path(k) for k, e in known.items() if k not in on_disk and e.status != "missing"]

    try:
        if progress is not None:
            progress(ScanProgress(0, len(todo)))
        _store(catalogue, _read_all(todo, workers or default_workers()), known, report, progress, len(todo))
    except ScanCancelled:
        report.cancelled = True
        return report
    report.missing = catalogue.mark_missing(vanished)
    for root in roots:
        catalogue.mark_folder_scanned(root)
    return report


def _store(
    catalogue: Catalogue,
    results: Iterator[_Read],
    known: dict[str, Entry],
    report: ScanReport,
    progress: Callable[[ScanProgress], None] | None,
    total: int,
) -> None:
    """Write read results to the catalogue, a batch per transaction so a concurrent scan is never kept waiting."""
    pending: list[_Read] = []
    try:
        for done, item in enumerate(results, start=1):
            pending.append(item)
            if len(pending) >= COMMIT_EVERY:
                _store_batch(catalogue, pending, known, report)
                pending = []
            if progress is not None:
                progress(ScanProgress(done, total, item.path))
    finally:
        if pending:
            _store_batch(catalogue, pending, known, report)


def _store_batch(catalogue: Catalogue, batch: list[_Read], known: dict[str, Entry], report: ScanReport) -> None:
    photos: list[PreparedPhoto] = []
    changed: list[bool] = []
    with catalogue.transaction():
        new_prints = [i.fingerprint for i in batch if i.fingerprint and str(i.path) not in known]
        seen_before = catalogue.known_fingerprints(new_prints) if new_prints else set()
        for item in batch:
            entry = known.get(str(item.path))
            if item.photo is None:
                error = item.error or f"{item.path}: cannot read"
                report.errors.append((item.path, error))
                catalogue.record_read_error(item.path, error, item.size, item.mtime_ns, item.ctime_ns)
                continue
            moved_from = None
            if entry is None and item.fingerprint in seen_before:
                moved_from = catalogue.moved_from(item.fingerprint, item.path)
            if moved_from is not None:
                catalogue.move_photo(moved_from, item.path)
                report.moved += 1
            elif entry is None:
                report.added += 1
            else:
                report.updated += 1
            photos.append(item.photo)
            changed.append(entry is not None and entry.status == "ok")
        outside = catalogue.store_prepared_many(photos, record_outside_edits=True)
    report.outside_edits += sum(1 for was_ok, o in zip(changed, outside, strict=True) if was_ok and o)
