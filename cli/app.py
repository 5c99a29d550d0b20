"""The Typer application object and how failures become one line and an exit code.

Exit codes: 0 ok, 1 domain error (not found, invalid, duplicate), 2 usage,
3 database or file error, 130 interrupted.
"""
from __future__ import annotations

import os
import sys

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from cli.crash import crash_line
from db import store, taglist
from db.errors import CrmError, StoreError


def fail(message: str, code: int):
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


# Metavars in help: words, not Python types (`--email EMAIL`, not `--email <list[str]>`).
# An option not listed shows the last word of its name (--add-email EMAIL); an
# explicit metavar= on the option wins over both.
OPTION_WORDS = {
    "db": "PATH|URL", "owner": "USER", "assignee": "USER", "author": "USER", "notes": "TEXT", "note": "TEXT",
    "description": "TEXT", "reason": "TEXT", "search": "TEXT", "now": "TIME", "due": "WHEN", "when": "WHEN",
    "close": "DATE", "since": "DATE", "until": "DATE", "lead": "DURATION", "every": "INTERVAL", "for": "DURATION",
    "errors": "FILE", "mapping": "FILE", "save-mapping": "FILE", "match": "KEYS", "currency": "CODE",
    "on-duplicate": "ACTION", "probability": "PERCENT", "older-than": "DAYS", "untag": "TAG", "sort": "ORDER",
}


def _option_word(option: TyperOption) -> str:
    desc = option.type_descriptor
    if desc.is_choice and desc.choices:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    name = max(option.opts, key=len).lstrip("-")
    if name in OPTION_WORDS:
        return OPTION_WORDS[name]
    if desc.annotation is int:
        return "N"
    return name.rsplit("-", 1)[-1].upper()


class _WordArgument(TyperArgument):
    """An argument shown as its word (`REF`, `[QUERY]`), without Typer's `<str>` and braces."""

    def display_type_rich(self, ctx):
        return None

    def get_usage_pieces(self, ctx):
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return [name + ("..." if self.nargs != 1 else "")]


def _words_in_help(command) -> None:
    """Give every option and argument below `command` a word as its metavar."""
    for param in command.params:
        if isinstance(param, TyperOption) and param.metavar is None and not (param.is_flag or param.count):
            param.metavar = _option_word(param)
        elif isinstance(param, TyperArgument):
            param.__class__ = _WordArgument
            if param.metavar is None:
                param.metavar = param.name.upper()
    for sub in getattr(command, "commands", {}).values():
        _words_in_help(sub)


# Exceptions that are the command line's own way out (exit codes, usage errors).
_CLI_EXITS = (typer.Exit, typer.Abort, typer.TyperException)


class CrmGroup(TyperGroup):
    """The top of the CLI: help in words, and every failure below a command as one
    line on stderr with its exit code. A bug we have not found yet still never dumps a
    traceback on the user: it goes to a crash report and the user gets one line (exit 3)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _words_in_help(self)  # Typer builds the sub-commands first, so they are all here

    def main(self, *args, **kwargs):
        # Click prints a usage error as four lines (usage, hint, blank, error); a script
        # reading stderr gets one, like every other error, and still exit 2.
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except typer.TyperException as exc:  # click's usage errors, vendored by Typer
            message = exc.format_message()
            if getattr(exc, "ctx", None) is None or "\n" in message:  # e.g. `crm contact` alone: its help
                exc.show()
            else:
                typer.echo(f"error: {message} (see: {exc.ctx.command_path} --help)", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:  # ctrl-c or end of input at a prompt
            typer.echo("error: interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _CLI_EXITS:
            raise
        except CrmError as exc:
            fail(str(exc), 1)
        except StoreError as exc:
            fail(str(exc), 3)
        except store.DATABASE_ERRORS as exc:
            fail(f"{store.describe()}: {store.error_line(exc)}", 3)
        except BrokenPipeError:  # `crm ... | head`: the reader has all it wanted
            stdout_gone()
            raise typer.Exit(141)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"{where}{exc.strerror or exc}", 3)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:
            fail(crash_line(exc), 3)


def stdout_gone() -> None:
    """Point stdout at /dev/null, so the flush at exit does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


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


TAG_HELP = 'Repeatable; commas separate tags, a quoted part is one tag: --tag \'vip, "Webinar, Q3"\'.'


def typed_tags(options: list[str]) -> list[str]:
    """--tag values as typed -> the tags they name (the services never split a tag)."""
    return [tag for text in options for tag in taglist.split(text)]
