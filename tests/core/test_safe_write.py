"""Fault injection at each step of the safe write: the original stays byte-identical, no temporary file is left.

The steps of ``write_fields`` (DESIGN.md, "Writing"): check the file and folder are writable, read the bytes
(and refuse a file changed since the caller read it), build the new bytes in memory, verify them by
re-reading, write a temporary file beside the original, fsync it, check nothing changed meanwhile,
``os.replace``, fsync the folder. Each test breaks one step and checks the three promises: the original
untouched (bytes compared), no ``.NAME.captioner-tmp-*`` left in the folder, and the right error class with a
one-line message naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import make_jpeg

import captioner.writing as writing
from captioner.errors import ChangedOnDiskError, UsageError, VerificationError, WriteError
from captioner.reading import read_metadata
from captioner.writing import TEMP_MARK, WriteJob, write_batch, write_fields

CHANGES = {"caption": "Người dân Hà Nội đón Tết 2026", "byline": ["Nguyễn Thanh Hà"], "credit": "Ảnh: TTXVN"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` (names starting with a dot included) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def temp_files(folder: Path) -> list[str]:
    """Temporary files of the safe write left in `folder`."""
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name)


def assert_one_line(exc: BaseException, path: Path) -> None:
    """The error is one line and names the file."""
    message = str(exc)
    assert "\n" not in message and "\r" not in message
    assert str(path) in message
    assert len(message) < 300


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A captioned JPEG (caption, byline, credit already written) in a folder of its own."""
    folder = tmp_path / "photos"
    folder.mkdir()
    path = make_jpeg(folder / "bna_9336.jpg", size=(160, 120), seed=5)
    write_fields(path, {"caption": "Ảnh cũ", "byline": ["清强"], "credit": "Xinhua"})
    return path


@pytest.fixture
def untouched(photo: Path) -> Iterator[Callable[[], None]]:
    """After the test body: call the returned check to assert the folder is exactly as before, no temp left."""
    folder = photo.parent
    before = snapshot(folder)
    mode = stat.S_IMODE(photo.stat().st_mode)

    def check() -> None:
        assert temp_files(folder) == []
        assert snapshot(folder) == before
        assert stat.S_IMODE(photo.stat().st_mode) == mode

    yield check


def test_a_clean_write_replaces_the_file_and_leaves_no_temp(photo: Path) -> None:
    """The baseline: the write lands, keeps the permission bits, and leaves only the picture in the folder."""
    os.chmod(photo, 0o640)
    result = write_fields(photo, CHANGES)
    assert result.after.fields["caption"] == CHANGES["caption"]
    assert read_metadata(photo).fields["credit"] == "Ảnh: TTXVN"
    assert temp_files(photo.parent) == []
    assert sorted(p.name for p in photo.parent.iterdir()) == [photo.name]
    assert stat.S_IMODE(photo.stat().st_mode) == 0o640


# --- before the bytes are built ---------------------------------------------------------------------------


def test_read_only_file_is_refused(photo: Path, untouched: Callable[[], None]) -> None:
    """A read-only file is refused by its permission bits, even for root who could write it."""
    os.chmod(photo, 0o444)
    try:
        with pytest.raises(WriteError) as info:
            write_fields(photo, CHANGES)
        assert "read-only" in str(info.value)
        assert_one_line(info.value, photo)
        assert stat.S_IMODE(photo.stat().st_mode) == 0o444
    finally:
        os.chmod(photo, 0o644)
    untouched()


def test_read_only_folder_is_refused(photo: Path, untouched: Callable[[], None]) -> None:
    """A read-only folder is refused (the temporary file could not be created there)."""
    os.chmod(photo.parent, 0o555)
    try:
        with pytest.raises(WriteError) as info:
            write_fields(photo, CHANGES)
        assert "read-only" in str(info.value)
        assert_one_line(info.value, photo)
    finally:
        os.chmod(photo.parent, 0o755)
    untouched()


def test_missing_file_and_folder_give_write_errors(tmp_path: Path) -> None:
    """A missing file, or a folder given as a file, is a WriteError naming the path."""
    missing = tmp_path / "bna_0404.jpg"
    with pytest.raises(WriteError) as info:
        write_fields(missing, CHANGES)
    assert_one_line(info.value, missing)
    assert not missing.exists()
    with pytest.raises(WriteError) as info:
        write_fields(tmp_path, CHANGES)
    assert_one_line(info.value, tmp_path)
    assert temp_files(tmp_path) == []


def test_changed_since_read_is_refused_by_its_stamp(photo: Path) -> None:
    """A file changed by another program after we read it (same size, other bytes) is refused unless forced."""
    data = photo.read_bytes()
    stamp = read_metadata(photo, data=data).stamp
    theirs = bytearray(data)
    theirs[-3] ^= 0xFF  # another program edits a byte of the image data: same size
    photo.write_bytes(bytes(theirs))
    with pytest.raises(ChangedOnDiskError) as info:
        write_fields(photo, CHANGES, expected=stamp)
    assert_one_line(info.value, photo)
    assert photo.read_bytes() == bytes(theirs), "the other program's change is kept"
    assert temp_files(photo.parent) == []
    write_fields(photo, CHANGES, expected=stamp, force=True)
    assert read_metadata(photo).fields["caption"] == CHANGES["caption"]


def test_changed_since_show_is_refused_by_size_and_mtime(photo: Path) -> None:
    """A stamp without a hash (as ``captioner show`` takes it) still catches a change of size or time."""
    stamp = read_metadata(photo).stamp
    assert stamp.sha256 is None
    theirs = photo.read_bytes() + b"\x00trailer"
    photo.write_bytes(theirs)
    with pytest.raises(ChangedOnDiskError):
        write_fields(photo, CHANGES, expected=stamp)
    assert photo.read_bytes() == theirs
    assert temp_files(photo.parent) == []


def test_replaced_by_another_program_keeping_size_and_mtime_is_refused(photo: Path) -> None:
    """A stamp without a hash still catches a file replaced (new inode) by one of the same size and mtime.

    Sync tools and careful editors (rsync -t, cp -p, "save as" then move) keep the modification time; the
    inode and ctime still tell the file was replaced, so the write must not silently undo their change.
    """
    stamp = read_metadata(photo).stamp
    theirs = bytearray(photo.read_bytes())
    theirs[-3] ^= 0xFF
    staging = photo.parent.parent / "theirs.jpg"
    staging.write_bytes(bytes(theirs))
    os.utime(staging, ns=(stamp.mtime_ns, stamp.mtime_ns))
    os.replace(staging, photo)
    with pytest.raises(ChangedOnDiskError):
        write_fields(photo, CHANGES, expected=stamp)
    assert photo.read_bytes() == bytes(theirs)
    assert temp_files(photo.parent) == []


# --- while the new bytes are built and verified -----------------------------------------------------------


def test_verification_mismatch_of_a_value_keeps_the_original(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the re-read does not give back what was written, nothing is written."""
    real_extract = writing.extract
    calls = []

    def lossy_extract(*args: object, **kwargs: object) -> object:
        meta = real_extract(*args, **kwargs)
        calls.append(meta)
        if len(calls) == 2:  # the re-read of the new bytes
            meta.sources["credit"]["xmp"] = "Ảnh: TTX"
        return meta

    monkeypatch.setattr(writing, "extract", lossy_extract)
    with pytest.raises(VerificationError) as info:
        write_fields(photo, CHANGES)
    assert len(calls) == 2
    assert "credit" in str(info.value)
    assert_one_line(info.value, photo)
    untouched()


def test_verification_catches_changed_image_data(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """New bytes whose image data (SOS to end) differ from the original's are refused."""
    real_bytes = writing._image_bytes

    def corrupt(image: object) -> bytes:
        data = bytearray(real_bytes(image))
        data[-10] ^= 0x55
        return bytes(data)

    monkeypatch.setattr(writing, "_image_bytes", corrupt)
    with pytest.raises(VerificationError) as info:
        write_fields(photo, CHANGES)
    assert "image data" in str(info.value)
    assert_one_line(info.value, photo)
    untouched()


def test_verification_catches_unreadable_new_bytes(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """New bytes that are not a picture at all are refused (WriteError or its VerificationError)."""
    monkeypatch.setattr(writing, "_image_bytes", lambda image: b"GIF89a not a jpeg at all")
    with pytest.raises(WriteError) as info:
        write_fields(photo, CHANGES)
    assert_one_line(info.value, photo)
    untouched()


def test_verification_catches_new_bytes_without_the_values(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """New bytes that are a valid JPEG but lost the written values are refused with a VerificationError."""
    plain = make_jpeg(photo.parent.parent / "plain.jpg", size=(160, 120), seed=5).read_bytes()
    monkeypatch.setattr(writing, "_image_bytes", lambda image: plain)
    with pytest.raises(VerificationError) as info:
        write_fields(photo, CHANGES)
    assert_one_line(info.value, photo)
    untouched()


def test_unwritable_value_is_refused_not_half_written(photo: Path, untouched: Callable[[], None]) -> None:
    """U+FFFE (not an XML character, so XMP cannot carry it) is refused before anything reaches the disk.

    A UsageError up front (the value is wrong, whatever the file) or the re-read's VerificationError both keep
    the original; either way one line.
    """
    with pytest.raises((WriteError, UsageError)) as info:
        write_fields(photo, {"caption": "a\x01b\ufffe"})
    message = str(info.value)
    assert "\n" not in message and len(message) < 300
    untouched()


# --- while the temporary file is written and moved --------------------------------------------------------


def test_disk_full_during_the_write(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``os.write`` fails with ENOSPC after a partial write: WriteError, partial temp removed."""
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        if len(data) > 100:
            real_write(fd, bytes(data[:100]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(WriteError) as info:
        write_fields(photo, CHANGES)
    monkeypatch.undo()
    assert "No space left on device" in str(info.value)
    assert_one_line(info.value, photo)
    untouched()


def test_fsync_failure(photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary file cannot be flushed to disk (EIO): WriteError, nothing replaced."""

    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(WriteError) as info:
        write_fields(photo, CHANGES)
    monkeypatch.undo()
    assert_one_line(info.value, photo)
    untouched()


@pytest.mark.parametrize("step", ["fchmod", "fsync"])
def test_unexpected_exception_while_writing_the_temp_leaves_nothing_behind(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """An exception that is not an OSError (a bug, Ctrl-C) while the temp file is written: it is removed."""

    def boom(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, step, boom)
    with pytest.raises(KeyboardInterrupt):
        write_fields(photo, CHANGES)
    monkeypatch.undo()
    untouched()


def test_exception_right_before_replace(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception at ``os.replace`` propagates, with the temp removed and the original intact."""

    def boom(src: object, dst: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(RuntimeError):
        write_fields(photo, CHANGES)
    monkeypatch.undo()
    untouched()


def test_replace_fails_with_an_os_error(
    photo: Path, untouched: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``os.replace`` itself fails (EXDEV, EACCES…): a one-line WriteError."""

    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WriteError) as info:
        write_fields(photo, CHANGES)
    monkeypatch.undo()
    assert_one_line(info.value, photo)
    untouched()


def test_file_changed_during_the_write_is_not_overwritten(photo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program saves the file while our temp is being written: its version wins, ours is dropped."""
    real_write_temp = writing._write_temp
    theirs = b""

    def write_temp_while_they_save(tmp: Path, data: bytes, mode: int, *args: object, **kwargs: object) -> None:
        nonlocal theirs
        real_write_temp(tmp, data, mode, *args, **kwargs)
        other = make_jpeg(photo.parent / "other.jpg", size=(160, 120), seed=9)
        theirs = other.read_bytes()
        os.replace(other, photo)  # as an editor saving "safely" would

    monkeypatch.setattr(writing, "_write_temp", write_temp_while_they_save)
    with pytest.raises(ChangedOnDiskError) as info:
        write_fields(photo, CHANGES)
    assert_one_line(info.value, photo)
    assert photo.read_bytes() == theirs
    assert temp_files(photo.parent) == []
    assert sorted(p.name for p in photo.parent.iterdir()) == [photo.name]


def test_file_rewritten_in_place_during_the_write_is_not_overwritten(
    photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same, when the other program rewrites the file in place with the same size."""
    real_write_temp = writing._write_temp
    theirs = bytearray(photo.read_bytes())
    theirs[-3] ^= 0xFF

    def write_temp_while_they_edit(tmp: Path, data: bytes, mode: int, *args: object, **kwargs: object) -> None:
        real_write_temp(tmp, data, mode, *args, **kwargs)
        with open(photo, "r+b") as fh:
            fh.write(bytes(theirs))

    monkeypatch.setattr(writing, "_write_temp", write_temp_while_they_edit)
    with pytest.raises(ChangedOnDiskError):
        write_fields(photo, CHANGES)
    assert photo.read_bytes() == bytes(theirs)
    assert temp_files(photo.parent) == []


def test_symlink_to_a_file_writes_the_target_and_keeps_the_link(tmp_path: Path, photo: Path) -> None:
    """Writing through a symlink updates the file it points to; the link stays a link, no temp anywhere."""
    links = tmp_path / "links"
    links.mkdir()
    link = links / "latest.jpg"
    link.symlink_to(photo)
    result = write_fields(link, CHANGES)
    assert result.path == link
    assert link.is_symlink() and link.resolve() == photo.resolve()
    assert read_metadata(photo).fields["caption"] == CHANGES["caption"]
    assert temp_files(links) == [] and temp_files(photo.parent) == []
    assert sorted(p.name for p in links.iterdir()) == ["latest.jpg"]


def test_symlink_into_a_read_only_folder_is_refused(tmp_path: Path, photo: Path, untouched: Callable[[], None]) -> None:
    """The permission check applies to the target's folder, not the link's."""
    link = tmp_path / "latest.jpg"
    link.symlink_to(photo)
    os.chmod(photo.parent, 0o555)
    try:
        with pytest.raises(WriteError) as info:
            write_fields(link, CHANGES)
        assert_one_line(info.value, link)
    finally:
        os.chmod(photo.parent, 0o755)
    untouched()
    assert link.is_symlink()


# --- batches ----------------------------------------------------------------------------------------------


def make_batch(folder: Path, count: int) -> list[Path]:
    """`count` small JPEGs in `folder`."""
    folder.mkdir(exist_ok=True)
    return [make_jpeg(folder / f"bna_{i:04d}.jpg", seed=i) for i in range(count)]


def test_batch_one_bad_file_in_the_middle(tmp_path: Path) -> None:
    """A batch with a broken file, a read-only file and a missing file between good ones: the good are written."""
    folder = tmp_path / "batch"
    paths = make_batch(folder, 6)
    paths[2].write_bytes(b"this is not a picture")
    os.chmod(paths[3], 0o444)
    missing = folder / "bna_gone.jpg"
    order = [paths[0], paths[1], paths[2], paths[3], missing, paths[4], paths[5]]
    bad_before = {p: p.read_bytes() for p in (paths[2], paths[3])}
    items = list(write_batch(WriteJob(p, CHANGES) for p in order))
    assert [i.path for i in items] == order
    failed = {i.path for i in items if i.error is not None}
    assert failed == {paths[2], paths[3], missing}
    for item in items:
        assert (item.result is None) == (item.error is not None)
        if item.error is not None:
            assert isinstance(item.error, WriteError)
            assert_one_line(item.error, item.path)
    for p in (paths[0], paths[1], paths[4], paths[5]):
        assert read_metadata(p).fields["caption"] == CHANGES["caption"]
    for p, data in bad_before.items():
        assert p.read_bytes() == data
    assert temp_files(folder) == []
    os.chmod(paths[3], 0o644)


def test_batch_larger_than_a_commit_chunk(tmp_path: Path) -> None:
    """More files than one commit chunk, with a bad file in each chunk: every good file written, in order."""
    folder = tmp_path / "big"
    paths = make_batch(folder, writing.COMMIT_CHUNK + 10)
    bad = {paths[5], paths[writing.COMMIT_CHUNK + 3]}
    for p in bad:
        p.write_bytes(b"\xff\xd8\xff truncated")
    items = list(write_batch(WriteJob(p, {"credit": "BNA"}) for p in paths))
    assert [i.path for i in items] == paths
    assert {i.path for i in items if i.error} == bad
    assert all(read_metadata(p).fields["credit"] == "BNA" for p in paths if p not in bad)
    assert temp_files(folder) == []


def test_batch_flush_failure_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the filesystem sync of a batch fails, no original is replaced and every temp is removed."""
    folder = tmp_path / "batch"
    paths = make_batch(folder, 4)
    before = snapshot(folder)

    def failing_sync(*args: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(writing, "_sync_filesystem", failing_sync)
    monkeypatch.setattr(os, "sync", failing_sync)
    items = list(write_batch(WriteJob(p, CHANGES) for p in paths))
    monkeypatch.undo()
    assert all(isinstance(i.error, WriteError) for i in items)
    for i in items:
        assert_one_line(i.error, i.path)
    assert snapshot(folder) == before
    assert temp_files(folder) == []


def test_batch_disk_full_midway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up on the third temp file: that file and later ones fail cleanly, nothing half-written."""
    folder = tmp_path / "batch"
    paths = make_batch(folder, 5)
    before = snapshot(folder)
    real_write = os.write
    created: list[int] = []
    real_open = os.open

    def counting_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        fd = real_open(path, flags, *args, **kwargs)
        if TEMP_MARK in str(path):
            created.append(fd)
        return fd

    def filling_write(fd: int, data: bytes) -> int:
        if fd in created[2:]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "open", counting_open)
    monkeypatch.setattr(os, "write", filling_write)
    items = list(write_batch(WriteJob(p, CHANGES) for p in paths))
    monkeypatch.undo()
    ok = [i.path for i in items if i.error is None]
    assert ok == paths[:2]
    for item in items[2:]:
        assert isinstance(item.error, WriteError) and "No space left" in str(item.error)
        assert item.path.read_bytes() == before[item.path.name]
    for p in ok:
        assert read_metadata(p).fields["caption"] == CHANGES["caption"]
    assert temp_files(folder) == []


def test_batch_one_file_changed_during_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a batch, a file another program saves meanwhile is refused; the others are written."""
    folder = tmp_path / "batch"
    paths = make_batch(folder, 4)
    theirs = b""
    real_sync = writing._sync_filesystem

    def sync_while_they_save(any_file: Path) -> None:
        nonlocal theirs
        real_sync(any_file)
        with open(paths[1], "ab") as fh:
            fh.write(b"photo mechanic trailer")
        theirs = paths[1].read_bytes()

    monkeypatch.setattr(writing, "_sync_filesystem", sync_while_they_save)
    items = list(write_batch(WriteJob(p, CHANGES) for p in paths))
    errors = {i.path: i.error for i in items if i.error is not None}
    assert list(errors) == [paths[1]]
    assert isinstance(errors[paths[1]], ChangedOnDiskError)
    assert paths[1].read_bytes() == theirs
    assert all(read_metadata(p).fields["caption"] == CHANGES["caption"] for p in paths if p != paths[1])
    assert temp_files(folder) == []


def test_batch_unexpected_exception_leaves_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception in the middle of a batch commit: files not yet replaced are intact, no temp left."""
    folder = tmp_path / "batch"
    paths = make_batch(folder, 4)
    before = snapshot(folder)
    real_replace = os.replace
    done: list[Path] = []

    def replace_then_crash(src: object, dst: object) -> None:
        if len(done) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)
        done.append(Path(str(dst)))

    monkeypatch.setattr(os, "replace", replace_then_crash)
    with pytest.raises(KeyboardInterrupt):
        list(write_batch(WriteJob(p, CHANGES) for p in paths))
    monkeypatch.undo()
    assert temp_files(folder) == []
    for p in paths:
        if p in done:
            assert read_metadata(p).fields["caption"] == CHANGES["caption"]
        else:
            assert p.read_bytes() == before[p.name]


def test_batch_abandoned_after_the_first_item_leaves_no_temp(tmp_path: Path) -> None:
    """A caller that stops reading the batch early (the app's Cancel) leaves no staged temporary file behind."""
    folder = tmp_path / "batch"
    paths = make_batch(folder, writing.COMMIT_CHUNK + max(writing.PARALLEL_WRITE_THRESHOLD, 40))
    batch = write_batch(WriteJob(p, CHANGES) for p in paths)
    first = next(batch)
    assert first.error is None
    batch.close()
    assert temp_files(folder) == []
    for p in paths:
        caption = read_metadata(p).fields["caption"]
        assert caption in ("", CHANGES["caption"])


def test_batch_with_the_same_file_twice_applies_both(tmp_path: Path) -> None:
    """The same picture twice in one batch (directly and through a symlink): both changes land, no error."""
    folder = tmp_path / "batch"
    (path,) = make_batch(folder, 1)
    link = tmp_path / "link.jpg"
    link.symlink_to(path)
    jobs = [
        WriteJob(path, {"caption": "Lần một"}),
        WriteJob(path, {"credit": "TTXVN"}),
        WriteJob(link, {"source": "BNA"}),
    ]
    items = list(write_batch(jobs))
    assert [str(i.error) for i in items if i.error] == []
    fields = read_metadata(path).fields
    assert (fields["caption"], fields["credit"], fields["source"]) == ("Lần một", "TTXVN", "BNA")
    assert temp_files(folder) == []


def test_owner_and_mode_are_kept_when_root_writes(photo: Path) -> None:
    """Root writing a photographer's file keeps its owner, group and permission bits (the temp is chowned)."""
    owner = (1234, 5678) if os.geteuid() == 0 else (os.getuid(), os.getgid())  # only root can give files away
    os.chown(photo, *owner)
    os.chmod(photo, 0o664)
    write_fields(photo, CHANGES)
    st = photo.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (*owner, 0o664)


def test_folder_fsync_failure_after_replace_is_reported_truthfully(
    photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If only the folder sync fails, the new file is in place: reported as written, with a one-line warning."""
    monkeypatch.setattr(writing, "_fsync_dir", lambda folder: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    result = write_fields(photo, CHANGES)
    monkeypatch.undo()
    assert read_metadata(photo).fields["caption"] == CHANGES["caption"]
    assert temp_files(photo.parent) == []
    notes = [w for w in result.warnings if "sync" in w]
    assert len(notes) == 1 and "\n" not in notes[0] and "not written" not in notes[0], result.warnings


def test_xmp_too_large_for_a_segment_is_refused_cleanly(photo: Path, untouched: Callable[[], None]) -> None:
    """A caption too big for one XMP segment (over 64 KB): a one-line WriteError, nothing half-written."""
    with pytest.raises(WriteError) as info:
        write_fields(photo, {"caption": "Người dân Hà Nội đón Tết. " * 3000})
    assert_one_line(info.value, photo)
    untouched()


@pytest.mark.parametrize("count", [5, writing.COMMIT_CHUNK + max(writing.PARALLEL_WRITE_THRESHOLD, 40)])
def test_batch_bug_in_one_file_leaves_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """A programming error while building one file (serial and parallel batches): it propagates, no temp is left,
    and every file is either untouched or fully written."""
    folder = tmp_path / "batch"
    paths = make_batch(folder, count)
    before = snapshot(folder)
    victim = paths[count // 2]
    real_apply = writing._apply

    def buggy_apply(image: object, before_meta: object, *args: object, **kwargs: object) -> object:
        if getattr(before_meta, "path", None) == victim:
            raise RuntimeError("bug")
        return real_apply(image, before_meta, *args, **kwargs)

    monkeypatch.setattr(writing, "_apply", buggy_apply)
    with pytest.raises(RuntimeError):
        list(write_batch(WriteJob(p, CHANGES) for p in paths))
    monkeypatch.undo()
    assert temp_files(folder) == []
    for p in paths:
        data = p.read_bytes()
        if data != before[p.name]:
            assert read_metadata(p).fields["caption"] == CHANGES["caption"], p.name
    assert victim.read_bytes() == before[victim.name]


def test_sidecar_write_failure_leaves_no_sidecar(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Disk full while writing a HEIC's XMP sidecar: WriteError, the picture untouched, no sidecar, no temp."""
    folder = tmp_path / "heic"
    folder.mkdir()
    path = folder / "Stonehenge.heic"
    path.write_bytes((corpus / "exiv2/Stonehenge.heic").read_bytes())
    before = snapshot(folder)

    def full_disk(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(WriteError) as info:
        write_fields(path, CHANGES)
    monkeypatch.undo()
    assert_one_line(info.value, path)
    assert snapshot(folder) == before
    assert temp_files(folder) == []
    write_fields(path, CHANGES)
    assert sorted(snapshot(folder)) == ["Stonehenge.heic", "Stonehenge.heic.xmp"]
    assert snapshot(folder)["Stonehenge.heic"] == before["Stonehenge.heic"]


def test_two_captioner_processes_on_the_same_files_lose_no_update(tmp_path: Path) -> None:
    """Two editors run ``captioner set`` on the same pictures at the same moment (caption vs credit).

    Each file may end up with both changes, or one process may refuse it as changed on disk, but a process that
    reports a file "written" must find its value in that file afterwards: no silently lost update (the check
    before the rename and the rename itself must not let the other process slip in between).
    """
    folder = tmp_path / "shared"
    files = [str(p) for p in make_batch(folder, 60)]
    env = {**os.environ, "CAPTIONER_CATALOGUE": str(tmp_path / "none.sqlite")}
    lost = []
    for round_ in range(3):
        commands = [["--caption", f"caption {round_}"], ["--credit", f"credit {round_}"]]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "captioner", "set", *files, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for args in commands
        ]
        outputs = [p.communicate(timeout=300) for p in procs]
        for (_out, err), proc in zip(outputs, procs, strict=True):
            assert proc.returncode in (0, 1)
            assert all("changed on disk" in line for line in err.splitlines()), err
        written = [{line.removesuffix(": written") for line in out.splitlines()} for out, _ in outputs]
        for name in files:
            fields = read_metadata(name).fields
            if name in written[0] and fields["caption"] != f"caption {round_}":
                lost.append(f"round {round_}: {Path(name).name} caption")
            if name in written[1] and fields["credit"] != f"credit {round_}":
                lost.append(f"round {round_}: {Path(name).name} credit")
    assert lost == []
    assert temp_files(folder) == []


def test_writes_and_reads_from_many_threads(tmp_path: Path) -> None:
    """The app writes and reads on a thread pool: 6 threads over 48 files, each value read back exactly."""
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path / "threads"
    paths = make_batch(folder, 48)

    def edit(i: int) -> None:
        changes = {
            "caption": f"Chú thích {i} " + "Hà Nội " * (i % 7),
            "byline": [f"Người {i}"],
            "credit": f"TTXVN {i}",
            "keywords": [f"k{i}", "Tết"],
        }
        write_fields(paths[i], changes)
        fields = read_metadata(paths[i]).fields
        assert fields["caption"] == changes["caption"].rstrip()
        assert (fields["byline"], fields["credit"], fields["keywords"]) == (
            changes["byline"],
            changes["credit"],
            changes["keywords"],
        )

    for _ in range(2):
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(edit, range(len(paths))))
    assert temp_files(folder) == []
