"""The Typer application object and how failures become one line and an exit code.

Exit codes: 0 ok, 1 domain error (not found, invalid, duplicate), 2 usage,
3 database or file error, 130 interrupted.
"""
from __future__ import annotations

import typer
from typer.core import TyperGroup

from db import store
from db.errors import CrmError, StoreError


def fail(message: str, code: int):
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


class CrmGroup(TyperGroup):
    """Turns every error raised below a command into one line on stderr."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CrmError as exc:
            fail(str(exc), 1)
        except StoreError as exc:
            fail(str(exc), 3)
        except store.DATABASE_ERRORS as exc:
            fail(f"{store.describe()}: {exc}", 3)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"{where}{exc.strerror or exc}", 3)


def sub_app(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None)


app = typer.Typer(cls=CrmGroup, help="crm: a terminal CRM for small businesses.",
                  invoke_without_command=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})


def given(**values) -> dict:
    """Only the options the user actually gave (None means left out)."""
    return {k: v for k, v in values.items() if v is not None}
