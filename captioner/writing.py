"""Writing fields into image files, safely.

What is written (DESIGN.md, "Writing"): XMP always; IIM with 1:90 = ESC % G and every value cut on a UTF-8
character boundary at its byte limit (legacy-charset IIM text is converted, so no dataset is left in another
encoding); EXIF ImageDescription / Artist / Copyright / DateTimeOriginal; the Photoshop IPTC digest made
current; Windows XP* and UserComment copies of an old value removed. Nothing else changes.

How it is written: the new file is built in memory, re-read and verified (fields and image data), written
to a temporary file in the same folder, fsynced, and moved over the original with ``os.replace``; then the
folder is fsynced. At every failure the original is left as it was and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import errno
import functools
import hashlib
import multiprocessing
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import exiv2

from captioner import iim, jpeg, mwg

try:
    import fcntl
except ImportError:  # Windows: no advisory locks between processes
    fcntl = None  # type: ignore[assignment]
from captioner.errors import (
    CaptionerError,
    ChangedOnDiskError,
    ReadError,
    UnsupportedFormatError,
    UsageError,
    VerificationError,
    WriteError,
)
from captioner.fields import Field, FieldValue, XmpKind
from captioner.fields import field as field_for
from captioner.photo import FileStamp, PhotoMetadata
from captioner.reading import EXIF_DATE_OFFSET, extract, open_image, sidecar_path, writable_sources

Change = FieldValue | dict[str, str] | None
Changes = Mapping[str, Change]

COMMIT_CHUNK = 64
"""Files a batch builds in memory before flushing their temporary files with one sync (~25 MB of photos)."""
PARALLEL_WRITE_THRESHOLD = 32
"""From this many files on, write_batch prepares files in worker processes."""
TEMP_MARK = ".captioner-tmp-"
"""Temporary files are named ``.<name>.captioner-tmp-<random>`` in the picture's own folder."""

_XP_COPIES = {
    # Windows Explorer's copies of a field; they must not outlive a change of the field.
    "caption": ("Exif.Image.XPComment", "Exif.Photo.UserComment", "Exif.Image.XPSubject"),
    "title": ("Exif.Image.XPTitle",),
    "byline": ("Exif.Image.XPAuthor",),
    "keywords": ("Exif.Image.XPKeywords",),
}
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass
class WriteResult:
    """One file written: its metadata before and after, and notes such as values cut to fit IIM."""

    path: Path
    before: PhotoMetadata
    after: PhotoMetadata
    changed: dict[str, tuple[FieldValue, FieldValue]] = field(default_factory=dict)
    """Per field key that changed: (old reconciled value, new reconciled value)."""
    warnings: list[str] = field(default_factory=list)


@dataclass
class WriteJob:
    """One file of a batch: the changes for it and, optionally, the stamp it was read with."""

    path: Path
    changes: Changes
    expected: FileStamp | None = None


@dataclass
class BatchItem:
    """The outcome for one file of a batch: a result or an error, never both."""

    path: Path
    changes: Changes
    result: WriteResult | None = None
    error: CaptionerError | None = None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """A value as it is written: line endings made LF, invisible control characters removed (tab kept).

    Control characters arrive with copy-paste from other systems; XML (hence XMP) cannot carry most of them.
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


_LANGUAGE = re.compile(r"^(x-default|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$")


def check_language(lang: str) -> str:
    """`lang` if it is an XMP language tag (BCP 47: ``vi``, ``zh-Hant-TW``, ``x-default``); else UsageError."""
    if not _LANGUAGE.match(lang):
        raise UsageError(f"{lang!r} is not a language tag like vi, zh-Hans or x-default")
    return lang


def check_date(text: str) -> None:
    """Raise UsageError unless `text` is a real ISO 8601 date, optionally with a time and a zone."""
    example = "a date like 2025-01-07 or 2025-01-07T08:30:00+07:00"
    m = _DATE_RE.match(text)
    if m is None:
        raise UsageError(f"date_created: {text!r} is not {example}")
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        datetime.date(int(y), int(mo), int(d))
        if h is not None:
            datetime.time(int(h), int(mi), int(s or 0))
    except ValueError:
        raise UsageError(f"date_created: {text!r} is not a real date and time ({example})") from None
    if tz not in (None, "Z"):
        hours, minutes = int(tz[1:3]), int(tz[-2:])
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise UsageError(f"date_created: {tz!r} is not a time zone (from -12:00 to +14:00)")


def normalise_changes(changes: Changes) -> dict[str, Change]:
    """Validate `changes` against the field table and clean their text (:func:`clean_text`).

    Raises UsageError for an unknown key or a value of the wrong type.
    """
    out: dict[str, Change] = {}
    for key, value in changes.items():
        try:
            f = field_for(key)
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        if value is None:
            out[key] = None
        elif f.is_list:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{key}: expected a list of strings")
            out[key] = [c for c in (clean_text(v).strip() for v in value) if c]
        elif isinstance(value, dict):
            if not f.is_lang_alt:
                raise UsageError(f"{key}: only caption, title, copyright and alt_text have languages")
            for lang in value:
                check_language(str(lang))
            out[key] = {str(k): clean_text(str(v)) for k, v in value.items()}
        elif isinstance(value, str):
            if f.key == "date_created" and value.strip():
                check_date(value.strip())
            out[key] = clean_text(value)
        else:
            raise UsageError(f"{key}: expected text")
    return out


def write_fields(
    path: str | Path,
    changes: Changes,
    *,
    expected: FileStamp | None = None,
    force: bool = False,
) -> WriteResult:
    """Write `changes` into the file at `path` safely and return what was written.

    `expected` is the stamp the caller read the file with; when the file no longer matches it the write is
    refused with ChangedOnDiskError unless `force`. Raises WriteError (or a subclass) with the original
    untouched; UsageError for invalid changes.
    """
    staged = _stage(_prepare(Path(path), changes, expected, force), sync=True)
    ((_, err),) = _finish([staged], force, synced=True)
    if err is not None:
        raise err
    return staged.result


def write_batch(
    jobs: Iterable[WriteJob],
    *,
    force: bool = False,
    on_item: Callable[[BatchItem], None] | None = None,
    workers: int | None = None,
) -> Iterator[BatchItem]:
    """Write each job, yielding one BatchItem per job; one bad file never stops the batch.

    Jobs naming the same file (also through a link) are merged, in order, into one write. A chunk at a time,
    files are built, verified and staged as temporary files beside their originals (in worker processes for
    large batches, `workers` of them, by default one per core), flushed to disk with one filesystem sync and
    renamed over their originals. Abandoning the generator leaves every file not yet renamed as it was.
    """
    groups: dict[str, list[WriteJob]] = {}
    for job in jobs:
        groups.setdefault(os.path.realpath(job.path), []).append(job)
    merged = [_merge(group) for group in groups.values()]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(merged) >= PARALLEL_WRITE_THRESHOLD else 1
    stage = functools.partial(_prepare_and_stage, force=force)
    pool = None
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        for start in range(0, len(merged), COMMIT_CHUNK):
            chunk = merged[start : start + COMMIT_CHUNK]
            outcomes = pool.map(stage, [job for job, _ in chunk]) if pool else [stage(job) for job, _ in chunk]
            staged = [o for o in outcomes if isinstance(o, _Staged)]
            bug = next((o for o in outcomes if isinstance(o, Exception) and not isinstance(o, CaptionerError)), None)
            if bug is not None:  # a programming error: nothing of this chunk is committed, nothing left behind
                for st in staged:
                    _remove_quietly(st.tmp)
                raise bug
            try:
                errors = {id(st): e for st, e in _finish(staged, force, synced=False)}
            except BaseException:
                for st in staged:
                    _remove_quietly(st.tmp)
                raise
            for (_, originals), outcome in zip(chunk, outcomes, strict=True):
                error = outcome if isinstance(outcome, CaptionerError) else errors[id(outcome)]
                result = outcome.result if isinstance(outcome, _Staged) and error is None else None
                for job in originals:
                    item = BatchItem(path=Path(job.path), changes=job.changes, result=result, error=error)
                    if on_item is not None:
                        on_item(item)
                    yield item
    finally:
        if pool is not None:
            pool.terminate()


def _merge(group: list[WriteJob]) -> tuple[WriteJob, list[WriteJob]]:
    """One job for several that name the same file: their changes applied in order, the first stamp."""
    if len(group) == 1:
        return group[0], group
    changes: dict[str, Change] = {}
    for job in group:
        changes.update(job.changes)
    return WriteJob(group[0].path, changes, group[0].expected), group


@dataclass
class _Prepared:
    """A file whose new bytes are built and verified in memory, ready to replace the original."""

    path: Path
    real: Path
    """The file to replace: the picture itself, or its XMP sidecar."""
    stat: os.stat_result | None
    """`real` as it was read; None for a sidecar that does not exist yet."""
    new: bytes
    result: WriteResult
    mode: int
    owner: tuple[int, int]


@dataclass
class _Staged:
    """A prepared file whose new content waits in a temporary file beside the original."""

    path: Path
    real: Path
    stat: os.stat_result | None
    tmp: Path
    size: int
    result: WriteResult
    in_place: bool
    """True when the picture itself is replaced (not its sidecar)."""


def _prepare_and_stage(job: WriteJob, force: bool) -> _Staged | Exception:
    """Build, verify and stage one file of a batch (maybe in a worker process).

    Errors are returned, not raised, so that the other files of the chunk can be cleaned up before a
    programming error is raised again in the batch.
    """
    try:
        return _stage(_prepare(Path(job.path), job.changes, job.expected, force), sync=False)
    except Exception as exc:
        return exc


def _prepare(path: Path, changes: Changes, expected: FileStamp | None, force: bool) -> _Prepared:
    wanted = normalise_changes(changes)
    real = Path(os.path.realpath(path))
    _check_folder_writable(path, real)
    data, st = _read_bytes(path, real)
    need_hash = expected is not None and expected.sha256 is not None
    stamp = FileStamp.of_stat(st, hashlib.sha256(data).hexdigest() if need_hash else None)
    try:
        image = open_image(path, data)
    except UnsupportedFormatError:
        raise
    except ReadError as exc:
        raise WriteError(path, exc.reason) from None
    sources = writable_sources(image)
    in_place = "xmp" in sources
    if in_place and not st.st_mode & 0o222:
        raise WriteError(path, "the file is read-only")
    if expected is not None and not force and not expected.matches(stamp):
        raise ChangedOnDiskError(path, "another program changed it; reload it, or write with --force")
    if not in_place:
        return _prepare_sidecar(path, real, image, data, st, stamp, wanted)
    old_header = _jpeg_header_or_none(data) if image.mimeType() == "image/jpeg" else None
    before = extract(path, image, stamp, data, header=old_header)
    block = jpeg.iim_block(old_header.app13) if old_header is not None and old_header.app13 else None
    iim_raw = jpeg.iim_datasets(block) if block else None
    # exiv2 rebuilds the EXIF block as soon as a value outgrows its place, and a rebuilt block loses the
    # maker-note data found by offset: in a JPEG with maker notes every EXIF value is kept in its place.
    in_place = old_header is not None and _has_maker_notes(image.exifData())
    warnings, exif_skipped = _apply_or_fail(path, image, before, wanted, sources, iim_raw, exif_in_place=in_place)
    new = _write_to_memory(path, image, before.format)
    if old_header is not None and _moves_maker_notes(image, old_header, new):
        raise WriteError(path, "its camera maker notes would not survive the change of its EXIF block")
    if exif_skipped:
        keys = ", ".join(sorted(exif_skipped))
        warnings.append(
            f"{keys}: not written to EXIF, where the camera's maker notes leave no room; XMP and IIM hold it"
        )
    new_header = None
    if before.format == "image/x-photoshop":
        new = jpeg.fix_psd_iptc_digest(new)
    if old_header is not None:
        try:
            new = jpeg.fix_iptc_digest(new)
            if data.find(jpeg.MPF_HEADER, 0, old_header.sos_offset) >= 0:
                new = jpeg.fix_mpf(data, new, old_header.sos_offset, jpeg.header_of_bytes(new).sos_offset)
            new_header = jpeg.header_of_bytes(new)
        except jpeg.JpegError as exc:
            raise VerificationError(path, f"the new file is not a valid JPEG ({exc})") from None
    after = _verify(path, data, new, before, wanted, sources, exif_skipped, old_header, new_header)
    changed = {k: (before.value(k), after.value(k)) for k in wanted if before.value(k) != after.value(k)}
    result = WriteResult(path=path, before=before, after=after, changed=changed, warnings=warnings)
    return _Prepared(path, real, st, new, result, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid))


def _prepare_sidecar(
    path: Path,
    real: Path,
    image: Any,
    data: bytes,
    st: os.stat_result,
    stamp: FileStamp,
    wanted: Mapping[str, Change],
) -> _Prepared:
    """For a format the engine cannot write (HEIC, AVIF, RAW): the fields go to the XMP sidecar NAME.EXT.xmp."""
    side = sidecar_path(real)
    side_stat = None
    if side.exists():
        side_data, side_stat = _read_bytes(path, side)
        try:
            side_image = open_image(side, side_data)
        except ReadError as exc:
            raise WriteError(path, f"its XMP sidecar {side.name} cannot be read ({exc.reason})") from None
    else:
        side_image = exiv2.ImageFactory.create(exiv2.ImageType.xmp)
    before = extract(path, image, stamp, data, xmp=side_image.xmpData())
    before.sidecar = side if side_stat is not None else None
    warnings, _ = _apply_or_fail(path, side_image, before, wanted, frozenset({"xmp"}))
    try:
        side_image.writeMetadata()
    except exiv2.Exiv2Error as exc:
        raise WriteError(path, _engine_reason(exc, "XMP sidecar")) from None
    new = _image_bytes(side_image)
    try:
        check = open_image(side, new)
    except ReadError as exc:
        raise VerificationError(path, f"the new sidecar cannot be read back ({exc.reason})") from None
    after = extract(path, image, stamp, data, xmp=check.xmpData())
    after.sidecar = side
    _check_values(path, before, after, wanted, frozenset({"xmp"}))
    changed = {k: (before.value(k), after.value(k)) for k in wanted if before.value(k) != after.value(k)}
    warnings.append(f"{before.format} files cannot hold the fields; they were written to {side.name}")
    result = WriteResult(path=path, before=before, after=after, changed=changed, warnings=warnings)
    mode = stat.S_IMODE(side_stat.st_mode) if side_stat else stat.S_IMODE(st.st_mode) | 0o200
    return _Prepared(path, side, side_stat, new, result, mode, (st.st_uid, st.st_gid))


# --- checks before writing -------------------------------------------------------------------------------


def _check_folder_writable(path: Path, real: Path) -> None:
    """Refuse what cannot be replaced safely: not a regular file, or a read-only folder (by its permission
    bits, even as root, who could override them)."""
    try:
        st = os.stat(real)
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise WriteError(path, "not a regular file")
    try:
        dst = os.stat(real.parent)
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from None
    if not dst.st_mode & 0o222 or not os.access(real.parent, os.W_OK | os.X_OK):
        raise WriteError(path, f"the folder {real.parent} is read-only")


def _write_to_memory(path: Path, image: Any, fmt: str) -> bytes:
    try:
        image.writeMetadata()
    except exiv2.Exiv2Error as exc:
        raise WriteError(path, _engine_reason(exc, fmt)) from None
    return _image_bytes(image)


def _moves_maker_notes(image: Any, old_header: jpeg.JpegHeader, new: bytes) -> bool:
    """Whether a JPEG with camera maker notes got an EXIF segment of another size (exiv2 rebuilt it)."""
    if old_header.exif_size < 0 or not _has_maker_notes(image.exifData()):
        return False
    return jpeg.header_of_bytes(new).exif_size != old_header.exif_size


def _jpeg_header_or_none(data: bytes) -> jpeg.JpegHeader | None:
    try:
        return jpeg.header_of_bytes(data)
    except jpeg.JpegError:
        return None


def _read_bytes(path: Path, real: Path) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat taken on the same open file."""
    try:
        with open(real, "rb") as fh:
            return fh.read(), os.fstat(fh.fileno())
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from None


def _engine_reason(exc: Exception, fmt: str) -> str:
    code = exc.args[0] if exc.args else None
    if code in (exiv2.ErrorCode.kerWritingImageFormatUnsupported, exiv2.ErrorCode.kerInvalidSettingForImage):
        return f"{fmt} files cannot be written by the metadata engine"
    msg = str(exc.args[1] if len(exc.args) > 1 else exc).strip().rstrip(".")
    return f"the metadata engine refused it: {msg}"


def _image_bytes(image: Any) -> bytes:
    io = image.io()
    view = io.mmap()
    try:
        return bytes(view)
    finally:
        del view
        io.munmap()


# --- applying changes to an exiv2 image -------------------------------------------------------------------


@dataclass
class _ExifTarget:
    """EXIF as the writer may change it.

    In a file with camera maker notes no EXIF tag is added or removed, only existing ones changed: exiv2 has to
    rebuild the whole EXIF block to add one, and maker-note data found by offset (a Nikon preview, Canon's
    decision data) does not survive that. XMP and IIM carry the value, and MWG readers fall back to them.
    """

    data: Any
    may_add: bool
    fit_only: bool = False
    """Also keep every value within its old length (blank it when the new one is longer): no byte moves."""
    skipped: set[str] = field(default_factory=set)
    """Field keys whose EXIF value was not written as given (left as it was, or blanked)."""

    def has(self, tag: str) -> bool:
        return bool(self.data.findKey(exiv2.ExifKey(tag)) != self.data.end())

    def set(self, key: str, tag: str, text: str) -> None:
        pos = self.data.findKey(exiv2.ExifKey(tag))
        present = pos != self.data.end()
        if not self.may_add and not present:
            if text.strip():
                self.skipped.add(key)
            return
        if self.fit_only and present and len(text.encode("utf-8")) > len(pos.toString().encode("utf-8")):
            self.skipped.add(key)
            text = ""
        if text.strip():
            self.data[tag] = text
        elif present:
            if self.may_add:
                _erase_exif(self.data, tag)
            else:
                self.data[tag] = ""

    def drop_copy(self, tag: str) -> None:
        """Remove a Windows copy (XP*, UserComment) of a changed field; in a file with maker notes, a blank one
        is left alone and a UserComment is emptied in place rather than removed (see the class note)."""
        pos = self.data.findKey(exiv2.ExifKey(tag))
        if pos == self.data.end():
            return
        if self.may_add:
            self.data.erase(pos)
            return
        text = pos.toString()
        if text.startswith("charset="):
            text = text.partition(" ")[2]
        if not text.strip(" \x00"):
            return
        if tag == "Exif.Photo.UserComment":
            self.data[tag] = ""
        else:
            self.data.erase(pos)


def _has_maker_notes(exif_data: Any) -> bool:
    return any(exiv2.ExifTags.isMakerGroup(d.groupName()) for d in exif_data)


def _apply(
    image: Any,
    before: PhotoMetadata,
    wanted: Mapping[str, Change],
    sources: frozenset[str],
    iim_raw: list[tuple[int, int, bytes]] | None = None,
    exif_in_place: bool = False,
) -> tuple[list[str], set[str]]:
    """Set every wanted field in every writable source of `image`.

    Returns warnings (values cut to fit IIM) and the field keys whose EXIF value was deliberately not written.
    With `exif_in_place`, EXIF values that do not fit where the old ones were are blanked instead.
    """
    xmp_data = image.xmpData()
    # A source the format cannot hold is edited in a scratch container that is never written.
    raw_exif = image.exifData() if "exif" in sources else exiv2.ExifData()
    exif = _ExifTarget(raw_exif, may_add=not _has_maker_notes(raw_exif), fit_only=exif_in_place)
    iptc_data = image.iptcData() if "iim" in sources else exiv2.IptcData()
    warnings: list[str] = []
    _convert_legacy_iim(iptc_data)
    _keep_raw_dates(iptc_data, iim_raw)
    for key, change in wanted.items():
        f = field_for(key)
        if f.is_lang_alt:
            langs = _new_languages(before.languages.get(key, {}), before.value(key), change)
            main = langs.get("x-default", next(iter(langs.values()), ""))
            _set_xmp_lang_alt(xmp_data, f, langs)
            _set_iim(iptc_data, f, [main] if main else [], warnings)
            if f.exif:
                exif.set(key, f.exif, main)
        elif f.is_list:
            items = list(change) if isinstance(change, list) else []
            _set_xmp_array(xmp_data, f, items)
            _set_iim(iptc_data, f, items, warnings)
            if f.exif:
                exif.set(key, f.exif, mwg.list_to_string(items))
        elif key == "date_created":
            _set_date(exif, iptc_data, xmp_data, f, str(change or "").strip())
        else:
            text = str(change or "")
            _set_xmp_text(xmp_data, f, text)
            _set_iim(iptc_data, f, [text] if text.strip() else [], warnings)
        for tag in _XP_COPIES.get(key, ()):
            exif.drop_copy(tag)
    _ensure_iim_envelope(iptc_data)
    return warnings, exif.skipped


def _apply_or_fail(path: Path, image: Any, *args: Any, **kwargs: Any) -> tuple[list[str], set[str]]:
    """:func:`_apply`, with anything the engine refuses (a value it cannot hold) as this file's WriteError."""
    try:
        return _apply(image, *args, **kwargs)
    except (exiv2.Exiv2Error, ValueError, TypeError) as exc:
        reason = exc.args[-1] if exc.args else exc
        raise WriteError(path, f"the metadata engine cannot hold a value: {reason}") from None


def _keep_raw_dates(iptc_data: Any, raw: list[tuple[int, int, bytes]] | None) -> None:
    """Give IIM date and time datasets back their original bytes, so re-encoding never changes them
    (exiv2 would add ``+00:00`` to a time written without a zone, claiming a zone nobody gave)."""
    if not raw:
        return
    stored: dict[tuple[int, int], list[bytes]] = {}
    for record, number, value in raw:
        stored.setdefault((record, number), []).append(value)
    seen: dict[tuple[int, int], int] = {}
    for datum in iptc_data:
        if datum.typeId() not in (exiv2.TypeId.date, exiv2.TypeId.time):
            continue
        slot = (datum.record(), datum.tag())
        index = seen.get(slot, 0)
        seen[slot] = index + 1
        values = stored.get(slot, [])
        if index < len(values) and values[index] and values[index].isascii():
            datum.setValue(exiv2.StringValue(values[index].decode("ascii")))


def _new_languages(old: Mapping[str, str], old_main: FieldValue, change: Change) -> dict[str, str]:
    langs = dict(old) if old else ({"x-default": str(old_main)} if old_main else {})
    if isinstance(change, dict):
        for lang, text in change.items():
            if text.strip():
                langs[lang] = text
            else:
                langs.pop(lang, None)
        return langs
    text = str(change or "")
    if not text.strip():
        return {}
    langs["x-default"] = text
    return langs


def _erase_xmp(xmp_data: Any, key: str) -> None:
    pos = xmp_data.findKey(exiv2.XmpKey(key))
    if pos != xmp_data.end():
        xmp_data.erase(pos)


def _set_xmp_text(xmp_data: Any, f: Field, text: str) -> None:
    assert f.xmp is not None
    _erase_xmp(xmp_data, f.xmp)
    if text.strip():
        xmp_data[f.xmp] = text


def _set_xmp_lang_alt(xmp_data: Any, f: Field, langs: Mapping[str, str]) -> None:
    assert f.xmp is not None
    _erase_xmp(xmp_data, f.xmp)
    if not langs:
        return
    # Built from a dict, not parsed from 'lang="…" text': exiv2's parser refuses tags like zh-Hant-TW.
    value = exiv2.LangAltValue({lang: langs[lang] for lang in sorted(langs, key=lambda k: (k != "x-default", k))})
    xmp_data.add(exiv2.XmpKey(f.xmp), value)


def _set_xmp_array(xmp_data: Any, f: Field, items: list[str]) -> None:
    assert f.xmp is not None
    _erase_xmp(xmp_data, f.xmp)
    if not items:
        return
    kind = exiv2.TypeId.xmpSeq if f.xmp_kind is XmpKind.SEQ else exiv2.TypeId.xmpBag
    value = exiv2.XmpArrayValue(kind)
    for item in items:
        value.read(item)
    xmp_data.add(exiv2.XmpKey(f.xmp), value)


def _erase_iim(iptc_data: Any, key: str) -> None:
    ikey = exiv2.IptcKey(key)
    pos = iptc_data.findKey(ikey)
    while pos != iptc_data.end():
        iptc_data.erase(pos)
        pos = iptc_data.findKey(ikey)


def _add_iim(iptc_data: Any, key: str, text: str) -> None:
    datum = exiv2.Iptcdatum(exiv2.IptcKey(key))
    datum.setValue(text)
    iptc_data.add(datum)


def _set_iim(iptc_data: Any, f: Field, items: list[str], warnings: list[str]) -> None:
    if not f.iim:
        return
    _erase_iim(iptc_data, f.iim[0])
    for item in items:
        text = iim.cut(item, f.iim_max)
        if text != item:
            warnings.append(f"{f.key}: cut to {f.iim_max} bytes in IIM; XMP keeps the full text")
        if text:
            _add_iim(iptc_data, f.iim[0], text)


def _erase_exif(exif_data: Any, key: str) -> None:
    pos = exif_data.findKey(exiv2.ExifKey(key))
    if pos != exif_data.end():
        exif_data.erase(pos)


def _set_date(exif: _ExifTarget, iptc_data: Any, xmp_data: Any, f: Field, text: str) -> None:
    """Date created: XMP as given (ISO 8601), IIM 2:55 + 2:60, EXIF DateTimeOriginal (+ OffsetTimeOriginal).

    A date without a time leaves an EXIF DateTimeOriginal of the same day alone, and never adds one.
    """
    assert f.xmp is not None and f.exif is not None
    _set_xmp_text(xmp_data, f, text)
    for key in f.iim:
        _erase_iim(iptc_data, key)
    m = _DATE_RE.match(text)
    if not text or m is None:
        exif.set(f.key, f.exif, "")
        exif.set(f.key, EXIF_DATE_OFFSET, "")
        return
    y, mo, d, h, mi, s, tz = m.groups()
    _add_iim(iptc_data, f.iim[0], f"{y}-{mo}-{d}")
    if h is not None:
        zone = "+00:00" if tz in (None, "Z") else tz if ":" in tz else f"{tz[:3]}:{tz[3:]}"
        _add_iim(iptc_data, f.iim[1], f"{h}:{mi}:{s or '00'}{zone}")
        exif.set(f.key, f.exif, f"{y}:{mo}:{d} {h}:{mi}:{s or '00'}")
        exif.set(f.key, EXIF_DATE_OFFSET, zone if tz is not None else "")
    elif exif.has(f.exif):
        pos = exif.data.findKey(exiv2.ExifKey(f.exif))
        if not pos.toString().startswith(f"{y}:{mo}:{d}"):
            exif.set(f.key, f.exif, f"{y}:{mo}:{d} 00:00:00")
            exif.set(f.key, EXIF_DATE_OFFSET, "")


def _convert_legacy_iim(iptc_data: Any) -> None:
    """Re-encode every IIM text dataset as UTF-8 (legacy charsets and undeclared cp1252 included)."""
    declared = None
    legacy: list[Any] = []
    for datum in iptc_data:
        if datum.key() == "Iptc.Envelope.CharacterSet":
            declared = datum.toString()
        elif datum.typeId() == exiv2.TypeId.string and not datum.toString().isascii():
            legacy.append(datum)
    codec = iim.codec_for_charset(declared)
    for datum in legacy:
        raw = datum.toString()
        text = iim.decode(raw, codec)[0]
        if text != raw:
            datum.setValue(text)


def _ensure_iim_envelope(iptc_data: Any) -> None:
    """Declare UTF-8 in 1:90 (with the 1:00 and 2:00 version records IIM requires) whenever IIM is written."""
    if not any(d.key().startswith("Iptc.Application2.") and d.tag() != 0 for d in iptc_data):
        return
    iptc_data["Iptc.Envelope.CharacterSet"] = iim.UTF8_MARK
    if iptc_data.findKey(exiv2.IptcKey("Iptc.Envelope.ModelVersion")) == iptc_data.end():
        iptc_data["Iptc.Envelope.ModelVersion"] = exiv2.UShortValue(4)
    if iptc_data.findKey(exiv2.IptcKey("Iptc.Application2.RecordVersion")) == iptc_data.end():
        iptc_data["Iptc.Application2.RecordVersion"] = exiv2.UShortValue(4)


# --- verification -----------------------------------------------------------------------------------------


def _expected_values(f: Field, before: PhotoMetadata, change: Change) -> dict[str, Any]:
    """What each source must hold after the write."""
    if f.is_lang_alt:
        langs = _new_languages(before.languages.get(f.key, {}), before.value(f.key), change)
        main = langs.get("x-default", next(iter(langs.values()), ""))
        return {
            "xmp": main.rstrip() or None,
            "iim": (iim.cut(main, f.iim_max).rstrip() or None) if f.iim else None,
            "exif": (main.rstrip() or None) if f.exif else None,
        }
    if f.is_list:
        items = list(change) if isinstance(change, list) else []
        return {
            "xmp": items or None,
            "iim": ([iim.cut(i, f.iim_max).rstrip() for i in items] or None) if f.iim else None,
            "exif": (items or None) if f.exif else None,
        }
    text = str(change or "").rstrip()
    if f.key == "date_created":
        return {"xmp": text or None}
    return {"xmp": text or None, "iim": (iim.cut(text, f.iim_max).rstrip() or None) if f.iim else None}


def _check_values(
    path: Path,
    before: PhotoMetadata,
    after: PhotoMetadata,
    wanted: Mapping[str, Change],
    sources: frozenset[str],
    exif_skipped: AbstractSet[str] = frozenset(),
) -> None:
    """Every written value must read back from every source that was written."""
    for key, change in wanted.items():
        f = field_for(key)
        got = after.sources.get(key, {})
        for source, value in _expected_values(f, before, change).items():
            if source not in sources or (source == "exif" and key in exif_skipped):
                continue
            have = got.get(source)
            if isinstance(have, str):
                have = have.rstrip() or None
            if have != value:
                raise VerificationError(path, f"{key} in {source.upper()} reads back as {have!r}, not {value!r}")


def _verify(
    path: Path,
    old: bytes,
    new: bytes,
    before: PhotoMetadata,
    wanted: Mapping[str, Change],
    sources: frozenset[str],
    exif_skipped: AbstractSet[str] = frozenset(),
    old_header: jpeg.JpegHeader | None = None,
    new_header: jpeg.JpegHeader | None = None,
) -> PhotoMetadata:
    """Re-read the new bytes: every written value must be there, and the image data unchanged."""
    try:
        image = open_image(path, new)
    except ReadError as exc:
        raise VerificationError(path, f"the new file cannot be read back ({exc.reason})") from None
    after = extract(path, image, FileStamp(len(new), 0, None), new, header=new_header)
    _check_values(path, before, after, wanted, sources, exif_skipped)
    if after.format != before.format or (after.width, after.height) != (before.width, before.height):
        raise VerificationError(path, "the image itself changed")
    if before.format == "image/jpeg":
        try:
            old_sos = (old_header or jpeg.header_of_bytes(old)).sos_offset
            new_sos = (new_header or jpeg.header_of_bytes(new)).sos_offset
        except jpeg.JpegError as exc:
            raise VerificationError(path, f"the new file is not a valid JPEG ({exc})") from None
        if memoryview(old)[old_sos:] != memoryview(new)[new_sos:]:
            raise VerificationError(path, "the image data would change")
    if after.digest == "stale":
        raise VerificationError(path, "the IPTC digest would be stale")
    return after


# --- the safe replace -------------------------------------------------------------------------------------


def temp_name(path: Path) -> Path:
    """A fresh temporary file name beside `path` (hidden, recognisable by scans that clean leftovers)."""
    return path.with_name(f".{path.name}{TEMP_MARK}{secrets.token_hex(4)}")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _write_temp(tmp: Path, data: bytes, mode: int, sync: bool = True) -> None:
    """Create `tmp` (never over an existing file) holding `data` with permission bits `mode`."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fchmod(fd, mode)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _sync_filesystem(any_file: Path) -> None:
    """Flush every written file of the filesystem holding `any_file` to disk (syncfs; else sync)."""
    syncfs = getattr(_libc(), "syncfs", None)
    if syncfs is None:
        os.sync()
        return
    fd = os.open(any_file, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
    finally:
        os.close(fd)


@functools.cache
def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Serialise the last check and the rename between Captioner processes writing in `folder`.

    Without it two processes could both find a file unchanged and rename in turn, the second silently undoing
    the first. An advisory lock (other programs ignore it); held for one file at a time, so it cannot deadlock.
    """
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _unchanged_since(real: Path, st: os.stat_result | None) -> bool:
    """Whether the file on disk is still the one read: same inode, size, mtime and ctime (or still absent)."""
    if st is None:
        return not os.path.lexists(real)
    now = os.stat(real)
    return (now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns) == (
        st.st_ino,
        st.st_size,
        st.st_mtime_ns,
        st.st_ctime_ns,
    )


def _stage(p: _Prepared, sync: bool) -> _Staged:
    """Write the prepared bytes to a new temporary file beside the original, with its mode and owner."""
    tmp = temp_name(p.real)
    try:
        _write_temp(tmp, p.new, p.mode, sync=sync)
        with contextlib.suppress(OSError):
            if os.geteuid() == 0 and p.owner != (0, 0):
                os.chown(tmp, *p.owner)
    except OSError as exc:
        _remove_quietly(tmp)
        raise WriteError(p.path, exc.strerror or str(exc)) from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    in_place = p.result.after.sidecar is None
    return _Staged(p.path, p.real, p.stat, tmp, len(p.new), p.result, in_place)


def _finish(staged: list[_Staged], force: bool, synced: bool) -> list[tuple[_Staged, CaptionerError | None]]:
    """Rename each staged file over its original, once every one of them is on disk.

    Unless `synced`, the staged files are first flushed with one filesystem sync. A file changed on disk since
    it was read is refused (unless `force`). Every failure leaves that original as it was, and no temporary
    file survives this call.
    """
    outcome: dict[int, CaptionerError | None] = {}
    temps = {id(st): st.tmp for st in staged}
    folders: set[Path] = set()
    try:
        if temps and not synced:
            try:
                _sync_filesystem(staged[0].tmp)
            except OSError as exc:
                for st in staged:
                    outcome[id(st)] = WriteError(st.path, f"cannot flush to disk: {exc.strerror or exc}")
                return [(st, outcome[id(st)]) for st in staged]
        for st in staged:
            try:
                with _folder_lock(st.real.parent):
                    if not force and not _unchanged_since(st.real, st.stat):
                        raise ChangedOnDiskError(st.path, "another program changed it while it was being written")
                    os.replace(st.tmp, st.real)
                del temps[id(st)]
                folders.add(st.real.parent)
                outcome[id(st)] = None
                if st.in_place:
                    now = os.stat(st.real)
                    st.result.after.stamp = FileStamp.of_stat(now)
            except CaptionerError as exc:
                outcome[id(st)] = exc
            except OSError as exc:
                outcome[id(st)] = WriteError(st.path, exc.strerror or str(exc))
    finally:
        for leftover in temps.values():
            _remove_quietly(leftover)
    for folder in folders:
        try:
            _fsync_dir(folder)
        except OSError as exc:
            # The new files are in place; only their directory entries may not survive a power cut.
            for st in staged:
                if st.real.parent == folder and outcome.get(id(st)) is None:
                    note = f"written, but the folder could not be synced to disk ({exc.strerror or exc})"
                    st.result.warnings.append(note)
    return [(st, outcome.get(id(st))) for st in staged]


def _remove_quietly(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
