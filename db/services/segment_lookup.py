"""Finding a saved segment by name and reading its filters. Below contacts, whose list
applies a segment's filters; saving and describing segments is segments.py, above."""
from __future__ import annotations

import json

from db import validate
from db.errors import NotFound
from db.models import Segment

LISTED_IN_ERRORS = 10  # an unknown name lists the segments there are, up to this many


def find(name) -> Segment:
    key = validate.name_key(name)
    row = Segment.get_or_none(Segment.name_key == key) if key else None
    if row is None:
        names = names_()
        if not names:
            raise NotFound(f"segment {str(name)!r} not found; none saved yet (crm segment save NAME --tag TAG …)")
        if len(names) > LISTED_IN_ERRORS:
            raise NotFound(f"segment {str(name)!r} not found; {len(names)} segments: crm segment list")
        raise NotFound(f"segment {str(name)!r} not found; segments: {', '.join(names)}")
    return row


def names_() -> list[str]:
    """The saved segments' names, alphabetically (case-insensitively)."""
    return [r.name for r in Segment.select(Segment.name).order_by(Segment.name_key)]


def filters_of(name) -> dict:
    """The saved filters, as keyword arguments for contacts.list_."""
    return json.loads(find(name).filters)
