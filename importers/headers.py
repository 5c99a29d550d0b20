"""Which column is which: header names from other tools (and in Chinese) mapped to our fields."""
from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from pathlib import Path

from db.fields import synonyms as field_synonyms
from db.errors import StoreError
from db.services import kinds
from importers import layouts

# Field -> header spellings (compared after normalise()). Repeatable fields (emails,
# phones, tags) take every column that maps to them.
SYNONYMS: dict[str, dict[str, list[str]]] = {
    "contact": {
        **field_synonyms("contact"),  # the contact's own fields (db/fields.py)
        # The import's own: parts of a field, or the company's fields on a person's row.
        "full_name": ["name", "full name", "contact name", "contact", "display name", "姓名", "联系人", "名称"],
        # Read from other tools' layouts (importers/layouts.py); usable in --mapping too.
        "honorific": ["salutation", "name prefix", "honorific"],
        "middle_name": ["middle name", "additional name"],
        "company_phone": ["company phone", "company main phone"],
        "company_domain": ["company domain", "company website"],
        "company_address": ["company address"],
        "company_city": ["company city"],
        "company_country": ["company country"],
        "company_industry": ["company industry"],
        "company_external_id": ["company id", "company record id"],
        "company_extra": [],
        "birth_part": [],
        # no bare 'City' or 'Country': on their own they tell a company sheet (detect_entity)
        "address_street": ["home street"],
        "address_city": ["home city"],
        "address_region": ["home state", "home region"],
        "address_postcode": ["home postcode", "home postal code", "home zip"],
        "address_country": ["home country"],
        "email_label": ["email label", "e mail label"],
        "phone_label": ["phone label"],
    },
    "company": field_synonyms("company"),
    "deal": {
        "title": ["title", "deal", "deal name", "opportunity", "opportunity name", "name", "商机", "交易"],
        "contact": ["contact", "contact email", "contact name", "primary contact", "联系人"],
        "contact_ref": ["contact_id"],
        "company": ["company", "company name", "account", "account name", "organization", "公司"],
        "company_ref": ["company_id"],
        "amount": ["amount", "value", "deal value", "deal amount", "price", "金额", "价值"],
        "currency": ["currency", "货币", "币种"],
        "stage": ["stage", "deal stage", "pipeline stage", "status", "阶段"],
        "probability": ["probability", "win probability", "概率"],
        "expected_close": ["expected close", "close date", "expected close date", "closing date", "预计成交日期"],
        "owner": ["owner", "deal owner", "负责人"],
        "lost_reason": ["lost reason", "closed lost reason", "丢单原因"],
        "notes": ["notes", "description", "备注"],
        "external_id": ["id", "deal id", "record id", "external id"],
    },
    "ticket": {
        "subject": ["subject", "title", "ticket", "summary", "issue", "主题", "标题"],
        "description": ["description", "details", "body", "problem", "描述", "详情"],
        "contact": ["contact", "requester", "contact email", "customer", "联系人"],
        "contact_ref": ["contact_id"],
        "company": ["company", "organization", "公司"],
        "company_ref": ["company_id"],
        "status": ["status", "state", "状态"],
        "priority": ["priority", "urgency", "优先级"],
        "channel": ["channel", "source", "via", "渠道"],
        "assignee": ["assignee", "assigned to", "agent", "owner", "负责人"],
        "external_id": ["id", "ticket id", "ticket number", "external id"],
    },
    "followup": {
        "subject": ["subject", "task", "follow up", "follow-up", "title", "activity", "跟进", "主题"],
        "due": ["due", "due date", "due at", "date", "when", "reminder", "截止日期", "日期"],
        "contact": ["contact", "contact email", "联系人"],
        "contact_ref": ["contact_id"],
        "company_ref": ["company_id"],
        "deal_ref": ["deal_id"],
        "ticket_ref": ["ticket_id"],
        "priority": ["priority", "优先级"],
        "status": ["status", "状态"],
        "every": ["every", "repeat", "recurrence", "重复"],
        "owner": ["owner", "assigned to", "负责人"],
        "notes": ["notes", "description", "备注"],
        "external_id": ["id", "task id", "external id"],
    },
}
REPEATABLE = {"email", "phone", "tags", "ignore", "company_extra", "email_label", "phone_label", "birth_part",
              "address_street"}

# Fields only one entity has: they tell which entity a sheet holds.
TELLS = {
    "contact": {"first_name", "last_name", "email", "title", "do_not_contact"},
    "company": {"domain", "industry", "address"},
    "deal": {"amount", "expected_close", "probability"},
    "ticket": {"description", "assignee", "channel"},
    "followup": {"due", "every"},
}
ENTITIES = tuple(SYNONYMS)


def entity_name(text: str) -> str:
    """What a person types for a kind of record ('companies', 'Company', 'follow-ups')
    as the entity it names (db.services.kinds knows the spellings)."""
    return kinds.kind(normalise(text)).name


def normalise(header) -> str:
    """'E-mail Address ' -> 'e mail address'; full-width folded; CJK kept."""
    text = unicodedata.normalize("NFKC", str(header or "")).strip().lower()
    text = text.replace("_", " ")
    return re.sub(r"[^\w]+", " ", text).strip()


_LOOKUP = {entity: {normalise(s): field for field, spellings in fields.items() for s in spellings + [field]}
           for entity, fields in SYNONYMS.items()}


def auto_map(entity: str, headers: list) -> dict[int, str]:
    """Column index -> field for the headers we recognise (first column wins for single fields).
    Contact sheets are read through the other tools' layouts (importers/layouts.py)."""
    out: dict[int, str] = {}
    taken: set[str] = set()
    keys = [normalise(h) for h in headers]
    fields = (layouts.contact_columns(keys, _LOOKUP[entity].get) if entity == "contact"
              else {i: _LOOKUP[entity].get(k) for i, k in enumerate(keys)})
    for i in range(len(headers)):
        field = fields.get(i)
        if field is None:
            continue
        if field in taken and field not in REPEATABLE:
            continue
        taken.add(field)
        out[i] = field
    return out


def detect_entity(headers: list, sheet_name: str | None = None) -> str | None:
    if sheet_name and kinds.known(sheet_name):  # a sheet named after a kind: "Companies", "Follow-ups"
        return kinds.known(sheet_name)
    scores = {}
    for entity in ENTITIES:
        fields = set(auto_map(entity, headers).values())
        scores[entity] = (len(fields & TELLS[entity]) * 3 + len(fields), entity == "contact")
    best = max(scores, key=scores.get)
    return best if scores[best][0] > 0 else None


def load_mapping(path: str) -> dict:
    """--mapping FILE: TOML or JSON, {"entity": "...", "columns": {"Header": "field"}}."""
    p = Path(path).expanduser()
    try:
        raw = p.read_bytes()
        data = tomllib.loads(raw.decode("utf-8")) if p.suffix.lower() == ".toml" else json.loads(raw)
    except FileNotFoundError:
        raise StoreError(f"{p}: no such mapping file") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"{p}: not a valid mapping file ({exc})") from None
    if not isinstance(data, dict):
        raise StoreError(f"{p}: a mapping file is a table with 'entity' and 'columns'")
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise StoreError(f"{p}: 'columns' must map header names to field names")
    if not isinstance(data.get("entity", ""), str):
        raise StoreError(f"{p}: 'entity' must be a name like contact or company")
    return data


def apply_mapping(entity: str, headers: list, mapping: dict | None) -> dict[int, str]:
    """Auto-mapping, then the user's mapping on top ("" or "-" ignores a column)."""
    out = auto_map(entity, headers)
    if not mapping:
        return out
    wanted = {normalise(h): f for h, f in (mapping.get("columns") or {}).items()}
    known = set(SYNONYMS[entity]) | {"ignore"}
    for i, header in enumerate(headers):
        field = wanted.get(normalise(header))
        if field is None:
            continue
        if field in ("", "-", "ignore"):
            out[i] = "ignore"  # dropped on purpose: not read, not kept in notes
            continue
        if field not in known:
            raise StoreError(f"mapping: {header!r} -> {field!r}: unknown {entity} field "
                             f"(known: {', '.join(sorted(SYNONYMS[entity]))})")
        out[i] = field
    return out


def save_mapping(path: str, entity: str, headers: list, columns: dict[int, str]) -> None:
    data = {"entity": entity, "columns": {str(headers[i]): f for i, f in sorted(columns.items())}}
    p = Path(path).expanduser()
    if p.suffix.lower() == ".toml":
        lines = [f'entity = "{entity}"', "", "[columns]"]
        lines += [f"{json.dumps(str(h), ensure_ascii=False)} = \"{f}\"" for h, f in data["columns"].items()]
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        p.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
