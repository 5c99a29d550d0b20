"""How the main pages look, at a fixed size with the demo business and a pinned clock.
Regenerate after an intended change: pytest tests/test_tui_snapshots.py --snapshot-update"""
import pytest

from crm_tui.app import CrmApp
from db.services import demo


@pytest.fixture
def shop(crm_store, clock):
    clock(2026, 11, 23, 10, 0)
    demo.load()


async def ready(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_today(shop, snap_compare):
    assert snap_compare(CrmApp(), terminal_size=(120, 40), run_before=ready)


def test_contacts(shop, snap_compare):
    async def go(pilot):
        await pilot.press("2")
        await ready(pilot)
        await pilot.press("enter")
        await ready(pilot)
    assert snap_compare(CrmApp(), terminal_size=(120, 40), run_before=go)


def test_contact_detail(shop, snap_compare):
    async def go(pilot):
        pilot.app.open_contact(1)
        await ready(pilot)
    assert snap_compare(CrmApp(), terminal_size=(120, 40), run_before=go)


def test_pipeline_board(shop, snap_compare):
    async def go(pilot):
        await pilot.press("3")
        await ready(pilot)
    assert snap_compare(CrmApp(), terminal_size=(160, 40), run_before=go)
