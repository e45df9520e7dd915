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


def fold(text: str) -> str:
    """`text` with compatibility forms unified (NFKD), combining marks stripped, Đ→D and the like, casefolded.

    The result is NFC again, so scripts without diacritics (Chinese, Korean) come back as they went in.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.casefold())


def fold_name(name: str) -> str:
    """A person's name folded for matching, with runs of whitespace made one space (`Thanh  Cường` = `thanh cuong`)."""
    return " ".join(fold(name).split())
