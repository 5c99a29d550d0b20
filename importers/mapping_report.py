"""What a dry run shows before anything is written: where each column of each sheet
goes (a field, notes, or nowhere) and why, so a person sees that nothing they care
about is lost. Built from the import's Result.mappings; the CLI prints it as a table
or a `mapping` key of the JSON summary, the app's Import page as a table."""
from __future__ import annotations

from importers import headers as hdr

NOTES = "notes"
IGNORED = "ignored"
# Fields a layout reads that are not the person's own (importers/layouts.py).
_COMPANY_SIDE = "the company's, not the person's (goes to the company)"
_WHY_FIELD = {"honorific": "a title like Mr. or Dr.: no field of ours, kept in notes",
              "company_extra": "the company's, not the person's (kept in the company's notes)",
              "email_label": "the label (work, home…) of an email beside it",
              "phone_label": "the label (mobile, work…) of a phone beside it"}


def _spellings(entity: str) -> dict[str, str]:
    fields = hdr.SYNONYMS.get(entity, {})
    return {hdr.normalise(s): f for f, spellings in fields.items() for s in [*spellings, f]}


def describe(result, user_mapping: dict | None = None) -> dict[str, dict]:
    """{sheet: {"entity": ..., "columns": [{"column", "to", "why"}, ...]}}, a row per
    column in the sheet's own order. user_mapping: the --mapping the person gave, so a
    choice of theirs says so."""
    theirs = {hdr.normalise(h) for h in ((user_mapping or {}).get("columns") or {})}
    out = {}
    for sheet, m in result.mappings.items():
        entity = m["entity"]
        heads = list(result.headers.get(sheet) or [])
        fields = m.get("fields")
        if fields is None or len(fields) != len(heads):  # older Result: by header name
            heads = [*m["columns"], *m.get("kept_in_notes", [])]
            fields = [m["columns"].get(h) for h in heads]
        named = _spellings(entity)
        first_of = {}
        for i, f in enumerate(fields):
            first_of.setdefault(f, i)
        notes = "description" if entity == "ticket" else NOTES
        rows = []
        for i, (header, f) in enumerate(zip(heads, fields)):
            label = header or f"column {i + 1}"
            own = (m.get("why") or {}).get(header)
            if f == "ignore":
                why = own or ("your mapping leaves it out" if hdr.normalise(header) in theirs
                              else "repeats the value beside it (a display name like 'Ada (ada@example.com)')")
                rows.append({"column": label, "to": IGNORED, "why": why})
            elif f is not None:
                company_side = entity == "contact" and f.startswith("company_") and f != "company"
                why = own or ("your mapping" if hdr.normalise(header) in theirs else
                              _WHY_FIELD.get(f) or (_COMPANY_SIDE if company_side else "recognised header"))
                rows.append({"column": label, "to": f, "why": why})
            elif not header:
                rows.append({"column": label, "to": notes, "why": f"no header (kept as '{label}: …')"})
            else:
                wanted = named.get(hdr.normalise(header))
                if wanted is not None and wanted in first_of:
                    why = f"{wanted} already comes from column {heads[first_of[wanted]]!r}"
                else:
                    why = f"no {entity} field for it"
                rows.append({"column": label, "to": notes, "why": own or why})
        out[sheet] = {"entity": entity, "columns": rows}
    return out
