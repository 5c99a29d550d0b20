"""Every test gets its own SQLite file and its own config (fixed timezone and region)."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from db import config, store
from db.services import common
from tests.postgres import pg_server, pg_url  # noqa: F401 (fixtures)

CONFIG = """
timezone = "Europe/London"
phone_region = "GB"
currency = "GBP"
owner = "sam"
"""


@pytest.fixture(autouse=True)
def crm_store(tmp_path, monkeypatch):
    db_path = tmp_path / "crm.db"
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG)
    monkeypatch.setenv("CRM_DB", str(db_path))
    monkeypatch.setenv("CRM_CONFIG", str(cfg))
    config.reload_config()
    store.open_store(str(db_path))
    yield db_path
    store.close_store()
    common.set_clock(None)
    config.reload_config()


@pytest.fixture
def set_config(crm_store):
    """Replace the test's config file: set_config('timezone = "America/New_York"')."""
    def write(text: str):
        (crm_store.parent / "config.toml").write_text(text)
        config.reload_config()
    return write


@pytest.fixture
def clock():
    """Pin 'now' to a local London time: clock(2026, 11, 23, 10, 0)."""
    def pin(*parts):
        common.set_clock(datetime(*parts, tzinfo=ZoneInfo("Europe/London")))
    return pin


class Cli:
    """Runs `crm ...` in-process against the test's store."""

    def __init__(self, db_path):
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args, code: int = 0):
        from cli.main import app

        result = self.runner.invoke(app, ["--db", str(self.db_path), *args], prog_name="crm")
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args, code: int = 0):
        return json.loads(self(*args, "--format", "json", code=code).stdout)


@pytest.fixture
def crm(crm_store):
    return Cli(crm_store)
