"""evaluate's finer promises, pinned one by one with a stand-in model: what predict_proba hands the
model, evaluate_model's keys, the augmented copy's config and seed, zero-support classes, label checks.

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``mathdash/evaluate.py``; the
broad behaviour is in ``test_evaluate.py``.
"""

import zlib

import numpy as np
import pytest

from mathdash.augment import PRESETS
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.evaluate import (
    align_classes,
    augmented_accuracy,
    evaluate_model,
    evaluate_predictions,
    leakage_flag,
    per_class_table,
    predict_proba,
    scores_from_labels,
)


class _Recorder:
    """A stand-in model: predicts a class from a checksum of each image; records every call."""

    def __init__(self, classes: int = 3):
        self.output_shape = (None, classes)
        self.calls = []

    def predict(self, x, batch_size=None, verbose=None):
        self.calls.append({"shape": x.shape, "dtype": x.dtype, "batch_size": batch_size, "verbose": verbose})
        picked = [zlib.crc32(image.tobytes()) % self.output_shape[1] for image in x]
        return np.eye(self.output_shape[1], dtype=np.float32)[picked]


def _dataset(n: int = 30, names=("3", "7", "R")) -> Dataset:
    rng = np.random.default_rng(1)
    images = np.full((n, 45, 45), 255, np.uint8)
    for image in images:
        y, x = rng.integers(5, 30, 2)
        image[y:y + 12, x:x + 4] = 0
    return Dataset(images, np.arange(n) % len(names), list(names), [f"i{i}" for i in range(n)])


def test_predict_proba_passes_float_input_batch_size_and_silence():
    model, dataset = _Recorder(), _dataset(5)
    proba = predict_proba(model, dataset.images)
    assert proba.shape == (5, 3)
    assert model.calls == [{"shape": (5, 45, 45, 1), "dtype": np.float32, "batch_size": 256, "verbose": 0}]
    predict_proba(model, dataset.images[:1], batch_size=7)  # a single image is predicted too
    assert model.calls[-1]["batch_size"] == 7 and model.calls[-1]["shape"] == (1, 45, 45, 1)


def test_predict_proba_of_no_images_is_an_empty_float32_matrix_without_a_model_call():
    model = _Recorder(classes=4)
    proba = predict_proba(model, np.zeros((0, 45, 45), np.uint8))
    assert proba.shape == (0, 4) and proba.dtype == np.float32
    assert model.calls == []


def test_evaluate_model_scores_the_model_and_optionally_an_augmented_copy():
    model, dataset = _Recorder(), _dataset()
    predicted = predict_proba(model, dataset.images).argmax(axis=1)
    plain = evaluate_model(model, dataset, augmented=False)
    assert plain["accuracy"] == pytest.approx(np.mean(predicted == dataset.labels))
    assert plain["test_size"] == 30 and plain["augmented_accuracy"] is None
    seed = next(s for s in range(1, 9) if augmented_accuracy(model, dataset, seed=s) != plain["accuracy"]
                and augmented_accuracy(model, dataset, seed=s) != augmented_accuracy(model, dataset, seed=0))
    full = evaluate_model(model, dataset, seed=seed)  # a seed whose copy scores unlike seed 0's
    assert full["augmented_accuracy"] == augmented_accuracy(model, dataset, seed=seed)
    assert evaluate_model(model, dataset)["augmented_accuracy"] == augmented_accuracy(model, dataset, seed=0)


def test_augmented_accuracy_uses_the_given_config_and_seed():
    model, dataset = _Recorder(), _dataset()
    clean = float(np.mean(predict_proba(model, dataset.images).argmax(axis=1) == dataset.labels))
    assert augmented_accuracy(model, dataset, config=PRESETS["none"]) == pytest.approx(clean)
    by_seed = {seed: augmented_accuracy(model, dataset, seed=seed) for seed in (0, 1, 2)}
    assert len(set(by_seed.values())) > 1  # the checksum model sees every distortion
    assert augmented_accuracy(model, dataset) == by_seed[0]  # the default seed is 0


def test_augmented_accuracy_hands_the_class_names_to_a_flip():
    images = np.full((4, 45, 45), 255, np.uint8)
    images[:, 10:30, 5:9] = 0  # ink on the left
    dataset = Dataset(images, np.array([0, 0, 1, 1]), ["(", ")"], [f"p{i}" for i in range(4)])
    flip = PRESETS["none"].with_op("flip", enabled=True, probability=1.0)

    class LeftOrRight:
        output_shape = (None, 2)

        def predict(self, x, batch_size=None, verbose=None):
            left = x[:, :, :22].sum(axis=(1, 2, 3)) > x[:, :, 23:].sum(axis=(1, 2, 3))
            return np.eye(2)[np.where(left, 0, 1)]

    # every image mirrored: ink on the right, relabelled '(' <-> ')': right for the two ex-')' ones
    assert augmented_accuracy(LeftOrRight(), dataset, config=flip) == pytest.approx(0.5)


def test_precision_of_a_class_never_predicted_is_zero_and_confusion_keeps_every_class():
    metrics = scores_from_labels(np.array([0, 0, 1]), np.array([0, 0, 0]), ["a", "b", "c", "d"])
    assert metrics["per_class"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics["per_class"]["c"]["precision"] == 0.0
    assert metrics["confusion"] == [[2, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert all(type(count) is int for row in metrics["confusion"] for count in row)  # JSON ints
    assert metrics["confused_pairs"] == [{"true": "b", "predicted": "a", "count": 1}]


def test_a_class_with_one_test_image_can_be_the_worst():
    metrics = scores_from_labels(np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0]), ["a", "b"])
    assert (metrics["worst_class"], metrics["worst_f1"]) == ("b", 0.0)
    assert metrics["macro_f1"] == pytest.approx((0.857142857 + 0.0) / 2)


def test_macro_f1_leaves_out_a_class_that_is_only_predicted():
    metrics = scores_from_labels(np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1]), ["a", "b", "c"])
    f1 = metrics["per_class"]
    assert metrics["macro_f1"] == pytest.approx((f1["a"]["f1"] + f1["b"]["f1"]) / 2)


def test_per_class_table_names_its_index_even_when_empty():
    assert per_class_table({}).empty and per_class_table({}).index.name == "class"
    table = per_class_table(evaluate_predictions(np.array([0, 1]), np.eye(2), ["a", "b"]))
    assert table.index.name == "class" and table.index.tolist() == ["a", "b"]


@pytest.mark.parametrize("labels", [[0, 3], [-1, 1], [3, 1]])
def test_labels_outside_the_classes_are_refused_with_the_range(labels):
    with pytest.raises(ConfigError, match=r"labels must lie in 0\.\.2$"):
        evaluate_predictions(np.array(labels), np.eye(3)[[0, 1]], ["a", "b", "c"])


def test_labels_given_as_floats_are_read_as_class_indices():
    metrics = evaluate_predictions(np.array([0.0, 1.0, 2.0]), np.eye(3), ["a", "b", "c"])
    assert metrics["accuracy"] == 1.0 and metrics["per_class"]["c"]["support"] == 1


def test_align_classes_of_an_empty_dataset_and_of_a_missing_class():
    empty = Dataset(np.zeros((0, 45, 45), np.uint8), np.zeros(0, np.int64), ["a"], [])
    aligned, dropped = align_classes(empty, ["a", "b"])
    assert (len(aligned), dropped, aligned.class_names) == (0, 0, ["a", "b"])
    dataset = _dataset(6, names=("x", "y", "z"))
    aligned, dropped = align_classes(dataset, ["z", "x"])  # 'y' is gone
    assert dropped == 2 and aligned.labels.tolist() == [1, 0, 1, 0]


def test_leakage_flag_edges(monkeypatch):
    import mathdash.evaluate

    monkeypatch.setattr(mathdash.evaluate, "LEAKAGE_MARGIN", 0.25)  # exact in binary, unlike 0.02
    assert not leakage_flag({"accuracy": [0.5], "val_accuracy": [0.75]}, train_accuracy=0.5)  # not above
    assert leakage_flag({"accuracy": [0.5], "val_accuracy": [0.8125]}, train_accuracy=0.5)
    assert not leakage_flag({"accuracy": [0.5, 0.5], "val_accuracy": [0.75, 0.75]})  # the margin, not more
    assert not leakage_flag({"val_accuracy": [0.9]})  # no training accuracy to compare with
    assert not leakage_flag({"accuracy": [0.9]})  # no validation accuracy
    assert not leakage_flag({"accuracy": [], "val_accuracy": []})  # no epochs
