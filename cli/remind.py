"""crm remind (the cron entry point) and crm next (what to do now)."""
from __future__ import annotations

import os
import shlex
import shutil
import sys
from datetime import datetime

import typer

from cli.app import app, fail
from cli.output import Format, print_json, print_rows, say, with_contact
from cli.user import MineOption, owner_or_mine
from db import store
from db import validate
from db.config import get_config
from db.errors import Invalid
from db.services import followups, reminders, urgency
from db.services.common import set_clock


def pin_clock(now: str | None) -> None:
    """--now: an ISO time; without an offset it is local time in the configured timezone."""
    if not now:
        return
    try:
        when = datetime.fromisoformat(now)
    except ValueError:
        raise Invalid("now", f"{now!r} is not an ISO time like 2026-11-24T09:00 or 2026-11-24T09:00+01:00") from None
    validate.in_range(when, "now", now)
    set_clock(when if when.tzinfo else when.replace(tzinfo=get_config().tz))


def _crm_executable() -> str:
    argv0 = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.basename(argv0) == "crm" and os.access(argv0, os.X_OK):
        return argv0
    return shutil.which("crm") or f"{sys.executable} -m cli"


def install_text() -> str:
    crm = _crm_executable()
    db = shlex.quote(store.describe())
    return f"""# crm reminders. Pick one of the two ways below; nothing has been changed.
#
# 1. cron (crontab -e): every 5 minutes; cron mails whatever it prints, and
#    crm remind prints nothing when nothing is due. To have it mail you rather than
#    your login's mailbox, put your address in this line and remove its "# ":
# MAILTO=you@example.com
*/5 * * * * {crm} --db {db} remind
#    or, to send through the [smtp] settings in {get_config().path or 'your config file'}:
# */5 * * * * {crm} --db {db} remind --email
#
# 2. a systemd user timer: save these two files, then
#    systemctl --user daemon-reload && systemctl --user enable --now crm-remind.timer
#
# ~/.config/systemd/user/crm-remind.service
[Unit]
Description=crm follow-up reminders

[Service]
Type=oneshot
ExecStart={crm} --db {db} remind --email

# ~/.config/systemd/user/crm-remind.timer
[Unit]
Description=Run crm remind every 5 minutes

[Timer]
OnCalendar=*:0/5
Persistent=true

[Install]
WantedBy=timers.target
"""


@app.command("remind")
def remind(
    now: str = typer.Option(None, "--now", help="Pretend it is this ISO time (for testing schedules)."),
    fmt: str = typer.Option("text", "--format", "-f", help="text (a digest) or json."),
    email: bool = typer.Option(False, "--email", help="Send each owner their reminders by SMTP (see [smtp] in config)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; record nothing."),
    lead: str = typer.Option(None, "--lead", help="Remind this long before the due time, e.g. 30m (default from config)."),
    install: bool = typer.Option(False, "--install", help="Print a crontab line and a systemd timer; change nothing."),
):
    """Deliver due follow-up reminders, each exactly once. Prints nothing when nothing is due."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    if install:
        typer.echo(install_text(), nl=False)
        return
    pin_clock(now)
    errors: list[str] = []

    def deliver(items):
        if email:
            failed, problems = reminders.email_digests(items)
            errors.extend(problems)
            return failed
        if fmt == "json":
            print_json(items)
        else:
            typer.echo(reminders.digest_text(items), nl=False)
        sys.stdout.flush()
        return ()

    result = reminders.run(deliver, "email" if email else "stdout", reminders.lead_time(lead), dry_run=dry_run)
    if dry_run:
        if fmt == "json":
            print_json(result.items)
        elif result.items:
            typer.echo(reminders.digest_text(result.items), nl=False)
    elif fmt == "json" and (email or not result.items):
        print_json(result.items)  # only what was sent; stdout delivery has printed its items already
    if errors:
        for line in errors[:-1]:
            typer.echo(f"error: {line}", err=True)
        fail(errors[-1], 3)


@app.command("next")
def next_cmd(
    limit: int = typer.Option(10, "--limit", "-n", min=0, max=validate.MAX_INT64, help="How many (0 = all)."),
    explain: bool = typer.Option(False, "--explain", help="Show the parts of each score."),
    owner: str = typer.Option(None, "--owner", help="Only follow-ups this user owns."),
    mine: bool = MineOption,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format: table, json or csv."),
):
    """Open follow-ups ranked by urgency, most urgent first.

    \b
    The score adds five parts (higher is more urgent):
      due       overdue 8 + 0.5 a day (max 15); today 6; within a week 6 x (1 - days/7)
      priority  urgent 6, high 4, normal 1.5, low 0
      deal      the linked open deal's amount x probability: 2 x log10(1 + value/100), max 5
      ticket    the linked open ticket's priority (urgent 4, high 2.5, normal 1), +3 when due within 24 h
      neglect   a point per week since the contact's last activity (max 4)
    """
    show_ranked(urgency.ranked(limit or None, owner_or_mine(owner, mine)), fmt, explain)


def show_ranked(rows: list[dict], fmt: Format, explain: bool) -> None:
    rows = followups.named(rows)
    if fmt == Format.json:
        print_json(rows)
        return
    # the name goes last: a CSV of `crm next` keeps its earlier columns in place
    flat = [{**{k: v for k, v in r.items() if k != "contact_name"}, **{f"+{k}": v for k, v in r["parts"].items()},
             "contact_name": r["contact_name"]} for r in rows]
    columns = ["urgency", "id", "due", "subject", "priority", "contact", "deal_id", "ticket_id"]
    if explain:
        columns[1:1] = [f"+{k}" for k in ("due", "priority", "deal", "ticket", "neglect")]
    flat = [{k: v for k, v in r.items() if k != "parts"} for r in flat]
    print_rows(with_contact(flat) if fmt == Format.table else flat, fmt, columns)
    if explain and fmt == Format.table:
        say("urgency = due + priority + deal + ticket + neglect (crm next --help explains each part)")
