"""The third-party corpus: we read what ExifTool's MWG module reads, refuse broken files cleanly, and
never change a pixel when writing.

ExifTool is the referee. Every file where we deliberately read differently is listed in KNOWN_DIFFERENCES
with the reason; the test also fails when a listed difference disappears, so the list stays true.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from captioner.errors import ReadError, UnsupportedFormatError, WriteError
from captioner.reading import read_metadata
from captioner.writing import write_fields

IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
    ".png",
    ".webp",
    ".heic",
    ".avif",
    ".psd",
    ".xmp",
    ".xml",
    ".dng",
    ".jp2",
    ".gif",
    ".jxl",
    ".btf",
}
REFERENCE_FILES = {
    "iptc/IPTC-PhotometadataRef-Std2019.1.json",
    "iptc/IPTC-PhotometadataRef-Std2021.1-ExifToolRead.json",
}

# (file, field) -> why we read it differently from `exiftool -use MWG`.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    (
        "exiftool/XMP2.xmp",
        "keywords",
    ): "dc:subject is given through an rdf:nodeID reference, which exiv2's XMP toolkit does not resolve",
    (
        "exiftool/XMP6.xmp",
        "keywords",
    ): "dc:subject is written in a non-standard RDF form that exiv2's XMP toolkit does not accept",
    (
        "exiv2/iptc-psAPP13-wIPTCmid1-wIPTCempty-wIPTCmid2.jpg",
        "byline",
    ): "the file has several IIM blocks; exiv2 merges them all, ExifTool's strict MWG mode reads only the first",
    (
        "exiv2/iptc-psAPP13s-wIPTCs-psAPP13s-wIPTCs.jpg",
        "byline",
    ): "undeclared non-UTF-8 IIM: we decode cp1252 as DESIGN.md says (ExifTool with -charset iptc=UTF8 shows '?')",
    (
        "exiv2/smiley1.jpg",
        "copyright",
    ): "EXIF Copyright holds a Latin-1 '©'; we decode it as cp1252, ExifTool shows '?'",
    ("exiv2/table.jpg", "copyright"): "EXIF Copyright holds a Latin-1 '©'; we decode it as cp1252, ExifTool shows '?'",
    (
        "other/digikam-tags.heic",
        "byline",
    ): "exiv2 0.28 finds no XMP in this HEIC (its XMP item is not linked the usual way)",
    ("other/digikam-tags.heic", "copyright"): "exiv2 0.28 finds no XMP in this HEIC",
    ("other/digikam-tags.heic", "keywords"): "exiv2 0.28 finds no XMP in this HEIC",
    (
        "other/nikonMakernoteType2b.jpg",
        "caption",
    ): "its IIM sits in a FotoStation trailer; exiv2 reads it, ExifTool's strict MWG mode ignores non-standard IIM",
    (
        "other/sunrise.png",
        "keywords",
    ): "IIM in a PNG text chunk is not 'standard IPTC' to ExifTool's MWG mode; exiv2 and Photoshop read it",
    (
        "other/windowsXpFields.jpg",
        "caption",
    ): "every source holds only spaces; a caption of blanks is no caption to us (and the check reports it missing)",
}

# Files we cannot read at all, with the reason; each must give a clean one-line error.
UNREADABLE: dict[str, str] = {
    "exiftool/BigTIFF.btf": "exiv2 does not read BigTIFF",
    "exiftool/JXL.jxl": "this exiv2 build has no JPEG XL support",
    "other/huge_tag_exif.jpg": "fuzz case: an EXIF tag claims gigabytes; exiv2 refuses the file",
    "other/max_uint32_exif.jpg": "fuzz case: EXIF sizes of 2^32-1; exiv2 refuses the file",
}

MWG_TAGS = {"caption": "Description", "byline": "Creator", "copyright": "Copyright", "keywords": "Keywords"}


def _corpus_files(corpus: Path) -> list[str]:
    files = []
    for p in sorted(corpus.rglob("*")):
        rel = p.relative_to(corpus).as_posix()
        if (
            p.is_file()
            and p.suffix.lower() in IMAGE_SUFFIXES
            and "/expected" not in f"/{rel}"
            and rel not in REFERENCE_FILES
            and not rel.startswith("licences/")
        ):
            files.append(rel)
    return files


@pytest.fixture(scope="module")
def exiftool_mwg(corpus: Path) -> dict[str, dict[str, Any]]:
    """ExifTool's MWG reading of every corpus file, in one ExifTool run."""
    if shutil.which("exiftool") is None:
        pytest.fail("exiftool is not installed")
    files = _corpus_files(corpus)
    cmd = [
        "exiftool",
        "-json",
        "-use",
        "MWG",
        "-charset",
        "iptc=UTF8",
        "-G1",
        "-a",
        "-struct",
        "-MWG:Description",
        "-MWG:Creator",
        "-MWG:Copyright",
        "-MWG:Keywords",
        "-IPTC:Credit",
        "-XMP-photoshop:Credit",
        *files,
    ]
    out = subprocess.run(cmd, cwd=corpus, capture_output=True, check=False, env={**os.environ, "LC_ALL": "C.UTF-8"})
    return {d["SourceFile"]: d for d in json.loads(out.stdout.decode("utf-8"))}


def _comparable(value: Any) -> Any:
    """Values as compared: strings without trailing padding; lists as lists; empty as None."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return [str(v).rstrip() for v in value]
    return str(value).rstrip()


def test_corpus_is_there(corpus: Path) -> None:
    files = _corpus_files(corpus)
    assert len(files) >= 80, files


def test_reading_agrees_with_exiftool_mwg(corpus: Path, exiftool_mwg: dict[str, dict[str, Any]]) -> None:
    mismatches: list[str] = []
    seen_known: set[tuple[str, str]] = set()
    for rel in _corpus_files(corpus):
        if rel in UNREADABLE:
            continue
        meta = read_metadata(corpus / rel)
        theirs = exiftool_mwg[rel]
        for key, tag in MWG_TAGS.items():
            ours = _comparable(meta.fields[key])
            ref = _comparable(theirs.get(f"MWG:{tag}"))
            if key in ("byline", "keywords") and isinstance(ref, str):
                ref = [ref]
            if ours != ref:
                if (rel, key) in KNOWN_DIFFERENCES:
                    seen_known.add((rel, key))
                else:
                    mismatches.append(f"{rel} {key}: ours={ours!r} exiftool={ref!r}")
        # Credit is not an MWG tag: compare each source with ExifTool's reading of it.
        sources = meta.sources.get("credit", {})
        for source, tag in (("iim", "IPTC:Credit"), ("xmp", "XMP-photoshop:Credit")):
            if _comparable(sources.get(source)) != _comparable(theirs.get(tag)):
                mismatches.append(f"{rel} credit/{source}: ours={sources.get(source)!r} exiftool={theirs.get(tag)!r}")
    assert not mismatches, "\n".join(mismatches)
    assert seen_known == set(KNOWN_DIFFERENCES), f"no longer different: {set(KNOWN_DIFFERENCES) - seen_known}"


def test_reference_images_read_their_self_describing_values(corpus: Path) -> None:
    for ref in ("2016", "2017.1", "2019.1", "2021.1", "2022.1"):
        meta = read_metadata(corpus / f"iptc/IPTC-PhotometadataRef-Std{ref}.jpg")
        assert meta.fields["caption"] == f"The description aka caption (ref{ref})"
        assert meta.fields["headline"] == f"The Headline (ref{ref})"
        assert meta.fields["credit"] == f"Credit Line (ref{ref})"
        assert meta.fields["byline"][0] == f"Creator1 (ref{ref})"
        assert meta.fields["city"] == f"City (Core) (ref{ref})"


def test_mwg_file_reads_every_right_value(corpus: Path) -> None:
    meta = read_metadata(corpus / "exiftool/MWG.jpg")
    assert meta.fields["caption"] == "RIGHT-EXIF-Description"
    assert meta.fields["byline"] == ["RIGHT1of2-EXIF-Creator", "RIGHT2of2-EXIF-Creator"]
    assert meta.fields["copyright"] == "RIGHT-XMP-Copyright"
    assert meta.fields["keywords"] == ["RIGHT1of2-XMP-Keywords", "RIGHT2of2-XMP-Keywords"]
    assert {"caption", "byline", "copyright", "keywords"} <= set(meta.conflicts)
    assert meta.sources["caption"] == {
        "exif": "RIGHT-EXIF-Description",
        "iim": "WRONG-IPTC-Description",
        "xmp": "WRONG-XMP-Description",
    }


def test_stale_digest_prefers_iim_and_says_so(corpus: Path) -> None:
    meta = read_metadata(corpus / "iptc/IPTC-PhotometadataRef-Std2014_10x10.jpg")
    assert meta.digest == "stale"
    # IIM has one By-line, XMP two: with a stale digest IIM is the truth, and the disagreement is a conflict.
    assert meta.fields["byline"] == ["Creator1 (ref2014)"]
    assert "byline" in meta.conflicts
    assert any("digest is stale" in w for w in meta.warnings)


def test_iim_cut_at_its_limit_is_read_from_xmp_without_conflict(corpus: Path) -> None:
    meta = read_metadata(corpus / "iptc/generative-ai-example.jpg")
    assert meta.sources["credit"]["iim"] == "Image created by Brendan Quinn u"
    assert meta.fields["credit"] == "Image created by Brendan Quinn using Bing Image Creator"
    assert "credit" not in meta.conflicts
    assert meta.iim_truncated == ["credit"]


def test_utf16_and_extended_xmp_are_read_whole(corpus: Path) -> None:
    meta = read_metadata(corpus / "exiftool/XMP.jpg")
    assert meta.sources["caption"]["xmp"] == "UTF-16 (big-endian) encoded XMP"
    from captioner import jpeg, reading

    header = jpeg.header_of_bytes((corpus / "exiftool/ExtendedXMP.jpg").read_bytes())
    extended = reading._extended_xmp(header)
    assert extended is not None
    values = {d.key(): d.toString() for d in extended}
    assert values["Xmp.pdf.Creator"] == "Guess Who"
    assert values["Xmp.pdf.Title"] == "PDF Title"


def test_legacy_latin1_iim_is_decoded_and_flagged(corpus: Path) -> None:
    meta = read_metadata(corpus / "other/sunrise.png")
    assert meta.fields["byline"] == ["Bjørn Erik Pedersen"]
    assert meta.iim_charset == "cp1252"
    assert any("legacy character set" in w for w in meta.warnings)


@pytest.mark.parametrize("rel", sorted(UNREADABLE))
def test_unreadable_files_give_one_clean_line(corpus: Path, rel: str) -> None:
    with pytest.raises(ReadError) as info:
        read_metadata(corpus / rel)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(corpus / rel))


def test_not_an_image_is_unsupported(corpus: Path) -> None:
    with pytest.raises(UnsupportedFormatError):
        read_metadata(corpus / "README.md")


def _pixel_md5(path: Path) -> str:
    with Image.open(path) as img:
        return hashlib.md5(img.tobytes()).hexdigest()


def test_writing_copies_keeps_every_pixel(corpus: Path, tmp_path: Path) -> None:
    """Write caption, byline, credit and copyright to a copy of every corpus picture Pillow can decode."""
    expected = {f["SourceFile"]: f for f in json.loads((corpus / "expected.json").read_text("utf-8"))["files"]}
    written, refused = [], []
    for rel, info in sorted(expected.items()):
        pixel = info.get("PixelMD5", {})
        if pixel.get("status") != "ok" or rel in UNREADABLE:
            continue
        src = corpus / rel
        dst = tmp_path / rel.replace("/", "__")
        shutil.copyfile(src, dst)
        before = dst.read_bytes()
        try:
            write_fields(
                dst,
                {
                    "caption": "Hội nghị 会议概况。",
                    "byline": ["Thanh Cuong"],
                    "credit": "Báo Nghệ An",
                    "copyright": "© 2025 Báo Nghệ An",
                },
            )
        except WriteError as exc:
            assert dst.read_bytes() == before, rel
            assert "\n" not in str(exc)
            refused.append(rel)
            continue
        if dst.suffix.lower() in (".heic", ".avif"):
            continue  # Pillow decodes these only with pillow-heif, which the app does not need
        assert _pixel_md5(dst) == pixel["md5"], rel
        meta = read_metadata(dst)
        assert meta.fields["credit"] == "Báo Nghệ An", rel
        assert meta.sources["caption"]["xmp"] == "Hội nghị 会议概况。", rel
        written.append(rel)
    assert len(written) >= 60, (written, refused)
    # Only formats the engine cannot write may be refused.
    assert all(Path(r).suffix.lower() in {".heic", ".avif", ".gif", ".jp2"} for r in refused), refused
