"""crm import and crm export: moving data in and out."""
from __future__ import annotations

import sys
from typing import List

import typer

from cli.app import app, fail
from cli.output import Format, print_json, print_rows, print_section, say
from importers.export import export as write_export
from importers.export import export_mailing


def _progress():
    """A progress bar on stderr when a person is watching."""
    if sys.stderr is None or not sys.stderr.isatty():  # None: started with stderr closed
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

    # Redrawn on each update rather than by rich's refresh thread: a big import forks a
    # row checker, which is only safe while this process runs no other thread.
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True, auto_refresh=False)
    tasks = {}

    def update(sheet, done, total=None):
        if sheet not in tasks:
            tasks[sheet] = bar.add_task(sheet, total=total)
        bar.update(tasks[sheet], completed=done, total=total, description=f"{sheet}: {done:,} rows", refresh=True)
    return bar, update


@app.command("import", context_settings={"allow_interspersed_args": True})
def import_cmd(
    target: str = typer.Argument(..., metavar="FILE|list|revert", help="A .xlsx or .csv file; or `list`; or `revert BATCH`."),
    rest: List[str] = typer.Argument(None, hidden=True, metavar="BATCH"),
    entity: str = typer.Option(None, "--entity", help="contact, company, deal, ticket or followup (default: from the headers)."),
    sheet: str = typer.Option(None, "--sheet", help="Sheet name or 1-based index (default: every sheet)."),
    mapping: str = typer.Option(None, "--mapping", help="TOML/JSON file mapping headers to fields."),
    save_mapping: str = typer.Option(None, "--save-mapping", help="Write the mapping used to this file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Run everything, report, change nothing."),
    on_duplicate: str = typer.Option("update", "--on-duplicate", help="update (fill empty fields), skip or create."),
    match: str = typer.Option(None, "--match", help="Keys that find an existing contact: email,phone,external_id,name."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Let the file replace values already set."),
    errors: str = typer.Option(None, "--errors", help="Write rejected rows with a reason column (.xlsx or .csv)."),
    strict: bool = typer.Option(False, "--strict", help="Any rejected row fails the whole import: nothing is written."),
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
):
    """Import contacts, companies, deals, tickets or follow-ups from a spreadsheet.

    Exit 0 when the import committed, even if it rejected some rows (counted, listed
    on stderr and written to --errors). Exit 1, with nothing written, when rows were
    rejected and --strict is given or no row got in, or the file has no rows at all
    (a re-run whose rows are all there already is exit 0); 3 when the file or the store
    fails part-way (what was written is taken back out); 130 on Ctrl+C (likewise).

    `crm import list` shows past imports; `crm import revert BATCH` undoes one.
    """
    # imported here, not at the top: the import pipeline cost every other command (export too) ~50 ms
    from db.services import imports
    from importers.pipeline import ImportRejected, errors_target, import_file

    if target == "list" and not rest:
        print_rows(imports.list_batches(), fmt, ["batch", "created_at", "file", "entity", "status", "created",
                                                 "updated", "skipped", "rejected"])
        return
    if target == "revert":
        if not rest or len(rest) != 1:
            raise typer.BadParameter("usage: crm import revert BATCH")
        outcome = imports.revert(rest[0])
        for item in outcome["left"]:
            say(f"left alone: {item['type']} {item['id']} ({item['reason']})")
        if fmt == Format.json:
            print_json(outcome)
        else:
            say(f"batch {outcome['batch']}: reverted {outcome['reverted']} record(s), left {len(outcome['left'])}")
        return
    if rest:
        raise typer.BadParameter(f"unexpected argument {rest[0]!r}")
    if errors:
        errors_target(errors)  # before importing: a bad path must not leave a finished import without its errors
    bar, progress = _progress()
    if bar:
        bar.start()
    failed = None
    try:
        result = import_file(target, entity=entity, sheet=sheet, mapping=mapping, save_mapping=save_mapping,
                             dry_run=dry_run, on_duplicate=on_duplicate, overwrite=overwrite, strict=strict,
                             progress=progress, match=[k.strip() for k in match.split(",")] if match else None)
    except ImportRejected as exc:
        failed, result = exc, exc.result
    except KeyboardInterrupt:  # what was written is already taken back out
        fail("interrupted; nothing imported", 130)
    finally:
        if bar:
            bar.stop()
    _report(target, result, fmt, errors, mapping)
    if failed:
        fail(str(failed), 1)
    prefix = "dry run (nothing written): would have " if dry_run else f"batch {result.batch}: "
    say(f"{prefix}{result.created} created, {result.updated} updated, {result.skipped} skipped, "
        f"{result.rejected} rejected in {result.seconds:.1f} s")


def _report(target: str, result, fmt: Format, errors: str | None, mapping: str | None = None) -> None:
    """The summary on stdout; notes and rejected rows on stderr; the errors file. A dry
    run also shows where every column went (a field, notes, or nowhere) and why."""
    from importers.headers import load_mapping
    from importers.mapping_report import describe
    from importers.pipeline import write_errors

    for warning in result.warnings:
        say(f"note: {warning}")
    summary = result.summary()
    columns = describe(result, load_mapping(mapping) if mapping else None) if result.dry_run else None
    if fmt == Format.json:
        print_json({**summary, "mapping": columns} if columns is not None else summary)
    else:
        print_rows([{k: summary[k] for k in ("batch", "created", "updated", "skipped", "rejected")}], fmt,
                   ["batch", "created", "updated", "skipped", "rejected"])
        if fmt == Format.table and columns:
            for sheet, m in columns.items():
                print_section(f"sheet {sheet!r} ({m['entity']}): where each column goes",
                              [{"column": c["column"], "goes_to": c["to"], "why": c["why"]} for c in m["columns"]],
                              ["column", "goes_to", "why"])
        if fmt == Format.table:
            for e in result.errors:
                where = f"sheet {e.sheet!r}, row {e.row}" + (f", column {e.column!r}" if e.column else "")
                say(f"rejected: {target}: {where}: {e.reason}")
    if errors and (result.errors or result.kept):  # kept rows too: a value of theirs is only in notes
        write_errors(result, errors)
        say(f"rejected rows written to {errors}")


@app.command("export")
def export_cmd(
    path: str = typer.Argument(..., metavar="FILE", help="Ends in .xlsx (a sheet per entity), .csv, .json, "
                               ".vcf (contacts) or .ics (follow-ups); a folder with --vdir."),
    entity: List[str] = typer.Option(None, "--entity", help="contact, company, deal, ticket, followup, activity, "
                                     "stage_history (repeat; default all)."),
    layout: str = typer.Option(None, "--layout", help="google or outlook: contacts in the CSV layout that tool imports."),
    vdir: bool = typer.Option(False, "--vdir", help="FILE is a folder: FOLDER/contacts/*.vcf, FOLDER/followups/*.ics, "
                              "one record per file (what vdirsyncer syncs to a phone)."),
    query: str = typer.Option(None, "--search", "-s", help="Only records matching this text."),
    tag: str = typer.Option(None, "--tag", help="Only records with this tag."),
    stage: str = typer.Option(None, "--stage", help="Contacts in this stage, deals in this pipeline stage."),
    status: str = typer.Option(None, "--status", help="Deals, tickets or follow-ups in this status."),
    owner: str = typer.Option(None, "--owner", help="Only records this user owns."),
    since: str = typer.Option(None, "--since", help="Created on or after this date."),
    until: str = typer.Option(None, "--until", help="Created on or before this date."),
    segment: str = typer.Option(None, "--segment", help="The contacts of this saved segment (crm segment list)."),
    mailing: bool = typer.Option(False, "--mailing", help="A mailing list (.csv): one row per deliverable address "
                                 "(email, first_name, last_name, name, company, title, stage, tags); "
                                 "do-not-contact people and duplicate addresses left out and counted on stderr."),
):
    """Export records to .xlsx, .csv or .json (the timeline and deal stage history too).

    Contacts in .xlsx, .csv and .json carry do_not_contact; --mailing never lists those people."""
    from db.services.common import now_local
    from db.validate import parse_date

    if layout is not None and layout.strip().lower() not in ("google", "outlook"):
        raise typer.BadParameter(f"{layout!r} is not one of: google, outlook", param_hint="--layout")
    today = now_local().date()
    if mailing:
        for given_, option in ((entity and entity != ["contact"] and entity != ["contacts"], "--entity"),
                               (layout, "--layout"), (vdir, "--vdir"), (status, "--status")):
            if given_:
                raise typer.BadParameter(f"a mailing list is contacts in one CSV layout; drop {option}",
                                         param_hint="--mailing")
        result = export_mailing(path, query=query, tag=tag, stage=stage, owner=owner, segment=segment,
                                since=parse_date(since, "since", today) if since else None,
                                until=parse_date(until, "until", today) if until else None)
        say(f"exported to {path}: {result['addresses']} addresses")
        left = result["left_out"]
        say(f"left out: {left['do_not_contact']} do-not-contact, {left['no_email']} without an email, "
            f"{left['undeliverable']} undeliverable, {left['duplicate']} duplicate")
        return
    counts = write_export(path, entity or None, layout=layout, vdir=vdir, query=query, tag=tag, stage=stage, status=status, owner=owner,
                          since=parse_date(since, "since", today) if since else None,
                          until=parse_date(until, "until", today) if until else None, segment=segment)
    say(f"exported to {path}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


