"""Values as a person reads them (db/display.py), where tables and pages use them, and the
smaller promises of issue 12 that ride along: contact names on follow-ups, a won deal's
contact becoming a customer, CSV without JSON in a cell, MAILTO commented out."""
import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from db import display
from db.errors import StoreError
from db.services import contacts, deals
from db.services import views

# ---- the pure functions ------------------------------------------------------------------


@pytest.mark.parametrize("minor, code, locale, shown", [
    (3360000, "GBP", "en_US", "£33,600.00"),
    (880000, "USD", "en_US", "$8,800.00"),
    (880000, "usd", "en_US", "$8,800.00"),
    (1200, "JPY", "en_US", "¥1,200"),          # no minor unit: 1200 yen, not 12.00
    (1500, "BHD", "en_US", "BHD1.500"),        # three decimals
    (-500, "EUR", "en_US", "-€5.00"),
    (0, "GBP", "en_US", "£0.00"),
    (880000, "USD", "en_GB", "US$8,800.00"),   # the locale decides the symbol
    (3360000, "EUR", "de_DE", "33.600,00\xa0€"),
])
def test_money(minor, code, locale, shown):
    assert display.money(minor, code, locale) == shown


def test_money_takes_the_configured_locale(set_config):
    assert display.money(880000, "USD") == "$8,800.00"  # the default, en_US
    set_config('locale = "en_GB"')
    assert display.money(880000, "USD") == "US$8,800.00"


def test_money_of_nothing_is_blank_and_an_unknown_code_still_reads():
    assert display.money(None, "GBP") == ""
    assert display.money(1250, "ZZZ", "en_US") == "ZZZ12.50"


@pytest.mark.parametrize("text, code, shown", [
    ("33600.00", "GBP", "£33,600.00"), ("8800", "USD", "$8,800.00"), ("1200", "JPY", "¥1,200"),
    ("£33,600.00", "GBP", "£33,600.00"),  # already formatted: left alone
    ("", "GBP", ""), (None, "GBP", ""), ("lots", "GBP", "lots"), ("NaN", "GBP", "NaN"),
])
def test_amount_reads_the_decimal_strings_json_carries(text, code, shown):
    assert display.amount(text, code, "en_US") == shown


@pytest.mark.parametrize("stored, shown", [
    ("+447700900123", "+44 7700 900123"),
    ("+442079460000", "+44 20 7946 0000"),
    ("+14155552671", "+1 415-555-2671"),
    ("+8617555824009", "+86 175 5582 4009"),
    ("17555824009", "17555824009"),        # kept as typed: shown as typed
    ("0800 FLOWERS", "0800 FLOWERS"),
    ("+99912", "+99912"),                   # not a number the library can read: as stored
    ("", ""), (None, ""),
])
def test_phone_in_the_international_format_of_its_country(stored, shown):
    assert display.phone(stored) == shown


@pytest.mark.parametrize("value, shown", [
    ("2026-11-25T17:42:20Z", "25 Nov 2026 17:42"),        # GMT in winter
    ("2026-07-25T17:42:20Z", "25 Jul 2026 18:42"),        # BST in summer
    ("2026-03-29T00:59:00Z", "29 Mar 2026 00:59"),        # the minute before the clocks go forward
    ("2026-03-29T01:00:00Z", "29 Mar 2026 02:00"),
    ("2026-12-31T23:30:00+00:00", "31 Dec 2026 23:30"),
    (datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc), "1 Jul 2026 10:00"),
    ("2026-11-27T09:00", "27 Nov 2026 09:00"),            # a wall-clock time (follow-up due): as it is
    ("2026-11-05", "5 Nov 2026"),
    ("soon", "soon"), ("", ""), (None, ""),
])
def test_when_in_the_owners_timezone(value, shown):
    assert display.when(value, "Europe/London") == shown


def test_when_follows_the_configured_timezone(set_config):
    set_config('timezone = "America/New_York"')
    assert display.when("2026-11-25T17:42:20Z") == "25 Nov 2026 12:42"
    assert display.day("2026-11-26T03:00:00Z") == "25 Nov 2026"  # still the 25th in New York


@pytest.mark.parametrize("value, shown", [
    ("2026-11-25", "25 Nov 2026"), (date(2026, 1, 2), "2 Jan 2026"), ("--07-25", "--07-25"),
    ("2026-02-30", "2026-02-30"), ("2026-11-25x", "2026-11-25x"), (None, ""),
])
def test_day(value, shown):
    assert display.day(value) == shown


@pytest.mark.parametrize("line, message", [
    ('locale = "xx_QQ"', "locale: unknown locale 'xx_QQ' (use a name like en_GB)"),
    ('[lifecycle]\nwon = "vip"', "[lifecycle] won: expected one of lead, prospect, customer, former or false, not 'vip'"),
    ('[lifecycle]\nwon = 3', "[lifecycle] won: expected one of lead, prospect, customer, former or false, not 3"),
])
def test_a_bad_locale_or_lifecycle_is_one_line_naming_the_key(set_config, line, message):
    from db.config import get_config

    set_config(line)
    with pytest.raises(StoreError) as err:
        get_config()
    assert str(err.value).endswith(message)


# ---- tables read by people, JSON and CSV by machines --------------------------------------

def add_ann(crm):
    return crm.json("contact", "add", "--first-name", "Ann", "--last-name", "Lee", "--email", "ann@example.com",
                    "--phone", "07700 900123")


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_contact_tables_space_the_phone_and_json_and_csv_keep_e164(crm, set_config):
    set_config('timezone = "Asia/Kolkata"\nphone_region = "GB"')  # UTC+05:30 all year
    add_ann(crm)
    assert lines(crm("contact", "list").stdout) == [
        " id ┃ name    ┃ email           ┃ phone           ┃ company ┃ title ┃ stage ┃ tags",
        "━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━╇━━━━━━━╇━━━━━━",
        " 1  │ Ann Lee │ ann@example.com │ +44 7700 900123 │         │       │ lead  │",
    ]
    shown = lines(crm("contact", "show", "1").stdout)
    assert "phone           +44 7700 900123" in shown
    record = crm.json("contact", "show", "1")
    assert record["phone"] == "+447700900123" and record["created_at"].endswith("Z")
    local = datetime.fromisoformat(record["created_at"][:-1]) + timedelta(hours=5, minutes=30)
    month = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[local.month - 1]
    assert f"created at      {local.day} {month} {local.year} {local:%H:%M}" in shown
    rows = list(csv.DictReader(io.StringIO(crm("contact", "list", "-f", "csv").stdout)))
    assert (rows[0]["phone"], rows[0]["created_at"]) == ("+447700900123", record["created_at"])


def test_deal_tables_write_money_with_its_symbol(crm):
    add_ann(crm)
    crm("deal", "add", "Shop fit", "--contact", "1", "--amount", "33600", "--close", "2026-12-31")
    crm("deal", "add", "Tokyo menus", "--amount", "1200", "--currency", "JPY")
    assert lines(crm("deal", "list").stdout) == [
        " id ┃ title       ┃ stage ┃ amount     ┃ probability ┃ contact ┃ company ┃ expected close",
        "━━━━╇━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━",
        " 1  │ Shop fit    │ lead  │ £33,600.00 │ 10          │ Ann Lee │         │ 31 Dec 2026",
        " 2  │ Tokyo menus │ lead  │ ¥1,200     │ 10          │         │         │",
    ]
    assert [(d["amount"], d["expected_close"]) for d in crm.json("deal", "list")] == [
        ("33600.00", "2026-12-31"), ("1200", None)]
    rows = list(csv.DictReader(io.StringIO(crm("deal", "list", "-f", "csv").stdout)))
    assert [r["amount"] for r in rows] == ["33600.00", "1200"]


# ---- follow-ups name their contact -----------------------------------------------------------

def test_followup_list_and_next_name_the_contact(crm, clock):
    clock(2026, 11, 23, 10, 0)
    add_ann(crm)
    crm("contact", "add", "--email", "nameless@example.com")
    crm("followup", "add", "Call about quote", "--contact", "1", "--due", "2026-11-23 09:00")
    crm("followup", "add", "Chase", "--contact", "2", "--due", "2026-11-24")
    crm("followup", "add", "Order paper", "--due", "2026-11-25 14:30")
    assert lines(crm("followup", "list").stdout) == [
        " id ┃ due               ┃ subject          ┃ priority ┃ contact ┃ deal id ┃ ticket id ┃ every ┃ status",
        "━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━",
        " 1  │ 23 Nov 2026 09:00 │ Call about quote │ normal   │ Ann Lee │         │           │       │ open",
        " 2  │ 24 Nov 2026       │ Chase            │ normal   │ #2      │         │           │       │ open",
        " 3  │ 25 Nov 2026 14:30 │ Order paper      │ normal   │         │         │           │       │ open",
    ]
    listed = crm.json("followup", "list")
    assert [(f["contact_id"], f["contact_name"]) for f in listed] == [(1, "Ann Lee"), (2, ""), (None, None)]
    assert list(listed[0])[-1] == "contact_name"  # last: a CSV keeps its earlier columns in place
    ranked = crm.json("next")
    assert [(f["id"], f["contact_id"], f["contact_name"]) for f in ranked] == [
        (1, 1, "Ann Lee"), (2, 2, ""), (3, None, None)]
    table = crm("next").stdout
    assert "│ 23 Nov 2026 09:00 │ Call about quote │ normal   │ Ann Lee │" in table
    header = next(csv.reader(io.StringIO(crm("next", "-f", "csv").stdout)))
    assert header[-6:] == ["+due", "+priority", "+deal", "+ticket", "+neglect", "contact_name"]


# ---- CSV cells hold values, report tables have headers, MAILTO is a comment ------------------

def test_followup_done_as_csv_has_plain_columns_not_json(crm, clock):
    clock(2026, 11, 23, 10, 0)
    add_ann(crm)
    crm("followup", "add", "Weekly call", "--contact", "1", "--due", "2026-11-23 09:00", "--every", "1w")
    out = crm("followup", "done", "1", "-f", "csv").stdout
    assert "{" not in out
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert (row["id"], row["status"], row["next_id"], row["next_due"], row["next_status"]) == (
        "1", "done", "2", "2026-11-30T09:00", "open")
    assert "next" not in row
    assert crm.json("followup", "done", "2")["next"]["due"] == "2026-12-07T09:00"  # JSON keeps the object


def test_report_followups_table_has_headers(crm, clock):
    clock(2026, 11, 23, 10, 0)
    crm("followup", "add", "Call", "--due", "2026-11-23 09:00")
    assert lines(crm("report", "followups").stdout) == [
        " window  ┃ open followups",
        "━━━━━━━━━╇━━━━━━━━━━━━━━━━",
        " overdue │ 1",
        " today   │ 1",
        " week    │ 1",
    ]
    assert crm.json("report", "followups") == {"overdue": 1, "today": 1, "week": 1}
    assert crm("report", "followups", "-f", "csv").stdout == "overdue,today,week\n1,1,1\n"


def test_remind_install_prints_mailto_commented_out(crm):
    out = crm("remind", "--install").stdout.splitlines()
    assert "# MAILTO=you@example.com" in out
    assert not [line for line in out if line.startswith("MAILTO")]


# ---- the lifecycle follows the pipeline -------------------------------------------------------

def test_winning_a_deal_makes_its_contact_a_customer(crm):
    add_ann(crm)
    crm("deal", "add", "Shop fit", "--contact", "1", "--amount", "100")
    assert views.contact(1)["stage"] == "lead"
    crm("deal", "won", "1")
    ann = views.contact(1)
    assert ann["stage"] == "customer"
    assert "Lifecycle stage lead -> customer (deal 1 won)" in [a["body"] for a in ann["timeline"]]
    crm("deal", "add", "Second job", "--contact", "1", "--stage", "won")  # already a customer: nothing logged again
    assert [a["body"] for a in views.contact(1)["timeline"]].count(
        "Lifecycle stage lead -> customer (deal 1 won)") == 1


def test_a_deal_created_won_also_makes_a_customer_and_a_lost_one_does_not(crm):
    add_ann(crm)
    crm("contact", "add", "--first-name", "Bo", "--email", "bo@example.com", "--stage", "prospect")
    deals.create({"title": "Lost", "contact": "2", "stage": "lost"})
    assert views.contact(2)["stage"] == "prospect"
    deals.create({"title": "Done deal", "contact": "1", "stage": "won"})
    assert views.contact(1)["stage"] == "customer"


def test_the_lifecycle_rule_is_configurable(crm, set_config):
    add_ann(crm)
    crm("deal", "add", "A", "--contact", "1")
    crm("deal", "add", "B", "--contact", "1")
    set_config('currency = "GBP"\n[lifecycle]\nwon = false')
    crm("deal", "won", "1")
    assert views.contact(1)["stage"] == "lead"
    set_config('currency = "GBP"\n[lifecycle]\nwon = "prospect"')
    crm("deal", "won", "2")
    assert views.contact(1)["stage"] == "prospect"
