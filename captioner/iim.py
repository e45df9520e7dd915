"""IPTC IIM text: character sets and byte limits.

IIM values are bytes. Record 1:90 (CodedCharacterSet) names their encoding with an ISO 2022 escape; we always
write ``ESC % G`` (UTF-8). python-exiv2 hands back bytes that are not valid UTF-8 as surrogate escapes, which
:func:`raw_bytes` turns back into the original bytes.
"""

from __future__ import annotations

UTF8_MARK = "\x1b%G"
"""The 1:90 value that declares UTF-8."""

_ISO2022_CODECS = {
    "\x1b%G": "utf-8",
    "\x1b%/G": "utf-8",
    "\x1b%/I": "utf-8",
    "\x1b-A": "latin-1",
    "\x1b.A": "latin-1",
    "\x1b-B": "iso8859-2",
    "\x1b-C": "iso8859-3",
    "\x1b-D": "iso8859-4",
    "\x1b-L": "iso8859-5",
    "\x1b-G": "iso8859-6",
    "\x1b-F": "iso8859-7",
    "\x1b-H": "iso8859-8",
    "\x1b-M": "iso8859-9",
    "\x1b-b": "iso8859-15",
}


def codec_for_charset(record: str | None) -> str | None:
    """The Python codec that a 1:90 CodedCharacterSet value declares, or None when absent or unknown."""
    if not record:
        return None
    return _ISO2022_CODECS.get(record.strip("\x00 "))


def raw_bytes(text: str) -> bytes:
    """The bytes behind a string from python-exiv2 (undoing its surrogate escapes)."""
    return text.encode("utf-8", "surrogateescape")


def _decode_cp1252(raw: bytes) -> str:
    """cp1252, with the five bytes it leaves undefined read as Latin-1 (as Windows itself does)."""
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in raw)


def decode(text: str, codec: str | None) -> tuple[str, str]:
    """Decode an IIM string from python-exiv2 by the declared codec.

    Returns ``(text, how)``: ``how`` is the codec used; ``utf-8?`` marks undeclared but valid UTF-8, and
    ``cp1252`` the legacy fallback for undeclared bytes that are not UTF-8.
    """
    raw = raw_bytes(text)
    if codec is not None and codec != "utf-8":
        return raw.decode(codec, errors="replace"), codec
    try:
        return raw.decode("utf-8"), ("utf-8" if codec else "utf-8?")
    except UnicodeDecodeError:
        if codec == "utf-8":
            return raw.decode("utf-8", errors="replace"), "utf-8"
        return _decode_cp1252(raw), "cp1252"


def utf8_len(text: str) -> int:
    """Length of `text` in UTF-8 bytes (what an IIM byte limit counts)."""
    return len(text.encode("utf-8"))


def cut(text: str, limit: int | None) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    if limit is None:
        return text
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def is_cut_of(iim_value: str, full: str, limit: int | None) -> bool:
    """True when `iim_value` is `full` cut at the IIM byte limit (so the two do not conflict).

    Trailing blanks are ignored: readers drop them, and a cut may end on one.
    """
    if limit is None or iim_value == full or utf8_len(full) <= limit:
        return False
    return cut(full, limit).rstrip() == iim_value.rstrip()
