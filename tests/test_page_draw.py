"""The Draw page under AppTest: a seeded canvas, an upload, a missing or broken run, the teach loop."""

import base64
import io
import json
import shutil

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

import mathdash.loaders
import mathdash.runs
from browser_support import REPO, SYMBOL_STROKES, drawing_set, render_strokes, save_tiny_run
from mathdash.dataset import Dataset
from mathdash.examples import EXAMPLES_DIR_ENV, ExampleStore
from mathdash.jobs import MANAGER
from mathdash.predict import prepare_drawing
from ui import predictors

PAGE = str(REPO / "pages" / "draw.py")
TIMEOUT = 60

pytestmark = pytest.mark.slow  # every test here trains or loads a network


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    return save_tiny_run(tmp_path_factory.mktemp("runs"))


@pytest.fixture(autouse=True)
def examples_dir(tmp_path, monkeypatch):
    """Saved drawings go to a folder of the test's own; no model stays loaded between tests."""
    monkeypatch.setenv(EXAMPLES_DIR_ENV, str(tmp_path / "examples"))
    predictors.clear()
    yield tmp_path / "examples"
    predictors.clear()


@pytest.fixture
def store(tiny_store, monkeypatch):
    """The page's ``RunStore()`` is the tiny test store."""
    store, _ = tiny_store
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: store)
    return store


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


def _draw(at: AppTest, canvas: np.ndarray) -> AppTest:
    """A new drawing on whichever canvas the page shows now (its key changes after a save)."""
    round_ = at.session_state["draw_canvas_round"] if "draw_canvas_round" in at.session_state else 0
    at.session_state["draw_canvas" if not round_ else f"draw_canvas_{round_}"] = _canvas_state(canvas)
    return at.run()


def _top_guess(at: AppTest) -> str | None:
    shown = [m.value for m in at.markdown if m.value.startswith("### Top guess:")]
    return shown[0].removeprefix("### Top guess: ") if shown else None


def _chart(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


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
    chart = _chart(at)
    assert chart["layout"]["yaxis"]["type"] == "category"
    assert chart["data"][0]["y"][-1] == name  # best on top


def test_digit_classes_stay_categories_on_the_chart(store):
    at = _page(render_strokes(SYMBOL_STROKES["1"], width=14))
    assert not at.exception and _top_guess(at) == "1"
    chart = _chart(at)
    assert chart["layout"]["yaxis"]["type"] == "category"  # "1" and "0" are names, not numbers
    assert sorted(chart["data"][0]["y"]) == ["+", "-", "0", "1"]  # all four bars of the tiny run


def test_a_dot_is_not_read_as_a_symbol(store):
    at = _page(render_strokes([[(0.5, 0.5), (0.51, 0.5)]], width=18))
    assert not at.exception and _top_guess(at) is None
    assert "a dot (or a filled blob) is not one of the symbols" in at.info[0].value
    assert len(at.image) == 0


def test_an_unsure_answer_says_so(store):
    at = _page(render_strokes(SYMBOL_STROKES["+"], width=14))
    assert _top_guess(at) == "+"
    at.slider(key="draw_min_margin").set_value(1.0).run()  # no answer has a margin of 1
    assert not at.exception and _top_guess(at) is None
    assert any(m.value == "### Not sure: not a symbol?" for m in at.markdown)
    assert any("Best guess + at" in c.value and "margin" in c.value for c in at.caption)


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


def test_page_starts_loading_the_model_before_the_first_stroke(store):
    at = _page()
    assert not at.exception and _top_guess(at) is None
    predictor = predictors.get_predictor("tiny", timeout=TIMEOUT)  # started by opening the page
    assert predictor.class_names == ["+", "-", "0", "1"]
    assert predictors.is_ready("tiny")


def test_save_drawings_then_fine_tune_and_activate(store, examples_dir, monkeypatch):
    canvases, labels, names = drawing_set(per_class=12, seed=3)
    base = Dataset(np.stack([prepare_drawing(c) for c in canvases]), labels, names, ["test"] * len(labels))
    monkeypatch.setattr(mathdash.loaders, "load_source", lambda *a, **k: base)  # the tiny run's data
    at = _page(render_strokes(SYMBOL_STROKES["+"], width=14))
    assert at.selectbox(key="teach_label").value == "+"  # the guess is offered
    at.selectbox(key="teach_label").set_value("-")  # "that's wrong, it is -"
    at.button(key="teach_save").click().run()
    assert not at.exception
    saved = sorted(examples_dir.glob("*/*.png"))
    assert [p.parent.name for p in saved] == ["-"]
    np.testing.assert_array_equal(ExampleStore(examples_dir).load().images[0],
                                  prepare_drawing(render_strokes(SYMBOL_STROKES["+"], width=14)))
    assert any("1 saved drawing" in m.value for m in at.markdown)
    assert _top_guess(at) is None  # the canvas came back empty
    _draw(at, render_strokes(SYMBOL_STROKES["0"], width=10))
    at.button(key="teach_save").click().run()
    assert ExampleStore(examples_dir).counts() == {"-": 1, "0": 1}
    assert at.get("download_button")[0].proto.label == "Download my drawings (.zip)"

    at.slider(key="teach_epochs").set_value(1)
    at.button(key="teach_finetune").click().run()
    job = MANAGER.wait(timeout=120)
    assert job.kind == "finetune" and job.state == "done", job.error
    at.run()
    assert not at.exception
    result = job.result
    assert result.base_run == "tiny" and result.drawings == 2 and result.before["drawings"] <= 0.5
    assert (store.root / result.run_id / "model.keras").is_file()
    assert store.active_id() == "tiny"  # not active until asked
    scores = at.table[0].value
    assert list(scores.columns) == ["before", "after"]
    assert scores.loc["your drawings", "after"] == f"{result.after['drawings']:.1%}"
    at.button(key="teach_activate").click().run()
    assert not at.exception
    assert store.active_id() == result.run_id
    assert at.selectbox(key="draw_run").value == result.run_id
    store.set_active("tiny", check_model=False)  # the module's store, as the other tests expect it
    store.delete(result.run_id)
