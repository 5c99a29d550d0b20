"""Deals, tickets, follow-ups and notes through the services."""
import pytest

from db.errors import Invalid, NotFound
from db.models import DealStage
from db.services import activities, contacts, dashboard, deals, followups, tickets
from db.services import views


@pytest.fixture
def ann():
    return contacts.create({"first_name": "Ann", "last_name": "Lee", "company": "Harbour Bakery"},
                           emails=["ann@example.com"])


# -- deals -------------------------------------------------------------------

def test_deal_defaults_from_config_and_stage(ann):
    d = deals.create({"title": "Website", "contact": "ann@example.com", "amount": "£4,800.50"})
    assert (d["stage"], d["probability"], d["currency"]) == ("lead", 10, "GBP")
    assert (d["amount"], d["amount_minor"]) == ("4800.50", 480050)
    assert d["company"] == "Harbour Bakery"  # taken from the contact
    assert d["status"] == "open"


def test_moves_record_stage_history(ann, clock):
    clock(2026, 11, 1, 9, 0)
    d = deals.create({"title": "Website", "contact": ann["id"], "amount": "1000"})
    clock(2026, 11, 5, 9, 0)
    moved = deals.move(d["id"], "proposal")
    assert moved["probability"] == 50
    clock(2026, 11, 9, 9, 0)
    done = deals.lost(d["id"], "went with a cheaper quote")
    assert (done["status"], done["lost_reason"], done["probability"]) == ("lost", "went with a cheaper quote", 0)
    history = deals.show(d["id"])["history"]
    assert history == [
        {"stage": "lead", "entered_at": "2026-11-01T09:00:00Z", "left_at": "2026-11-05T09:00:00Z"},
        {"stage": "proposal", "entered_at": "2026-11-05T09:00:00Z", "left_at": "2026-11-09T09:00:00Z"},
        {"stage": "lost", "entered_at": "2026-11-09T09:00:00Z", "left_at": None},
    ]
    assert DealStage.select().count() == 3
    bodies = [a["body"] for a in deals.show(d["id"])["timeline"]]
    assert bodies[0] == "Stage proposal -> lost (reason: went with a cheaper quote)"


def test_unknown_stage_lists_the_allowed_ones(ann):
    d = deals.create({"title": "Website", "amount": "1"})
    with pytest.raises(Invalid) as err:
        deals.move(d["id"], "maybe")
    assert str(err.value) == "stage: 'maybe' is not one of: lead, qualified, proposal, negotiation, won, lost"


def test_money_is_exact_and_per_currency(ann):
    with pytest.raises(Invalid, match="has more decimals than JPY allows"):
        deals.create({"title": "X", "amount": "10.5", "currency": "JPY"})
    deals.create({"title": "A", "amount": "0.10", "stage": "proposal"})
    deals.create({"title": "B", "amount": "0.20", "stage": "proposal"})
    deals.create({"title": "C", "amount": "5000", "currency": "JPY", "stage": "negotiation"})
    w = deals.create({"title": "D", "amount": "99.99", "currency": "usd"})
    deals.won(w["id"])
    assert deals.pipeline() == [
        {"stage": "proposal", "currency": "GBP", "count": 2, "total": "0.30", "weighted": "0.15"},
        {"stage": "negotiation", "currency": "JPY", "count": 1, "total": "5000", "weighted": "3750"},
        {"stage": "won", "currency": "USD", "count": 1, "total": "99.99", "weighted": "99.99"},
    ]


def test_deal_list_in_pipeline_order_and_filters(ann):
    for title, stage in (("A", "negotiation"), ("B", "lead"), ("C", "proposal")):
        deals.create({"title": title, "stage": stage, "amount": "1"})
    assert [d["title"] for d in deals.list_().rows] == ["B", "C", "A"]
    deals.won(1)
    assert [d["title"] for d in deals.list_(status="open").rows] == ["B", "C"]
    assert [d["title"] for d in deals.list_(status="won").rows] == ["A"]


# -- tickets -----------------------------------------------------------------

def test_ticket_lifecycle(ann, clock):
    clock(2026, 11, 23, 9, 0)
    t = tickets.create({"subject": "Oven broken", "contact": ann["id"], "priority": "urgent", "channel": "walk-in"})
    assert (t["status"], t["channel"], t["company"]) == ("new", "walk-in", "Harbour Bakery")
    assert t["response_due"] == "2026-11-23T10:00:00Z" and t["resolution_due"] == "2026-11-23T17:00:00Z"
    tickets.comment(t["id"], "Engineer booked for 2pm")
    assert tickets.show(t["id"])["status"] == "open"  # a reply opens a new ticket
    tickets.assign(t["id"], "jo")
    clock(2026, 11, 23, 18, 0)
    assert [x["id"] for x in tickets.list_(overdue=True).rows] == [t["id"]]
    closed = tickets.set_status(t["id"], "closed", "fixed the thermostat")
    assert closed["closed_at"] == "2026-11-23T18:00:00Z" and closed["resolved_at"] == "2026-11-23T18:00:00Z"
    assert tickets.list_().rows == []
    assert [x["id"] for x in tickets.list_(status="all").rows] == [t["id"]]
    shown = tickets.show(t["id"])
    assert [c["body"] for c in shown["comments"]] == ["Engineer booked for 2pm"]
    assert "Status open -> closed: fixed the thermostat" in [a["body"] for a in shown["timeline"]]
    with pytest.raises(Invalid, match="'solved' is not one of: new, open, pending, resolved, closed"):
        tickets.set_status(t["id"], "solved")


def test_ticket_queue_order_and_report(ann, clock):
    clock(2026, 11, 20, 9, 0)
    old = tickets.create({"subject": "Old low", "priority": "low"})
    clock(2026, 11, 21, 9, 0)
    tickets.create({"subject": "Urgent", "priority": "urgent"})
    tickets.create({"subject": "Normal", "priority": "normal", "status": "pending"})
    assert [t["subject"] for t in tickets.list_().rows] == ["Urgent", "Normal", "Old low"]
    clock(2026, 11, 23, 9, 0)
    report = tickets.report()
    assert report["by_status"] == {"new": 2, "open": 0, "pending": 1}
    assert report["by_priority"] == {"urgent": 1, "high": 0, "normal": 1, "low": 1}
    assert report["oldest_open"] == {"id": old["id"], "subject": "Old low", "created_at": "2026-11-20T09:00:00Z",
                                     "age_days": 3}


# -- follow-ups --------------------------------------------------------------

def test_followup_windows_and_snooze(ann, clock):
    clock(2026, 11, 23, 10, 0)
    late = followups.create("Chase invoice", "2026-11-22 15:00", contact=ann["id"])
    earlier = followups.create("Call at 9", "2026-11-23 09:00", contact=ann["id"])
    later = followups.create("Call at 4", "2026-11-23 16:00", contact=ann["id"])
    dated = followups.create("Send card", "2026-11-23", contact=ann["id"])
    friday = followups.create("Review", "2026-11-27", contact=ann["id"])
    ids = lambda when: [f["id"] for f in followups.list_(when=when).rows]
    assert ids("overdue") == [late["id"], earlier["id"]]  # a dated one is not overdue on its day
    assert ids("today") == [dated["id"], earlier["id"], later["id"]]
    assert ids("week") == [dated["id"], earlier["id"], later["id"], friday["id"]]
    followups.snooze(late["id"], for_="2h")
    assert ids("overdue") == [earlier["id"]]
    clock(2026, 11, 23, 12, 30)
    assert ids("overdue") == [late["id"], earlier["id"]]
    assert followups.counts() == {"overdue": 2, "today": 3, "week": 4}


def test_recurring_followup_steps_from_its_due_date(ann, clock):
    clock(2026, 2, 10, 8, 0)
    f = followups.create("Monthly check-in", "2026-01-31 09:00", contact=ann["id"], every="1m")
    done = followups.done(f["id"], note="all good")
    assert done["status"] == "done"
    assert done["next"]["due"] == "2026-02-28T09:00" and done["next"]["every"] == "1m"
    timeline = views.contact(ann["id"])["timeline"]
    assert timeline[0]["body"] == "Follow-up done: Monthly check-in (all good)"
    with pytest.raises(Invalid, match="already done"):
        followups.done(f["id"])


def test_followup_on_a_deal_belongs_to_its_contact(ann):
    d = deals.create({"title": "Website", "contact": ann["id"], "amount": "1"})
    f = followups.create("Send proposal", "tomorrow 10:00", deal=d["id"], priority="high")
    assert (f["contact_id"], f["deal_id"], f["priority"]) == (ann["id"], d["id"], "high")
    assert set(f) == {"id", "subject", "due", "status", "priority", "contact_id", "company_id", "deal_id",
                      "ticket_id", "every", "snoozed_until", "owner", "version", "updated_by"}


def test_followup_validation(ann):
    with pytest.raises(Invalid, match="due: 'someday' is not a date I understand"):
        followups.create("X", "someday", contact=ann["id"])
    with pytest.raises(Invalid, match="every: '5x' is not a recurrence"):
        followups.create("X", "tomorrow", contact=ann["id"], every="5x")
    with pytest.raises(NotFound, match="contact with email nobody@example.com not found"):
        followups.create("X", "tomorrow", contact="nobody@example.com")


def test_notes_need_a_record_and_a_known_kind(ann):
    with pytest.raises(Invalid, match="say which record"):
        activities.add("hello")
    with pytest.raises(Invalid, match="kind: 'fax' is not one of: note, call, email, meeting"):
        activities.add("hello", kind="fax", contact=ann["id"])
    a = activities.add("Left voicemail", kind="call", contact="ann@example.com", when="2026-11-20 14:00")
    assert a["occurred_at"] == "2026-11-20T14:00:00Z"  # London is on UTC in November


def test_dashboard_counts(ann, clock):
    clock(2026, 11, 23, 10, 0)
    followups.create("Late", "2026-11-22 09:00", contact=ann["id"])
    followups.create("Today", "2026-11-23 09:00", contact=ann["id"])
    s = dashboard.summary()
    assert (s["contacts"], s["companies"], s["followups"]["overdue"]) == (1, 1, 2)
    assert [f["subject"] for f in s["due_followups"]] == ["Late", "Today"]
