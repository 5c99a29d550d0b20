"""How much of another tool's export lands in proper fields (issue 10's "kept" column).

    python benchmarks/layout_fidelity.py

Imports each fixture of tests/fixtures/layouts/ (the tools' real header rows) into a
fresh store with the real CLI (`crm import`, a subprocess) and compares the store with
tests/fixtures/layouts/reference.json: per person, what the file carries (name, each
email, each phone, each tag, company, job title, lead source, the company's own
phone), written by a reference reader independent of ours and checked by eye.
A value is kept when it is in its field: an email among the contact's emails, a phone
among its phones (same digits, extension aside), the company's phone on the company
and not on the person (unless the person's own column gave that number too). Text that only reached the notes is not kept. The honorific
(Mr., Dr.) has no field in our store: it is counted apart, as "notes only", and left
out of the percentage. Prints one row per layout; every layout must reach 95 %.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "layouts"
GOAL = 95.0


def digits(phone: str) -> str:
    return re.sub(r"\D", "", re.sub(r"(?i)[\s,]*(ext\.?|x|#)\s*\d+$", "", phone or ""))


def same_number(written: str, numbers: set[str]) -> bool:
    """A number as the file wrote it is among the stored ones: the same digits, or a
    national number ('17555824009', '07700 900123') that a stored E.164 one ends with."""
    national = digits(written).lstrip("0")
    return digits(written) in numbers or (not written.strip().startswith("+") and len(national) >= 7
                                          and any(n.endswith(national) for n in numbers))


def score(reference: list[dict], people: list[dict], companies: dict[str, dict]) -> dict:
    """Counts for one file: carried (values with a field of ours), kept, notes_only."""
    carried = kept = notes_only = 0
    by_email = {e.lower(): p for p in people for e in p["emails"]}
    by_name = {p["name"]: p for p in people}
    for ref in reference:
        person = next((by_email[e.lower()] for e in ref.get("emails", []) if e.lower() in by_email),
                      None) or by_name.get(ref["name"]) or {}
        checks = [person.get("name") == ref["name"]]
        emails = {e.lower() for e in person.get("emails", [])}
        checks += [e.lower() in emails for e in ref.get("emails", [])]
        numbers = {digits(n) for n in person.get("phones", [])}
        checks += [same_number(p, numbers) for p in ref.get("phones", [])]
        checks += [t.lower() in person.get("tags", []) for t in ref.get("tags", [])]
        for key, field in (("company", "company"), ("job_title", "title"), ("source", "source")):
            if ref.get(key):
                checks.append(person.get(field) == ref[key])
        if ref.get("company_phone"):
            company = companies.get(ref.get("company") or "", {})
            own = {digits(p) for p in ref.get("phones", [])}  # some people give the switchboard as theirs
            checks.append(digits(company.get("phone") or "") == digits(ref["company_phone"])
                          and (digits(ref["company_phone"]) not in numbers or digits(ref["company_phone"]) in own))
        carried += len(checks)
        kept += sum(checks)
        if ref.get("honorific"):
            notes_only += ref["honorific"] in (person.get("notes") or "")
    return {"people": len(reference), "contacts": len(people), "carried": carried, "kept": kept,
            "notes_only": notes_only, "percent": round(100.0 * kept / carried, 1) if carried else 100.0}


def read_store(db: Path) -> tuple[list[dict], dict[str, dict]]:
    """Every contact (with notes and source) and company of a store, through the services."""
    from db import store
    from db.services import companies, contacts, views

    store.open_store(str(db))
    try:
        people = [views.contact(row["id"]) for row in contacts.list_(limit=0).rows]
        firms = {c["name"]: views.company(c["id"]) for c in companies.list_(limit=0).rows}
    finally:
        store.close_store()
    return people, firms


def measure(fixture: Path, workdir: Path) -> dict:
    db = workdir / f"{fixture.stem}.db"
    crm = [sys.executable, "-m", "cli", "--db", str(db)]
    subprocess.run([*crm, "init"], check=True, capture_output=True)
    done = subprocess.run([*crm, "import", str(fixture), "--format", "json"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{fixture.name}: crm import exited {done.returncode}: {done.stderr.strip()}")
    people, firms = read_store(db)
    reference = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))[fixture.name]
    return score(reference, people, firms)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fixture in sorted(FIXTURES.glob("*.csv")):
            rows.append((fixture.name, measure(fixture, Path(tmp))))
    print(f"{'source':28} {'people':>6} {'contacts':>8} {'carried':>7} {'kept':>5} {'kept %':>7} {'notes only':>10}")
    for name, r in rows:
        print(f"{name:28} {r['people']:>6} {r['contacts']:>8} {r['carried']:>7} {r['kept']:>5} {r['percent']:>6.1f}% "
              f"{r['notes_only']:>10}")
    low = [name for name, r in rows if r["percent"] < GOAL or r["contacts"] != r["people"]]
    if low:
        raise SystemExit(f"below {GOAL:.0f} % or people merged/lost: {', '.join(low)}")


if __name__ == "__main__":
    main()
