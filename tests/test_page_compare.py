"""The Compare page under AppTest: three saved runs compared, a study filter, sorting, studies as jobs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import mathdash.runs
import mathdash.studies
from mathdash.evaluate import scores_from_labels
from mathdash.jobs import MANAGER
from mathdash.loaders import save_npz
from test_page_tune import chart, render_in_fresh_process, values
from test_tuning import tiny_dataset
from ui.data import DataSource

REPO = Path(__file__).resolve().parent.parent
PAGE = str(REPO / "pages" / "compare.py")
TIMEOUT = 60
CLASSES = ["geq", "alpha", "1"]
# run id -> (tags, accuracy target, leaky history)
RUNS = {
    "20260101-000001-cnn-aaaaaa": (["study=data_size", "variant=25%", "augmented=false"], 0.6, False),
    "20260101-000002-cnn-bbbbbb": (["study=data_size", "variant=25%", "augmented=true"], 0.9, False),
    "20260101-000003-cnn-cccccc": ([], 0.75, True),
}


def _metrics(accuracy_target: float, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    y_true = np.repeat(np.arange(3), 20)
    y_pred = np.where(rng.random(60) > accuracy_target, (y_true + 1) % 3, y_true)
    return scores_from_labels(y_true, y_pred, CLASSES)


@pytest.fixture(scope="module")
def saved_store(tmp_path_factory):
    """A store of three runs saved through ``RunStore.save`` with a tiny real keras model."""
    import keras

    store = mathdash.runs.RunStore(tmp_path_factory.mktemp("runs"), default_dir=None)
    model = keras.Sequential([keras.Input((45, 45, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    for seed, (run_id, (tags, target, leaky)) in enumerate(RUNS.items()):
        metrics = {**_metrics(target, seed), "params": 6_000 * (seed + 1), "augmented_accuracy": target - 0.1}
        train, val = ([0.5, 0.6, 0.6], [0.7, 0.8, 0.9]) if leaky else ([0.5, 0.8, 0.9], [0.4, 0.7, 0.8])
        history = {"loss": [1.0, 0.6, 0.4], "accuracy": train, "val_loss": [1.1, 0.7, 0.5],
                   "val_accuracy": val}
        config = {"model": "cnn", "tags": tags, "augment": None}
        store.save(model, config, metrics, history, CLASSES, run_id=run_id)
    return store


@pytest.fixture
def store(saved_store, monkeypatch):
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: saved_store)
    return saved_store


def _page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()


@pytest.mark.slow
def test_every_run_appears_in_the_summary_heatmap_and_leakage_flag(store):
    at = _page()
    assert not at.exception
    assert sorted(at.multiselect(key="compare_runs_newest runs").value) == sorted(RUNS)
    summary = at.dataframe[0].value
    assert len(summary) == 3 and sorted(summary["id"]) == sorted(RUNS)
    heatmap = chart(at, "compare_f1")["data"][0]
    assert sorted(values(heatmap["y"])) == sorted(summary.index)
    assert values(heatmap["x"]) == ["≥ (geq)", "α (alpha)", "1"]
    expected = store.load("20260101-000002-cnn-bbbbbb").metrics["per_class"]["alpha"]["f1"]
    row = values(heatmap["y"]).index("data_size: 25% +aug")
    assert values(heatmap["z"])[row][1] == pytest.approx(expected)
    (warning,) = at.warning
    assert "cnn" in warning.value and "data_size" not in warning.value  # only the leaky run is named


@pytest.mark.slow
def test_a_study_filter_preselects_its_runs_and_the_bars_pair_them(store):
    at = _page()
    at.radio(key="compare_focus").set_value("data_size").run()
    assert not at.exception
    assert len(at.multiselect(key="compare_runs_data_size").value) == 2
    assert len(at.dataframe[0].value) == 2
    bars = chart(at, "compare_accuracy")["data"]
    assert {trace["name"] for trace in bars} == {"with augmentation", "without augmentation"}
    assert sum(len(values(trace["y"])) for trace in bars) == 4  # 2 runs x (test, augmented test)


@pytest.mark.slow
def test_sorting_puts_the_worst_class_first(store):
    at = _page()
    at.toggle(key="compare_sort_worst").set_value(True).run()
    table = at.dataframe[1].value  # the F1 table in the expander
    lowest = table.min(axis=0).tolist()
    assert lowest == sorted(lowest)
    assert values(chart(at, "compare_f1")["data"][0]["x"]) == list(table.columns)


@pytest.mark.slow
def test_the_confusion_matrix_is_the_chosen_runs(store):
    at = _page()
    labels = list(at.dataframe[0].value.index)
    index = labels.index("data_size: 25%")
    at.selectbox(key="compare_confusion_run").set_value(index).run()
    matrix = values(chart(at, "compare_confusion")["data"][0]["z"])
    assert matrix == store.load("20260101-000001-cnn-aaaaaa").metrics["confusion"]
    pairs = at.dataframe[-1].value
    assert pairs["count"].tolist() == sorted(pairs["count"], reverse=True) and len(pairs) > 0


@pytest.mark.slow
def test_a_study_button_starts_the_study_as_a_job(store, tmp_path, monkeypatch):
    seen = {}

    def fake_study(name, dataset, epochs, fraction, progress=None, stop_event=None, cnn_params=None):
        seen.update(name=name, images=len(dataset), epochs=epochs, fraction=fraction)
        return ["run-1", "run-2"]

    monkeypatch.setattr(mathdash.studies, "run_study", fake_study)
    data = save_npz(tiny_dataset(per_class=4), tmp_path / "tiny.npz")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["data_source"] = DataSource("npz", str(data))
    at.run()
    at.number_input(key="compare_study_epochs").set_value(3)
    at.button(key="compare_study_data_size").click().run()
    job = MANAGER.wait(timeout=30)
    assert not at.exception
    assert job.kind == "study" and job.state == "done" and job.result == ["run-1", "run-2"]
    assert seen == {"name": "data_size", "images": 12, "epochs": 3, "fraction": 1.0}


def test_an_empty_store_says_so_and_still_offers_the_studies(tmp_path, monkeypatch):
    empty = mathdash.runs.RunStore(tmp_path / "none", default_dir=None)
    monkeypatch.setattr(mathdash.runs, "RunStore", lambda *a, **k: empty)
    at = _page()
    assert not at.exception
    assert any("No saved run yet" in info.value for info in at.info)
    assert at.button(key="compare_study_duplicates") is not None and not at.get("plotly_chart")


def test_rendering_the_page_imports_no_tensorflow():
    assert render_in_fresh_process(PAGE) == ["0", "False"]


@pytest.mark.slow
def test_the_summary_shown_matches_the_package_table(store):
    from mathdash.compare import summary_table

    at = _page()
    shown = at.dataframe[0].value
    expected = summary_table([store.load(run_id) for run_id in shown["id"]])
    pd.testing.assert_series_equal(shown["accuracy"], expected["accuracy"].round(4), check_names=False)


@pytest.mark.slow
def test_scores_on_real_handwriting_show_per_run_with_top5_and_per_class_f1(store):
    import json

    from mathdash.evaluate import evaluate_predictions

    run_id = "20260101-000002-cnn-bbbbbb"
    y_true = np.repeat(np.arange(3), 10)
    proba = np.eye(3)[np.where(np.arange(30) % 5 == 0, (y_true + 1) % 3, y_true)]  # 6 of 30 wrong
    result = {**evaluate_predictions(y_true, proba, CLASSES), "source": "/data/crohme/inkml",
              "scope": "the run's test part of /data/crohme/inkml (never trained on), 7 writers",
              "writers": 7, "evaluated": "2026-12-01T10:00:00"}
    folder = store.path_of(run_id) / "evaluations"
    folder.mkdir()
    (folder / "crohme_inkml.json").write_text(json.dumps(result))
    try:
        at = _page()
        assert not at.exception
        frames = [frame.value for frame in at.dataframe]
        table = next(frame for frame in frames if "top-5" in frame.columns)
        assert table["run"].tolist() == [run_id] and table["writers"].tolist() == [7]
        assert table["top-1"].tolist() == [pytest.approx(0.8)] and table["top-5"].tolist() == [1.0]
        bars = chart(at, "compare_real_bars")["data"]
        assert sorted(values(bars[0]["y"]) + values(bars[1]["y"])) == [pytest.approx(0.8), 1.0]
        per_class = next(frame for frame in frames if "recall" in frame.columns)
        assert per_class["images"].tolist() == [10, 10, 10]
        assert per_class["f1"].tolist() == sorted(per_class["f1"])
    finally:
        (folder / "crohme_inkml.json").unlink()
        folder.rmdir()
