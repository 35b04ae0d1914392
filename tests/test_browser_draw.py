"""The Draw page in a real browser: ``streamlit run app.py``, Chromium, strokes drawn with the mouse.

Reads the shipped default run (artifacts/default_run/), so it also checks that the model the app
ships reads a mouse drawing of ``1``, ``-``, ``+`` and ``0``, shows a digit's top five as five bars,
turns down a dot and a scribble, and learns a new shape from ten saved drawings. Runs and drawings
the test makes go to folders of its own.
"""

import os
import re
from pathlib import Path

import pytest

import numpy as np

from browser_support import REPO, SCRIBBLE, SPIRAL, SYMBOL_STROKES, draw_with_mouse, free_port, jitter, streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOOLBAR_HEIGHT = 48  # the canvas toolbar covers the canvas's top edge on hover and takes the clicks
WAIT_MS = 90_000  # a cold start loads tensorflow and the model on the first stroke
FINETUNE_MS = 600_000  # fine-tuning the shipped cnn on a shared 2-core machine
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
    folder = tmp_path_factory.mktemp("streamlit")
    env = {"MATHDASH_RUNS_DIR": str(folder / "runs"), "MATHDASH_EXAMPLES_DIR": str(folder / "examples"),
           "MATHDASH_JOBS": "process"}  # as the app runs by default (the suite's default is "thread")
    with streamlit_app(free_port(), folder / "server.log", env=env) as url:
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


def _draw(page, strokes) -> None:
    """Draw on the canvas shown now (a save replaces it with a new, empty one)."""
    from playwright.sync_api import expect

    _settled(page)
    canvases = page.locator("canvas.upper-canvas")
    expect(canvases).to_have_count(1, timeout=WAIT_MS)  # the replaced canvas has left the page
    canvas = canvases.last
    canvas.wait_for(timeout=WAIT_MS)
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(200)  # the page may still scroll after a rerun: read the box once it rests
    draw_with_mouse(page, canvas.bounding_box(), strokes, top_skip=TOOLBAR_HEIGHT)


def _settled(page) -> None:
    """Wait until the script run that a stroke or a click started has finished."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=WAIT_MS)


def test_digit_chart_shows_five_named_bars(draw_page):
    from playwright.sync_api import expect

    _draw(draw_page, SYMBOL_STROKES["1"])
    expect(draw_page.locator(".st-key-top_guess")).to_contain_text("Top guess: 1", timeout=WAIT_MS)
    chart = draw_page.locator('[data-testid="stPlotlyChart"]').first
    ticks = chart.locator(".yaxislayer-above .ytick text")
    expect(ticks).to_have_count(5, timeout=WAIT_MS)  # numbers on a numeric axis showed 0/5/10
    assert "1" in ticks.all_text_contents()
    expect(chart.locator(".bars .point")).to_have_count(5)


def test_only_the_canvas_tools_that_work_here_are_shown(draw_page):
    from playwright.sync_api import expect

    draw_page.locator("canvas.upper-canvas").hover()
    for name in ("Undo", "Redo", "Reset canvas & history"):
        expect(draw_page.get_by_role("button", name=name)).to_have_count(1)
    for name in ("Update the app with this drawing", "Edit"):
        expect(draw_page.get_by_role("button", name=name)).to_be_hidden()


def test_a_dot_gets_no_guess(draw_page):
    from playwright.sync_api import expect

    _draw(draw_page, [[(0.5, 0.5), (0.503, 0.5)]])
    expect(draw_page.get_by_text("a dot (or a filled blob) is not one of the symbols")).to_be_visible(timeout=WAIT_MS)
    expect(draw_page.locator(".st-key-top_guess")).to_have_count(0)


def test_a_scribble_gets_not_sure(draw_page):
    from playwright.sync_api import expect

    _draw(draw_page, SCRIBBLE)
    expect(draw_page.locator(".st-key-top_guess")).to_contain_text("Not sure: not a symbol?", timeout=WAIT_MS)


def test_teach_loop_ten_drawings_fine_tune_and_the_guess_changes(draw_page):
    from playwright.sync_api import expect

    rng = np.random.default_rng(5)
    _draw(draw_page, SPIRAL)
    guess = draw_page.locator(".st-key-top_guess")
    expect(guess).to_contain_text("Top guess:", timeout=WAIT_MS)
    assert "λ" not in guess.inner_text()  # the shipped model has never seen this spiral as lambda
    for count in range(1, 11):
        if count > 1:
            _draw(draw_page, jitter(SPIRAL, rng, amount=0.6))
        save = draw_page.locator(".st-key-teach_save button")
        save.wait_for(timeout=WAIT_MS)
        _settled(draw_page)
        draw_page.locator(".st-key-teach_label").click()
        draw_page.keyboard.type("lambda")
        draw_page.keyboard.press("Enter")
        expect(draw_page.locator(".st-key-teach_label input")).to_have_value("λ (lambda)")
        save.click()
        expect(draw_page.get_by_text(f"{count} saved drawing")).to_be_visible(timeout=WAIT_MS)
    draw_page.locator(".st-key-teach_finetune button").click()
    activate = draw_page.locator(".st-key-teach_activate button")
    activate.wait_for(timeout=FINETUNE_MS)
    scores = draw_page.locator(".st-key-teach_scores")
    # The job's end reruns the page; under load the rerun may redraw the table after the button.
    expect(scores).to_contain_text("your drawings", timeout=WAIT_MS)
    expect(scores).to_contain_text("100.0%")  # after, on the ten drawings it was tuned on
    activate.click()
    expect(draw_page.get_by_text("is the active model")).to_be_visible(timeout=WAIT_MS)
    expect(draw_page.locator(".st-key-draw_run input")).to_have_value(re.compile("finetune.*· active"))
    _draw(draw_page, jitter(SPIRAL, np.random.default_rng(99), amount=0.6))
    expect(draw_page.locator(".st-key-top_guess")).to_contain_text("Top guess: λ", timeout=WAIT_MS)
