"""Training end to end on tiny made-up data: config round trip, accuracy floors, stop requests, CLI."""

import threading

import numpy as np
import pytest

from mathdash.builtin import load_digits
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.runs import RunStore
from mathdash.split import make_split
from mathdash.train import TrainConfig, prepare_data, rebuild_test_set, train_model, with_known_origins

SHAPES = ["bar", "dash", "ring"]


def shapes_dataset(per_class: int = 60, seed: int = 0) -> Dataset:
    """Three easy classes: a vertical bar, a horizontal bar, a ring; each jittered in place and size."""
    rng = np.random.default_rng(seed)
    yy, xx = np.ogrid[:45, :45]
    images, labels = [], []
    for label in range(3):
        for _ in range(per_class):
            image = np.full((45, 45), 255, np.uint8)
            cy, cx = 22 + rng.integers(-5, 6, 2)
            half, width = rng.integers(8, 14), rng.integers(1, 4)
            if label == 0:
                image[cy - half:cy + half, cx - width:cx + width] = 0
            elif label == 1:
                image[cy - width:cy + width, cx - half:cx + half] = 0
            else:
                radius = np.hypot(yy - cy, xx - cx)
                image[(radius > half - width - 1) & (radius < half)] = 0
            images.append(image)
            labels.append(label)
    n = len(labels)
    return Dataset(np.stack(images), np.array(labels), SHAPES, [f"shape{i}" for i in range(n)], name="shapes")


def _quick(**changes) -> TrainConfig:
    settings = dict(data="shapes", epochs=6, batch_size=32, dedup=False, patience=2)
    return TrainConfig(**{**settings, **changes})


def test_config_round_trips_through_json():
    config = TrainConfig(model="cnn", model_params={"blocks": 4, "dropout": 0.2}, augment="default",
                         balance="median", split_fractions=(0.7, 0.15, 0.15), tags=("study",))
    again = TrainConfig.from_json(config.to_json())
    assert again == config
    assert again.split_fractions == (0.7, 0.15, 0.15)


@pytest.mark.parametrize(
    "changes, message",
    [({"epochs": 0}, "epochs"), ({"batch_size": 2.5}, "batch_size"), ({"balance": "mean"}, "balance"),
     ({"learning_rate": -1.0}, "learning_rate"), ({"patience": -1}, "patience")],
)
def test_bad_settings_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**changes)


def test_unknown_keys_in_a_saved_config_are_refused():
    with pytest.raises(ConfigError, match="colour"):
        TrainConfig.from_dict({"colour": "red"})


def test_prepare_data_removes_copies_then_balances():
    rng = np.random.default_rng(0)
    counts = [12, 6, 12]  # class 1 is rare
    labels = np.repeat([0, 1, 2], counts)
    noise = rng.integers(0, 256, (len(labels), 45, 45), dtype=np.uint8)  # no two alike
    base = Dataset(noise, labels, SHAPES, [f"n{i}" for i in range(len(labels))])
    copies = base.subset(np.r_[0:len(base), 0:5])  # five exact copies of class 0 images
    prepared = prepare_data(copies, TrainConfig(dedup=True, balance="max", balance_augment="default"))
    assert np.bincount(prepared.labels, minlength=3).tolist() == [12, 12, 12]
    source = prepared.extras["augmented_from"]
    assert (source >= 0).sum() == 6  # the rare class grown from 6 real images to 12
    assert (prepared.labels[source[source >= 0]] == 1).all()
    assert prepare_data(prepared, TrainConfig(balance="max")) is prepared  # already prepared


def test_known_copies_keep_a_stable_origin_through_row_removal():
    base = shapes_dataset(per_class=2)  # rows 0..5
    duplicate_of = np.array([-1, 0, -1, 2, 3, -1])  # 1 copies 0; 3 copies 2; 4 copies the copy 3
    known = with_known_origins(Dataset(base.images, base.labels, base.class_names, base.sources,
                                       extras={"duplicate_of": duplicate_of}))
    assert known.extras["origin"].tolist() == [0, 0, 2, 2, 2, 5]
    kept = known.subset(np.array([1, 3, 4, 5]))  # e.g. after duplicate removal
    assert kept.extras["origin"].tolist() == [0, 2, 2, 5]
    assert with_known_origins(base) is base  # a source without ground truth passes unchanged


@pytest.mark.slow
def test_tiny_easy_dataset_is_learned_and_saved(tmp_path):
    store = RunStore(tmp_path, default_dir=None)
    events = []
    result = train_model(shapes_dataset(), _quick(epochs=6), progress=events.append, store=store)
    assert result.state == "done"
    assert result.metrics["accuracy"] >= 0.95
    assert result.metrics["split"] == {"train": 108, "val": 36, "test": 36, "test_real": 36}
    run = store.load(result.run_id)
    assert run.labels == SHAPES
    from mathdash.evaluate import evaluate_model

    saved = run.load_model()  # weights only, no optimizer state: scores the same
    assert evaluate_model(saved, shapes_dataset(seed=1), augmented=False)["accuracy"] >= 0.95
    assert len(run.history) == result.metrics["epochs_run"]
    epochs = [e for e in events if e.get("phase") == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(1, len(run.history) + 1))
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "eta_s", "batches"} <= set(epochs[0])
    assert epochs[-1]["eta_s"] <= epochs[0]["eta_s"]


@pytest.mark.slow
def test_a_stop_within_the_first_epoch_saves_nothing(tmp_path):
    store, stop = RunStore(tmp_path, default_dir=None), threading.Event()
    batches = []

    def progress(update):
        if update.get("phase") == "batch":
            batches.append(update["batch"])
            stop.set()

    config = _quick(batch_size=8, epochs=3)
    result = train_model(shapes_dataset(), config, progress, stop_event=stop, store=store)
    assert (result.run_id, result.state) == (None, "stopped")
    assert batches == [1]  # the batch after the request never reported: it ended the fit
    assert store.list_runs() == []


@pytest.mark.slow
def test_a_stop_after_an_epoch_saves_a_stopped_run_and_keeps_the_active_one(tmp_path):
    store, stop = RunStore(tmp_path, default_dir=None), threading.Event()
    first = train_model(shapes_dataset(), _quick(epochs=1), store=store)
    store.set_active(first.run_id, check_model=False)

    def progress(update):
        if update.get("phase") == "epoch":
            stop.set()

    result = train_model(shapes_dataset(), _quick(epochs=5), progress, stop_event=stop, store=store)
    assert result.state == "stopped"
    assert result.metrics["epochs_run"] == 1
    assert store.load(result.run_id).metrics["state"] == "stopped"
    assert store.active_id() == first.run_id


@pytest.mark.slow
def test_command_line_trains_lists_and_evaluates(tmp_path, capsys):
    from mathdash.cli import main
    from mathdash.loaders import save_npz

    data = tmp_path / "shapes.npz"
    save_npz(shapes_dataset(per_class=40), data)
    runs = str(tmp_path / "runs")
    status = main(["train", "--data", str(data), "--model", "cnn", "--param", "blocks=2", "--epochs", "3",
                   "--no-dedup", "--runs-dir", runs, "--activate"])
    out = capsys.readouterr().out
    assert status == 0
    run_id = out.split("run: ")[1].split()[0]
    assert "test accuracy:" in out and "worst class:" in out
    assert main(["runs", "list", "--runs-dir", runs]) == 0
    assert run_id in capsys.readouterr().out
    assert main(["evaluate", run_id, "--runs-dir", runs]) == 0
    assert "scoring 24 images: the run's test images" in capsys.readouterr().out


@pytest.mark.slow
def test_digits_floor_with_the_baseline(tmp_path):
    """scikit-learn's real handwritten digits through the whole pipeline: >= 98% on held-out test."""
    config = TrainConfig(data="builtin:digits", model="baseline", epochs=40, patience=5, batch_size=64,
                         augment="default")
    result = train_model(load_digits(), config, store=RunStore(tmp_path, default_dir=None))
    assert result.metrics["accuracy"] >= 0.98


def test_the_eta_counts_the_validation_passes_still_to_run():
    from mathdash.train.fit import remaining_seconds

    # epoch 1 of 3 validating, half done: 20 training batches and 2.5 validation passes are left
    assert remaining_seconds(0, 3, 10, 10, batch_s=1.0, val_pass_s=5.0, val_done=0.5) == 32.5
    # the last epoch's validation, a quarter done: only validation is left, and it is not 0
    assert remaining_seconds(2, 3, 10, 10, batch_s=1.0, val_pass_s=8.0, val_done=0.25) == 6.0
    assert remaining_seconds(2, 3, 10, 10, batch_s=1.0, val_pass_s=8.0, val_done=1.0) == 0.0


@pytest.mark.slow
def test_validation_reports_progress_and_a_nonzero_eta(tmp_path, monkeypatch):
    import mathdash.train.fit as fit

    monkeypatch.setattr(fit, "PROGRESS_INTERVAL_S", 0.0)  # report every batch, validation ones too
    events = []
    train_model(shapes_dataset(), _quick(epochs=2, patience=5, batch_size=16), progress=events.append,
                store=RunStore(tmp_path, default_dir=None))
    validating = [e for e in events if e.get("phase") == "validate"]
    assert {e["epoch"] for e in validating} == {1, 2}
    assert all(e["val_batches"] == 3 and 1 <= e["val_batch"] <= 3 for e in validating)  # 36 images / 16
    unfinished = [e for e in validating if e["val_batch"] < e["val_batches"]]
    assert unfinished and all(e["eta_s"] > 0 for e in unfinished)
    first_epoch = [e["eta_s"] for e in validating if e["epoch"] == 1]
    second_start = next(e["eta_s"] for e in events if e.get("phase") == "batch" and e["epoch"] == 2)
    assert min(first_epoch) > 0.5 * second_start  # epoch 1's validation still has all of epoch 2 ahead


@pytest.mark.slow
def test_balancing_copies_travel_with_their_source_and_are_never_scored(tmp_path):
    """A generated sample sits in the part of the image it was made from; test scores count real images."""
    base = shapes_dataset(per_class=20)
    rare = base.subset(np.flatnonzero((base.labels != 1) | (np.arange(len(base)) % 20 < 6)))  # 'dash': 6
    config = _quick(epochs=1, model="baseline", balance="max")
    prepared = prepare_data(rare, config)
    source = prepared.extras["augmented_from"]
    copies = np.flatnonzero(source >= 0)
    assert len(copies) == 14  # the 6 real dashes grown to 20
    split = make_split(prepared, config.split_fractions, seed=config.seed, by_group=config.split_by_group)
    part = np.empty(len(prepared), np.int64)
    for k, rows in enumerate((split.train, split.val, split.test)):
        part[rows] = k
    assert (part[copies] == part[source[copies]]).all()
    test_copies = np.intersect1d(split.test, copies)
    assert len(test_copies) > 0  # some copies are in test, so leaving them out of the scores matters
    real_test = len(split.test) - len(test_copies)

    result = train_model(rare, config, store=RunStore(tmp_path, default_dir=None))
    assert result.metrics["split"]["test"] == len(split.test)
    assert result.metrics["test_size"] == result.metrics["split"]["test_real"] == real_test
    assert np.array(result.metrics["confusion"]).sum() == real_test
    rebuilt = rebuild_test_set(rare, config)
    assert len(rebuilt) == real_test and set(rebuilt.sources) <= set(rare.sources)
