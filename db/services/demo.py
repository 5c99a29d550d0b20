"""A realistic sample business for trying crm out: a small IT-services shop's book."""
from __future__ import annotations

import random
from datetime import timedelta

from db.config import get_config
from db.models import Contact
from db.services import activities, companies, contacts, deals, followups, tickets
from db.services.common import now_local
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
TICKETS = ["Printer offline", "Cannot send email", "Wi-Fi drops every hour", "Laptop won't boot",
           "Password reset", "Till is very slow", "Backup failed last night", "New starter needs an account"]


def load(seed: int = 7) -> dict | None:
    """Fill an empty store with ~50 contacts, 15 companies, deals in every stage of
    the configured pipeline, open and overdue follow-ups and tickets in several
    states. A store that already has contacts is left alone (returns None), so
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
    stages = [*get_config().pipeline, "won", "lost"]  # the user's [pipeline], not ours
    deal_ids = []
    for n in range(24):
        person = people[(n * 3) % len(people)]
        d = deals.create({"title": f"{DEALS[n % len(DEALS)]} for {person['company']}", "contact": person["id"],
                          "amount": rnd.choice([800, 1500, 2400, 4800, 9600, 12000, 25000]),
                          "currency": "GBP" if n % 3 else "USD",
                          "expected_close": (now + timedelta(days=rnd.randint(5, 90))).date().isoformat()})
        target = stages[n % len(stages)]
        for stage in stages[1:stages.index(target) + 1] if target != "lost" else [*stages[1:2], "lost"]:
            if stage == "lost":
                deals.lost(d["id"], reason=rnd.choice(["went with a cheaper quote", "budget cut", "no reply"]))
            else:
                deals.move(d["id"], stage)
        deal_ids.append(d["id"])
    ticket_states = ["new", "open", "pending", "resolved", "closed", "open", "new", "pending"]
    for n, subject in enumerate(TICKETS * 2):
        person = people[(n * 5 + 1) % len(people)]
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
                         deal=deal_ids[n % len(deal_ids)] if n % 3 == 0 else None,
                         priority=["normal", "high", "low", "urgent"][n % 4], every="1m" if n == 5 else None)
    for n, person in enumerate(people[:20]):
        activities.log(["call", "email", "meeting", "note"][n % 4],
                       ["Discussed next quarter's plans", "Sent brochure", "On-site visit", "Prefers calls after 2pm"][n % 4],
                       contact=person["id"], company=person["company_id"])
    return {"companies": len(org_ids), "contacts": len(people), "deals": len(deal_ids), "tickets": len(TICKETS) * 2,
            "followups": len(offsets)}
