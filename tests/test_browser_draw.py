"""The Draw page in a real browser: ``streamlit run app.py``, Chromium, strokes drawn with the mouse.

Reads the shipped default run (artifacts/default_run/), so it also checks that the model the app
ships reads a mouse drawing of ``1``, ``-``, ``+`` and ``0``.
"""

import os
import re
from pathlib import Path

import pytest

from browser_support import REPO, SYMBOL_STROKES, draw_with_mouse, free_port, streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOOLBAR_HEIGHT = 48  # the canvas toolbar covers the canvas's top edge on hover and takes the clicks
WAIT_MS = 90_000  # a cold start loads tensorflow and the model on the first stroke
DEFAULT_RUN = REPO / "artifacts" / "default_run"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium is not installed at {CHROMIUM} (scripts/test.sh installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run the browser test")
    pytest.skip(message)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    _require_chromium()
    if not (DEFAULT_RUN / "model.keras").is_file():
        pytest.fail(f"the shipped default run is missing: {DEFAULT_RUN}/model.keras")
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_app(free_port(), log) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # Open the app's root once: until app.py has run in the server process, Streamlit serves
        # a deep link like /draw from the pages/ folder without the app's navigation.
        page = browser.new_page()
        page.goto(app_url)
        page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=WAIT_MS)
        page.close()
        yield browser
        browser.close()


@pytest.fixture
def draw_page(browser, app_url):
    """A fresh session on the Draw page, its canvas ready."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/draw")
    page.locator("canvas.upper-canvas").wait_for(timeout=WAIT_MS)
    page.get_by_text("draw a symbol").wait_for(timeout=WAIT_MS)  # blank canvas: no guess
    yield page
    page.close()


@pytest.mark.parametrize("name", ["1", "-", "+", "0"])
def test_mouse_drawing_gets_the_right_top_guess(draw_page, name):
    from playwright.sync_api import expect

    canvas = draw_page.locator("canvas.upper-canvas")
    draw_with_mouse(draw_page, canvas.bounding_box(), SYMBOL_STROKES[name], top_skip=TOOLBAR_HEIGHT)
    # The guess follows every stroke; after the last one it must settle on the symbol drawn.
    expect(draw_page.locator(".st-key-top_guess")).to_contain_text(
        re.compile(rf"Top guess: {re.escape(name)}(\s|$)"), use_inner_text=True, timeout=WAIT_MS)
