"""The Train page under AppTest: controls, the run list, a run's metrics, a tiny job started from the page."""

import threading
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mathdash.evaluate import evaluate_predictions
from mathdash.jobs import MANAGER
from mathdash.runs import DEFAULT_RUN_DIR, RunStore
from ui.data import DataSource

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "train.py")
TIMEOUT = 60
NAMES = ["bar", "dash", "ring"]


class _FakeModel:
    def save(self, path):
        Path(path).write_text("not a real model")


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    """A run store with one saved run (made-up metrics), used by the page's ``RunStore()``."""
    monkeypatch.setenv("MATHDASH_RUNS_DIR", str(tmp_path / "runs"))
    metrics = evaluate_predictions(np.array([0, 1, 2, 2]), np.eye(3)[[0, 1, 2, 0]], NAMES)
    metrics.update(state="done", params=1234, epochs_run=2, best_epoch=2, train_seconds=3.0)
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75], "val_loss": [0.9, 0.6],
               "val_accuracy": [0.5, 0.7]}
    RunStore(default_dir=None).save(_FakeModel(), {"model": "baseline", "data": "shapes"}, metrics, history,
                                    NAMES, run_id="20200101-000000-baseline-aaaaaa")
    return tmp_path / "runs"


@pytest.fixture
def data_source(tmp_path):
    """A tiny .npz dataset of three easy shapes, as the page's current data."""
    from mathdash.loaders import save_npz
    from test_train import shapes_dataset

    path = tmp_path / "shapes.npz"
    save_npz(shapes_dataset(per_class=20), path)
    return DataSource("npz", str(path))


def _run_ids(at: AppTest) -> list[str]:
    """Ids in the run table (AppTest gives dataframes no key: the one with 'id' and 'active' columns)."""
    tables = [d.value for d in at.dataframe if {"id", "active"} <= set(d.value.columns)]
    assert len(tables) == 1
    return tables[0]["id"].tolist()


def _page(source: DataSource) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["data_source"] = source
    return at.run()


def test_page_shows_controls_runs_and_the_run_metrics(runs_dir, data_source):
    MANAGER.wait(TIMEOUT)
    at = _page(data_source)
    assert not at.exception
    balanced = "Deduplicated + balanced (rare classes grown to the median)"
    assert at.radio(key="train_data").options == ["Raw (as loaded)", "Deduplicated", balanced]
    assert "cnn" in at.selectbox(key="train_model").options
    assert "none" in at.selectbox(key="train_augment").options
    ids = _run_ids(at)
    assert ids[0] == "20200101-000000-baseline-aaaaaa"  # saved just now: the newest
    assert ("default" in ids) == (DEFAULT_RUN_DIR / "model.keras").is_file()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test accuracy"] == "75.00%"
    assert metrics["Worst class F1"] == "0.667"
    assert not at.button(key="train_start").disabled


@pytest.mark.slow
def test_a_job_started_on_the_page_trains_and_its_run_appears(runs_dir, data_source, monkeypatch):
    MANAGER.wait(TIMEOUT)
    monkeypatch.setattr(MANAGER, "isolation", "process")  # as the app runs it: in a process of its own
    at = _page(data_source)
    at.radio(key="train_data").set_value("raw")
    at.slider(key="train_epochs").set_value(1)
    at.text_input(key="train_name").input("my first run")
    at.button(key="train_start").click().run()
    assert not at.exception
    job = MANAGER.current()
    assert job.kind == "train" and job.title.startswith("my first run: ")
    MANAGER.wait(TIMEOUT)
    assert job.state == "done", job.error
    assert job.peak_rss > 0  # measured in the job's own process
    at.run()
    assert not at.exception
    assert job.result.run_id in _run_ids(at)
    assert "-my-first-run-" in job.result.run_id  # the name is in the id
    assert at.selectbox(key="train_run_pick").value == job.result.run_id
    assert RunStore().load(job.result.run_id).config["name"] == "my first run"
    download = next(b for b in at.get("download_button") if b.proto.label.startswith("Download the model"))
    assert ".keras" in download.proto.label


def test_the_estimate_before_training_says_how_it_was_made(runs_dir, data_source):
    MANAGER.wait(TIMEOUT)
    at = _page(data_source)
    at.radio(key="train_data").set_value("raw").run()
    at.slider(key="train_epochs").set_value(4).run()
    caption = next(c.value for c in at.caption if c.value.startswith("At most about"))
    # 60 raw images: 36 train, 12 validation; no saved baseline run measured a rate: the reference
    assert "4 epochs of 36 training and 12 validation images at 924 training images/s" in caption
    assert "reference figure" in caption


def test_a_train_job_is_not_drawn_on_the_tune_page(runs_dir, data_source, tmp_path, monkeypatch):
    import mathdash.tuning

    monkeypatch.setattr(mathdash.tuning, "SEARCH_ROOT", tmp_path / "searches")

    def fake_training(progress, stop_event):
        for epoch in (1, 2):
            progress({"phase": "epoch", "epoch": epoch, "epochs": 2, "batch": 3, "batches": 3, "loss": 1.0,
                      "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.5, "eta_s": 1.0})

    MANAGER.wait(TIMEOUT)
    MANAGER.submit("train", fake_training, title="baseline on shapes")
    MANAGER.wait(TIMEOUT)
    tune = AppTest.from_file(str(Path(PAGE).with_name("tune.py")), default_timeout=TIMEOUT)
    tune.session_state["data_source"] = data_source
    tune.run()
    assert not tune.exception
    assert not [c for c in tune.get("plotly_chart") if "tune_job_curves" in c.proto.id]
    assert any("train job (baseline on shapes, done); its progress is on the Train page" in c.value
               for c in tune.caption)
    train = _page(data_source)
    assert [c for c in train.get("plotly_chart") if "train_curves" in c.proto.id]  # drawn where it belongs


def test_start_is_disabled_while_any_job_runs_and_enabled_after(runs_dir, data_source):
    """A second visitor (or a reload) sees the running job and cannot start another."""
    MANAGER.wait(TIMEOUT)
    release = threading.Event()
    job = MANAGER.submit("tune", lambda progress, stop_event: release.wait(TIMEOUT), title="held open")
    try:
        at = _page(data_source)
        assert not at.exception
        assert at.button(key="train_start").disabled
    finally:
        release.set()
        MANAGER.wait(TIMEOUT)
    assert job.state == "done"
    assert not at.run().button(key="train_start").disabled


def test_a_run_is_deleted_from_the_page_only_after_confirmation(runs_dir, data_source):
    MANAGER.wait(TIMEOUT)
    at = _page(data_source)
    fake = "20200101-000000-baseline-aaaaaa"
    assert "default" not in at.selectbox(key="train_delete_pick").options  # the shipped run is read-only
    at.selectbox(key="train_delete_pick").set_value(fake).run()
    assert at.button(key="train_delete").disabled
    at.checkbox(key="train_delete_sure").check().run()
    at.button(key="train_delete").click().run()
    assert not at.exception
    assert fake not in _run_ids(at)
    assert not (runs_dir / fake).exists()
