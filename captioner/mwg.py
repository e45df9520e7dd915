"""Metadata Working Group string lists: how a list (photographers) is kept in one EXIF string (Artist).

Entries are joined with ``"; "``; an entry that starts with a quote or contains ``"; "`` is quoted, with its
quotes doubled. This is ExifTool's ``ListToString`` / ``StringToList`` (MWG.pm), so both read the same list.
"""

from __future__ import annotations

import re

_CLOSING_QUOTE = re.compile(r'((?:^|[^"])(?:"")*)"$')


def list_to_string(values: list[str]) -> str:
    """Join `values` into one MWG string-list value."""
    out = []
    for value in values:
        if value.startswith('"') or "; " in value:
            value = '"' + value.replace('"', '""') + '"'
        out.append(value)
    return "; ".join(out)


def string_to_list(text: str) -> list[str]:
    """Split an MWG string-list value back into its entries (an unclosed quote runs to the end)."""
    values: list[str] = []
    in_quotes = False
    for part in text.split("; "):
        was_quoted = in_quotes
        if not in_quotes and part.startswith('"'):
            in_quotes = True
            part = part[1:]
        if in_quotes:
            part, closed = _CLOSING_QUOTE.subn(r"\1", part)
            if closed:
                in_quotes = False
            part = part.replace('""', '"')
        if was_quoted:
            values[-1] += "; " + part
        else:
            values.append(part)
    return values
