"""Scanning real JPEGs into the catalogue: incremental, moves, missing files, outside edits, leftovers, errors."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from helpers import make_jpeg

from captioner import scan as scan_module
from captioner.catalogue import Catalogue
from captioner.errors import UsageError
from captioner.scan import ScanProgress, scan
from captioner.writing import write_fields


def captioned(path: Path, seed: int, caption: str, byline: str = "Thanh Cường", credit: str = "Báo Nghệ An") -> Path:
    make_jpeg(path, seed=seed)
    write_fields(path, {"caption": caption, "byline": [byline], "credit": credit})
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    photos = tmp_path / "photos"
    photos.mkdir()
    captioned(photos / "bna_9336.jpg", 1, "Lễ hội Đồng Tháp")
    captioned(photos / "bna_9297.jpg", 2, "比赛现场", byline="清强")
    sub = photos / "day2"
    sub.mkdir()
    captioned(sub / "bna_9400.jpg", 3, "Nguyễn Văn A", credit="")
    return photos


@pytest.fixture
def cat(tmp_path: Path):
    catalogue = Catalogue.open(tmp_path / "catalogue.sqlite")
    yield catalogue
    catalogue.close()


def test_first_scan_adds_every_picture_with_its_fields(cat: Catalogue, folder: Path) -> None:
    report = scan(cat, [folder], workers=1)
    assert (report.seen, report.added, report.unchanged, report.errors) == (3, 3, 0, [])
    row = cat.photo(folder / "bna_9336.jpg")
    assert row is not None
    assert row["status"] == "ok"
    assert row["fields"]["caption"] == "Lễ hội Đồng Tháp"
    assert row["fields"]["byline"] == ["Thanh Cường"]
    assert row["sources"]["credit"]["iim"] == "Báo Nghệ An"
    assert row["fingerprint"]
    assert (row["width"], row["height"], row["format"]) == (64, 48, "image/jpeg")
    assert row["stamp"].size == (folder / "bna_9336.jpg").stat().st_size
    assert [Path(h["path"]).name for h in cat.search("dong thap")] == ["bna_9336.jpg"]
    assert [Path(h["path"]).name for h in cat.search("missing:credit")] == ["bna_9400.jpg"]
    assert cat.folders()[0]["path"] == str(folder.resolve())


def test_unchanged_files_are_not_reread(cat: Catalogue, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scan(cat, [folder], workers=1)
    read: list[Path] = []
    real_read = scan_module._read
    monkeypatch.setattr(scan_module, "_read", lambda found: read.append(Path(found.path)) or real_read(found))
    report = scan(cat, [folder], workers=1)
    assert (report.unchanged, report.added, report.updated) == (3, 0, 0)
    assert read == []
    os.utime(folder / "bna_9297.jpg", ns=(time.time_ns(), time.time_ns() + 10**9))
    report = scan(cat, [folder], workers=1)
    assert read == [folder / "bna_9297.jpg"]
    assert (report.unchanged, report.updated, report.outside_edits) == (2, 1, 0)
    assert cat.history(folder / "bna_9297.jpg") == []


def test_rebuild_rereads_everything(cat: Catalogue, folder: Path) -> None:
    scan(cat, [folder], workers=1)
    report = scan(cat, [folder], rebuild=True, workers=1)
    assert (report.updated, report.unchanged, report.outside_edits) == (3, 0, 0)


def test_edit_by_another_program_is_recorded_as_outside(cat: Catalogue, folder: Path) -> None:
    path = folder / "bna_9336.jpg"
    scan(cat, [folder], workers=1)
    write_fields(path, {"caption": "Lễ hội mới", "credit": "AFP"})  # not through the catalogue
    report = scan(cat, [folder], workers=1)
    assert (report.updated, report.outside_edits) == (1, 1)
    edits = cat.history(path)
    assert [(e["field"], e["old"], e["new"], e["status"], e["user"]) for e in edits] == [
        ("caption", "Lễ hội Đồng Tháp", "Lễ hội mới", "outside", None),
        ("credit", "Báo Nghệ An", "AFP", "outside", None),
    ]
    assert cat.photo(path)["fields"]["credit"] == "AFP"  # type: ignore[index]
    assert scan(cat, [folder], workers=1).outside_edits == 0


def test_deleted_file_is_marked_missing_and_keeps_history(cat: Catalogue, folder: Path) -> None:
    path = folder / "bna_9297.jpg"
    scan(cat, [folder], workers=1)
    cat.record_write(path, {"caption": "x"}, None, None, "failed on purpose")
    saved = path.read_bytes()
    path.unlink()
    report = scan(cat, [folder], workers=1)
    assert report.missing == 1
    row = cat.photo(path)
    assert row is not None
    assert row["status"] == "missing"
    assert len(cat.history(path)) == 1
    assert [Path(h["path"]).name for h in cat.search("")] == ["bna_9336.jpg", "bna_9400.jpg"]
    path.write_bytes(saved)
    report = scan(cat, [folder], workers=1)
    assert report.updated == 1
    assert cat.photo(path)["status"] == "ok"  # type: ignore[index]


def test_moved_file_keeps_history_and_story_place(cat: Catalogue, folder: Path) -> None:
    old = folder / "bna_9336.jpg"
    scan(cat, [folder], workers=1)
    cat.record_write(old, {"headline": "H"}, None, None, "failed on purpose", user="editor")
    cat.create_story("s", [old, folder / "bna_9297.jpg"])
    new = folder / "day2" / "renamed.jpg"
    shutil.move(old, new)
    report = scan(cat, [folder], workers=1)
    assert (report.moved, report.added, report.missing) == (1, 0, 0)
    assert cat.photo(old) is None
    assert [e["user"] for e in cat.history(new)] == ["editor"]
    assert cat.story("s") == [new.resolve(), (folder / "bna_9297.jpg").resolve()]
    assert cat.count() == 3


def test_move_between_separately_scanned_folders(cat: Catalogue, folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "archive"
    other.mkdir()
    scan(cat, [folder], workers=1)
    cat.record_write(folder / "bna_9297.jpg", {"caption": "x"}, None, None, "failed on purpose")
    shutil.move(folder / "bna_9297.jpg", other / "bna_9297.jpg")
    report = scan(cat, [other], workers=1)
    assert report.moved == 1
    assert len(cat.history(other / "bna_9297.jpg")) == 1


def test_leftover_temporary_files_are_removed(cat: Catalogue, folder: Path) -> None:
    stale = folder / ".bna_9336.jpg.captioner-tmp-1a2b3c4d"
    fresh = folder / "day2" / ".bna_9400.jpg.captioner-tmp-5e6f7a8b"
    other_hidden = folder / ".hidden.jpg"
    for f in (stale, fresh, other_hidden):
        f.write_bytes(b"partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    report = scan(cat, [folder], workers=1)
    assert report.temp_removed == 1
    assert not stale.exists()
    assert fresh.exists(), "a temporary file this young may belong to a write in progress"
    assert other_hidden.exists()
    assert report.seen == 3
    assert scan(cat, [folder], workers=1, temp_grace=0).temp_removed == 1
    assert not fresh.exists()


def test_unreadable_file_is_recorded_and_the_scan_goes_on(cat: Catalogue, folder: Path) -> None:
    bad = folder / "broken.jpg"
    bad.write_bytes(b"not a picture at all")
    (folder / "empty.jpg").write_bytes(b"")
    report = scan(cat, [folder], workers=1)
    assert report.added == 3
    assert sorted(p.name for p, _ in report.errors) == ["broken.jpg", "empty.jpg"]
    row = cat.photo(bad)
    assert row is not None
    assert row["status"] == "error"
    assert "broken.jpg" in row["error"]
    again = scan(cat, [folder], workers=1)
    assert (again.unchanged, again.errors) == (5, [])


def test_process_pool_reads_the_same(cat: Catalogue, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(12):
        captioned(folder / f"extra_{i:02d}.jpg", 10 + i, f"Ảnh thêm {i}")
    (folder / "broken.jpg").write_bytes(b"garbage")
    monkeypatch.setattr(scan_module, "POOL_THRESHOLD", 2)
    report = scan(cat, [folder], workers=2)
    assert (report.added, len(report.errors)) == (15, 1)
    assert cat.photo(folder / "extra_07.jpg")["fields"]["caption"] == "Ảnh thêm 7"  # type: ignore[index]


def test_progress_is_reported(cat: Catalogue, folder: Path) -> None:
    seen: list[ScanProgress] = []
    scan(cat, [folder], workers=1, progress=seen.append)
    assert [(p.done, p.total) for p in seen] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert seen[-1].path is not None


def test_missing_folder_is_a_usage_error(cat: Catalogue, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        scan(cat, [tmp_path / "nope"])


def test_symlinked_picture_is_catalogued_at_its_target(cat: Catalogue, folder: Path, tmp_path: Path) -> None:
    elsewhere = captioned(tmp_path / "elsewhere.jpg", 9, "Ảnh ở chỗ khác")
    (folder / "link.jpg").symlink_to(elsewhere)
    report = scan(cat, [folder], workers=1)
    assert (report.seen, report.added) == (4, 4)
    row = cat.photo(folder / "link.jpg")
    assert row is not None
    assert row["path"] == str(elsewhere.resolve())
    again = scan(cat, [folder], workers=1)
    assert (again.unchanged, again.added, again.updated) == (4, 0, 0)


def test_cancelled_scan_keeps_what_was_read(cat: Catalogue, folder: Path) -> None:
    from captioner.scan import ScanCancelled

    def stop_after_two(p: ScanProgress) -> None:
        if p.done == 2:
            raise ScanCancelled

    (folder / "bna_9297.jpg").rename(folder / "renamed_later.jpg")
    report = scan(cat, [folder], workers=1, progress=stop_after_two)
    assert report.cancelled
    assert cat.count() == 2
    assert report.added == 2
    assert scan(cat, [folder], workers=1).added == 1


def test_cancel_with_the_process_pool(cat: Catalogue, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from captioner.scan import ScanCancelled

    for i in range(30):
        captioned(folder / f"extra_{i:02d}.jpg", 20 + i, f"Ảnh {i}")
    monkeypatch.setattr(scan_module, "POOL_THRESHOLD", 2)

    def stop(p: ScanProgress) -> None:
        if p.done == 5:
            raise ScanCancelled

    report = scan(cat, [folder], workers=2, progress=stop)
    assert report.cancelled
    assert cat.count() == 5


def test_photos_in_a_folder(cat: Catalogue, folder: Path) -> None:
    scan(cat, [folder], workers=1)
    assert [p["name"] for p in cat.photos_in(folder)] == ["bna_9297.jpg", "bna_9336.jpg"]
    assert [p["fields"]["caption"] for p in cat.photos_in(folder / "day2")] == ["Nguyễn Văn A"]


def test_temporary_files_of_the_safe_write_are_recognised(cat: Catalogue, folder: Path) -> None:
    from captioner.writing import TEMP_MARK, temp_name

    assert TEMP_MARK == scan_module.TEMP_MARK
    leftover = temp_name(folder / "bna_9336.jpg")
    leftover.write_bytes((folder / "bna_9336.jpg").read_bytes()[:100])
    old = time.time() - 60
    os.utime(leftover, (old, old))
    report = scan(cat, [folder], workers=1)
    assert (report.temp_removed, report.seen) == (1, 3)
    assert not leftover.exists()


def test_pool_from_a_threaded_program(cat: Catalogue, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app scans on a worker thread: the pool must not fork a threaded process (forkserver instead)."""
    import threading

    for i in range(6):
        captioned(folder / f"extra_{i:02d}.jpg", 40 + i, f"Ảnh {i}")
    monkeypatch.setattr(scan_module, "POOL_THRESHOLD", 2)
    reports: list[object] = []
    stop = threading.Event()
    idle = threading.Thread(target=stop.wait)  # another thread alive, as in the app
    idle.start()
    try:
        assert scan_module._pool_context().get_start_method() != "fork"
        worker = threading.Thread(target=lambda: reports.append(scan(cat, [folder], workers=2)))
        worker.start()
        worker.join(timeout=120)
    finally:
        stop.set()
        idle.join()
    (report,) = reports
    assert report.added == 9  # type: ignore[attr-defined]


def test_edit_that_restores_size_and_mtime_is_still_seen(cat: Catalogue, folder: Path) -> None:
    """``exiftool -P`` and Photo Mechanic can keep a file's modification time; its ctime still changes."""
    path = folder / "bna_9336.jpg"
    scan(cat, [folder], workers=1)
    before = path.stat()
    time.sleep(0.01)
    write_fields(path, {"caption": "Lễ hội Đồng Tháq"})  # same length as "Lễ hội Đồng Tháp"
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    report = scan(cat, [folder], workers=1)
    assert (report.updated, report.outside_edits) == (1, 1)
    assert [(e["field"], e["new"]) for e in cat.history(path)] == [("caption", "Lễ hội Đồng Tháq")]
    row = cat.photo(path)
    assert row is not None
    assert row["stamp"].ctime_ns == after.st_ctime_ns
