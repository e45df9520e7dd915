"""Property-based round trip: whatever Unicode a caption desk types comes back, from our reader and ExifTool's.

Captions, bylines (lists), credits, copyright notices and keywords in Vietnamese (NFC and decomposed),
Chinese, emoji, quotes, XML specials, newlines and tabs, leading and trailing spaces, and text well past the
IIM byte limits are written with ``write_fields`` to a fresh JPEG, then read back by ``read_metadata`` and by
ExifTool (one call per example). XMP and EXIF must hold the full text; IIM the documented cut
(``captioner.iim.cut(value, Field.iim_max)``).

Normalisation we accept, because the design allows it:

* line endings: CR and CRLF are written as LF (XMP parsers turn a literal CR into LF anyway);
* control characters other than tab and LF — C0, DEL and C1 — are removed on write: XML 1.0 (hence XMP)
  cannot carry C0 controls at all, and the rest are invisible debris of copy-paste (``as_written`` below
  restates the rule independently of the engine's ``writing.clean_text``);
* trailing whitespace: our reader drops it (``str.rstrip``); ExifTool's values are compared after the same
  ``rstrip``. Leading whitespace of a text field must survive;
* text that is empty or only whitespace means "clear": no tag in any source;
* list items (bylines, keywords) are stripped and blank items dropped by the writer;
* IIM holds each value cut on a UTF-8 character boundary at the field's byte limit, then read with trailing
  whitespace dropped; an IIM value that is XMP's cut is not a conflict;
* EXIF Artist holds the bylines as one string in the MWG list form (``"; "``-joined, an entry that starts
  with a quote or contains ``"; "`` quoted, as ExifTool's MWG.pm ``ListToString`` does).

Excluded from the alphabet, with the reason: lone surrogates (they cannot be encoded in UTF-8 at all) and
U+FFFE / U+FFFF, which are not XML characters and are not removed by the writer — it refuses them with a
clean error instead (``test_safe_write.py::test_unwritable_value_is_refused_not_half_written``). Every other
code point is allowed, NUL and the other controls included.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from helpers import CORPUS, make_jpeg
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from captioner.fields import FIELD_BY_KEY
from captioner.iim import cut
from captioner.reading import read_metadata
from captioner.writing import write_fields

NOT_XML = "\ufffe\uffff"
"""Not XML characters, and not removed by the writer (which refuses them)."""
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def as_written(text: str) -> str:
    """`text` as the writer stores it: CR and CRLF made LF, control characters but tab and LF removed."""
    return CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


VIETNAMESE = (
    "Nguyễn Thanh Hà",
    "Trần Đức Đồng",
    "Phóng viên ảnh",
    "Người dân Hà Nội đón Tết",
    "Thành phố Hồ Chí Minh",
    "Ảnh: TTXVN",
    "quốc hội",
    "Đắk Lắk",
)
CHINESE = ("清强", "新华社记者", "北京天安门广场", "图片：新华社", "摄影", "春节期间，游客参观。", "𠀋𡈽")
EMOJI = ("📷", "👍🏽", "👨‍👩‍👧", "🇻🇳", "❤️", "🧧", "🏮")
PUNCTUATION = ('"', "'", "“", "”", "«", "»", "&", "<", ">", "&amp;", "]]>", ";", "; ", ",", "\\", 'lang="vi" ', "=")
SPACES = (" ", "  ", "\n", "\t", "\r\n", "\r", "\u3000", "\u00a0", "\u2028", "\x00", "\x85", "\x1f", "\x7f")

any_char = st.characters(codec="utf-8", exclude_characters=NOT_XML)
chunk = st.one_of(
    st.sampled_from(VIETNAMESE),
    st.sampled_from(VIETNAMESE).map(lambda s: unicodedata.normalize("NFD", s)),
    st.sampled_from(CHINESE),
    st.sampled_from(EMOJI),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(SPACES),
    st.text(any_char, min_size=1, max_size=6),
)


def texts(max_chunks: int) -> st.SearchStrategy[str]:
    """Text made of chunks of the newsroom's scripts, punctuation, spaces and arbitrary characters."""
    return st.lists(chunk, max_size=max_chunks).map("".join)


def _repeat_past(base: str, size: int) -> str:
    """`base` repeated until it is longer than `size` UTF-8 bytes."""
    text = base
    while len(text.encode("utf-8")) <= size:
        text += base
    return text


def long_texts(limit: int) -> st.SearchStrategy[str]:
    """Text 1–4 times longer than the IIM byte `limit` (so the cut is exercised), in any of the scripts."""
    return st.builds(
        lambda base, factor: _repeat_past(base, limit * factor), texts(6).filter(str.strip), st.integers(1, 4)
    )


captions = st.one_of(texts(12), long_texts(2000))
credits = st.one_of(texts(4), long_texts(32))
copyrights = st.one_of(texts(4), long_texts(128))
names = st.one_of(texts(4), long_texts(32))
keywords = st.one_of(texts(3), long_texts(64))

TEMPLATE = Path(tempfile.mkdtemp(prefix="captioner-rt-")) / "template.jpg"
make_jpeg(TEMPLATE, seed=3)
atexit.register(shutil.rmtree, TEMPLATE.parent, ignore_errors=True)
BASES = {
    "plain": TEMPLATE,
    "stale digest, ICC": CORPUS / "iptc/IPTC-PhotometadataRef-Std2016.jpg",
    "UTF-16 XMP, stale digest, makernotes": CORPUS / "exiftool/ExifTool.jpg",
    "Latin-1 IIM without 1:90": CORPUS / "exiv2/smiley1.jpg",
    "mojibake byline, Photoshop": CORPUS / "exiv2/Reagan.jpg",
}
"""Files the values are written over: a fresh JPEG, and real files already full of older values."""

ET_TAGS = (
    "-IPTC:Caption-Abstract",
    "-XMP-dc:Description",
    "-IFD0:ImageDescription",
    "-IPTC:By-line",
    "-XMP-dc:Creator",
    "-IFD0:Artist",
    "-IPTC:Credit",
    "-XMP-photoshop:Credit",
    "-IPTC:CopyrightNotice",
    "-XMP-dc:Rights",
    "-IFD0:Copyright",
    "-IPTC:Keywords",
    "-XMP-dc:Subject",
    "-IPTC:CodedCharacterSet",
)


def exiftool_values(path: Path) -> dict[str, object]:
    """ExifTool's reading of the tags we write; numbers kept as their literal text (a caption may be "1e5")."""
    cmd = ["exiftool", "-json", "-G1", "-a", "-charset", "iptc=UTF8", *ET_TAGS, str(path)]
    out = subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
    return json.loads(out.stdout.decode("utf-8"), parse_int=str, parse_float=str)[0]


def text_of(value: object) -> str:
    """An ExifTool text value with trailing whitespace dropped; ``""`` when the tag is absent."""
    return "" if value is None else str(value).rstrip()


def list_of(value: object) -> list[str]:
    """An ExifTool list value (a single item comes as a plain string), items with trailing whitespace dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(i).rstrip() for i in items]


def mwg_list_to_string(items: list[str]) -> str:
    """EXIF Artist for a list of names, as ExifTool's MWG module writes it (``ListToString``)."""
    out = []
    for item in items:
        if item.startswith('"') or "; " in item:
            item = '"' + item.replace('"', '""') + '"'
        out.append(item)
    return "; ".join(out)


def iim_of(text: str, key: str) -> str:
    """What IIM holds for `text` as read back: the documented cut, trailing whitespace dropped."""
    return cut(text, FIELD_BY_KEY[key].iim_max).rstrip()


@settings(
    max_examples=int(os.environ.get("CAPTIONER_HYPOTHESIS_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    base=st.sampled_from(sorted(BASES)),
    caption=captions,
    bylines=st.lists(names, max_size=3),
    credit=credits,
    copyright=copyrights,
    words=st.lists(keywords, max_size=5),
)
@example(  # decomposed Vietnamese past the limit: the IIM cut counts NFD bytes, and must not be a conflict
    base="stale digest, ICC",
    caption=unicodedata.normalize("NFD", "Người dân Hà Nội đón Tết. " * 90),
    bylines=[unicodedata.normalize("NFD", "Nguyễn Thị Phương Thảo Trần Đức")],
    credit=unicodedata.normalize("NFD", "Ảnh: Nguyễn Thị Phương Thảo/TTXVN"),
    copyright="© 2026 Thông tấn xã Việt Nam",
    words=["Tết", unicodedata.normalize("NFD", "lễ hội")],
).via("NFD Vietnamese")
@example(  # leading spaces survive; IIM cut of a value with leading spaces is not a conflict
    base="plain",
    caption="   Hà Nội",
    bylines=["  Thanh Hà  "],
    credit="   " + "x" * 40,
    copyright=" ©",
    words=["  Tết  "],
).via("leading spaces")
@example(  # semicolons and quotes in a photographer's name: EXIF Artist in MWG list form
    base="mojibake byline, Photoshop",
    caption='"Quoted" caption; with semicolons',
    bylines=["AP; Reuters", '"Ông Ba"', "<b>&amp;</b>"],
    credit="Ảnh; AP",
    copyright="©",
    words=["a;b"],
).via("MWG list quoting")
@example(  # emoji, CJK Ext. B, CR/LF, tabs and trailing whitespace everywhere
    base="Latin-1 IIM without 1:90",
    caption="👨‍👩‍👧 春节\r\n𠀋𡈽\tline 2 \u3000\n",
    bylines=["清强", "🇻🇳 Đồng"],
    credit="图片：新华社 📷 " * 3,
    copyright="  \n",
    words=["🧧", "春节", "  "],
).via("emoji and CJK")
def test_round_trip_matches_our_reader_and_exiftool(
    caption: str, bylines: list[str], credit: str, copyright: str, words: list[str], base: str
) -> None:
    """Written values come back equal from read_metadata and from ExifTool (IIM after the documented cut)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bna_0001.jpg"
        path.write_bytes(BASES[base].read_bytes())
        write_fields(
            path, {"caption": caption, "byline": bylines, "credit": credit, "copyright": copyright, "keywords": words}
        )
        meta = read_metadata(path)
        et = exiftool_values(path)

    caption, credit, copyright = as_written(caption), as_written(credit), as_written(copyright)
    names_in = [c for c in (as_written(b).strip() for b in bylines) if c]
    words_in = [c for c in (as_written(w).strip() for w in words) if c]
    texts_in = {"caption": caption, "credit": credit, "copyright": copyright}

    # Our reader: the reconciled fields and every source.
    for key, value in texts_in.items():
        assert meta.fields[key] == value.rstrip(), key
        assert meta.sources.get(key, {}).get("xmp") == (value.rstrip() or None), key
        assert meta.sources.get(key, {}).get("iim") == (iim_of(value, key) or None), key
    assert meta.sources.get("caption", {}).get("exif") == (caption.rstrip() or None)
    assert meta.sources.get("copyright", {}).get("exif") == (copyright.rstrip() or None)
    assert meta.fields["byline"] == names_in
    assert meta.fields["keywords"] == words_in
    assert meta.sources.get("byline", {}).get("xmp") == (names_in or None)
    assert meta.sources.get("byline", {}).get("iim") == ([iim_of(n, "byline") for n in names_in] or None)
    assert meta.sources.get("byline", {}).get("exif") == (names_in or None)
    assert meta.sources.get("keywords", {}).get("iim") == ([iim_of(w, "keywords") for w in words_in] or None)
    assert set(meta.conflicts) & {*texts_in, "byline", "keywords"} == set(), "an IIM cut of XMP is no conflict"

    # ExifTool, the referee: full text in XMP and EXIF, the documented cut in IIM.
    assert text_of(et.get("XMP-dc:Description")) == caption.rstrip()
    assert text_of(et.get("IFD0:ImageDescription")) == caption.rstrip()
    assert text_of(et.get("IPTC:Caption-Abstract")) == iim_of(caption, "caption")
    assert text_of(et.get("XMP-photoshop:Credit")) == credit.rstrip()
    assert text_of(et.get("IPTC:Credit")) == iim_of(credit, "credit")
    assert text_of(et.get("XMP-dc:Rights")) == copyright.rstrip()
    assert text_of(et.get("IFD0:Copyright")) == copyright.rstrip()
    assert text_of(et.get("IPTC:CopyrightNotice")) == iim_of(copyright, "copyright")
    assert list_of(et.get("XMP-dc:Creator")) == names_in
    assert list_of(et.get("IPTC:By-line")) == [iim_of(n, "byline") for n in names_in]
    assert text_of(et.get("IFD0:Artist")) == mwg_list_to_string(names_in)
    assert list_of(et.get("XMP-dc:Subject")) == words_in
    assert list_of(et.get("IPTC:Keywords")) == [iim_of(w, "keywords") for w in words_in]
    if any(k.startswith("IPTC:") and k != "IPTC:CodedCharacterSet" for k in et):
        assert et.get("IPTC:CodedCharacterSet") == "UTF8"


def test_empty_values_clear_every_source(tmp_path: Path) -> None:
    """``""``, whitespace, ``[]`` and None clear a field from XMP, IIM and EXIF alike."""
    path = make_jpeg(tmp_path / "bna_0002.jpg")
    write_fields(
        path,
        {
            "caption": "Người dân",
            "byline": ["清强", "Thanh Hà"],
            "credit": "TTXVN",
            "copyright": "© BNA",
            "keywords": ["Tết"],
        },
    )
    write_fields(path, {"caption": "", "byline": [], "credit": " \n\t", "copyright": None, "keywords": ["  "]})
    meta = read_metadata(path)
    for key in ("caption", "byline", "credit", "copyright", "keywords"):
        assert meta.fields[key] in ("", []), key
        assert key not in meta.sources, key
    et = exiftool_values(path)
    assert sorted(k for k in et if k not in ("SourceFile", "IPTC:CodedCharacterSet")) == []


EXIFTOOL_TAGS = {
    # field key: (ExifTool XMP tag, ExifTool IIM tag or None)
    "headline": ("XMP-photoshop:Headline", "IPTC:Headline"),
    "title": ("XMP-dc:Title", "IPTC:ObjectName"),
    "byline_title": ("XMP-photoshop:AuthorsPosition", "IPTC:By-lineTitle"),
    "source": ("XMP-photoshop:Source", "IPTC:Source"),
    "city": ("XMP-photoshop:City", "IPTC:City"),
    "sublocation": ("XMP-iptcCore:Location", "IPTC:Sub-location"),
    "state": ("XMP-photoshop:State", "IPTC:Province-State"),
    "country": ("XMP-photoshop:Country", "IPTC:Country-PrimaryLocationName"),
    "country_code": ("XMP-iptcCore:CountryCode", "IPTC:Country-PrimaryLocationCode"),
    "job_id": ("XMP-photoshop:TransmissionReference", "IPTC:OriginalTransmissionReference"),
    "instructions": ("XMP-photoshop:Instructions", "IPTC:SpecialInstructions"),
    "caption_writer": ("XMP-photoshop:CaptionWriter", "IPTC:Writer-Editor"),
    "alt_text": ("XMP-iptcCore:AltTextAccessibility", None),
}
"""Every other text field and where ExifTool reports it."""


@settings(
    max_examples=int(os.environ.get("CAPTIONER_HYPOTHESIS_EXAMPLES", "200")) // 3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(values=st.dictionaries(st.sampled_from(sorted(EXIFTOOL_TAGS)), st.one_of(texts(5), long_texts(64)), min_size=1))
def test_every_other_text_field_round_trips(values: dict[str, str]) -> None:
    """Headline, title, locations, codes, instructions, alt text…: full text in XMP, the documented cut in IIM."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bna_0003.jpg"
        path.write_bytes(TEMPLATE.read_bytes())
        write_fields(path, values)
        meta = read_metadata(path)
        tags = [f"-{t}" for pair in EXIFTOOL_TAGS.values() for t in pair if t]
        cmd = ["exiftool", "-json", "-G1", "-a", "-charset", "iptc=UTF8", *tags, str(path)]
        out = subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
        et = json.loads(out.stdout.decode("utf-8"), parse_int=str, parse_float=str)[0]
    for key, value in values.items():
        value = as_written(value)
        xmp_tag, iim_tag = EXIFTOOL_TAGS[key]
        assert meta.fields[key] == value.rstrip(), key
        assert meta.sources.get(key, {}).get("xmp") == (value.rstrip() or None), key
        assert text_of(et.get(xmp_tag)) == value.rstrip(), key
        if iim_tag is not None:
            assert text_of(et.get(iim_tag)) == iim_of(value, key), key
            assert meta.sources.get(key, {}).get("iim") == (iim_of(value, key) or None), key
    assert meta.conflicts == []
