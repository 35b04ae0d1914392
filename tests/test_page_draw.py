"""The Draw page under AppTest: a seeded canvas, an upload, a missing or broken run."""

import base64
import io
import shutil
import subprocess
import sys

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

import mathdash.runs
from browser_support import REPO, SYMBOL_STROKES, render_strokes, save_tiny_run

PAGE = str(REPO / "pages" / "draw.py")
TIMEOUT = 60

pytestmark = pytest.mark.slow  # every test here trains or loads a network


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    return save_tiny_run(tmp_path_factory.mktemp("runs"))


@pytest.fixture
def store(tiny_store, monkeypatch):
    """The page's ``RunStore()`` is the tiny test store; no model stays cached between tests."""
    store, _ = tiny_store
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: store)
    st.cache_resource.clear()
    yield store
    st.cache_resource.clear()


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _canvas_state(pixels: np.ndarray) -> dict:
    """What the canvas component sends back after a stroke: its drawing as a PNG data URL."""
    url = "data:image/png;base64," + base64.b64encode(_png(pixels)).decode("ascii")
    return {"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": url}}


def _page(canvas: np.ndarray | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if canvas is not None:
        at.session_state["draw_canvas"] = _canvas_state(canvas)
    return at.run()


def _top_guess(at: AppTest) -> str | None:
    shown = [m.value for m in at.markdown if m.value.startswith("### Top guess:")]
    return shown[0].removeprefix("### Top guess: ").strip("`") if shown else None


def test_blank_canvas_asks_for_a_drawing(store):
    at = _page()
    assert not at.exception
    assert at.selectbox(key="draw_run").value == "tiny"  # the active run
    assert any("draw a symbol" in info.value for info in at.info)
    assert _top_guess(at) is None and len(at.image) == 0


@pytest.mark.parametrize("name", ["+", "0"])
def test_seeded_drawing_shows_top_guess_model_input_and_commands(store, name):
    at = _page(render_strokes(SYMBOL_STROKES[name], width=14))
    assert not at.exception
    assert _top_guess(at) == name
    assert len(at.image) == 1  # the 45x45 model input beside the canvas
    assert len(at.latex) == 4 and len(at.code) == 4  # the tiny run knows 4 classes: all ranked
    assert at.code[0].value == name
    assert not at.info


def test_upload_is_read_and_a_corrupt_one_gets_a_message(store):
    at = _page()
    at.radio(key="draw_source").set_value("Upload a picture").run()
    ink = render_strokes(SYMBOL_STROKES["-"], width=6)[..., 3]
    at.file_uploader(key="draw_upload").set_value(("minus.png", _png(255 - ink), "image/png")).run()
    assert not at.exception and _top_guess(at) == "-"
    at.file_uploader(key="draw_upload").set_value(("broken.png", b"\x89PNG not an image", "image/png")).run()
    assert not at.exception and _top_guess(at) is None
    assert "broken.png cannot be read" in at.error[0].value


def test_no_run_and_a_broken_run_get_messages(tiny_store, monkeypatch, tmp_path):
    store, run_id = tiny_store
    empty = mathdash.runs.RunStore(tmp_path / "none", default_dir=None)
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: empty)
    at = _page(render_strokes(SYMBOL_STROKES["+"], width=14))
    assert not at.exception and "No saved model" in at.error[0].value
    assert len(at.image) == 1 and _top_guess(at) is None  # the drawing is still prepared

    broken = mathdash.runs.RunStore(tmp_path / "broken", default_dir=None)
    shutil.copytree(store.path_of(run_id), broken.root / "damaged")
    (broken.root / "damaged" / "model.keras").write_bytes(b"not a zip")
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: broken)
    st.cache_resource.clear()
    at = _page(render_strokes(SYMBOL_STROKES["+"], width=14))
    assert not at.exception and "cannot be loaded" in at.error[0].value
    assert _top_guess(at) is None


def test_page_does_not_import_tensorflow_before_a_drawing():
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({PAGE!r}, default_timeout={TIMEOUT}).run()\n"
        "assert not at.exception, at.exception\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["False", "False"]
