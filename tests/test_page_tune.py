"""The Tune page under AppTest: existing searches, the live trial table, starting a search as a job."""

import base64
import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import mathdash.tuning
from mathdash.jobs import MANAGER
from mathdash.loaders import save_npz
from test_tuning import TINY_SPACE, tiny_dataset, write_trial
from ui.data import DataSource

REPO = Path(__file__).resolve().parent.parent
PAGE = str(REPO / "pages" / "tune.py")
TIMEOUT = 60


@pytest.fixture
def search_root(tmp_path, monkeypatch):
    """A search root holding one search ('fake', two trials done, one running) the page reads."""
    root = tmp_path / "searches"
    search_dir = root / "fake"
    write_trial(search_dir, "00", "COMPLETED", 0.5, {"blocks": 1, "filters": 8}, 1200, 3.5,
                {"tuner_id": "tuner0"})
    write_trial(search_dir, "01", "COMPLETED", 0.75, {"blocks": 2, "filters": 4}, 900, 4.0,
                {"tuner_id": "tuner0"})
    write_trial(search_dir, "02", "RUNNING", None, {"blocks": 2, "filters": 8}, note={"started": 1.0})
    config = mathdash.tuning.TuneConfig(name="fake", space=TINY_SPACE)
    meta = {"config": config.to_dict(), "dataset": "tiny", "run_id": "20260101-cnn-abc"}
    (search_dir / "search.json").write_text(json.dumps(meta))
    monkeypatch.setattr(mathdash.tuning, "SEARCH_ROOT", root)
    return root


def chart(at: AppTest, key: str) -> dict:
    """The plotly figure of the chart with ``key``, as a dict."""
    (element,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return json.loads(element.proto.spec)


def values(data) -> list:
    """A trace's x/y/z: plain lists, or plotly's base64 typed arrays decoded (nested for 2-D)."""
    if isinstance(data, dict) and "bdata" in data:
        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        shape = data.get("shape")
        return array.reshape([int(n) for n in str(shape).split(",")] if shape else -1).tolist()
    return list(data)


def test_an_existing_search_shows_its_trials_plot_and_best_hyperparameters(search_root):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.selectbox(key="tune_show").value == "fake"
    trials = at.dataframe[1].value
    assert trials["trial"].tolist() == ["00", "01", "02"]
    assert trials["status"].tolist() == ["COMPLETED", "COMPLETED", "RUNNING"]
    scores = chart(at, "tune_scores")["data"]
    assert values(scores[0]["x"]) == ["00", "01"] and values(scores[1]["y"]) == [0.5, 0.75]
    best = json.loads(at.code[0].value)
    assert best["blocks"] == 2 and best["filters"] == 4 and best["dense_units"] == 16
    assert any("20260101-cnn-abc" in caption.value for caption in at.caption)


def test_a_name_that_is_no_directory_name_is_refused(search_root):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    at.text_input(key="tune_name").set_value("../outside").run()
    assert not at.exception
    assert any("search name" in error.value for error in at.error)
    assert at.button(key="tune_start").disabled


def test_start_runs_the_search_as_a_job_with_the_chosen_settings_and_space(search_root, tmp_path,
                                                                            monkeypatch):
    seen = {}

    def fake_search(dataset, config, search_root, progress=None, stop_event=None):
        seen.update(images=len(dataset), config=config, root=search_root)
        write_trial(search_root / config.name, "0", "COMPLETED", 0.9, {"blocks": 1}, 100, 1.0)
        (search_root / config.name / "search.json").write_text(json.dumps({"config": config.to_dict()}))
        return "searched"

    monkeypatch.setattr(mathdash.tuning, "run_search", fake_search)
    data = save_npz(tiny_dataset(per_class=5), tmp_path / "tiny.npz")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["data_source"] = DataSource("npz", str(data))
    at.run()
    at.selectbox(key="tune_algorithm").set_value("bayesian")
    at.number_input(key="tune_max_trials").set_value(4)
    at.text_input(key="tune_name").set_value("new-one")
    at.slider(key="tune_space_blocks").set_value((2, 4))
    at.multiselect(key="tune_space_filters").set_value([64, 8])
    at.multiselect(key="tune_space_bn").set_value([True])
    at.select_slider(key="tune_space_lr").set_value((1e-3, 1e-3))
    at.button(key="tune_start").click().run()
    job = MANAGER.wait(timeout=30)
    assert not at.exception
    assert job.kind == "tune" and job.state == "done" and job.result == "searched"
    assert seen["images"] == 15 and seen["root"] == search_root
    config = seen["config"]
    assert (config.algorithm, config.max_trials, config.name) == ("bayesian", 4, "new-one")
    space = config.space
    assert (space.blocks, space.filters, space.batch_norm, space.learning_rate) == (
        (2, 4), (8, 64), (True,), (1e-3, 1e-3))
    assert space.kernel_size == mathdash.tuning.SearchSpace().kernel_size  # untouched: the default
    at.run()
    assert at.selectbox(key="tune_show").value == "new-one"
    assert at.dataframe[1].value["score"].tolist() == [0.9]


def test_no_search_yet_says_so_and_start_waits_for_a_running_job(tmp_path, monkeypatch):
    monkeypatch.setattr(mathdash.tuning, "SEARCH_ROOT", tmp_path / "empty")
    MANAGER.wait(TIMEOUT)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("No search yet" in info.value for info in at.info)
    assert not at.button(key="tune_start").disabled  # default settings, nothing running: startable
    release = threading.Event()
    MANAGER.submit("train", lambda progress, stop_event: release.wait(TIMEOUT), title="held open")
    try:
        at.run()
        assert at.button(key="tune_start").disabled
        assert any("A train job is running (held open)" in info.value for info in at.info)
    finally:
        release.set()
        MANAGER.wait(TIMEOUT)


def render_in_fresh_process(page: str) -> list[str]:
    """Render a page in a new interpreter; returns [exception count, whether tensorflow got imported]."""
    code = ("import sys; from streamlit.testing.v1 import AppTest; "
            f"at = AppTest.from_file({page!r}, default_timeout=60).run(); "
            "print(len(at.exception), 'tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()[-2:]


def test_rendering_the_page_imports_no_tensorflow():
    assert render_in_fresh_process(PAGE) == ["0", "False"]


def test_trial_table_shown_is_the_package_table(search_root):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    shown = at.dataframe[1].value.reset_index(drop=True)
    expected = mathdash.tuning.trial_table(search_root / "fake").drop(columns="seconds")
    pd.testing.assert_frame_equal(shown.drop(columns="seconds"), expected, check_dtype=False)


def test_an_empty_choice_or_a_changed_space_for_an_existing_name_blocks_the_start(search_root):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    at.text_input(key="tune_name").set_value("fake").run()  # 'fake' was searched over TINY_SPACE
    assert any("another search space" in warning.value for warning in at.warning)
    assert at.button(key="tune_start").disabled
    at.text_input(key="tune_name").set_value("fresh").run()
    assert not at.warning
    at.multiselect(key="tune_space_dense").set_value([]).run()
    assert any("dense_units needs at least one value" in error.value for error in at.error)
    assert at.button(key="tune_start").disabled


class _FakeModel:
    def save(self, path):
        Path(path).write_text("not a real model")


def test_the_estimate_before_a_search_uses_a_saved_runs_measured_throughput(search_root, tmp_path,
                                                                             monkeypatch):
    from mathdash.evaluate import evaluate_predictions
    from mathdash.runs import RunStore

    monkeypatch.setenv("MATHDASH_RUNS_DIR", str(tmp_path / "runs"))
    metrics = {**evaluate_predictions(np.array([0, 1, 2]), np.eye(3), ["a", "b", "c"]), "images_per_second": 100}
    run_id = RunStore(default_dir=None).save(_FakeModel(), {"model": "cnn"}, metrics, {"loss": [1.0]},
                                             ["a", "b", "c"], run_id="20260101-000000-cnn-abcdef")
    data = save_npz(tiny_dataset(per_class=10), tmp_path / "tiny.npz")  # 30 distinct images
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["data_source"] = DataSource("npz", str(data))
    at.run()
    at.number_input(key="tune_max_trials").set_value(3)
    at.number_input(key="tune_epochs").set_value(2).run()
    caption = next(c.value for c in at.caption if c.value.startswith("At most about"))
    assert "3 trials x 2 epochs x 1 execution(s) + retraining the best on 18 training images" in caption
    assert f"100 images/s for the default cnn (measured by run {run_id})" in caption
