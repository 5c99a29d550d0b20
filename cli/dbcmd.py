"""crm db: where the store is, backing it up, checking and upgrading it."""
from __future__ import annotations

import typer

from cli.app import fail, sub_app
from cli.output import say
from db import store

app = sub_app("The store: path, backup, check, migrate.")


@app.command("path")
def path():
    """Print where the store is (file path or URL, password hidden)."""
    typer.echo(store.describe())


@app.command("backup")
def backup(dest: str = typer.Argument(..., help="The new backup file.")):
    """Copy the store safely while others may be writing (SQLite online backup)."""
    store.connect()
    out = store.backup(dest)
    say(f"backed up {store.describe()} to {out}")
    typer.echo(str(out))


@app.command("check")
def check():
    """Run SQLite's integrity and foreign-key checks; exit 3 on any problem."""
    store.connect()
    problems = store.check()
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        fail(f"{len(problems)} problem(s) in {store.describe()}", 3)
    say(f"ok: {store.describe()}")


@app.command("migrate")
def migrate():
    """Apply pending schema upgrades (they also run whenever the store opens)."""
    store.connect()
    say(f"schema up to date: {', '.join(store.applied_migrations())}")
