"""Folding text for matching: case, diacritics and width removed, so `Nguyen` finds `Nguyễn` and `Dong` `Đồng`.

Search and the people registry compare folded text on both sides; the folded form is never shown to anyone.
"""

from __future__ import annotations

import unicodedata

_NO_DECOMPOSITION = str.maketrans(
    {
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
    }
)
"""Latin letters whose diacritic is part of the letter, so Unicode decomposition leaves them alone."""


class _StripCombining(dict[int, str | None]):
    """A ``str.translate`` table that deletes combining marks, filled in as characters are first seen (so a
    long caption costs one pass in C instead of a Python loop over its characters)."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        value = None if unicodedata.combining(ch) else ch
        self[code] = value
        return value


_STRIP_COMBINING = _StripCombining()


def fold(text: str) -> str:
    """`text` with compatibility forms unified (NFKD), combining marks stripped, Đ→D and the like, casefolded.

    The result is NFC again, so scripts without diacritics (Chinese, Korean) come back as they went in.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION).casefold())
    return unicodedata.normalize("NFC", decomposed.translate(_STRIP_COMBINING))


def fold_name(name: str) -> str:
    """A person's name folded for matching, with runs of whitespace made one space (`Thanh  Cường` = `thanh cuong`)."""
    return " ".join(fold(name).split())
