"""crm remind: on time, in the owner's timezone, exactly once, whatever cron does."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from db.services import contacts, deals, followups, tickets, urgency


@pytest.fixture
def ann():
    return contacts.create({"first_name": "Ann", "last_name": "Lee", "company": "Harbour Bakery"},
                           emails=["ann@example.com"], phones=["07700 900123"])


def remind(crm, now, *args, code=0):
    return crm("remind", "--now", now, *args, code=code)


def test_fires_at_the_due_time_once(crm, ann):
    followups.create("Call about the quote", "2026-11-24 09:00", contact=ann["id"], priority="high")
    assert remind(crm, "2026-11-24T08:59").stdout == ""  # nothing due: nothing printed, so cron mails nothing
    out = remind(crm, "2026-11-24T09:00").stdout
    assert out == ("Due now (1)\n"
                   "  #1 Call about the quote [high] - due 24 Nov 2026 09:00\n"
                   "      Ann Lee · +44 7700 900123 · ann@example.com\n"
                   "      Harbour Bakery\n")
    assert remind(crm, "2026-11-24T09:05").stdout == ""
    assert remind(crm, "2026-11-25T09:05").stdout == ""


def test_json_output_and_dry_run_records_nothing(crm, ann):
    d = deals.create({"title": "Website", "contact": ann["id"], "amount": "4800"})
    t = tickets.create({"subject": "Oven", "contact": ann["id"]})
    followups.create("Send proposal", "2026-11-24 09:00", deal=d["id"], ticket=t["id"])
    dry = json.loads(remind(crm, "2026-11-24T10:00", "--format", "json", "--dry-run").stdout)
    assert len(dry) == 1
    items = json.loads(remind(crm, "2026-11-24T10:00", "--format", "json").stdout)
    assert items == [{
        "id": 1, "subject": "Send proposal", "due": "2026-11-24T09:00", "fires_at": "2026-11-24T09:00",
        "priority": "normal", "owner": "sam", "overdue": True, "minutes_late": 60,
        "contact": {"id": 1, "name": "Ann Lee", "phone": "+447700900123", "email": "ann@example.com"},
        "company": {"id": 1, "name": "Harbour Bakery", "phone": None},
        "deal": {"id": 1, "title": "Website", "stage": "lead", "amount": "4800.00", "currency": "GBP"},
        "ticket": {"id": 1, "subject": "Oven", "status": "new", "priority": "normal"},
    }]
    assert json.loads(remind(crm, "2026-11-24T10:05", "--format", "json").stdout) == []


def test_lead_time_from_option_and_config(crm, ann, set_config):
    followups.create("Meeting", "2026-11-24 09:00", contact=ann["id"])
    assert remind(crm, "2026-11-24T08:29", "--lead", "30m").stdout == ""
    assert "#1 Meeting" in remind(crm, "2026-11-24T08:30", "--lead", "30m").stdout
    followups.create("Second", "2026-11-25 09:00", contact=ann["id"])
    set_config('timezone = "Europe/London"\nowner = "sam"\n[reminders]\nlead = "1h"\n')
    assert "#2 Second" in remind(crm, "2026-11-25T08:00").stdout


def test_catch_up_after_three_days_off(crm, ann):
    for day in (20, 21, 22):
        followups.create(f"Call {day}", f"2026-11-{day} 09:00", contact=ann["id"], every="1d")
    out = remind(crm, "2026-11-23T12:00").stdout  # the machine was off since the 20th
    assert out.splitlines()[0] == "Overdue (3)"
    assert [line.split(" [")[0].strip() for line in out.splitlines() if line.startswith("  #")] == \
        ["#1 Call 20", "#2 Call 21", "#3 Call 22"]
    assert "3 days overdue" in out and "2 days overdue" in out and "27 h overdue" in out
    assert remind(crm, "2026-11-23T12:05").stdout == ""


def test_a_date_without_time_fires_at_the_start_of_the_day(crm, ann, set_config):
    followups.create("Send card", "2026-11-24", contact=ann["id"])
    assert remind(crm, "2026-11-24T08:59").stdout == ""
    assert "#1 Send card" in remind(crm, "2026-11-24T09:00").stdout
    set_config('timezone = "Europe/London"\n[reminders]\nday_start = "07:30"\n')
    followups.create("Other card", "2026-11-25", contact=ann["id"])
    assert "#2 Other card" in remind(crm, "2026-11-25T07:30").stdout


@pytest.mark.parametrize("zone,due,before,at", [
    # London: clocks go forward 2026-03-29 01:00 UTC; 09:00 stays 09:00 local on both sides
    ("Europe/London", "2026-03-28 09:00", "2026-03-28T08:59:00Z", "2026-03-28T09:00:00Z"),
    ("Europe/London", "2026-03-29 09:00", "2026-03-29T07:59:00Z", "2026-03-29T08:00:00Z"),
    # 01:30 does not exist that night: it fires at the next valid minute, 02:00 BST
    ("Europe/London", "2026-03-29 01:30", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z"),
    # London autumn: back to GMT on 2026-10-25
    ("Europe/London", "2026-10-25 09:00", "2026-10-25T08:59:00Z", "2026-10-25T09:00:00Z"),
    # New York: DST ends 2026-11-01 (EDT -4 -> EST -5), starts 2026-03-08
    ("America/New_York", "2026-10-31 09:00", "2026-10-31T12:59:00Z", "2026-10-31T13:00:00Z"),
    ("America/New_York", "2026-11-01 09:00", "2026-11-01T13:59:00Z", "2026-11-01T14:00:00Z"),
    ("America/New_York", "2026-03-08 02:30", "2026-03-08T06:59:00Z", "2026-03-08T07:00:00Z"),
])
def test_wall_clock_across_dst(crm, ann, set_config, zone, due, before, at):
    set_config(f'timezone = "{zone}"\n')
    followups.create("Call", due, contact=ann["id"])
    assert remind(crm, before).stdout == ""
    assert "#1 Call" in remind(crm, at).stdout


def test_snooze_brings_it_back_once_later(crm, ann, clock):
    followups.create("Call", "2026-11-24 09:00", contact=ann["id"])
    assert "#1 Call" in remind(crm, "2026-11-24T09:00").stdout
    clock(2026, 11, 24, 9, 10)
    followups.snooze(1, for_="2h")
    assert remind(crm, "2026-11-24T11:09").stdout == ""
    assert "#1 Call" in remind(crm, "2026-11-24T11:10").stdout
    assert remind(crm, "2026-11-24T11:15").stdout == ""


def test_done_and_cancelled_are_not_reminded(crm, ann):
    followups.create("A", "2026-11-24 09:00", contact=ann["id"])
    followups.create("B", "2026-11-24 09:00", contact=ann["id"])
    followups.done(1)
    followups.cancel(2)
    assert remind(crm, "2026-11-24T10:00").stdout == ""


def test_recurrence_keeps_month_ends(ann):
    f = followups.create("Invoice", "2026-01-31 09:00", contact=ann["id"], every="1m")
    dues = []
    for _ in range(3):
        f = followups.done(f["id"])["next"]
        dues.append(f["due"])
    assert dues == ["2026-02-28T09:00", "2026-03-31T09:00", "2026-04-30T09:00"]
    w = followups.create("Standup", "2026-11-27 09:00", contact=ann["id"], every="weekdays")  # a Friday
    assert followups.done(w["id"])["next"]["due"] == "2026-11-30T09:00"


def test_from_done_restarts_the_chain_today(ann, clock):
    clock(2026, 11, 24, 15, 0)
    f = followups.create("Water plants", "2026-11-10 08:00", contact=ann["id"], every="1w")
    assert followups.done(f["id"], from_done=True)["next"]["due"] == "2026-12-01T08:00"


def test_install_prints_cron_and_systemd_and_changes_nothing(crm):
    out = crm("remind", "--install").stdout
    assert f"--db {crm.db_path.resolve()} remind" in out
    assert "MAILTO=" in out and "[Timer]" in out and "OnCalendar=*:0/5" in out
    assert crm.json("followup", "list") == []


def test_bad_now_is_one_line(crm):
    assert remind(crm, "tomorrow-ish", code=1).stderr == \
        "error: now: 'tomorrow-ish' is not an ISO time like 2026-11-24T09:00 or 2026-11-24T09:00+01:00\n"


# -- email -------------------------------------------------------------------

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email

        msg = email.message_from_bytes(envelope.content)
        self.messages.append((envelope.rcpt_tos, msg["Subject"], msg.get_payload(decode=True).decode()))
        return "250 OK"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: aiosmtpd answers a failed login with 535 at once (handled=True sends
        # nothing and the client waits for its timeout)
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        inbox.port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    inbox.logins = logins
    yield inbox
    controller.stop()


def smtp_config(port, extra=""):
    return (f'timezone = "Europe/London"\nowner = "sam"\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nuser = "crm"\n'
            f'password_env = "CRM_SMTP_PASSWORD"\nfrom = "crm@shop.example"\n'
            f'[owners]\nsam = "sam@shop.example"\njo = "jo@shop.example"\n{extra}')


def test_email_one_message_per_owner(crm, ann, set_config, smtp_server, monkeypatch):
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "s3cret")
    set_config(smtp_config(smtp_server.port))
    followups.create("Call Ann", "2026-11-24 09:00", contact=ann["id"])
    followups.create("Quote", "2026-11-23 09:00", contact=ann["id"])
    followups.create("Visit", "2026-11-24 09:00", contact=ann["id"], owner="jo")
    result = remind(crm, "2026-11-24T09:00", "--email")
    assert (result.stdout, result.stderr) == ("", "")
    assert smtp_server.logins == [("crm", "s3cret"), ("crm", "s3cret")]
    by_rcpt = {tuple(to): (subject, body) for to, subject, body in smtp_server.messages}
    assert set(by_rcpt) == {("sam@shop.example",), ("jo@shop.example",)}
    subject, body = by_rcpt[("sam@shop.example",)]
    assert subject == "crm: 2 follow-ups due (1 overdue)"
    assert body.splitlines()[:2] == ["Overdue (1)", "  #2 Quote [normal] - 24 h overdue"]
    assert "#1 Call Ann [normal] - due 24 Nov 2026 09:00" in body and "Visit" not in body
    assert by_rcpt[("jo@shop.example",)][0] == "crm: 1 follow-up due"
    remind(crm, "2026-11-24T09:05", "--email")
    assert len(smtp_server.messages) == 2


def test_smtp_failure_exits_3_and_the_next_run_retries(crm, ann, set_config, smtp_server, monkeypatch):
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "s3cret")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    set_config(smtp_config(dead_port))
    followups.create("Call Ann", "2026-11-24 09:00", contact=ann["id"])
    result = remind(crm, "2026-11-24T09:00", "--email", code=3)
    assert result.stderr.startswith(f"error: smtp 127.0.0.1:{dead_port}: ")
    assert len(result.stderr.splitlines()) == 1 and "s3cret" not in result.stderr
    set_config(smtp_config(smtp_server.port))
    remind(crm, "2026-11-24T09:05", "--email")
    assert [m[1] for m in smtp_server.messages] == ["crm: 1 follow-up due"]


def test_wrong_password_is_a_clean_failure(crm, ann, set_config, smtp_server, monkeypatch):
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "wrong")
    set_config(smtp_config(smtp_server.port))
    followups.create("Call Ann", "2026-11-24 09:00", contact=ann["id"])
    result = remind(crm, "2026-11-24T09:00", "--email", code=3)
    assert result.stderr.startswith(f"error: smtp 127.0.0.1:{smtp_server.port}: ")
    assert "wrong" not in result.stderr and smtp_server.messages == []
    # the server saw the login and refused it (not a timeout, not a connection error)
    assert smtp_server.logins and set(smtp_server.logins) == {("crm", "wrong")}
    assert "Authentication credentials invalid" in result.stderr


# -- concurrency -------------------------------------------------------------

def query(db, sql):
    """A fresh connection each time: a held one would keep reading an old WAL snapshot."""
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _crm_process(db, *args):
    return subprocess.Popen([sys.executable, "-m", "cli", "--db", str(db), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ten_overlapping_runs_deliver_each_reminder_once(crm_store, ann):
    for n in range(300):
        followups.create(f"Call {n}", "2026-11-24 09:00", contact=ann["id"])
    procs = [_crm_process(crm_store, "remind", "--now", "2026-11-24T09:00", "--format", "json") for _ in range(10)]
    delivered = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        delivered += [item["id"] for item in json.loads(out)]
    assert sorted(delivered) == list(range(1, 301))  # each exactly once across the ten runs
    assert query(crm_store, "SELECT count(*) FROM reminder WHERE delivered_at IS NOT NULL") == [(300,)]


def test_a_run_killed_between_claim_and_delivery_is_retried(crm_store, ann, set_config, smtp_server, monkeypatch):
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "s3cret")
    silent = socket.socket()  # accepts connections but never greets: the run hangs in delivery
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    set_config(smtp_config(silent.getsockname()[1]))
    followups.create("Call Ann", "2026-11-24 09:00", contact=ann["id"])
    proc = _crm_process(crm_store, "remind", "--now", "2026-11-24T09:00", "--email")
    for _ in range(200):
        if query(crm_store, "SELECT count(*) FROM reminder") != [(0,)]:
            break
        time.sleep(0.05)
    assert query(crm_store, "SELECT delivered_at FROM reminder") == [(None,)]  # claimed, not delivered
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    silent.close()
    set_config(smtp_config(smtp_server.port))
    # Within the claim's lease another run leaves it alone; after the lease it delivers.
    held = _crm_process(crm_store, "remind", "--now", "2026-11-24T09:05", "--email")
    assert held.communicate(timeout=60)[1] == "" and held.returncode == 0
    assert smtp_server.messages == []
    late = _crm_process(crm_store, "remind", "--now", "2026-11-24T09:11", "--email")
    assert late.communicate(timeout=60)[1] == "" and late.returncode == 0
    assert [m[1] for m in smtp_server.messages] == ["crm: 1 follow-up due"]
    assert query(crm_store, "SELECT count(*) FROM reminder WHERE delivered_at IS NOT NULL") == [(1,)]


# -- urgency -----------------------------------------------------------------

def test_urgency_ranks_and_explains(crm, ann, clock):
    clock(2026, 11, 24, 10, 0)
    big = deals.create({"title": "Big", "contact": ann["id"], "amount": "100000", "stage": "negotiation"})
    t = tickets.create({"subject": "Down", "contact": ann["id"], "priority": "urgent"})
    followups.create("Later low", "2026-12-20 09:00", contact=ann["id"], priority="low")
    followups.create("Overdue high", "2026-11-22 09:00", contact=ann["id"], priority="high")
    followups.create("Deal today", "2026-11-24 15:00", deal=big["id"])
    followups.create("Ticket", "2026-11-26 09:00", ticket=t["id"])
    ranked = urgency.ranked()
    assert [r["subject"] for r in ranked] == ["Overdue high", "Ticket", "Deal today", "Later low"]
    assert ranked[0]["parts"] == {"due": 9.0, "priority": 4.0, "deal": 0.0, "ticket": 0.0, "neglect": 0.0}
    # due in 2 days, normal, an urgent ticket whose resolution time is under 24 h away
    assert ranked[1]["parts"] == {"due": 4.29, "priority": 1.5, "deal": 0.0, "ticket": 7.0, "neglect": 0.0}
    assert ranked[2]["parts"]["deal"] == 5.0 and ranked[2]["parts"]["due"] == 6.0
    rows = crm.json("next", "--limit", "2")
    assert [r["subject"] for r in rows] == ["Overdue high", "Ticket"] and rows[1]["urgency"] == 12.79
    assert "+ticket" in crm("followup", "list", "--sort", "urgency", "--explain").stdout
