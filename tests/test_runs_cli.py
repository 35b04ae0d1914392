"""``runs show / delete / activate`` on the command line, over a store made in the test."""

import json

import numpy as np
import pytest

from mathdash.cli import main
from mathdash.evaluate import evaluate_predictions
from mathdash.runs import DEFAULT_ID, RunStore

NAMES = ["bar", "dash", "ring"]
GOOD, BROKEN = "20200101-000000-baseline-aaaaaa", "20200102-000000-baseline-bbbbbb"


class _NotAModel:
    def save(self, path):
        with open(path, "w") as file:
            file.write("not a keras model")


@pytest.fixture
def runs_dir(tmp_path):
    """Two runs with known metrics: one with a real (tiny) keras model, one whose model cannot load."""
    import keras

    model = keras.Sequential([keras.Input((45, 45, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    metrics = evaluate_predictions(np.array([0, 1, 2, 2]), np.eye(3)[[0, 1, 2, 0]], NAMES)
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75], "val_loss": [0.9, 0.6],
               "val_accuracy": [0.5, 0.7]}
    store = RunStore(tmp_path / "runs")
    store.save(model, {"model": "baseline", "data": "shapes"}, metrics, history, NAMES, run_id=GOOD)
    store.save(_NotAModel(), {"model": "baseline"}, metrics, history, NAMES, run_id=BROKEN)
    return str(tmp_path / "runs")


def test_runs_show_prints_scores_worst_classes_confusions_and_history(runs_dir, capsys):
    assert main(["runs", "show", GOOD, "--runs-dir", runs_dir]) == 0
    out = capsys.readouterr().out
    assert f"run {GOOD}" in out and "config: model=baseline, data=shapes" in out
    assert "  accuracy: 0.7500" in out and "  worst class: bar" in out  # tied with ring at 0.667, first
    assert "ring -> bar: 1" in out
    assert "val_accuracy" in out and "0.7000" in out  # the history table
    assert main(["runs", "show", GOOD, "--json", "--runs-dir", runs_dir]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == GOOD and shown["metrics"]["accuracy"] == 0.75
    assert shown["config"]["data"] == "shapes"


def test_runs_actions_need_an_id_and_an_existing_run(runs_dir, capsys):
    for action in ("show", "delete", "activate"):
        assert main(["runs", action, "--runs-dir", runs_dir]) == 2
        assert f"'runs {action}' needs a run ID" in capsys.readouterr().out
    assert main(["runs", "show", "nope", "--runs-dir", runs_dir]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


def test_runs_activate_switches_the_active_run_and_refuses_a_broken_one(runs_dir, capsys):
    store = RunStore(runs_dir)
    assert main(["runs", "activate", GOOD, "--runs-dir", runs_dir]) == 0
    assert capsys.readouterr().out.strip() == f"active run: {GOOD}"
    assert store.active_id() == GOOD
    assert main(["runs", "show", GOOD, "--runs-dir", runs_dir]) == 0
    assert "[active]" in capsys.readouterr().out.splitlines()[0]
    assert main(["runs", "activate", BROKEN, "--runs-dir", runs_dir]) == 2  # its model does not load
    assert capsys.readouterr().err.startswith("error: ")
    assert store.active_id() == GOOD


def test_runs_delete_removes_a_run_and_the_active_one_falls_back(runs_dir, capsys):
    store = RunStore(runs_dir)
    store.set_active(GOOD)
    shipped = store.default_dir is not None and (store.default_dir / "model.keras").is_file()
    fallback = DEFAULT_ID if shipped else None
    assert main(["runs", "delete", GOOD, "--runs-dir", runs_dir]) == 0
    assert capsys.readouterr().out.strip() == f"deleted {GOOD}; active run: {fallback}"
    assert GOOD not in [summary.id for summary in store.list_runs()]
    assert main(["runs", "delete", DEFAULT_ID, "--runs-dir", runs_dir]) == 2
    assert "read-only" in capsys.readouterr().err
    assert main(["runs", "list", "--json", "--runs-dir", runs_dir]) == 0
    assert {row["id"] for row in json.loads(capsys.readouterr().out)} - {DEFAULT_ID} == {BROKEN}
