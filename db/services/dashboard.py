"""The morning summary: what needs doing today and how the business stands."""
from __future__ import annotations

from db.models import Company, Deal, FollowUp
from db.services import activities, contacts, deals, followups, tickets


def summary(due_limit: int | None = None) -> dict:
    """due_limit: list only the first (most overdue) of the follow-ups due; the counts
    stay whole. The app's Today page shows a screenful, not 10k rows of a big store."""
    overdue = followups.list_(when="overdue", limit=due_limit).rows
    seen = {f["id"] for f in overdue}
    due = overdue + [f for f in followups.list_(when="today", limit=due_limit).rows if f["id"] not in seen]
    due = due[:due_limit] if due_limit else due
    for f in due:
        f["contact"] = f["contact_name"]  # (followups.list_ names them)
    return {
        "contacts": contacts.live_count(),
        "companies": Company.select().where(Company.deleted_at.is_null()).count(),
        "open_deals": Deal.select().where(Deal.deleted_at.is_null() & Deal.stage.not_in(["won", "lost"])).count(),
        "followups": followups.counts(),
        "due_followups": due,
        "tickets": tickets.report(),
        "ticket_queue": tickets.list_(limit=8).rows,
        "pipeline": deals.pipeline(),
        "recent": activities.recent(5),
        "open_followups": FollowUp.select().where(FollowUp.deleted_at.is_null() & (FollowUp.status == "open")).count(),
    }
