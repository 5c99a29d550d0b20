"""Exact behaviour for the hostile values of issue 9: numbers, dates, ids, limits,
amounts, currencies, recurrences, a non-ASCII SMTP password, and what
`crm remind --email --format json` claims it delivered."""
from __future__ import annotations

import json
import math
import socket
import sqlite3
from datetime import date, datetime

import pytest

from db import validate
from db.errors import Invalid, NotFound
from db.models import Deal, FollowUp
from db.services import contacts, deals, followups
from importers import values as cell

HUGE = "99999999999999999999"


# -- spreadsheet cells ---------------------------------------------------------

@pytest.mark.parametrize("serial", [math.nan, math.inf, -math.inf, 0, -5, 0.5, 1e30, 401769, 2958465])
def test_a_number_that_is_no_date_is_a_bad_value(serial):
    with pytest.raises(cell.BadValue, match="is not a date"):
        cell.when(serial)


@pytest.mark.parametrize("moment", [datetime(1, 1, 1), datetime(9999, 12, 31), date(1899, 12, 31), date(3000, 1, 1)])
def test_a_date_cell_outside_1900_2999_is_a_bad_value(moment):
    with pytest.raises(cell.BadValue, match="is outside 1900-2999"):
        cell.when(moment)


def test_date_serials_inside_the_range_convert():
    assert cell.when(2) == (datetime(1900, 1, 1), False)
    assert cell.when(46000.5) == (datetime(2025, 12, 9, 12, 0), True)
    assert cell.when(401768) == (datetime(2999, 12, 31), False)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf, 0, -7558535792.0, 1e300, "1e999"])
def test_a_number_that_is_no_phone_is_refused_by_the_phone_check(number):
    with pytest.raises(Invalid, match="is not a phone number"):
        validate.phone(cell.phone_text(number), "GB")


def test_phone_numbers_that_arrived_as_numbers_keep_their_digits():
    assert cell.phone_text(7558535792.0) == "7558535792"
    assert cell.phone_text("7.558535792E9") == "7558535792"


@pytest.mark.parametrize("number, reason", [
    (1e30, "1e+30 is too large (at most 9,999,999,999,999.99 GBP)"),
    (math.nan, "nan is not an amount"), (math.inf, "inf is not an amount"), (-5.5, "-5.5 is negative"),
])
def test_amount_cells_that_are_no_amount(number, reason):
    raw, _ = cell.amount(number)
    with pytest.raises(Invalid) as err:
        validate.money(raw, "GBP")
    assert err.value.reason == reason


def test_nul_characters_are_dropped_from_text():
    assert cell.text("An\x00n ") == "Ann"
    assert validate.text("\x00") is None


# -- amounts and currencies ----------------------------------------------------

@pytest.mark.parametrize("typed, code, minor", [
    ("4800", "EUR", 480000), ("4,800", "EUR", 480000), ("12,500.50", "USD", 1250050),
    ("4.800,50", "EUR", 480050), ("1 234,56", "EUR", 123456), ("1\u00a0234,56", "EUR", 123456),
    ("12,34,567", "INR", 123456700), ("$1,200", "USD", 120000), ("1200 EUR", "EUR", 120000),
    ("€ 5", "EUR", 500), ("12,5", "EUR", 1250), ("1.234.567", "EUR", 123456700), ("٣", "EUR", 300),
    ("1500", "JPY", 1500), ("1.500", "KWD", 1500), ("9999999999999.99", "USD", 999999999999999),
    (4800, "EUR", 480000), (12.5, "EUR", 1250),
])
def test_real_money_forms(typed, code, minor):
    assert validate.money(typed, code) == minor


@pytest.mark.parametrize("typed, reason", [
    ("1e30", "'1e30' is not an amount"), ("0x10", "'0x10' is not an amount"),
    ("1,2,3", "'1,2,3' is not an amount (its digit grouping is not 1,234,567 or 1.234.567)"),
    ("12,5,00", "'12,5,00' is not an amount (its digit grouping is not 1,234,567 or 1.234.567)"),
    ("nan", "'nan' is not an amount"), ("inf", "'inf' is not an amount"), ("1_000", "'1_000' is not an amount"),
    ("-5", "'-5' is negative"), ("$-5", "'$-5' is negative"), ("5 USD", "'5 USD' is in USD, but the currency is EUR"),
    ("10.005", "'10.005' has more decimals than EUR allows (2)"),
    ("10000000000000", "'10000000000000' is too large (at most 9,999,999,999,999.99 EUR)"),
    ("9223372036854775807", "'9223372036854775807' is too large (at most 9,999,999,999,999.99 EUR)"),
])
def test_what_only_looks_like_money_is_refused(typed, reason):
    with pytest.raises(Invalid) as err:
        validate.money(typed, "EUR")
    assert (err.value.field, err.value.reason) == ("amount", reason)


@pytest.mark.parametrize("code", ["XYZ", "ZZZ", "EURO", "eu", "€", "123", "ÉUR"])
def test_currencies_outside_iso_4217_are_refused(code):
    with pytest.raises(Invalid, match="is not an ISO 4217 currency code"):
        validate.currency(code)


def test_cli_amounts(crm):
    assert crm.json("deal", "add", "A", "--amount", "4,800", "--currency", "EUR")["amount_minor"] == 480000
    assert crm.json("deal", "add", "B", "--amount", "4.800,50", "--currency", "EUR")["amount"] == "4800.50"
    assert crm.json("deal", "add", "C", "--amount", "1500", "--currency", "JPY")["amount"] == "1500"
    for typed in ("1e30", "0x10", "1,2,3"):
        assert crm("deal", "add", "D", "--amount", typed, code=1).stderr == f"error: amount: '{typed}' is not an amount" + (
            " (its digit grouping is not 1,234,567 or 1.234.567)" if typed == "1,2,3" else "") + "\n"
    assert crm("deal", "add", "D", "--currency", "XYZ", code=1).stderr == (
        "error: currency: 'XYZ' is not an ISO 4217 currency code like EUR\n")
    assert [d["title"] for d in crm.json("deal", "list")] == ["A", "B", "C"]


def test_pipeline_sums_cannot_overflow(crm):
    """Amounts from before the cap (near 2^63 minor units) still add up exactly in the
    report and the morning summary, on a store where SQL SUM would overflow."""
    big = 2 ** 62
    for n in range(3):
        deals.create({"title": f"D{n}", "amount": "1", "currency": "USD"})
    Deal.update(amount=big).execute()
    p = crm.json("deal", "list")[0]["probability"]
    assert crm.json("report", "pipeline") == [
        {"stage": "lead", "currency": "USD", "count": 3, "total": _cents(3 * big), "weighted": _cents(3 * big * p // 100)}]
    summary = crm().stdout  # bare crm, piped: the morning summary, money as people read it
    assert f"Pipeline: lead 3 (${int(_cents(3 * big).split('.')[0]):,}.{_cents(3 * big).split('.')[1]})" in summary


def _cents(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


# -- ids and limits ------------------------------------------------------------

@pytest.mark.parametrize("ref", [HUGE, "9223372036854775808", "-1", "0", "-" + HUGE])
def test_an_id_no_store_can_hold_is_not_found(crm, ref):
    for noun, label in (("contact", "contact"), ("company", "company"), ("deal", "deal"),
                        ("followup", "follow-up"), ("ticket", "ticket")):
        result = crm(noun, "show", "--", ref, code=1)
        assert result.stderr in (f"error: {label} {ref} not found\n", f"error: {label} {ref!r} not found\n")
    with pytest.raises(NotFound):
        validate.record_id(HUGE, "contact")


def test_limits(crm):
    assert "Invalid value for '--limit'" in crm("contact", "list", "--limit", "-1", code=2).stderr
    assert crm("contact", "list", "--limit", "9223372036854775807").exit_code == 0
    assert "Invalid value for '--limit'" in crm("next", "--limit", "-1", code=2).stderr
    assert "Invalid value for '--limit'" in crm("next", "--limit", HUGE, code=2).stderr


# -- dates, durations, recurrences ---------------------------------------------

@pytest.mark.parametrize("typed", ["+9000y", "+99999999999d", "+99999999999m", "in 99999999999 days", "9999-12-31",
                                   "0001-01-01", "+" + "9" * 5000 + "d"])
def test_dates_out_of_range(crm, clock, typed):
    clock(2026, 11, 23, 10, 0)
    result = crm("followup", "add", "Call", "--due", typed, code=1)
    assert result.stderr == f"error: due: {typed!r} is out of range (dates from 1900 to 2999)\n"
    result = crm("deal", "add", "D", "--close", typed, code=1)
    assert result.stderr == f"error: expected_close: {typed!r} is out of range (dates from 1900 to 2999)\n"


@pytest.mark.parametrize("typed", ["-5", "+5", "-1d"])
def test_a_sign_outside_the_relative_forms_is_no_date(crm, typed):
    """dateutil alone reads '-5' as the 5th of this month."""
    assert crm("followup", "add", "Call", "--due", typed, code=1).stderr == (
        f"error: due: {typed!r} is not a date I understand (try 2026-11-24, 24 Nov, tomorrow 9:30, +3d)\n")


def test_remind_now_out_of_range(crm):
    assert crm("remind", "--now", "9999-12-31", code=1).stderr == (
        "error: now: '9999-12-31' is out of range (dates from 1900 to 2999)\n")


@pytest.mark.parametrize("typed", ["99999999999d", HUGE + "w", "36526d"])
def test_durations_at_most_100_years(crm, clock, typed):
    clock(2026, 11, 23, 10, 0)
    followups.create("Call", "tomorrow")
    assert crm("followup", "snooze", "1", "--for", typed, code=1).stderr == (
        f"error: for: {typed!r} is too long (at most 100 years)\n")


def test_recurrence_is_bounded_at_input(crm, clock):
    clock(2026, 11, 23, 10, 0)
    result = crm("followup", "add", "Call", "--due", "tomorrow", "--every", HUGE + "d", code=1)
    assert result.stderr == (f"error: every: '{HUGE}d' is too long a step "
                             "(at most 100 years: 36500d, 5200w, 1200m, 100y)\n")
    made = crm.json("followup", "add", "Call", "--due", "2026-11-24", "--every", "100y")
    assert crm.json("followup", "done", str(made["id"]))["next"]["due"] == "2126-11-24"


def test_done_on_a_stored_bad_recurrence_fails_in_one_line(crm, crm_store, clock):
    clock(2026, 11, 23, 10, 0)
    made = followups.create("Call", "2026-11-24")
    FollowUp.update(every=HUGE + "d").execute()  # as stored before recurrences were bounded
    before = _dump(crm_store)
    result = crm("followup", "done", str(made["id"]), code=1)
    assert result.stderr == (f"error: every: follow-up {made['id']} repeats every {HUGE}d: its next date is past 2999; "
                             f"cancel it instead (crm followup cancel {made['id']})\n")
    assert _dump(crm_store) == before
    assert crm.json("followup", "cancel", str(made["id"]))["status"] == "cancelled"


def _dump(path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


# -- crm next ------------------------------------------------------------------

def test_crm_next_shows_no_source_path(crm, clock):
    clock(2026, 11, 23, 10, 0)
    followups.create("Call", "tomorrow")
    help_text = crm("next", "--help").stdout
    assert "neglect" in help_text and ".py" not in help_text
    result = crm("next", "--explain")
    assert ".py" not in result.stdout + result.stderr
    assert "crm next --help explains each part" in result.stderr


# -- SMTP ------------------------------------------------------------------------

PASSWORD = "pässwörd-密码"


class Inbox:
    def __init__(self):
        self.messages, self.logins = [], []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture(params=[[], ["PLAIN"]], ids=["plain", "login"])
def smtp_server(request):
    """A real local SMTP server that requires a login; the 'login' variant offers only
    AUTH LOGIN."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        inbox.logins.append((mechanism, auth_data.login.decode("utf-8"), auth_data.password.decode("utf-8")))
        ok = auth_data.password == PASSWORD.encode("utf-8")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 on failure

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        inbox.port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=True, auth_exclude_mechanism=request.param)
    controller.start()
    yield inbox
    controller.stop()


def _smtp_config(port: int) -> str:
    return (f'timezone = "Europe/London"\nowner = "sam"\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nuser = "crm-bürо"\n'
            f'password_env = "CRM_SMTP_PASSWORD"\nfrom = "crm@shop.example"\n[owners]\nsam = "sam@shop.example"\n')


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_non_ascii_password_logs_in(crm, set_config, smtp_server, monkeypatch):
    monkeypatch.setenv("CRM_SMTP_PASSWORD", PASSWORD)
    set_config(_smtp_config(smtp_server.port))
    followups.create("Call", "2026-11-24 09:00")
    result = crm("remind", "--now", "2026-11-24T09:00", "--email", "--format", "json")
    assert [i["subject"] for i in json.loads(result.stdout)] == ["Call"]
    assert smtp_server.logins == [(smtp_server.logins[0][0], "crm-bürо", PASSWORD)]
    assert smtp_server.messages == [["sam@shop.example"]]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_json_lists_only_what_was_delivered(crm, set_config, smtp_server, monkeypatch):
    """A failed login delivers nothing, so the JSON is []; the next run delivers it."""
    set_config(_smtp_config(smtp_server.port))
    followups.create("Call", "2026-11-24 09:00")
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "wrong-wrong")
    failed = crm("remind", "--now", "2026-11-24T09:00", "--email", "--format", "json", code=3)
    assert json.loads(failed.stdout) == []
    assert failed.stderr.startswith(f"error: smtp 127.0.0.1:{smtp_server.port}: ") and "wrong" not in failed.stderr
    monkeypatch.setenv("CRM_SMTP_PASSWORD", PASSWORD)
    sent = crm("remind", "--now", "2026-11-24T09:05", "--email", "--format", "json")
    assert [i["subject"] for i in json.loads(sent.stdout)] == ["Call"]
    again = crm("remind", "--now", "2026-11-24T09:10", "--email", "--format", "json")
    assert json.loads(again.stdout) == [] and len(smtp_server.messages) == 1


# -- the same rules on PostgreSQL --------------------------------------------------

def test_on_postgres(pg_url):
    """Sums split the same way (bigint / integer divides there too), ids past 2^63 never
    reach the driver, and a NUL in text (which PostgreSQL refuses to store) is dropped."""
    big = 2 ** 62
    for n in range(3):
        deals.create({"title": f"D\x00{n}", "amount": "1", "currency": "USD"})
    Deal.update(amount=big).execute()
    p = Deal.get().probability
    assert deals.pipeline() == [{"stage": "lead", "currency": "USD", "count": 3, "total": _cents(3 * big),
                                 "weighted": _cents(3 * big * p // 100)}]
    assert deals.show("1")["title"] == "D0"
    with pytest.raises(NotFound):
        deals.show(HUGE)
    with pytest.raises(Invalid):
        contacts.list_(limit=-1)


# -- config values the services use --------------------------------------------

def test_config_day_start_and_sla_out_of_range_are_one_line(crm, set_config, clock):
    clock(2026, 11, 23, 10, 0)
    followups.create("Call", "2026-11-23")
    set_config('timezone = "Europe/London"\n[reminders]\nday_start = "nine"\n')
    assert crm("remind", code=3).stderr.endswith("[reminders] day_start: 'nine' is not a time like 09:00\n")
    set_config('timezone = "Europe/London"\n[sla]\nurgent = [1, 99999999999]\n')
    result = crm("ticket", "add", "Oven", "--priority", "urgent", code=3)
    assert result.stderr.endswith("[sla] urgent: 1, 99999999999 hours is too long\n")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_json_after_a_partial_failure_lists_only_the_sent_owner(crm, set_config, smtp_server, monkeypatch):
    monkeypatch.setenv("CRM_SMTP_PASSWORD", PASSWORD)
    set_config(_smtp_config(smtp_server.port))
    followups.create("Call", "2026-11-24 09:00")
    followups.create("Visit", "2026-11-24 09:00", owner="jo")  # jo has no address yet
    result = crm("remind", "--now", "2026-11-24T09:00", "--email", "--format", "json", code=3)
    assert [i["subject"] for i in json.loads(result.stdout)] == ["Call"]
    assert result.stderr == "error: config: no email address for owner 'jo' (add it under [owners])\n"
    set_config(_smtp_config(smtp_server.port) + 'jo = "jo@shop.example"\n')
    result = crm("remind", "--now", "2026-11-24T09:05", "--email", "--format", "json")
    assert [i["subject"] for i in json.loads(result.stdout)] == ["Visit"]
    assert smtp_server.messages == [["sam@shop.example"], ["jo@shop.example"]]
