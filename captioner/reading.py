"""Reading captions and credits from image files, reconciled by the Metadata Working Group rules.

Every value is kept per source (EXIF, IIM, XMP). The reconciled value follows ExifTool's MWG module: a
non-empty EXIF value first (caption, byline, copyright, date), else XMP when there is no IIM or the Photoshop
IPTC digest is absent or current, else IIM, except that an IIM value cut at its byte limit which XMP extends
is read from XMP. Sources that disagree are reported as conflicts, never resolved silently.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import exiv2

from captioner import iim, jpeg, mwg
from captioner.errors import ReadError, UnsupportedFormatError
from captioner.fields import FIELDS, Field, FieldValue, XmpKind, empty_value
from captioner.photo import FileStamp, PhotoMetadata

_engine_ready = False
SIDECAR_MIME = "application/rdf+xml"
PARALLEL_THRESHOLD = 200
"""From this many files on, read_many uses worker processes (below it, their start-up costs more than it saves)."""
EXIF_DATE_OFFSET = "Exif.Photo.OffsetTimeOriginal"
"""EXIF 2.31 time zone of DateTimeOriginal, read and written with date_created."""


_engine_lock = threading.Lock()


def init_engine() -> None:
    """Set up python-exiv2 once per process: its warnings off stderr, its XMP toolkit initialised.

    The toolkit's own lazy initialisation is not thread-safe (two threads reading their first picture at once
    can spin for ever inside ``XMPMeta::RegisterNamespace``), so it is done here, under a lock, before any
    read. Called by every read; cheap after the first call.
    """
    global _engine_ready
    if _engine_ready:
        return
    with _engine_lock:
        if not _engine_ready:
            exiv2.LogMsg.setLevel(exiv2.LogMsg.Level.error)
            exiv2.LogMsg.setHandler(None)
            exiv2.XmpParser.initialize()
            _engine_ready = True


_NOT_AN_IMAGE = (
    exiv2.ErrorCode.kerFileContainsUnknownImageType,
    exiv2.ErrorCode.kerMemoryContainsUnknownImageType,
    exiv2.ErrorCode.kerNotAnImage,
)


def open_image(path: Path, data: bytes | None = None) -> Any:
    """Open `path` (or `data`, its bytes) with exiv2 and read its metadata; errors become ReadError."""
    init_engine()
    source: str | bytes | None = data
    if source is None:
        source = str(path)
        try:
            source.encode("utf-8")
        except UnicodeEncodeError:
            # A file name that is not UTF-8 (old cards, Windows shares): exiv2 takes only UTF-8 names.
            try:
                source = path.read_bytes()
            except OSError as exc:
                raise ReadError(path, exc.strerror or str(exc)) from None
    try:
        image = exiv2.ImageFactory.open(source)
    except exiv2.Exiv2Error as exc:
        code = exc.args[0] if exc.args else None
        if code in _NOT_AN_IMAGE:
            raise UnsupportedFormatError(path, "not an image file Captioner can read") from None
        raise ReadError(path, _exiv2_reason(exc)) from None
    try:
        image.readMetadata()
    except exiv2.Exiv2Error as exc:
        reason = _exiv2_reason(exc)
        damaged = exc.args and exc.args[0] in _DAMAGED
        raise ReadError(path, reason if damaged else f"damaged metadata ({reason})") from None
    return image


_DAMAGED = (
    exiv2.ErrorCode.kerFailedToReadImageData,
    exiv2.ErrorCode.kerInputDataReadFailed,
    exiv2.ErrorCode.kerCorruptedMetadata,
)


def _exiv2_reason(exc: Exception) -> str:
    """exiv2's reason, in an editor's words first where we know what it means."""
    code = exc.args[0] if exc.args else None
    msg = str(exc.args[1] if len(exc.args) > 1 else exc).strip().rstrip(".") or type(exc).__name__
    if code in _DAMAGED:
        return f"not a picture, or a damaged one ({msg.lower()})"
    return msg


def _stat_regular(path: Path) -> os.stat_result:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ReadError(path, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise ReadError(path, "is a folder, not a picture")
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(path, "not a regular file")
    if st.st_size == 0:
        raise ReadError(path, "empty file")
    return st


def read_metadata(path: str | Path, *, data: bytes | None = None) -> PhotoMetadata:
    """Read and reconcile every field of the picture at `path`.

    With `data` (the file's bytes, already read) the stamp carries a content hash, as a write needs; without
    it, only the metadata segments are read and the stamp has size and mtime.
    """
    path = Path(path)
    if data is None:
        st = _stat_regular(path)
        stamp = FileStamp.of_stat(st)
    else:
        stamp = FileStamp.of_bytes(path, data)
    image = open_image(path, data)
    if image.mimeType() != "image/jpeg" and "xmp" not in writable_sources(image):
        side = sidecar_path(path)
        if side.is_file():
            try:
                side_image = open_image(side)
            except ReadError as exc:
                meta = extract(path, image, stamp, data)
                meta.warnings.append(f"the XMP sidecar {side.name} cannot be read ({exc.reason})")
                return meta
            meta = extract(path, image, stamp, data, xmp=side_image.xmpData())
            meta.sidecar = side
            return meta
    return extract(path, image, stamp, data)


def sidecar_path(path: Path) -> Path:
    """The XMP sidecar of a picture: ``NAME.EXT.xmp`` beside it (where pictures the engine cannot write keep XMP)."""
    return path.with_name(path.name + ".xmp")


def writable_sources(image: Any) -> frozenset[str]:
    """Which of exif / iim / xmp the engine can write in this image's format (sidecars: XMP only)."""
    if image.mimeType() == SIDECAR_MIME:
        return frozenset({"xmp"})
    ids = {"exif": exiv2.MetadataId.mdExif, "iim": exiv2.MetadataId.mdIptc, "xmp": exiv2.MetadataId.mdXmp}
    out = set()
    for name, mid in ids.items():
        mode = exiv2.ImageFactory.checkMode(image.imageType(), mid)
        if int(mode) & int(exiv2.AccessMode.amWrite):
            out.add(name)
    return frozenset(out)


def _jpeg_header(path: Path, data: bytes | None) -> jpeg.JpegHeader | None:
    try:
        if data is not None:
            return jpeg.header_of_bytes(data)
        with open(path, "rb") as fh:
            return jpeg.read_header(fh)
    except (OSError, jpeg.JpegError, ValueError):
        return None


def extract(
    path: Path,
    image: Any,
    stamp: FileStamp,
    data: bytes | None = None,
    xmp: Any | None = None,
    header: jpeg.JpegHeader | None = None,
) -> PhotoMetadata:
    """Build a :class:`PhotoMetadata` from an opened exiv2 image.

    With `xmp` (the XMP of its sidecar), a value in the sidecar wins over the picture's embedded ones. `header`
    is the JPEG's header when the caller has already walked it.
    """
    mime = image.mimeType()
    meta = PhotoMetadata(
        path=path, format=mime, width=int(image.pixelWidth()), height=int(image.pixelHeight()), stamp=stamp
    )
    exif_data, iptc_data = image.exifData(), image.iptcData()
    xmp_data = xmp if xmp is not None else image.xmpData()
    if mime == SIDECAR_MIME:
        # exiv2 fills EXIF and IIM of a sidecar from its XMP; they are copies, not sources.
        exif_data, iptc_data = exiv2.ExifData(), exiv2.IptcData()
    meta.has_exif, meta.has_iim, meta.has_xmp = (
        exif_data.count() > 0,
        iptc_data.count() > 0,
        xmp_data.count() > 0,
    )

    xmp_index = {d.key(): d for d in xmp_data} if meta.has_xmp else {}
    if header is None and mime == "image/jpeg" and (meta.has_iim or "Xmp.xmpNote.HasExtendedXMP" in xmp_index):
        header = _jpeg_header(path, data)
    extended = _extended_xmp(header) if header is not None else None

    iim_values, charset_used = _read_iim(iptc_data)
    meta.iim_charset = charset_used
    if meta.has_iim and header is not None and header.app13:
        meta.digest = jpeg.digest_state(header.app13)

    for f in FIELDS:
        exif_v = _read_exif(exif_data, f) if f.exif and meta.has_exif else None
        iim_v = _iim_for(f, iim_values) if f.iim and iim_values else None
        xmp_v, langs = _read_xmp(xmp_index.get(f.xmp) if f.xmp else None, f)
        if xmp_v is None and extended is not None and f.xmp:
            pos = extended.findKey(exiv2.XmpKey(f.xmp))
            xmp_v, langs = _read_xmp(pos if pos != extended.end() else None, f)
        if exif_v is None and iim_v is None and xmp_v is None:
            meta.fields[f.key] = empty_value(f.key)
            continue
        if langs:
            meta.languages[f.key] = langs
        meta.sources[f.key] = {"exif": exif_v, "iim": iim_v, "xmp": xmp_v}
        if xmp is not None and xmp_v is not None:
            # A sidecar holds what the user last wrote: it wins over older values embedded in the picture.
            meta.fields[f.key] = xmp_v
            continue
        meta.fields[f.key] = _reconcile(f, exif_v, iim_v, xmp_v, meta.has_iim, meta.digest)
        _compare(meta, f, exif_v, iim_v, xmp_v)

    if meta.digest == "stale":
        meta.warnings.append("IPTC digest is stale: IIM was changed by a program that did not update XMP")
    if charset_used not in (None, "utf-8", "utf-8?"):
        meta.warnings.append(f"IIM text is in a legacy character set ({charset_used}), not UTF-8")
    return meta


def _extended_xmp(header: jpeg.JpegHeader) -> Any | None:
    """The extended XMP of a JPEG, parsed by opening the reassembled packet as an in-memory sidecar."""
    packet = jpeg.assemble_extended_xmp(header.extended_xmp)
    if packet is None:
        return None
    try:
        side = exiv2.ImageFactory.open(packet)
        side.readMetadata()
    except exiv2.Exiv2Error:
        return None
    return side.xmpData()


def _clean(text: str) -> str | None:
    text = text.replace("\x00", "").rstrip()
    return text if text.strip() else None


def _read_exif(exif_data: Any, f: Field) -> FieldValue | None:
    if f.exif is None:
        return None
    pos = exif_data.findKey(exiv2.ExifKey(f.exif))
    if pos == exif_data.end():
        return None
    text, _how = iim.decode(pos.toString(), None)
    text_or_none = _clean(text)
    if text_or_none is None:
        return None
    if f.key == "date_created":
        iso = _iso_from_exif(text_or_none)
        offset = exif_data.findKey(exiv2.ExifKey(EXIF_DATE_OFFSET))
        if iso and len(iso) > 10 and offset != exif_data.end():
            zone = offset.toString().strip("\x00 ")
            if re.fullmatch(r"[+-]\d{2}:\d{2}", zone):
                iso += zone
        return iso
    if f.is_list:
        return [p.strip() for p in mwg.string_to_list(text_or_none) if p.strip()] or None
    return text_or_none


def _read_iim(iptc_data: Any) -> tuple[dict[str, list[str]], str | None]:
    """All IIM datasets as decoded text, and how the text was decoded."""
    raw: dict[str, list[str]] = {}
    for datum in iptc_data:
        raw.setdefault(datum.key(), []).append(datum.toString())
    declared = raw.get("Iptc.Envelope.CharacterSet", [None])[0]
    codec = iim.codec_for_charset(declared)
    used: str | None = None
    out: dict[str, list[str]] = {}
    for key, values in raw.items():
        decoded = []
        for v in values:
            if v.isascii():  # ASCII reads the same in every IIM charset (and has no surrogate escapes)
                decoded.append(v)
                continue
            text, how = iim.decode(v, codec)
            if used is None or how == "cp1252" or used == "utf-8?":
                used = how if used != "cp1252" else used
            decoded.append(text)
        out[key] = decoded
    if used is None and codec is not None:
        used = codec
    return out, used


def _iim_for(f: Field, values: dict[str, list[str]]) -> FieldValue | None:
    if not f.iim:
        return None
    if f.key == "date_created":
        date = values.get(f.iim[0], [None])[0]
        time = values.get(f.iim[1], [None])[0]
        return _iso_from_iim(date, time)
    items = [c for c in (_clean(v) for v in values.get(f.iim[0], [])) if c is not None]
    if not items:
        return None
    return items if f.is_list else items[0]


def _read_xmp(pos: Any | None, f: Field) -> tuple[FieldValue | None, dict[str, str]]:
    """The value of one XMP property (given as its datum), and its languages for a language alternative."""
    if pos is None:
        return None, {}
    value = pos.value()
    if f.xmp_kind is XmpKind.LANG_ALT:
        try:
            langs = {str(k): str(v) for k, v in value.items()}
        except (AttributeError, TypeError):
            langs = {"x-default": pos.toString()}
        langs = {k: v for k, v in langs.items() if v.strip()}
        if not langs:
            return None, {}
        main = langs.get("x-default", next(iter(langs.values())))
        return _clean(main), langs
    if f.is_list:
        items = [value.toString(i) for i in range(value.count())]
        cleaned = [c for c in (_clean(i) for i in items) if c is not None]
        return (cleaned or None), {}
    return _clean(pos.toString()), {}


def _reconcile(
    f: Field,
    exif_v: FieldValue | None,
    iim_v: FieldValue | None,
    xmp_v: FieldValue | None,
    has_iim: bool,
    digest: str,
) -> FieldValue:
    """ExifTool's MWG rule (MWG.pm ``RawConv``), applied to every field that has an IIM and an XMP home."""
    if f.mwg_exif_first and exif_v is not None:
        return exif_v
    if not has_iim or (xmp_v is not None and digest in ("absent", "current")):
        return xmp_v if xmp_v is not None else empty_value(f.key)
    if iim_v is None:
        # IIM exists and was changed behind XMP's back (stale digest): IIM is the truth, and it has no value.
        return empty_value(f.key)
    return _recover_truncated(f, iim_v, xmp_v)


def _recover_truncated(f: Field, iim_v: FieldValue, xmp_v: FieldValue | None) -> FieldValue:
    """IIM, except where an IIM value is XMP's cut at the byte limit (as ExifTool's MWG module does)."""
    if xmp_v is None or f.iim_max is None:
        return iim_v
    if isinstance(iim_v, list):
        xl = xmp_v if isinstance(xmp_v, list) else [xmp_v]
        return [x if i < len(xl) and iim.is_cut_of(v, x := xl[i], f.iim_max) else v for i, v in enumerate(iim_v)]
    xs = xmp_v[0] if isinstance(xmp_v, list) else xmp_v
    return xs if iim.is_cut_of(iim_v, xs, f.iim_max) else iim_v


def _norm(v: FieldValue) -> FieldValue:
    """Comparison form: NFC, line endings as LF, outer whitespace dropped."""
    if isinstance(v, list):
        return [_norm_text(x) for x in v]
    return _norm_text(v)


def _norm_text(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n").strip())


def _same(f: Field, a: FieldValue, b: FieldValue, a_is_iim: bool = False) -> tuple[bool, bool]:
    """(agree, a_is_cut): whether two source values agree, allowing an IIM value cut at the byte limit.

    The cut is tested on the values as stored, before any normalisation (which would move the cut point).
    """
    if a == b:
        return True, False
    if f.key == "date_created":
        return _same_date(str(a), str(b)), False
    la = a if isinstance(a, list) else [a]
    lb = b if isinstance(b, list) else [b]
    if a_is_iim and len(la) == len(lb):
        cut = [x != y and iim.is_cut_of(x, y, f.iim_max) for x, y in zip(la, lb, strict=True)]
        if all(c or x == y for c, x, y in zip(cut, la, lb, strict=True)):
            return True, any(cut)
    return _norm(a) == _norm(b), False


def _compare(meta: PhotoMetadata, f: Field, exif_v: Any, iim_v: Any, xmp_v: Any) -> None:
    conflict = False
    truncated = False
    if (exif_v is None) + (iim_v is None) + (xmp_v is None) >= 2:
        return
    if iim_v is not None:
        for other in (xmp_v, exif_v):
            if other is None:
                continue
            agree, cut = _same(f, iim_v, other, a_is_iim=True)
            conflict |= not agree
            truncated |= cut
    if exif_v is not None and xmp_v is not None:
        conflict |= not _same(f, exif_v, xmp_v)[0]
    if conflict:
        meta.conflicts.append(f.key)
    if truncated:
        meta.iim_truncated.append(f.key)
        meta.warnings.append(f"{f.key}: IIM value cut at {f.iim_max} bytes; XMP keeps the full text")


_EXIF_DATE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


def _iso_from_exif(text: str) -> str | None:
    m = _EXIF_DATE.match(text)
    if not m or m.group(1) == "0000":
        return None
    y, mo, d, h, mi, s = m.groups()
    out = f"{y}-{mo}-{d}"
    if h is not None:
        out += f"T{h}:{mi}:{s or '00'}"
    return out


def _iso_from_iim(date: str | None, time: str | None) -> str | None:
    if not date:
        return None
    d = date.strip()
    if re.fullmatch(r"\d{8}", d):
        d = f"{d[:4]}-{d[4:6]}-{d[6:]}"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) or d.startswith("0000"):
        return None
    if time:
        t = time.strip()
        m = re.fullmatch(r"(\d{2}):?(\d{2}):?(\d{2})(?:([+-])(\d{2}):?(\d{2}))?", t)
        if m:
            h, mi, s, sign, th, tm = m.groups()
            d += f"T{h}:{mi}:{s}" + (f"{sign}{th}:{tm}" if sign else "")
    return d


def _same_date(a: str, b: str) -> bool:
    """Two ISO dates agree when the parts both carry (date, time) are equal; time zones are not compared."""
    n = min(len(a[:19]), len(b[:19]))
    return a[:n] == b[:n]


T = TypeVar("T")


class _ReadOne(Generic[T]):
    """Read one path and apply `transform` in the worker, so only its (small) result crosses processes."""

    def __init__(self, transform: Callable[[PhotoMetadata], T] | None) -> None:
        self.transform = transform

    def __call__(self, path: str | Path) -> T | PhotoMetadata | ReadError:
        try:
            meta = read_metadata(path)
        except ReadError as exc:
            return exc
        return self.transform(meta) if self.transform is not None else meta


def read_many(
    paths: Sequence[str | Path],
    workers: int | None = None,
    transform: Callable[[PhotoMetadata], T] | None = None,
) -> Iterator[T | PhotoMetadata | ReadError]:
    """Read every path, in order, yielding its metadata (or ``transform(metadata)``) or its ReadError.

    One bad file never stops a batch. Large batches are spread over the machine's cores in worker processes;
    `transform`, a module-level function, then runs in the workers. `workers=1` reads in this process.
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(paths) >= PARALLEL_THRESHOLD else 1
    read_one = _ReadOne(transform)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for p in paths:
            yield read_one(p)
        return
    chunk = max(8, len(paths) // (workers * 8))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(read_one, paths, chunksize=chunk)


def header_bytes(path: Path) -> bytes:
    """The bytes of a JPEG up to its image data (used by tests and thumbnails)."""
    with open(path, "rb") as fh:
        head = jpeg.read_header(fh, keep_payloads=False)
        fh.seek(0)
        return fh.read(head.sos_offset)
