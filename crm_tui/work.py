"""Running store calls off the UI thread, and showing their failures in one place."""
from __future__ import annotations

from typing import Any, Callable

from textual.widget import Widget

from crm_tui.modals import ErrorModal
from db.errors import CrmError, StoreError
from db.store import DATABASE_ERRORS


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, (CrmError, StoreError)):
        return str(exc)
    if isinstance(exc, DATABASE_ERRORS):
        return f"database: {exc}"
    return f"{type(exc).__name__}: {exc}"


def run_in_thread(widget: Widget, call: Callable[[], Any], done: Callable[[Any], None] | None = None,
                  group: str = "db", exclusive: bool = True,
                  failed: Callable[[Exception], None] | None = None) -> None:
    """Run call() in a worker thread; hand its result to done() on the UI thread, or
    its exception to failed() there (default: the error modal). exclusive: a newer
    call in the same group cancels the older."""
    app = widget.app

    def job():
        try:
            result = call()
        except Exception as exc:  # every failure becomes one readable modal (or failed's handling)
            if failed is not None:
                app.call_from_thread(failed, exc)
            else:
                app.call_from_thread(show_error, app, describe_error(exc))
            return
        if done is not None:
            app.call_from_thread(done, result)

    widget.run_worker(job, thread=True, exclusive=exclusive, group=group)


def show_error(app, message: str) -> None:
    app.push_screen(ErrorModal(message))
