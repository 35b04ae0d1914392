"""The hyperparameter search: config, the hp adapter, the trial table, a search that resumes and stops."""

import json
import subprocess
import sys
import threading
from dataclasses import replace

import numpy as np
import pytest

from mathdash import tuning
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError

TINY_SPACE = tuning.SearchSpace(blocks=(1, 2), filters=(4, 8), kernel_size=(3,), batch_norm=(False,),
                                dropout=(0.0, 0.2), dense_units=(16,), learning_rate=(1e-3, 1e-2))


def tiny_dataset(per_class: int = 30, seed: int = 0) -> Dataset:
    """Three classes of 45x45 symbols on noisy paper: a bar '-', an upright '1', a ring '0', jittered."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:45, :45]
    images, labels = [], []
    for label in range(3):
        for _ in range(per_class):
            cy, cx = rng.integers(16, 29, 2)
            if label == 0:
                ink = (abs(yy - cy) < 3) & (abs(xx - cx) < 14)
            elif label == 1:
                ink = (abs(xx - cx) < 3) & (abs(yy - cy) < 14)
            else:
                ink = (np.hypot(yy - cy, xx - cx) > 7) & (np.hypot(yy - cy, xx - cx) < 11)
            paper = np.where(ink, 20, 235) + rng.integers(-20, 21, (45, 45))
            images.append(np.clip(paper, 0, 255).astype(np.uint8))
            labels.append(label)
    return Dataset(np.stack(images), np.array(labels), ["-", "1", "0"],
                   [f"tiny/{i}" for i in range(len(labels))], name="tiny")


def write_trial(search_dir, trial_id, status, score, values, params=None, seconds=None, note=None):
    """A ``trial_<id>/trial.json`` in keras-tuner 1.4's layout (metrics as observation lists)."""
    metrics = {}
    for name, value in (("val_accuracy", score), ("params", params), ("seconds", seconds)):
        if value is not None:
            metrics[name] = {"direction": "max", "observations": [{"value": [value], "step": 0}]}
    state = {"trial_id": trial_id, "hyperparameters": {"space": [], "values": values},
             "metrics": {"metrics": metrics}, "score": score, "best_step": 0, "status": status,
             "message": None}
    trial_dir = search_dir / f"trial_{trial_id}"
    trial_dir.mkdir(parents=True)
    (trial_dir / "trial.json").write_text(json.dumps(state))
    if note is not None:
        (trial_dir / "mathdash.json").write_text(json.dumps(note))


@pytest.fixture
def fake_search(tmp_path):
    search_dir = tmp_path / "searches" / "fake"
    write_trial(search_dir, "00", "COMPLETED", 0.5, {"blocks": 1, "filters": 8}, 1200, 3.5,
                {"tuner_id": "tuner0"})
    write_trial(search_dir, "01", "COMPLETED", 0.75, {"blocks": 2, "filters": 4}, 900, 4.0,
                {"tuner_id": "tuner1"})
    write_trial(search_dir, "02", "RUNNING", None, {"blocks": 2, "filters": 8}, note={"started": 1.0})
    config = tuning.TuneConfig(name="fake", space=TINY_SPACE)
    (search_dir / "search.json").write_text(json.dumps({"config": config.to_dict(), "dataset": "tiny"}))
    return search_dir


def test_tune_config_round_trips_through_json():
    config = tuning.TuneConfig(algorithm="bayesian", max_trials=7, epochs=3, executions=2, seed=5,
                               name="my-search", space=TINY_SPACE)
    again = tuning.TuneConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert again.space.filters == (4, 8)


@pytest.mark.parametrize("changes", [{"algorithm": "grid"}, {"max_trials": 0}, {"epochs": 1.5},
                                     {"name": "../escape"}, {"name": ""}])
def test_tune_config_rejects_bad_values(changes):
    with pytest.raises(ConfigError):
        tuning.TuneConfig(**changes)


def test_tune_config_rejects_unknown_fields_and_bad_ranges():
    with pytest.raises(ConfigError, match="unknown"):
        tuning.TuneConfig.from_dict({"trials": 3})
    with pytest.raises(ConfigError, match="low"):
        tuning.SearchSpace(dropout=(0.5, 0.1))
    with pytest.raises(ConfigError, match="at least one"):
        tuning.SearchSpace(filters=())


def test_params_from_values_fill_fixed_and_unseen_hyperparameters():
    params = tuning.params_from_values({"blocks": 2, "dropout": 0.1}, TINY_SPACE)
    assert params == {"blocks": 2, "filters": 4, "kernel_size": 3, "batch_norm": False, "dropout": 0.1,
                      "dense_units": 16, "learning_rate": 1e-3}


def test_trial_table_reads_every_trial_in_order(fake_search):
    table = tuning.trial_table(fake_search)
    assert table["trial"].tolist() == ["00", "01", "02"]
    assert table["status"].tolist() == ["COMPLETED", "COMPLETED", "RUNNING"]
    assert table["score"].iloc[:2].tolist() == [0.5, 0.75] and np.isnan(table["score"].iloc[2])
    assert table["params"].iloc[:2].tolist() == [1200, 900]
    assert table["tuner"].tolist() == ["tuner0", "tuner1", ""]
    assert table["seconds"].iloc[2] > 0  # a running trial shows its time so far
    assert table[["blocks", "filters"]].to_numpy().tolist() == [[1, 8], [2, 4], [2, 8]]


def test_best_trial_and_its_full_parameters(fake_search):
    best = tuning.best_trial(tuning.trial_table(fake_search))
    assert best["trial"] == "01"
    params = tuning.best_search_params(fake_search)
    assert params["blocks"] == 2 and params["filters"] == 4 and params["dense_units"] == 16


def test_trial_table_of_a_new_search_is_empty_with_its_columns(tmp_path):
    table = tuning.trial_table(tmp_path / "nothing-yet")
    assert table.empty
    assert list(table.columns) == tuning.trials.TABLE_COLUMNS


def test_list_searches_counts_trials(fake_search):
    (entry,) = tuning.list_searches(fake_search.parent)
    assert (entry["name"], entry["trials"], entry["completed"], entry["best_score"]) == ("fake", 3, 2, 0.75)


def test_reading_a_search_imports_no_tensorflow(fake_search):
    code = ("import sys; from mathdash.tuning import trial_table; "
            f"print(len(trial_table({str(fake_search)!r})), "
            "'tensorflow' in sys.modules, 'keras_tuner' in sys.modules)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["3", "False", "False"]


@pytest.mark.slow
def test_hypermodel_builds_from_default_hyperparameters():
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    model = tuning.build_hypermodel(5)(hp)
    assert model.output_shape == (None, 5)
    assert set(hp.values) == {"blocks", "filters", "kernel_size", "batch_norm", "dropout", "dense_units",
                              "learning_rate"}
    convolutions = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert len(convolutions) == hp.values["blocks"] == 1
    assert convolutions[0].filters == 16  # the space's first choice


@pytest.mark.slow
def test_fixed_hyperparameters_are_not_searched():
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    model = tuning.build_hypermodel(3, TINY_SPACE)(hp)
    assert set(hp.values) == {"blocks", "filters", "dropout", "learning_rate"}
    assert model.get_layer(index=-3).units == 16  # the dense layer takes the one fixed width


@pytest.mark.slow
def test_search_saves_the_best_trial_as_a_run_and_resumes(tmp_path, monkeypatch):
    import mathdash.tuning.tuner
    from mathdash.runs import RunStore

    monkeypatch.setattr(mathdash.tuning.tuner, "BATCH_REPORT_S", 0.0)  # a message after every batch
    store = RunStore(tmp_path / "runs", default_dir=None)
    config = tuning.TuneConfig(max_trials=2, epochs=1, batch_size=16, name="resumable", space=TINY_SPACE)
    reports, messages = [], []
    result = tuning.run_search(tiny_dataset(), config, search_root=tmp_path, store=store,
                               progress=lambda done, total, message="": (reports.append((done, total)),
                                                                         messages.append(message)))
    assert result.trials["status"].tolist() == ["COMPLETED", "COMPLETED"]
    inside = [m for m in messages if ", batch " in m]  # progress inside a trial, not only between trials
    assert any(m.startswith("trial 0 (1 of 2): epoch 1/1, batch 1/") for m in inside)
    assert any(m.startswith("trial 1 (2 of 2): epoch 1/1, batch ") for m in inside)
    assert (result.trials["params"] > 0).all() and (result.trials["seconds"] > 0).all()
    assert result.best_score == result.trials["score"].max()
    assert (2, 2) in reports
    run = store.load(result.run_id)
    assert {"source=tune", "search=resumable"} <= set(run.config["tags"])
    assert run.config["model"] == "cnn" and run.config["model_params"] == result.best_hyperparameters
    first = result.trials.copy()

    again = tuning.run_search(tiny_dataset(), replace(config, max_trials=3),
                              search_root=tmp_path, store=store)
    assert len(again.trials) == 3
    assert again.trials.iloc[:2][["trial", "score"]].equals(first[["trial", "score"]])  # kept, not rerun


@pytest.mark.slow
def test_hyperband_runs_its_bracket_and_saves_no_run_when_asked(tmp_path):
    config = tuning.TuneConfig(algorithm="hyperband", max_trials=10, epochs=2, batch_size=16, name="hb",
                               space=TINY_SPACE, save_best=False)
    result = tuning.run_search(tiny_dataset(), config, search_root=tmp_path)
    assert len(result.trials) == tuning.tuner.total_trials(config) == 2
    assert result.trials["epochs"].tolist() == [2, 2]
    assert result.run_id is None and result.best_hyperparameters


@pytest.mark.slow
def test_a_stop_request_ends_the_search_and_a_name_keeps_its_algorithm(tmp_path):
    stop = threading.Event()
    stop.set()
    config = tuning.TuneConfig(max_trials=3, epochs=1, name="stopped", space=TINY_SPACE)
    result = tuning.run_search(tiny_dataset(), config, search_root=tmp_path, stop_event=stop)
    assert result.stopped and result.trials.empty and result.run_id is None
    with pytest.raises(ConfigError, match="algorithm"):
        tuning.run_search(tiny_dataset(), tuning.TuneConfig(algorithm="bayesian", name="stopped"),
                          search_root=tmp_path)


def test_resume_conflict_names_the_changed_hyperparameters(tmp_path):
    config = tuning.TuneConfig(name="kept", space=TINY_SPACE)
    assert tuning.resume_conflict(tmp_path / "kept", config) is None  # no search yet
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / tuning.META_FILE).write_text(json.dumps({"config": config.to_dict()}))
    assert tuning.resume_conflict(tmp_path / "kept", replace(config, max_trials=30, epochs=9)) is None
    wider = replace(config, space=replace(TINY_SPACE, filters=(4, 8, 16), dropout=(0.0, 0.4)))
    assert "(filters, dropout differ)" in tuning.resume_conflict(tmp_path / "kept", wider)
    assert "'random'" in tuning.resume_conflict(tmp_path / "kept", replace(config, algorithm="hyperband"))


@pytest.mark.slow
def test_bayesian_search_fits_its_gaussian_process_and_proposes_a_trial(tmp_path, monkeypatch):
    """Two random trials, then one the Gaussian process proposes (keras-tuner would start it after 21)."""
    from keras_tuner.src.tuners.bayesian import BayesianOptimizationOracle

    fits = []
    original_init = BayesianOptimizationOracle.__init__
    original_vectorize = BayesianOptimizationOracle._vectorize_trials

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.num_initial_points = 2

    def vectorize(self):
        fits.append(len([t for t in self.trials.values() if t.status == "COMPLETED"]))
        return original_vectorize(self)

    monkeypatch.setattr(BayesianOptimizationOracle, "__init__", init)
    monkeypatch.setattr(BayesianOptimizationOracle, "_vectorize_trials", vectorize)
    config = tuning.TuneConfig(algorithm="bayesian", max_trials=3, epochs=1, batch_size=16, name="gp",
                               space=TINY_SPACE, save_best=False)
    result = tuning.run_search(tiny_dataset(), config, search_root=tmp_path)
    assert result.trials["status"].tolist() == ["COMPLETED"] * 3
    assert fits == [2]  # the third trial came from the process fitted on the first two
    assert tuning.read_meta(result.search_dir)["config"]["algorithm"] == "bayesian"
    assert result.best_score == result.trials["score"].max() and result.run_id is None
