"""Folding text for matching: case, diacritics and width removed, so `Nguyen` finds `Nguyễn` and `Dong` `Đồng`.

Search and the people registry compare folded text on both sides; the folded form is never shown to anyone.
"""

from __future__ import annotations

import unicodedata

_LETTERS_WITHOUT_DECOMPOSITION = {
    "đ": "d",
    "ð": "d",
    "ø": "o",
    "ł": "l",
    "ħ": "h",
    "ı": "i",
    "æ": "ae",
    "œ": "oe",
}
"""Latin letters (casefolded) whose diacritic is part of the letter, so Unicode decomposition leaves it on."""


class _FoldTable(dict[int, str | None]):
    """A ``str.translate`` table that deletes combining marks and spells out the letters above, filled in as
    characters are first seen (so a long caption costs one pass in C instead of a Python loop)."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        value = None if unicodedata.combining(ch) else _LETTERS_WITHOUT_DECOMPOSITION.get(ch, ch)
        self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """`text` casefolded, with compatibility forms unified (NFKD), combining marks stripped and Đ→D and the like.

    The result is NFC again, so scripts without diacritics (Chinese, Korean) come back as they went in.
    """
    if text.isascii():
        return text.lower()
    # Casefold between two decompositions: compatibility forms such as 𝑨 only become letters with a case once
    # decomposed, and casefolding can itself produce characters that decompose (Unicode's caseless matching).
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return unicodedata.normalize("NFC", decomposed.translate(_FOLD_TABLE))


def fold_name(name: str) -> str:
    """A person's name folded for matching, with runs of whitespace made one space (`Thanh  Cường` = `thanh cuong`)."""
    return " ".join(fold(name).split())
