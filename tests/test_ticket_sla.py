"""Ticket responses: the first reply or move out of new is the first response; response
and resolution service levels are met, breached or pending; the list, the report and
the app flag the breaches. One week of a small help desk on a pinned clock (London in
November is UTC, and the default [sla] hours: urgent 1/8, high 4/24, normal 8/72, low 24/168)."""
import pytest

from crm_tui.app import CrmApp
from db import store
from db.services import tickets
from tests.pilot import settle, table_text

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def desk(crm_store, clock):
    """Ids 1-7: A answered and resolved in time; B answered by a status move, left open
    past its resolution time; C answered late (an internal note first does not count),
    resolved in time; E never touched; F answered, closed late; D and G new this morning,
    G born open (an import from another tool: when it was answered is unknown)."""
    clock(2026, 11, 2, 9, 0)
    a, b, c, e, f = (tickets.create({"subject": s, "priority": p}) for s, p in [
        ("Printer offline", "normal"), ("Till down", "urgent"), ("VPN slow", "high"),
        ("[b]Oven[/b] on fire", "urgent"), ("New laptop", "normal")])
    clock(2026, 11, 2, 9, 30)
    tickets.set_status(b["id"], "pending")
    clock(2026, 11, 2, 10, 0)
    tickets.comment(c["id"], "Looks like the ISP", internal=True)
    tickets.comment(f["id"], "Ordered it")
    clock(2026, 11, 2, 11, 0)
    tickets.comment(a["id"], "Power-cycle it please")
    clock(2026, 11, 2, 12, 0)
    tickets.comment(a["id"], "Any luck?")
    tickets.set_status(b["id"], "new")  # back to new and out again: still the 09:30 response
    tickets.set_status(b["id"], "open")
    clock(2026, 11, 2, 14, 0)
    tickets.comment(c["id"], "We are on it")
    clock(2026, 11, 2, 15, 0)
    tickets.set_status(c["id"], "resolved")
    clock(2026, 11, 3, 10, 0)
    tickets.set_status(a["id"], "resolved")
    clock(2026, 11, 5, 11, 0)
    tickets.create({"subject": "Mouse squeaks", "priority": "low"})
    tickets.create({"subject": "Old system ticket", "status": "open"})
    clock(2026, 11, 5, 12, 0)
    tickets.set_status(f["id"], "closed")
    return crm_store


def test_the_first_response_is_the_first_reply_or_move_out_of_new_and_stays(desk):
    first = {t["id"]: t["first_response_at"] for t in tickets.list_(status="all").rows}
    assert first == {1: "2026-11-02T11:00:00Z", 2: "2026-11-02T09:30:00Z", 3: "2026-11-02T14:00:00Z",
                     4: None, 5: "2026-11-02T10:00:00Z", 6: None, 7: None}


def test_an_internal_note_is_no_response_and_leaves_the_ticket_new(crm, clock):
    clock(2026, 11, 2, 9, 0)
    made = crm.json("ticket", "add", "Scanner jams")
    note = crm.json("ticket", "comment", str(made["id"]), "Ask Jo", "--internal")
    assert note["kind"] == "internal"
    shown = crm.json("ticket", "show", str(made["id"]))
    assert (shown["status"], shown["first_response_at"], shown["sla"]) == (
        "new", None, {"response": "pending", "resolution": "pending"})
    assert [(c["kind"], c["body"]) for c in shown["comments"]] == [("internal", "Ask Jo")]
    clock(2026, 11, 2, 10, 0)
    assert crm.json("ticket", "comment", str(made["id"]), "On our way")["kind"] == "comment"
    shown = crm.json("ticket", "show", str(made["id"]))
    assert (shown["status"], shown["first_response_at"]) == ("open", "2026-11-02T10:00:00Z")


def test_each_ticket_knows_which_service_level_it_broke(desk):
    got = {t["id"]: (t["sla"]["response"], t["sla"]["resolution"], t["breached"])
           for t in tickets.list_(status="all").rows}
    assert got == {
        1: ("met", "met", []),
        2: ("met", "breached", ["resolution"]),
        3: ("breached", "met", ["response"]),
        4: ("breached", "breached", ["response", "resolution"]),
        5: ("met", "breached", ["resolution"]),
        6: ("pending", "pending", []),
        7: ("unknown", "pending", []),
    }


def test_the_json_keeps_its_keys_and_adds_the_new_ones_last(crm, desk):
    keys = list(crm.json("ticket", "show", "1"))
    assert keys[:keys.index("updated_at") + 4][-4:] == ["updated_at", "first_response_at", "sla", "breached"]


def test_list_breached_gives_exactly_the_late_ones(crm, desk):
    assert [t["id"] for t in crm.json("ticket", "list", "--breached")] == [2, 4]  # open ones, most urgent first
    assert [t["id"] for t in crm.json("ticket", "list", "--breached", "--status", "all")] == [2, 4, 3, 5]
    assert [t["id"] for t in crm.json("ticket", "list", "--breached", "--status", "closed")] == [5]
    table = crm("ticket", "list", "--breached", "--limit", "0").stdout
    assert "response; resolution" in table and "Till down" in table


def test_report_counts_breaches_and_the_median_response(crm, desk):
    data = crm.json("report", "tickets")
    # answered: A 2h, B 0.5h, C 5h, F 1h -> median 1.5; E, D and G have no response
    assert (data["breached_response"], data["breached_resolution"], data["median_response_hours"]) == (2, 3, 1.5)
    assert data["open"] == 4 and data["overdue"] == 2
    table = crm("report", "tickets").stdout
    assert "1.5 hours" in table


def test_report_with_no_answered_ticket_says_so(crm, clock):
    clock(2026, 11, 2, 9, 0)
    crm("ticket", "add", "Nobody looked")
    assert crm.json("report", "tickets")["median_response_hours"] is None
    assert "none answered" in crm("report", "tickets").stdout


async def test_the_tickets_page_and_a_ticket_page_show_the_breach_as_text(desk):
    app = CrmApp()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot, app)
        sla = {row[0]: row[-1] for row in table_text(app, "#queue")}
        assert sla == {"2": "resolution overdue", "4": "response overdue, resolution overdue", "6": "", "7": ""}
        queue = app.screen.query_one("#queue")
        queue.focus()
        queue.move_cursor(row=1)
        await pilot.press("enter")
        await settle(pilot, app)
        card = str(app.screen.query_one("#card").render())
        assert "#4 [b]Oven[/b] on fire" in card and "response overdue, resolution overdue" in card
        await pilot.press("i")  # an internal note: still no response
        await pilot.press(*"Called the [red]ISP", "enter")
        await settle(pilot, app)
        assert table_text(app, "#comments") == [["5 Nov 2026 12:00", "sam", "Called the [red]ISP", "team only"]]
        shown = tickets.show(4)
        assert (shown["status"], shown["first_response_at"], shown["breached"]) == ("new", None, ["response", "resolution"])
        await pilot.press("m")  # a reply: the first response, late
        await pilot.press(*"On our way", "enter")
        await settle(pilot, app)
        assert tickets.show(4)["first_response_at"] == "2026-11-05T12:00:00Z"
        assert table_text(app, "#comments")[-1][2:] == ["On our way", "customer"]
        assert "answered late, resolution overdue" in str(app.screen.query_one("#card").render())


def test_migration_fills_first_responses_from_the_timeline(tmp_path, clock):
    from peewee import SqliteDatabase
    from playhouse.migrations import Runner

    path = tmp_path / "old.db"
    old = SqliteDatabase(str(path))
    Runner(old, directory=str(store.MIGRATIONS_DIR)).up("0012_segments")
    _old_desk(old)
    old.close()
    store.open_store(str(path))
    clock(2026, 11, 2, 18, 0)
    assert _backfilled() == _EXPECTED


def test_migration_on_postgres(pg_url, clock):
    runner = store._runner()
    while store.applied_migrations()[-1] != "0012_segments":
        runner.down()
    _old_desk(store.database.obj)
    store.migrate()
    clock(2026, 11, 2, 18, 0)
    assert _backfilled() == _EXPECTED


def _old_desk(db):
    """Tickets from before first responses: 1 commented then moved; 2 moved out of new
    with a note; 3 only opened and re-prioritised; 4 born open (moved open -> pending)."""
    def sql(text, params):
        db.execute_sql(text.replace("%s", db.param), params)

    for n, status in enumerate(["pending", "open", "new", "pending"], 1):
        sql("INSERT INTO ticket (subject, status, priority, channel, response_due, resolution_due, created_at,"
            " updated_at) VALUES (%s, %s, 'normal', 'other', '2026-11-02 17:00:00', '2026-11-05 09:00:00',"
            " '2026-11-02 09:00:00', '2026-11-02 09:00:00')",
            (f"T{n}", status))
    entries = [(1, "status", "Ticket opened (normal, via other)", "09:00"), (1, "comment", "Hello", "10:15"),
               (1, "status", "Status open -> pending", "11:00"), (1, "comment", "Again", "12:00"),
               (2, "status", "Status new -> open: called back", "09:45"), (2, "comment", "x", "13:00"),
               (3, "status", "Priority low -> normal", "09:10"),
               (4, "status", "Status open -> pending", "10:00")]
    for ticket, kind, body, at in entries:
        sql("INSERT INTO activity (kind, body, ticket_id, occurred_at) VALUES (%s, %s, %s, %s)"
            , (kind, body, ticket, f"2026-11-02 {at}:00"))


# at 18:00 that day: 3 is still new past its 17:00 response time; 4 was born past new
_EXPECTED = ({1: ("2026-11-02T10:15:00Z", "met"), 2: ("2026-11-02T09:45:00Z", "met"), 3: (None, "breached"),
              4: (None, "unknown")}, [3])


def _backfilled():
    """First responses and response levels, and what the SQL filter --breached picks."""
    return ({t["id"]: (t["first_response_at"], t["sla"]["response"]) for t in tickets.list_(status="all").rows},
            [t["id"] for t in tickets.list_(status="all", breached=True).rows])
