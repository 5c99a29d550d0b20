"""The Reports page, the deals board's cards and the command palette, driven by Pilot on
a real store holding a small story with known dates (the clock is pinned at each step)."""

import pytest

from crm_tui.app import CrmApp
from crm_tui.charts import BarChart
from crm_tui.screens.company_page import CompanyPage
from crm_tui.forms import DealForm
from db.display import money
from db.services import common, deals, reports
from tests.pilot import settle

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def story(crm_store, clock):
    """A year of a small IT shop: deals won and lost, two currencies, open deals closing
    over the next months (one overdue, one with no date), a customer gone quiet."""
    def at(month, day, year=2026):
        clock(year, month, day, 10, 0)

    at(2, 1)
    nordlys = deals.create({"title": "Studio network rebuild", "amount": "8800", "currency": "USD",
                            "company": "Nordlys Design", "stage": "proposal"})
    at(2, 20)
    deals.won(nordlys["id"])
    at(9, 1)
    vets = deals.create({"title": "Surgery Wi-Fi upgrade", "amount": "1500", "company": "Riverside Vets"})
    at(8, 20)
    till = deals.create({"title": "Till replacement", "amount": "2400", "company": "Sakura Florist"})
    at(10, 15)
    deals.won(vets["id"])
    at(11, 2)
    deals.lost(till["id"], "went quiet")
    at(11, 10)
    deals.create({"title": "Managed IT support for Harbour Bakery", "amount": "9600", "stage": "qualified",
                  "company": "Harbour Bakery", "expected_close": "2026-12-15"})
    deals.create({"title": "Website refresh", "amount": "2400", "currency": "USD", "company": "Café Lumière",
                  "expected_close": "2027-01-20"})
    deals.create({"title": "CCTV install", "amount": "4800", "stage": "negotiation", "company": "Riverside Vets",
                  "expected_close": "2026-11-12"})
    deals.create({"title": "Backup and recovery", "amount": "800", "stage": "proposal", "company": "Harbour Bakery"})
    at(11, 23)
    return crm_store



async def open_reports(pilot):
    await pilot.press("9")
    await settle(pilot, pilot.app)


def rows(app, selector) -> list[list[str]]:
    table = app.screen.query_one(selector)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def chart_lines(app, selector) -> list[str]:
    return app.screen.query_one(selector, BarChart).render().plain.splitlines()


async def test_reports_page_shows_what_the_services_say(story):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(pilot)
        assert app.screen.TITLE == "Reports"
        forecast = reports.forecast(months=6)
        lines = chart_lines(app, "#forecast")
        assert len(lines) == len(forecast) == 4  # overdue, Dec GBP, Jan USD, unscheduled
        for line, f in zip(lines, forecast):
            assert line.startswith(f"{f['month']} {f['currency']}")
            assert f"{money(f['weighted'], f['currency'])} of {money(f['total'], f['currency'])}" in line
        assert lines[0].startswith("overdue GBP") and "£4,800.00" in lines[0]
        pipeline = chart_lines(app, "#pipeline")
        assert [line.split("  ")[0] for line in pipeline] == [
            f"{p['stage']} {p['currency']}".ljust(len(pipeline[0].split("  ")[0]))
            for p in reports.pipeline_by_stage()]
        sales = reports.sales()
        assert (sales["won"], sales["lost"], sales["win_rate"]) == (1, 1, 0.5)  # the Wi-Fi won, the till lost
        text = str(app.screen.query_one("#sales").render())
        assert "Win rate  50%  (1 won, 1 lost)" in text and "went quiet" in text
        top = reports.customers(limit=10)
        assert [r[0] for r in rows(app, "#top-customers")] == [c["name"] for c in top]
        assert [r[0] for r in rows(app, "#at-risk")] == [c["name"] for c in reports.customers(segment="at_risk")]
        assert [r[0] for r in rows(app, "#at-risk")] == ["Nordlys Design"]  # won in February, quiet since


async def test_enter_on_a_customer_opens_its_page(story):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(pilot)
        first = reports.customers(limit=10)[0]
        assert app.focused.id == "top-customers"
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, CompanyPage) and app.screen.record_id == first["id"]
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("tab")  # to the at-risk list
        assert app.focused.id == "at-risk"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen.record["name"] == "Nordlys Design"


async def test_tab_walks_the_panels_and_r_reloads(story):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_reports(pilot)
        seen = []
        for _ in range(5):
            await pilot.press("tab")
            seen.append(app.focused.id)
        assert seen == ["at-risk", "forecast-panel", "sales-panel", "pipeline-panel", "top-customers"]
        before = chart_lines(app, "#forecast")
        deals.create({"title": "Printer fleet", "amount": "3000", "currency": "EUR", "company": "Harbour Bakery",
                      "expected_close": "2027-02-01"})  # as another process would
        assert chart_lines(app, "#forecast") == before
        await pilot.press("r")
        await settle(pilot, app)
        assert any(line.startswith("2027-02 EUR") and "€3,000.00" in line for line in chart_lines(app, "#forecast"))


async def test_board_card_shows_the_whole_title_company_and_amount_at_120_columns(story):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        table = app.screen.query_one("#stage-qualified")
        card = table.get_row_at(0)[0].plain.splitlines()
        assert " ".join(card[:-2]) == "Managed IT support for Harbour Bakery"
        assert card[-2:] == ["Harbour Bakery", "£9,600.00"]
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing cut off at the side
        await pilot.press("right", "w")  # the focus starts on the board: w wins the card under the cursor
        await settle(pilot, app)
        assert deals.show(deals.list_(query="Managed IT").rows[0]["id"])["stage"] == "won"


async def test_palette_lists_the_page_actions_and_runs_one(story):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.press(*"deals: add")
        await settle(pilot, app)
        options = app.screen.query_one("CommandList")
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Deals: Add" in t for t in texts), texts
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, DealForm)


def test_reports_snapshot(story, snap_compare):
    async def go(pilot):
        await open_reports(pilot)
    assert snap_compare(CrmApp(), terminal_size=(120, 40), run_before=go)
