"""Contacts written in the CSV layouts Google Contacts and Outlook import
(`crm export --layout google|outlook FILE.csv`).

The header rows are the tools' own, verbatim (sources in /tmp/issue10/layouts.md):
- Google: the contacts.google.com "Google CSV" export header, 48 columns, pasted whole
  from a real export in a public README (code-index id 29175844432); the 17 fixed leading
  columns are the same in many more (ids 53943041312, 30193052725, 7155588605, 71572856369);
  its numbered groups (E-mail 1-4, Phone 1-3) are the ones that export has.
- Outlook: the desktop "Comma Separated Values" export header, 92 quoted columns, the same
  in several public converters (index ids 14145756148 whole, 1849524786 and 20109433532
  "Full MS-OUTLOOK CSV Header"); its first columns match GNOME Evolution's
  csv_fields_outlook[] (Title is the honorific there).
What does not fit a layout's numbered columns is never dropped: Google joins the rest
into the last value cell with " ::: " (its own multi-value separator); Outlook, which has
one column per kind of phone and three e-mail columns, gets the rest as a Notes line.
Neither has a do-not-contact column: Google gets a custom field, Outlook a last Notes
line "Do not contact: yes" (importers/rows.py reads both back).
"""
from __future__ import annotations

import csv
from pathlib import Path

from db import taglist
from db.services import exports
from importers.files import safe_text

GOOGLE = ("First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,"
          "Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,"
          "Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,E-mail 3 - Label,"
          "E-mail 3 - Value,E-mail 4 - Label,E-mail 4 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,"
          "Phone 2 - Value,Phone 3 - Label,Phone 3 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,"
          "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
          "Address 1 - Extended Address,Website 1 - Label,Website 1 - Value,Event 1 - Label,Event 1 - Value,"
          "Event 2 - Label,Event 2 - Value,Custom Field 1 - Label,Custom Field 1 - Value").split(",")

OUTLOOK = ["Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
           "Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State",
           "Business Postal Code", "Business Country/Region", "Home Street", "Home Street 2", "Home Street 3",
           "Home City", "Home State", "Home Postal Code", "Home Country/Region", "Other Street", "Other Street 2",
           "Other Street 3", "Other City", "Other State", "Other Postal Code", "Other Country/Region",
           "Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
           "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax",
           "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "Account", "Anniversary",
           "Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box", "Categories", "Children",
           "Directory Server", "E-mail Address", "E-mail Type", "E-mail Display Name", "E-mail 2 Address",
           "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
           "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy",
           "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes", "Office Location",
           "Organizational ID Number", "Other Address PO Box", "Priority", "Private", "Profession", "Referred By",
           "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page"]

LAYOUTS = ("google", "outlook")
DNC_LABEL = "Do not contact"
_GOOGLE_LABELS = {"cell": "Mobile", "mobile": "Mobile", "work": "Work", "home": "Home", "other": "Other",
                  "main": "Main", "pager": "Pager", "fax": "Other Fax", "work,fax": "Work Fax", "fax,work": "Work Fax",
                  "home,fax": "Home Fax", "fax,home": "Home Fax"}


def _words(label) -> set[str]:
    return {w.strip().lower() for w in str(label or "").replace(";", ",").split(",") if w.strip()}


def _google_label(label) -> str:
    if not label:
        return "Other"
    key = ",".join(sorted(_words(label)))
    return _GOOGLE_LABELS.get(key) or _GOOGLE_LABELS.get(str(label).strip().lower()) or str(label).strip()


def _google_row(c: dict) -> dict[str, str]:
    row = {"First Name": c["first_name"], "Last Name": c["last_name"], "Organization Name": c["company"],
           "Organization Title": c["title"], "Notes": c["notes"], "Labels": " ::: ".join(c["tags"])}
    if c.get("birthday"):
        row["Birthday"] = str(c["birthday"])  # YYYY-MM-DD or --MM-DD, both Google's own
    if c.get("address"):
        row["Address 1 - Label"], row["Address 1 - Formatted"] = "Other", c["address"]
    for kind, values, labels, slots in (("E-mail", c["emails"], c.get("email_labels"), 4),
                                        ("Phone", c["phones"], c.get("phone_labels"), 3)):
        labels = list(labels or []) + [None] * len(values)
        for n, value in enumerate(values[:slots], 1):
            row[f"{kind} {n} - Label"] = _google_label(labels[n - 1])
            row[f"{kind} {n} - Value"] = value
        if len(values) > slots:  # Google's own way of several values in one cell
            row[f"{kind} {slots} - Value"] = " ::: ".join(values[slots - 1:])
    if c.get("do_not_contact"):  # Google has no such field; a custom field keeps it (importers/rows.py reads it back)
        row["Custom Field 1 - Label"], row["Custom Field 1 - Value"] = DNC_LABEL, "yes"
    return row


_PHONE_COLUMNS = {"cell": ["Mobile Phone"], "mobile": ["Mobile Phone"], "work": ["Business Phone", "Business Phone 2"],
                  "home": ["Home Phone", "Home Phone 2"], "pager": ["Pager"], "car": ["Car Phone"]}
_UNLABELLED = ["Primary Phone", "Other Phone", "Mobile Phone", "Business Phone", "Business Phone 2", "Home Phone",
               "Home Phone 2"]  # never Company Main Phone: that is the company's switchboard


def _outlook_phone_column(label, row: dict) -> str | None:
    words = _words(label)
    if "fax" in words:
        wanted = ["Home Fax"] if "home" in words else ["Business Fax"] if "work" in words else ["Other Fax"]
    else:
        wanted = [col for w in sorted(words) for col in _PHONE_COLUMNS.get(w, [])]
    return next((col for col in wanted + _UNLABELLED if col not in row), None)


def _outlook_row(c: dict) -> dict[str, str]:
    row = {"First Name": c["first_name"], "Last Name": c["last_name"], "Company": c["company"],
           "Job Title": c["title"], "Categories": taglist.join(c["tags"], ";")}
    rest = []
    day = str(c.get("birthday") or "")
    if len(day) == 10 and day[4] == "-":  # Outlook writes the locale's short date; M/D/YYYY is its US default
        row["Birthday"] = f"{int(day[5:7])}/{int(day[8:10])}/{day[:4]}"
    if c.get("address"):  # one block of text: Outlook's street cells take lines
        row["Other Street"] = c["address"]
    for n, email in enumerate(c["emails"]):
        if n < 3:
            prefix = "E-mail" if n == 0 else f"E-mail {n + 1}"
            row[f"{prefix} Address"], row[f"{prefix} Type"] = email, "SMTP"
        else:
            rest.append(email)
    labels = list(c.get("phone_labels") or []) + [None] * len(c["phones"])
    other_phones = []
    for phone, label in zip(c["phones"], labels):
        column = _outlook_phone_column(label, row)
        if column:
            row[column] = phone
        else:
            other_phones.append(phone)
    notes = [c["notes"]] if c["notes"] else []
    if day and "Birthday" not in row:
        notes.append(f"Birthday: {day}")  # no year: Outlook has no way to say that
    if rest:
        notes.append("Other e-mail addresses: " + "; ".join(rest))
    if other_phones:
        notes.append("Other phone numbers: " + "; ".join(other_phones))
    if c.get("do_not_contact"):  # no Outlook column for it: the last Notes line (importers/rows.py reads it back)
        notes.append(f"{DNC_LABEL}: yes")
    row["Notes"] = "\n".join(notes)
    return row


def _inert(text: str) -> str:
    """safe_text, but a " ::: " list of phone numbers is as harmless as one number."""
    parts = text.split(" ::: ")
    return text if len(parts) > 1 and all(safe_text(p) == p for p in parts) else safe_text(text)


def write(path: Path, layout: str, filters: dict) -> dict[str, int]:
    """Every contact the filters select, one row each, in the layout's header order.
    Text a spreadsheet would run is made inert, as in every export of ours."""
    header, make, quoting, encoding = {
        "google": (GOOGLE, _google_row, csv.QUOTE_MINIMAL, "utf-8"),  # as Google writes it: no BOM, bare headers
        "outlook": (OUTLOOK, _outlook_row, csv.QUOTE_ALL, "utf-8-sig"),  # quoted like Outlook; the BOM says UTF-8
    }[layout]
    n = 0
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, quoting=quoting)
        writer.writerow(header)
        for contact in exports.contact_cards(**filters):
            row = make(contact)
            writer.writerow([_inert(str(row[col])) if row.get(col) not in (None, "") else "" for col in header])
            n += 1
    return {"contact": n}
