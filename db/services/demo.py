"""A realistic sample business for trying crm out: a small IT-services shop's book."""
from __future__ import annotations

import random
from datetime import timedelta

from peewee import fn

from db.config import get_config
from db.models import Activity, Contact, Deal, DealStage
from db.services import activities, companies, contacts, deals, followups, tickets
from db.services.common import now_local, now_utc
from db.store import write

COMPANIES = [
    ("Harbour Bakery", "harbourbakery.co.uk", "Food & drink", "Bristol", "GB"),
    ("Northwind Traders", "northwind.example", "Wholesale", "Leeds", "GB"),
    ("Greenleaf Dental", "greenleafdental.com", "Healthcare", "Portland", "US"),
    ("Atlas Plumbing", "atlasplumbing.com", "Trades", "Denver", "US"),
    ("Café Lumière", "cafelumiere.fr", "Hospitality", "Lyon", "FR"),
    ("Müller Metallbau", "mueller-metallbau.de", "Manufacturing", "Stuttgart", "DE"),
    ("Blue Fern Yoga", "bluefernyoga.com", "Fitness", "Austin", "US"),
    ("Kowalski & Sons", "kowalski-sons.pl", "Logistics", "Gdańsk", "PL"),
    ("上海明辉贸易", "minghui-trade.cn", "Trading", "上海", "CN"),
    ("Sakura Florist", "sakura-florist.jp", "Retail", "Osaka", "JP"),
    ("Riverside Vets", "riversidevets.co.uk", "Veterinary", "York", "GB"),
    ("Oakridge Law", "oakridgelaw.com", "Legal", "Boston", "US"),
    ("Brightside Print", "brightsideprint.com", "Printing", "Chicago", "US"),
    ("Nordlys Design", "nordlys.no", "Design", "Oslo", "NO"),
    ("Tasty Tacos", "tastytacos.mx", "Restaurants", "Guadalajara", "MX"),
]

PEOPLE = [
    ("Alice", "Morgan"), ("Ben", "Carter"), ("Chloé", "Dubois"), ("Daniel", "Okafor"), ("Emma", "Schmidt"),
    ("Farah", "Haddad"), ("George", "Papadopoulos"), ("Hannah", "Kowalski"), ("Ivan", "Petrov"),
    ("Julia", "Santos"), ("Kenji", "Tanaka"), ("Laura", "Rossi"), ("Mohammed", "Al-Sayed"),
    ("Nina", "Johansson"), ("Oliver", "Brown"), ("Priya", "Sharma"), ("Quentin", "Lefèvre"),
    ("Rosa", "García"), ("Samuel", "Cohen"), ("Tara", "O'Neill"), ("Umar", "Farouk"), ("Valentina", "Ricci"),
    ("William", "Taylor"), ("Xavier", "Moreau"), ("Yasmin", "Khan"), ("Zoë", "Åström"), ("伟", "张"),
    ("小明", "王"), ("芳", "李"), ("Sofia", "Novak"), ("Lucas", "Meyer"), ("Mia", "Wilson"), ("Noah", "Anderson"),
    ("Isla", "Thomas"), ("Leo", "Martin"), ("Ava", "Jackson"), ("Ethan", "White"), ("Grace", "Harris"),
    ("Jack", "Clark"), ("Lily", "Lewis"), ("Ryan", "Walker"), ("Ella", "Hall"), ("Adam", "Young"),
    ("Ruby", "King"), ("Omar", "Wright"), ("Maya", "Scott"), ("Finn", "Green"), ("Aria", "Baker"),
    ("Hugo", "Adams"), ("Ines", "Nelson"),
]
TITLES = ["Owner", "Office Manager", "Director", "Operations Lead", "Accountant", "Head Chef", "Practice Manager", None]
DEALS = ["Website refresh", "Managed IT support", "Laptop refresh", "Backup & recovery", "Wi-Fi upgrade",
         "Point-of-sale system", "Email migration", "Security audit", "Phone system", "CCTV install"]
CURRENCY = {"GB": "GBP", "US": "USD", "FR": "EUR", "DE": "EUR", "PL": "EUR", "NO": "EUR", "CN": "USD",
            "MX": "USD", "JP": "JPY"}
LOST_REASONS = ["went with a cheaper quote", "budget cut", "no reply", "went with a cheaper quote"]
TALK = [[("call", "Intro call: what they need and by when"), ("meeting", "Walked through the quote on site")],
        [("email", "Sent the proposal and price breakdown"), ("call", "Answered questions on support hours")],
        [("meeting", "Site survey"), ("email", "Followed up on the proposal")]]

# The year's deals, so the reports have a story: (company index into COMPANIES,
# amount, created days ago, closed days ago or None while open, "won" | "lost" | the
# open deal's pipeline stage index, expected close in days from today for open deals:
# negative is overdue, None unscheduled). Harbour Bakery and Greenleaf Dental keep
# buying (champions), Northwind comes back (loyal), Atlas and Sakura bought lately
# (new), Kowalski bought once and stays in touch (promising), Café Lumière went quiet
# after two orders (at risk) and Müller after one, over a year ago (dormant).
DEAL_STORY = [
    (0, 4800, 330, 300, "won", None), (0, 9600, 200, 170, "won", None), (0, 12000, 70, 35, "won", None),
    (2, 25000, 350, 310, "won", None), (2, 12000, 60, 20, "won", None),
    (1, 2400, 280, 250, "won", None), (1, 1500, 120, 95, "won", None),
    (3, 4800, 75, 30, "won", None), (4, 9600, 330, 280, "won", None), (4, 4800, 250, 190, "won", None),
    (5, 25000, 420, 400, "won", None), (7, 2400, 190, 150, "won", None), (9, 480000, 90, 40, "won", None),
    (14, 2400, 45, 15, "lost", None), (10, 4800, 50, 25, "lost", None), (11, 9600, 100, 60, "lost", None),
    (0, 25000, 20, None, 2, 25), (1, 4800, 40, None, 3, -10), (2, 9600, 15, None, 1, 50),
    (6, 1500, 30, None, 2, 12), (8, 12000, 35, None, 3, 20), (13, 12000, 18, None, 1, 45),
    (14, 1500, 14, None, 0, None), (12, 2400, 6, None, 0, 70),
]
ACTIVE = [0, 1, 2, 3, 6, 7, 8, 9, 10, 12, 13, 14]  # companies in touch lately (not 4, 5, 11)
TICKETS = ["Printer offline", "Cannot send email", "Wi-Fi drops every hour", "Laptop won't boot",
           "Password reset", "Till is very slow", "Backup failed last night", "New starter needs an account"]


def load(seed: int = 7) -> dict | None:
    """Fill an empty store with 50 contacts, 15 companies, a year of deals won and
    lost (see DEAL_STORY) and open ones in every stage of the configured pipeline,
    open and overdue follow-ups and tickets in several states. A store that already has contacts is left alone (returns None), so
    `crm init --demo` can be re-run. All or nothing: one transaction, so a failure
    half-way leaves the store empty, not half a demo."""
    with write():
        if Contact.select().exists():
            return None
        return _fill(random.Random(seed))


def _fill(rnd: random.Random) -> dict:
    now = now_local()
    org_ids = [companies.create({"name": n, "domain": d, "industry": i, "city": c, "country": cc})["id"]
               for n, d, i, c, cc in COMPANIES]
    region_prefix = {"GB": "+44 7700 900", "US": "+1 415 555 0", "FR": "+33 6 12 34 5", "DE": "+49 151 2345 6",
                     "PL": "+48 512 345 6", "CN": "+86 139 1234 5", "JP": "+81 90 1234 5", "NO": "+47 412 34 5",
                     "MX": "+52 33 1234 5"}
    people = []
    for n, (first, last) in enumerate(PEOPLE):
        org = n % len(COMPANIES)
        domain = COMPANIES[org][1]
        local = (first[0] + last).lower().replace("'", "").replace("ö", "o").replace("å", "a").replace("é", "e").replace("è", "e")
        email = f"{local}@{domain}" if local.isascii() else f"contact{n}@{domain}"
        phone = f"{region_prefix[COMPANIES[org][4]]}{100 + n:03d}"
        stage = ["lead", "prospect", "customer", "customer", "former"][n % 5]
        c = contacts.create({"first_name": first, "last_name": last, "title": TITLES[n % len(TITLES)],
                             "company": org_ids[org], "stage": stage, "source": rnd.choice(["referral", "website", "event", "cold call"]),
                             "do_not_contact": n % 17 == 16},
                            emails=[email], phones=[phone],
                            tags=rnd.sample(["vip", "newsletter", "support-plan", "retail", "trade"], k=rnd.randint(0, 2)))
        people.append(c)
    pipeline = list(get_config().pipeline)  # the user's [pipeline], not ours
    utc_now = now_utc()
    deal_ids, open_ids = [], []
    for org, amount, created, closed, outcome, close_in in DEAL_STORY:
        person = people[org]  # the first person of company `org`
        code = CURRENCY[COMPANIES[org][4]]
        close_day = (utc_now - timedelta(days=closed) if closed is not None
                     else utc_now + timedelta(days=close_in) if close_in is not None else None)
        if outcome == "won":
            path = [*pipeline[1:], "won"]
        elif outcome == "lost":
            path = [*pipeline[1:2], "lost"]
        else:
            path = pipeline[1:min(outcome, len(pipeline) - 1) + 1]
        end = utc_now - timedelta(days=closed if closed is not None else 1)
        times = _spread(utc_now - timedelta(days=created), end, len(path))
        mark = _last_activity()
        d = deals.create({"title": f"{DEALS[len(deal_ids) % len(DEALS)]} for {person['company']}",
                          "contact": person["id"], "amount": amount, "currency": code,
                          "expected_close": close_day.date().isoformat() if close_day else None})
        reason = LOST_REASONS[len(deal_ids) % len(LOST_REASONS)]
        for k, stage in enumerate(path):
            mark = _backdate_activities(mark, times[k])
            deals.move(d["id"], stage, reason=reason if stage == "lost" else None)
        _backdate_activities(mark, times[-1])
        _backdate_deal(d["id"], times, closed=closed is not None)
        # the conversation around the deal: a call early on, an email or meeting later
        for k, (kind, body) in enumerate(TALK[len(deal_ids) % 3]):
            when = times[0] + (end - times[0]) * (k + 1) / 3
            activities.log(kind, body, contact=person["id"], company=person["company_id"], deal=d["id"],
                           occurred_at=when.replace(microsecond=0))
        deal_ids.append(d["id"])
        if outcome not in ("won", "lost"):
            open_ids.append(d["id"])
    ticket_states = ["new", "open", "pending", "resolved", "closed", "open", "new", "pending"]
    for n, subject in enumerate(TICKETS * 2):
        person = people[ACTIVE[n % len(ACTIVE)] + 15 * (n % 3)]  # quiet customers raise no tickets
        t = tickets.create({"subject": subject, "contact": person["id"], "priority": ["normal", "high", "low", "urgent"][n % 4],
                            "channel": ["phone", "email", "walk-in", "web"][n % 4],
                            "description": f"{person['name']} reported: {subject.lower()}."})
        if ticket_states[n % 8] != "new":
            tickets.comment(t["id"], "Looked into it; will update shortly.")
            if ticket_states[n % 8] != "open":
                tickets.set_status(t["id"], ticket_states[n % 8])
    offsets = [-3, -2, -1, -1, 0, 0, 0, 1, 2, 3, 5, 7, 10, 14]
    for n, days in enumerate(offsets):
        person = people[(n * 7 + 2) % len(people)]
        due = (now + timedelta(days=days)).replace(hour=9 + n % 8, minute=0 if n % 2 else 30, second=0, microsecond=0)
        followups.create(rnd.choice(["Call back about quote", "Send proposal", "Check in after install",
                                     "Chase invoice", "Book site visit"]),
                         due=due, contact=None if n % 3 == 0 else person["id"],
                         deal=open_ids[n % len(open_ids)] if n % 3 == 0 else None,
                         priority=["normal", "high", "low", "urgent"][n % 4], every="1m" if n == 5 else None)
    for n, org in enumerate(ACTIVE * 2):  # lately: the customers still in touch
        person = people[org + 15 * (n % 2)]
        activities.log(["call", "email", "meeting", "note"][n % 4],
                       ["Discussed next quarter's plans", "Sent brochure", "On-site visit", "Prefers calls after 2pm"][n % 4],
                       contact=person["id"], company=person["company_id"],
                       occurred_at=(utc_now - timedelta(days=2 + 3 * n, hours=n)).replace(microsecond=0))
    return {"companies": len(org_ids), "contacts": len(people), "deals": len(deal_ids), "tickets": len(TICKETS) * 2,
            "followups": len(offsets)}



def _spread(start, end, moves: int) -> list:
    """A deal's creation at start and its stage changes evenly after, the last at end."""
    return [(start + (end - start) * k / max(moves, 1)).replace(microsecond=0) for k in range(moves + 1)]


def _last_activity() -> int:
    return Activity.select(fn.MAX(Activity.id)).scalar() or 0


def _backdate_activities(after_id: int, when) -> int:
    """Date what the services just logged (a deal's status lines, a contact becoming a
    customer) at the time the story says it happened; returns the new high mark."""
    Activity.update(occurred_at=when).where(Activity.id > after_id).execute()
    return _last_activity()


def _backdate_deal(deal_id: int, times: list, closed: bool) -> None:
    """The deal's stage history and timestamps, made just now by the services, at the story's times."""
    steps = list(DealStage.select().where(DealStage.deal == deal_id).order_by(DealStage.id))
    for k, step in enumerate(steps):
        DealStage.update(entered_at=times[k], left_at=times[k + 1] if k + 1 < len(steps) else None).where(
            DealStage.id == step.id).execute()
    Deal.update(created_at=times[0], updated_at=times[-1], closed_at=times[-1] if closed else None).where(
        Deal.id == deal_id).execute()
