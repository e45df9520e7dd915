"""The field table: every logical field mapped to its XMP, IPTC IIM and EXIF tags.

This is the one place that knows which tags carry a caption or a credit. Reading, writing, the command line,
the catalogue and the app all take their field list from here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum


class XmpKind(Enum):
    """How a field is stored in XMP."""

    TEXT = "text"
    LANG_ALT = "langalt"
    SEQ = "seq"
    BAG = "bag"


@dataclass(frozen=True)
class Field:
    """One logical field and the tags that carry it, in read priority order."""

    key: str
    """Name used by the CLI (`--caption`), JSON output and the catalogue."""
    label: str
    """Label shown in the app."""
    xmp: str | None
    """Exiv2 XMP key, e.g. ``Xmp.dc.description``."""
    xmp_kind: XmpKind
    iim: tuple[str, ...]
    """Exiv2 IIM keys. Two only for date_created (date, time)."""
    exif: str | None
    """Exiv2 EXIF key, if the field has an EXIF home."""
    iim_max: int | None
    """IIM byte limit per value (per repetition for lists)."""
    mwg_exif_first: bool = False
    """MWG reads a non-empty EXIF value first (caption, byline, copyright, date)."""

    @functools.cached_property
    def is_list(self) -> bool:
        """True for repeatable fields (byline, keywords): values are lists of strings."""
        return self.xmp_kind in (XmpKind.SEQ, XmpKind.BAG)

    @functools.cached_property
    def is_lang_alt(self) -> bool:
        """True for XMP language alternatives (caption, title, copyright, alt text)."""
        return self.xmp_kind is XmpKind.LANG_ALT


_T, _L, _S, _B = XmpKind.TEXT, XmpKind.LANG_ALT, XmpKind.SEQ, XmpKind.BAG

# fmt: off
FIELDS: tuple[Field, ...] = (
    Field("caption", "Caption", "Xmp.dc.description", _L, ("Iptc.Application2.Caption",),
          "Exif.Image.ImageDescription", 2000, mwg_exif_first=True),
    Field("headline", "Headline", "Xmp.photoshop.Headline", _T, ("Iptc.Application2.Headline",), None, 256),
    Field("title", "Title / slug", "Xmp.dc.title", _L, ("Iptc.Application2.ObjectName",), None, 64),
    Field("byline", "Photographer", "Xmp.dc.creator", _S, ("Iptc.Application2.Byline",),
          "Exif.Image.Artist", 32, mwg_exif_first=True),
    Field("byline_title", "Photographer title", "Xmp.photoshop.AuthorsPosition", _T,
          ("Iptc.Application2.BylineTitle",), None, 32),
    Field("credit", "Credit line", "Xmp.photoshop.Credit", _T, ("Iptc.Application2.Credit",), None, 32),
    Field("source", "Source", "Xmp.photoshop.Source", _T, ("Iptc.Application2.Source",), None, 32),
    Field("copyright", "Copyright notice", "Xmp.dc.rights", _L, ("Iptc.Application2.Copyright",),
          "Exif.Image.Copyright", 128, mwg_exif_first=True),
    Field("keywords", "Keywords", "Xmp.dc.subject", _B, ("Iptc.Application2.Keywords",), None, 64),
    Field("date_created", "Date created", "Xmp.photoshop.DateCreated", _T,
          ("Iptc.Application2.DateCreated", "Iptc.Application2.TimeCreated"), "Exif.Photo.DateTimeOriginal", 8,
          mwg_exif_first=True),
    Field("city", "City", "Xmp.photoshop.City", _T, ("Iptc.Application2.City",), None, 32),
    Field("sublocation", "Sublocation", "Xmp.iptc.Location", _T, ("Iptc.Application2.SubLocation",), None, 32),
    Field("state", "Province / state", "Xmp.photoshop.State", _T, ("Iptc.Application2.ProvinceState",), None, 32),
    Field("country", "Country", "Xmp.photoshop.Country", _T, ("Iptc.Application2.CountryName",), None, 64),
    Field("country_code", "Country code", "Xmp.iptc.CountryCode", _T, ("Iptc.Application2.CountryCode",),
          None, 3),
    Field("job_id", "Job ID", "Xmp.photoshop.TransmissionReference", _T,
          ("Iptc.Application2.TransmissionReference",), None, 32),
    Field("instructions", "Special instructions", "Xmp.photoshop.Instructions", _T,
          ("Iptc.Application2.SpecialInstructions",), None, 256),
    Field("caption_writer", "Caption writer", "Xmp.photoshop.CaptionWriter", _T, ("Iptc.Application2.Writer",),
          None, 32),
    Field("alt_text", "Alt text (accessibility)", "Xmp.iptc.AltTextAccessibility", _L, (), None, None),
)
# fmt: on

FIELD_BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
FIELD_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)
LIST_KEYS: frozenset[str] = frozenset(f.key for f in FIELDS if f.is_list)

IIM_TIME_MAX = 11
"""Byte limit of IIM 2:60 Time Created (HHMMSS±HHMM), the second half of date_created."""

FieldValue = str | list[str]
"""A reconciled field value: a string, or a list of strings for byline and keywords."""


def empty_value(key: str) -> FieldValue:
    """The value a field has when nothing is set: ``[]`` for list fields, ``""`` otherwise."""
    return [] if key in LIST_KEYS else ""


def field(key: str) -> Field:
    """The field named `key`; raises KeyError with the known keys for an unknown one."""
    try:
        return FIELD_BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown field {key!r} (known: {', '.join(FIELD_KEYS)})") from None
