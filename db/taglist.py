"""Tags as one line of text, and back: 'VIP, "Webinar, Q3"' is the two tags VIP and Webinar, Q3.

The services take lists of tags and never split them; text is split where it is typed or read
(the CLI's --tag, the app's Tags field, importers/rows.split_tags). A part that starts with a
double quote runs to the closing quote, separators and all ("" inside it is one quote), the
way a CSV cell is quoted; a quote anywhere else is an ordinary character. join() writes what
split() reads back, quoting only a tag that needs it, so plain tags look as they always did.

Pure functions: no queries, no UI imports.
"""
from __future__ import annotations

import re

# What join() quotes: both separators our lists use, and the quote itself.
_NEEDS_QUOTES = (",", ";", '"')
_QUOTE_WHEN = re.compile("[" + re.escape("".join(_NEEDS_QUOTES)) + "]")  # one search, not a test per character


def split(text: str | None, separators: str = ",") -> list[str]:
    """The parts of text between separators outside quotes, stripped, empty ones dropped.
    A quote left open is read as an ordinary character, so 'a 5" screen' stays as typed."""
    if not text:
        return []
    parts = _split(text, separators, quoting=True)
    return parts if parts is not None else _split(text, separators, quoting=False)


def _split(text: str, separators: str, quoting: bool) -> list[str] | None:
    parts: list[str] = []
    part: list[str] = []
    inside = False
    i = 0
    while i < len(text):
        ch = text[i]
        if inside:
            if ch == '"' and text[i + 1:i + 2] == '"':
                part.append('"')
                i += 1
            elif ch == '"':
                inside = False
            else:
                part.append(ch)
        elif ch in separators:
            parts.append("".join(part))
            part = []
        elif ch == '"' and quoting and not "".join(part).strip():
            inside, part = True, []
        else:
            part.append(ch)
        i += 1
    if inside:
        return None
    parts.append("".join(part))
    return [p.strip() for p in parts if p.strip()]


def join(tags, separator: str = ", ") -> str:
    """One line that split(line, separator.strip()) reads back as these tags."""
    tags = list(tags)
    if not _QUOTE_WHEN.search("\n".join(tags)):  # most lists: nothing to quote, asked once
        return separator.join(tags)
    return separator.join(_quoted(t) if _QUOTE_WHEN.search(t) else t for t in tags)


def _quoted(tag: str) -> str:
    return '"' + tag.replace('"', '""') + '"'
