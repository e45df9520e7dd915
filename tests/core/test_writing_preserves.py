"""A write touches nothing but the fields it writes (DESIGN.md, "Writing").

On copies of real files — camera makernotes (Canon, Nikon, Apple, Sony, Ricoh), ICC profiles, UTF-16 and
extended XMP, Photo Mechanic / FotoStation / AFCP trailers, the IPTC reference images — and on generated
files (a trailer after EOI, a Multi-Picture Format preview), ``write_fields`` of caption, byline, credit and
copyright must leave every other tag ExifTool reports unchanged (binary tags compared byte for byte through
``-b``), the ICC profile and the bytes from the first SOS marker to the end of the file identical, the
Photoshop IPTC digest current and IIM declared UTF-8. Legacy-charset IIM is converted so that ExifTool reads
every dataset right; Windows XP* / UserComment copies of the old caption go; other XMP languages stay.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import CORPUS, make_jpeg

from captioner.reading import read_metadata
from captioner.writing import write_fields

CHANGES = {
    "caption": "Người dân Hà Nội đón Tết Bính Ngọ 2026 bên hồ Hoàn Kiếm. 市民观看新年烟花。",
    "byline": ["Nguyễn Thanh Hà", "清强"],
    "credit": "Ảnh: TTXVN",
    "copyright": "© 2026 Báo Nghệ An",
}

WRITTEN = frozenset(
    {
        "IPTC:Caption-Abstract",
        "XMP-dc:Description",
        "IFD0:ImageDescription",
        "IPTC:By-line",
        "XMP-dc:Creator",
        "IFD0:Artist",
        "IPTC:Credit",
        "XMP-photoshop:Credit",
        "IPTC:CopyrightNotice",
        "XMP-dc:Rights",
        "IFD0:Copyright",
    }
)
"""The tags ``write_fields`` of caption, byline, credit and copyright writes (checked for their new values)."""

ALLOWED_TO_CHANGE = {
    "System:FileSize": "the new values change the file's size",
    "System:FileModifyDate": "the file is replaced",
    "System:FileAccessDate": "the file is read and replaced",
    "System:FileInodeChangeDate": "the file is replaced (new inode)",
    "Photoshop:IPTCDigest": "made current for the new IIM block (or added, as Photoshop and ExifTool do)",
    "File:CurrentIPTCDigest": "ExifTool's MD5 of the IIM block, which holds the new values",
    "IPTC:CodedCharacterSet": "IIM is always written with 1:90 = UTF-8",
    "IPTC:EnvelopeRecordVersion": "IIM requires record 1:00 once the envelope (1:90) is written",
    "IPTC:ApplicationRecordVersion": "IIM requires record 2:00 once application datasets are written",
    "XMP-x:XMPToolkit": "exiv2 names its own toolkit when it serialises the XMP packet",
    "File:ExifByteOrder": "a file without EXIF gets an EXIF block to hold ImageDescription / Artist / Copyright",
    "IFD1:ThumbnailOffset": "pointer to the EXIF thumbnail moves when IFD0 grows; ThumbnailImage (bytes) must not",
    "ExifIFD:UserComment": "Windows' copy of the old caption, removed on a caption change",
    "IFD0:XPComment": "Windows' copy of the old caption, removed on a caption change",
    "IFD0:XPSubject": "Windows' copy of the old caption, removed on a caption change",
    "IFD0:XPAuthor": "Windows' copy of the old byline, removed on a byline change",
    "IFD0:PhotometricInterpretation": "exiv2 drops this TIFF image-structure tag from a JPEG's IFD0 on any EXIF "
    "write, by design: it describes TIFF image data, which a JPEG's IFD0 has none of (no reader uses it there)",
}
"""Tags that legitimately change besides the written ones, each with its reason."""

KNOWN_NEW_WARNINGS = {
    "[minor] Adjusted AFCP offsets": "an AFCP (Photo Mechanic / FotoStation) trailer stores absolute file offsets; "
    "they shift when the header grows, and ExifTool adjusts them itself on reading. Known, not fixed",
    "[minor] Fixed incorrect URI for xmlns:MicrosoftPhoto": "exiv2 serialises the MicrosoftPhoto namespace with "
    "the URI it knows, not the variant in the file; ExifTool notes the difference. Known, not fixed",
}
"""Warnings a write may add, by their start, each with its reason (any other new warning fails)."""

ALLOWED_PATTERNS = {
    r"MPImage\d+:MPImageStart": "MPF offsets follow the images after EOI, which move when the metadata changes "
    "size; the images themselves (MPImageN:PreviewImage, base64) must not change",
    r"MPImage1:MPImageLength": "MPF records the size of the primary image, which includes the metadata",
}
"""Families of tags that legitimately change, as regular expressions, each with its reason."""

CORPUS_FILES = (
    "exiftool/ExifTool.jpg",  # UTF-16 XMP, Adobe RGB ICC, stale digest, Canon makernotes, many APPn
    "exiftool/Canon1DmkIII.jpg",  # Canon makernotes
    "exiftool/Nikon.jpg",  # Nikon makernotes
    "exiftool/Apple.jpg",  # Apple makernotes
    "exiftool/XMP.jpg",  # sRGB ICC, FUJIFILM
    "exiftool/PhotoMechanic.jpg",  # Photo Mechanic trailer after EOI
    "exiftool/FotoStation.jpg",  # two FotoStation trailers after EOI
    "exiftool/AFCP.jpg",  # AFCP trailer after EOI
    "exiftool/Google.jpg",  # extended XMP, gain map, HDR+ makernote
    "exiftool/ExtendedXMP.jpg",  # extended XMP
    "iptc/IPTC-PhotometadataRef-Std2022.1.jpg",  # every IPTC field filled
    "iptc/IPTC-PhotometadataRef-Std2016.jpg",  # sRGB ICC, stale digest
    "exiv2/Reagan.jpg",  # Adobe RGB ICC, Nikon, Photoshop
    "other/nikonMakernoteType2b.jpg",  # Nikon type 2 makernote, Latin-1 IIM
    "other/sunrise.jpg",  # Ricoh makernote, sRGB ICC
    "other/windowsXpFields.jpg",  # Sony makernote, ICC, Windows XP* fields
    "other/metadata_test_file_IIM_XMP_EXIF.jpg",  # Samsung, all three sources
)


def run_exiftool(path: Path, *args: str) -> dict[str, Any]:
    """ExifTool's full reading (``-json -G1 -a -struct -b``); a tag found twice keeps all its values in a list."""
    cmd = ["exiftool", "-json", "-G1", "-a", "-struct", "-b", "-charset", "iptc=UTF8", *args, str(path)]
    out = subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key, value in items:
            if key in merged:
                prior = merged[key]
                merged[key] = [*prior, value] if isinstance(prior, tuple) else (prior, value)
            else:
                merged[key] = value
        return {k: list(v) if isinstance(v, tuple) else v for k, v in merged.items()}

    info = json.loads(out.stdout.decode("utf-8"), object_pairs_hook=pairs)[0]
    # The JSON keeps only ExifTool's first warning; its verbose listing has them all ("Warning = TEXT").
    verbose = subprocess.run(["exiftool", "-v1", str(path)], capture_output=True, check=True)
    info["all warnings"] = [
        line.split("Warning = ", 1)[1]
        for line in verbose.stdout.decode("utf-8", "replace").splitlines()
        if "Warning = " in line
    ]
    return info


def warnings_of(info: dict[str, Any]) -> list[str]:
    """Every warning ExifTool gives about the file (the JSON Warning tag and the verbose listing's)."""
    value = info.get("ExifTool:Warning", [])
    return [str(w) for w in (value if isinstance(value, list) else [value])] + info["all warnings"]


def jpeg_segments(data: bytes) -> tuple[list[tuple[int, bytes]], int]:
    """The (marker, payload) of each JPEG segment before the first SOS, and the offset of that SOS marker."""
    pos, segments = 2, []
    assert data[:2] == b"\xff\xd8"
    while True:
        assert data[pos] == 0xFF, f"bad marker at {pos}"
        while data[pos + 1] == 0xFF:
            pos += 1
        marker = data[pos + 1]
        if marker == 0xDA:
            return segments, pos
        if marker in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segments.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length


def icc_profile(data: bytes) -> bytes:
    """The ICC profile carried in the APP2 ``ICC_PROFILE`` segments, reassembled in sequence order."""
    chunks = [p for m, p in jpeg_segments(data)[0] if m == 0xE2 and p.startswith(b"ICC_PROFILE\x00")]
    return b"".join(p[14:] for p in sorted(chunks, key=lambda p: p[12]))


def image_data(data: bytes) -> bytes:
    """The bytes from the first SOS marker to the end of the file (image data and any trailer)."""
    return data[jpeg_segments(data)[1] :]


def with_trailer(folder: Path) -> Path:
    """A captioned JPEG with ICC profile and 4 KB of another program's data appended after EOI."""
    from PIL import Image, ImageCms

    path = folder / "trailer.jpg"
    img = Image.open(make_jpeg(folder / "plain.jpg", size=(320, 200), seed=11))
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    img.save(path, "JPEG", quality=90, icc_profile=icc)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-IPTC:Caption-Abstract=old", "-XMP-dc:Description=old", str(path)],
        check=True,
    )
    path.write_bytes(path.read_bytes() + b"TRAILER\x00" + bytes(range(256)) * 16)
    return path


class Written:
    """One file before and after the write: its bytes and ExifTool's reading of each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.old_bytes = path.read_bytes()
        self.old = run_exiftool(path)
        self.warnings = write_fields(path, CHANGES).warnings
        self.new_bytes = path.read_bytes()
        self.new = run_exiftool(path)


_written: dict[str, Written] = {}


@pytest.fixture
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The parametrised file copied, read by ExifTool, written and read again (once per file per session)."""
    name: str = request.param
    if name not in _written:
        folder = tmp_path_factory.mktemp("preserve")
        if name == "generated/trailer.jpg":
            path = with_trailer(folder)
        else:
            path = folder / Path(name).name
            shutil.copyfile(CORPUS / name, path)
        _written[name] = Written(path)
    return _written[name]


ALL_FILES = (*CORPUS_FILES, "generated/trailer.jpg")


@pytest.mark.parametrize("written", ALL_FILES, indirect=True)
def test_written_values_are_there(written: Written) -> None:
    """The write did happen: ExifTool reads the new values in every source.

    One deliberate exception (the engine's trade-off between "write EXIF" and "touch nothing else"): in a JPEG
    whose EXIF holds camera maker notes, a value that does not fit in place is kept out of EXIF rather than
    rebuild the EXIF block and break the maker notes. Then the write must say so (one warning naming the
    field), the EXIF tag must not keep an old value, and an MWG reader (``exiftool -use MWG``) must see the new
    value.
    """
    new = written.new
    for tag in ("IPTC:Caption-Abstract", "XMP-dc:Description"):
        assert new.get(tag) == CHANGES["caption"], tag
    assert new.get("XMP-dc:Creator") == CHANGES["byline"]
    assert new.get("IPTC:By-line") == CHANGES["byline"]
    assert new.get("IPTC:Credit") == new.get("XMP-photoshop:Credit") == CHANGES["credit"]
    for tag in ("IPTC:CopyrightNotice", "XMP-dc:Rights"):
        assert new.get(tag) == CHANGES["copyright"], tag
    exif = {
        "caption": ("IFD0:ImageDescription", CHANGES["caption"], "MWG:Description"),
        "byline": ("IFD0:Artist", "; ".join(CHANGES["byline"]), "MWG:Creator"),
        "copyright": ("IFD0:Copyright", CHANGES["copyright"], "MWG:Copyright"),
    }
    kept_out = [key for key, (tag, value, _) in exif.items() if new.get(tag) != value]
    if not kept_out:
        return
    assert "MakerNotes:MakerNoteVersion" in new or any(k.split(":")[0] in MAKER_GROUPS for k in new), (
        f"EXIF not written for {kept_out} in a file without maker notes"
    )
    notes = [w for w in written.warnings if "maker notes" in w]
    assert len(notes) == 1 and all(key in notes[0] for key in kept_out), written.warnings
    mwg = run_exiftool(written.path, "-use", "MWG", "-MWG:Description", "-MWG:Creator", "-MWG:Copyright")
    for key in kept_out:
        tag, value, mwg_tag = exif[key]
        assert new.get(tag) in (None, ""), f"{tag} keeps an old value: {new.get(tag)!r}"
        expected = CHANGES["byline"] if key == "byline" else value
        assert mwg.get(mwg_tag) == expected, mwg_tag


MAKER_GROUPS = frozenset({"Canon", "Nikon", "Apple", "Sony", "Olympus", "Panasonic", "Pentax", "FujiFilm", "Samsung"})
"""ExifTool family-1 groups of camera maker notes."""


@pytest.mark.parametrize("written", ALL_FILES, indirect=True)
def test_every_other_tag_is_unchanged(written: Written) -> None:
    """Every tag ExifTool reports, other than the written ones and the listed exceptions, keeps its value."""
    old, new = written.old, written.new
    skip = WRITTEN | set(ALLOWED_TO_CHANGE) | {"SourceFile", "ExifTool:Warning", "all warnings"}
    if "XMP-rdf:About" in old and "XMP-rdf:About" not in new:
        # The XMP toolkit moves a legacy rdf:about UUID into xmpMM:InstanceID (the XMP spec's own migration):
        # allowed only if the value is kept there.
        assert new.get("XMP-xmpMM:InstanceID") == old["XMP-rdf:About"]
        skip |= {"XMP-rdf:About", "XMP-xmpMM:InstanceID"}
    changed = {
        tag: (old.get(tag), new.get(tag))
        for tag in sorted(set(old) | set(new))
        if tag not in skip
        and not any(re.fullmatch(pattern, tag) for pattern in ALLOWED_PATTERNS)
        and old.get(tag) != new.get(tag)
    }
    shown = {k: (str(a)[:80], str(b)[:80]) for k, (a, b) in changed.items()}
    assert changed == {}, f"tags changed by the write (before, after): {shown}"


@pytest.mark.parametrize("written", ALL_FILES, indirect=True)
def test_no_new_exiftool_warnings(written: Written) -> None:
    """The write adds no ExifTool warning (a broken makernote offset, a stale digest, …)."""
    before = set(warnings_of(written.old)) - {"IPTCDigest is not current. XMP may be out of sync"}
    after = {w for w in warnings_of(written.new) if not w.startswith(tuple(KNOWN_NEW_WARNINGS))}
    assert after - before == set()


@pytest.mark.parametrize("written", ALL_FILES, indirect=True)
def test_icc_profile_and_image_data_are_byte_identical(written: Written) -> None:
    """The ICC profile, and everything from the first SOS marker to the end (image data, trailers), is kept."""
    assert icc_profile(written.new_bytes) == icc_profile(written.old_bytes)
    assert image_data(written.new_bytes) == image_data(written.old_bytes)


@pytest.mark.parametrize("written", ALL_FILES, indirect=True)
def test_digest_is_current_and_iim_is_utf8(written: Written) -> None:
    """ExifTool finds the Photoshop IPTC digest current and IIM declared UTF-8."""
    new = written.new
    assert not any("IPTCDigest is not current" in w for w in warnings_of(new))
    assert new.get("Photoshop:IPTCDigest") == new.get("File:CurrentIPTCDigest")
    assert new.get("IPTC:CodedCharacterSet") == "UTF8"


# --- legacy character sets ---------------------------------------------------------------------------------

LEGACY_IIM = (
    "exiv2/smiley1.jpg",  # Latin-1 copyright, no 1:90
    "exiv2/exiv2-bug501.jpg",  # Latin-1 caption/city/state and a UTF-8 sublocation, no 1:90
    "other/nikonMakernoteType2b.jpg",  # Latin-1 German caption with CRLF, no 1:90
    "other/sunrise.png",  # PNG raw-profile IIM in Latin-1, no 1:90
)


def true_text(cp1252_text: object) -> object:
    """The text of an undeclared IIM value read by ExifTool as cp1252: UTF-8 where the bytes are UTF-8."""
    if not isinstance(cp1252_text, str):
        return cp1252_text  # a number (record version)
    try:
        raw = cp1252_text.encode("cp1252")
    except UnicodeEncodeError:
        return cp1252_text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return cp1252_text


@pytest.mark.parametrize("rel", LEGACY_IIM)
def test_legacy_iim_is_converted_to_utf8(rel: str, corpus_copy: Any) -> None:
    """After writing one field, ExifTool reads every other IIM dataset as the right text, declared UTF-8."""
    path = corpus_copy(rel)
    versions = ("IPTC:EnvelopeRecordVersion", "IPTC:ApplicationRecordVersion", "IPTC:CodedCharacterSet")
    # Only the IIM block of the file (group IPTC): an IIM copy inside another program's trailer after EOI
    # (FotoStation's, group IPTC2) is part of that trailer, which stays byte-identical.
    legacy = {k: v for k, v in run_exiftool(path, "-charset", "iptc=cp1252", "-IPTC:all").items() if k[:5] == "IPTC:"}
    assert legacy and "IPTC:CodedCharacterSet" not in legacy
    expected = {
        tag: [true_text(v) for v in value] if isinstance(value, list) else true_text(value)
        for tag, value in legacy.items()
        if tag != "IPTC:Credit" and tag not in versions
    }
    assert any(not str(v).isascii() for v in expected.values()), "the file should carry non-ASCII legacy text"
    write_fields(path, {"credit": "Ảnh: TTXVN"})
    after = run_exiftool(path, "-IPTC:all")
    assert after.get("IPTC:CodedCharacterSet") == "UTF8"
    assert after.get("IPTC:Credit") == "Ảnh: TTXVN"
    got = {k: v for k, v in after.items() if k[:5] == "IPTC:" and k != "IPTC:Credit" and k not in versions}
    assert got == expected
    meta = read_metadata(path)
    assert meta.iim_charset in ("utf-8", None)
    assert not any("legacy character set" in w for w in meta.warnings)


# --- Windows copies and XMP languages ------------------------------------------------------------------------


def xp_file(folder: Path) -> Path:
    """A JPEG whose caption also sits in Windows' XPComment / XPSubject / UserComment, with an XPAuthor."""
    path = make_jpeg(folder / "xp.jpg", size=(120, 80), seed=4)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-XMP-dc:Description=old caption",
            "-EXIF:ImageDescription=old caption",
            "-XPComment=old caption",
            "-XPSubject=old caption",
            "-UserComment=old caption",
            "-XPAuthor=Old Author",
            "-XPTitle=Old title",
            str(path),
        ],
        check=True,
    )
    return path


def test_caption_change_removes_windows_copies(tmp_path: Path) -> None:
    """XPComment, XPSubject and UserComment holding the old caption are gone after a caption change."""
    path = xp_file(tmp_path)
    write_fields(path, {"caption": "Chú thích mới"})
    after = run_exiftool(path)
    for tag in ("IFD0:XPComment", "IFD0:XPSubject", "ExifIFD:UserComment"):
        assert tag not in after, tag
    assert after["IFD0:XPAuthor"] == "Old Author", "the byline did not change, its copy stays"
    assert after["IFD0:XPTitle"] == "Old title"
    assert after["IFD0:ImageDescription"] == "Chú thích mới"


def test_other_changes_keep_windows_copies(tmp_path: Path) -> None:
    """A credit-only change leaves the Windows copies of the (unchanged) caption alone."""
    path = xp_file(tmp_path)
    before = run_exiftool(path)
    write_fields(path, {"credit": "TTXVN"})
    after = run_exiftool(path)
    for tag in ("IFD0:XPComment", "IFD0:XPSubject", "ExifIFD:UserComment", "IFD0:XPAuthor", "IFD0:XPTitle"):
        assert after.get(tag) == before.get(tag), tag


def test_corpus_windows_fields_file(corpus_copy: Any) -> None:
    """other/windowsXpFields.jpg: after a caption change no XP / UserComment copy of the old caption is left."""
    path = corpus_copy("other/windowsXpFields.jpg")
    before = run_exiftool(path)
    old_caption = before.get("XMP-dc:Description") or before.get("IFD0:ImageDescription")
    write_fields(path, {"caption": "Chú thích mới"})
    after = run_exiftool(path)
    for tag in ("IFD0:XPComment", "IFD0:XPSubject", "ExifIFD:UserComment"):
        assert tag not in after, tag
    assert old_caption not in {str(v) for v in after.values()}


def test_other_xmp_languages_are_kept(tmp_path: Path) -> None:
    """A new x-default caption keeps the Vietnamese and Chinese alternatives, and a language edit keeps x-default."""
    path = make_jpeg(tmp_path / "langs.jpg", size=(120, 80), seed=6)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-XMP-dc:Description=Old caption",
            "-XMP-dc:Description-vi=Chú thích cũ",
            "-XMP-dc:Description-zh-CN=旧的图片说明",
            "-XMP-dc:Rights=© BNA",
            "-XMP-dc:Rights-vi=© Báo Nghệ An",
            str(path),
        ],
        check=True,
    )
    write_fields(path, {"caption": "New caption", "copyright": "© 2026 BNA"})
    after = run_exiftool(path)
    assert after["XMP-dc:Description"] == "New caption"
    assert after["XMP-dc:Description-vi"] == "Chú thích cũ"
    assert after["XMP-dc:Description-zh-CN"] == "旧的图片说明"
    assert after["XMP-dc:Rights"] == "© 2026 BNA"
    assert after["XMP-dc:Rights-vi"] == "© Báo Nghệ An"
    write_fields(path, {"caption": {"vi": "Chú thích mới"}})
    after = run_exiftool(path)
    assert after["XMP-dc:Description"] == "New caption"
    assert after["XMP-dc:Description-vi"] == "Chú thích mới"
    assert after["XMP-dc:Description-zh-CN"] == "旧的图片说明"
    assert after["IPTC:Caption-Abstract"] == "New caption", "only x-default goes to IIM"


# --- Multi-Picture Format --------------------------------------------------------------------------------------


def mpf_file(folder: Path) -> tuple[Path, bytes]:
    """A JPEG with an MPF (APP2) index ahead of its IIM and XMP segments, and a preview JPEG after EOI.

    MPF stores the preview's offset relative to the MPF header, so any segment that grows or moves between
    that header and the end of the file must be accounted for; phones and cameras write such files.
    """
    primary = make_jpeg(folder / "primary.jpg", size=(160, 120), seed=1)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-IPTC:Caption-Abstract=old",
            "-XMP-dc:Description=old",
            str(primary),
        ],
        check=True,
    )
    data = primary.read_bytes()
    preview = make_jpeg(folder / "preview.jpg", size=(80, 60), seed=2).read_bytes()
    entries_at = 8 + 2 + 3 * 12 + 4

    def segment(preview_offset: int, primary_size: int) -> bytes:
        tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 3)
        tiff += struct.pack("<HHI", 0xB000, 7, 4) + b"0100"
        tiff += struct.pack("<HHII", 0xB001, 4, 1, 2)
        tiff += struct.pack("<HHII", 0xB002, 7, 32, entries_at) + struct.pack("<I", 0)
        tiff += struct.pack("<IIIHH", 0x20030000, primary_size, 0, 0, 0)
        tiff += struct.pack("<IIIHH", 0x00010001, len(preview), preview_offset, 0, 0)
        payload = b"MPF\x00" + tiff
        return b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload

    (app0_length,) = struct.unpack(">H", data[4:6])
    at = 4 + app0_length  # right after the JFIF APP0, ahead of APP13 and XMP
    size = len(data) + len(segment(0, 0))
    header = at + 8  # MPF offsets count from the TIFF header inside the segment
    path = folder / "mpf.jpg"
    path.write_bytes(data[:at] + segment(size - header, size) + data[at:] + preview)
    return path, preview


def test_mpf_preview_still_found_after_the_write(tmp_path: Path) -> None:
    """ExifTool extracts the same MPF preview before and after the write (its offset kept right)."""
    path, preview = mpf_file(tmp_path)

    def extracted() -> bytes:
        return subprocess.run(["exiftool", "-b", "-PreviewImage", str(path)], capture_output=True).stdout

    assert extracted() == preview
    write_fields(path, CHANGES)
    assert image_data(path.read_bytes()).endswith(preview)
    assert extracted() == preview


@pytest.mark.parametrize(
    "rel", ["exiftool/ExifTool.jpg", "iptc/IPTC-PhotometadataRef-Std2022.1.jpg", "exiftool/Google.jpg"]
)
def test_repeated_writes_are_stable_and_idempotent(rel: str, corpus_copy: Any) -> None:
    """A picture edited again and again does not grow or gain segments; the same values twice give the same bytes."""
    path = corpus_copy(rel)
    captions = ("Chú thích A", "Chú thích B dài hơn một chút")
    sizes, segment_counts = [], []
    for i in range(8):
        write_fields(path, {"caption": captions[i % 2], "credit": "TTXVN"})
        sizes.append(path.stat().st_size)
        segment_counts.append(len(jpeg_segments(path.read_bytes())[0]))
    # the first write may convert the file (envelope, digest, charset); after that A, B, A, B… repeat exactly
    assert all(sizes[i] == sizes[i - 2] for i in range(3, len(sizes))), sizes
    assert len(set(segment_counts[1:])) == 1
    once = path.read_bytes()
    write_fields(path, {"caption": captions[1], "credit": "TTXVN"})
    assert path.read_bytes() == once


@pytest.mark.parametrize("rel", ["exiv2/Stonehenge.heic", "other/sunrise.avif"])
def test_sidecar_for_a_format_the_engine_cannot_write(rel: str, corpus_copy: Any) -> None:
    """HEIC / AVIF: the picture stays byte-identical, the values go to NAME.EXT.xmp, and reading shows them.

    The sidecar is what the user edited, so it wins over the older embedded values (as in Lightroom, digiKam,
    darktable); ``set`` followed by ``show`` must show what was set.
    """
    path = corpus_copy(rel)
    original = path.read_bytes()
    write_fields(path, CHANGES)
    assert path.read_bytes() == original
    sidecar = path.with_name(path.name + ".xmp")
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) == [
        path.name,
        sidecar.name,
    ]
    et = run_exiftool(sidecar)
    assert et["XMP-dc:Description"] == CHANGES["caption"]
    assert et["XMP-dc:Creator"] == CHANGES["byline"]
    assert et["XMP-photoshop:Credit"] == CHANGES["credit"]
    fields = read_metadata(path).fields
    for key, value in CHANGES.items():
        assert fields[key] == value, key


def lang_value(info: dict[str, Any], tag: str, lang: str) -> Any:
    """The value of `tag` in language `lang` (language tags are case-insensitive; ExifTool may lowercase)."""
    wanted = f"{tag}-{lang}".lower()
    return next((v for k, v in info.items() if k.lower() == wanted), None)


def test_three_part_language_tags_are_kept(tmp_path: Path) -> None:
    """A caption alternative tagged zh-Hant-TW (valid BCP 47, written by ExifTool or Photoshop) survives a
    caption change, and can itself be written."""
    path = make_jpeg(tmp_path / "tw.jpg", size=(120, 80), seed=7)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-XMP-dc:Description=Old caption",
            "-XMP-dc:Description-zh-Hant-TW=舊的圖片說明",
            str(path),
        ],
        check=True,
    )
    write_fields(path, {"caption": "Chú thích mới"})
    after = run_exiftool(path)
    assert after["XMP-dc:Description"] == "Chú thích mới"
    assert lang_value(after, "XMP-dc:Description", "zh-Hant-TW") == "舊的圖片說明"
    write_fields(path, {"caption": {"zh-Hant-TW": "新的圖片說明", "sr-Latn-RS": "Novi opis"}})
    after = run_exiftool(path)
    assert lang_value(after, "XMP-dc:Description", "zh-Hant-TW") == "新的圖片說明"
    assert lang_value(after, "XMP-dc:Description", "sr-Latn-RS") == "Novi opis"
    assert after["XMP-dc:Description"] == "Chú thích mới"


@pytest.mark.parametrize("rel", ["exiftool/Photoshop.psd", "exiftool/ExifTool.tif", "exiv2/Reagan.tiff"])
def test_other_formats_keep_a_current_digest(rel: str, corpus_copy: Any) -> None:
    """PSD and TIFF carry IIM too: after a write the values are there, IIM is UTF-8, no digest is left stale."""
    path = corpus_copy(rel)
    write_fields(path, {"caption": "Chú thích", "credit": "TTXVN"})
    after = run_exiftool(path)
    assert after.get("XMP-dc:Description") == "Chú thích"
    assert after.get("IPTC:Caption-Abstract") == "Chú thích"
    assert after.get("IPTC:CodedCharacterSet") == "UTF8"
    assert not any("IPTCDigest is not current" in w for w in warnings_of(after))
    if "Photoshop:IPTCDigest" in after:
        assert after["Photoshop:IPTCDigest"] == after["File:CurrentIPTCDigest"]
