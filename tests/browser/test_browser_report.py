"""The KPI report in Chromium on a 375 px phone: every chart label at least 11 px high and
the page no wider than the screen (tables scroll inside their own box)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from playwright.sync_api import Browser

from handoff import migrations
from handoff.db import create_db_engine
from tests.integration.analytics.test_analytics_report import APP_PYTHON, scenario, write
from tools.benchmarks import synthetic_conversations as synthetic

PHONE = {"width": 375, "height": 812}
SMALLEST_TEXT_PX = 11.0


def report_page(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'shopdesk.db'}"
    engine = create_db_engine(url)
    migrations.upgrade(engine)
    synthetic.create_tables(engine)
    write(engine, scenario())
    engine.dispose()
    env = {**os.environ, "ANALYTICS_TRACKER_DB_URL": url, "HELPDESK_DATABASE_URL": url}
    subprocess.run(
        [APP_PYTHON, "-m", "analytics", "report", "--from", "2026-03-02", "--to", "2026-03-04",
         "--out", str(tmp_path / "out")],
        env=env, check=True, capture_output=True, timeout=120,
    )
    return next((tmp_path / "out").glob("*.html"))


def test_report_is_readable_on_a_phone(browser: Browser, tmp_path: Path) -> None:
    html = report_page(tmp_path)
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.goto(html.as_uri())
    sizes = page.eval_on_selector_all(
        "svg.chart text",
        """nodes => nodes.filter(n => n.textContent.trim()).map(n => {
            const box = n.getBoundingClientRect();
            const size = parseFloat(getComputedStyle(n).fontSize);
            const scale = n.getScreenCTM().a;
            return {text: n.textContent, px: size * scale, width: box.right};
        })""",
    )
    assert len(sizes) > 50  # the charts drew their labels
    small = [s for s in sizes if s["px"] < SMALLEST_TEXT_PX]
    assert small == [], small[:5]
    assert all(s["width"] <= PHONE["width"] for s in sizes), "a chart label runs off the screen"
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"]
    context.close()
