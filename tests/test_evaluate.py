"""Scores from predictions: accuracy, F1, confusions, worst class, robustness, the leakage flag."""

import numpy as np
import pandas as pd
import pytest

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.evaluate import (
    align_classes,
    augmented_accuracy,
    evaluate_predictions,
    leakage_flag,
    most_confused_pairs,
    per_class_table,
)

NAMES = ["a", "b", "c"]


def _one_hot(predicted: list[int], k: int = 3) -> np.ndarray:
    return np.eye(k)[predicted]


def test_scores_of_known_predictions():
    y_true = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    y_pred = [0, 0, 0, 1, 1, 1, 1, 1, 2, 0]  # one a->b, one c->a
    metrics = evaluate_predictions(y_true, _one_hot(y_pred), NAMES)
    assert metrics["accuracy"] == pytest.approx(0.8)
    assert metrics["test_size"] == 10
    assert metrics["per_class"]["b"]["precision"] == pytest.approx(0.8)
    assert metrics["per_class"]["c"]["recall"] == pytest.approx(0.5)
    assert metrics["per_class"]["c"]["support"] == 2
    assert metrics["worst_class"] == "c"
    assert metrics["worst_f1"] == pytest.approx(2 / 3)
    assert metrics["confusion"] == [[3, 1, 0], [0, 4, 0], [1, 0, 1]]
    f1 = [metrics["per_class"][n]["f1"] for n in NAMES]
    assert metrics["macro_f1"] == pytest.approx(np.mean(f1))
    assert metrics["weighted_f1"] == pytest.approx(np.average(f1, weights=[4, 4, 2]))


def test_classes_without_test_samples_do_not_count_as_worst():
    metrics = evaluate_predictions(np.array([0, 0, 1]), _one_hot([0, 0, 1]), NAMES)
    assert metrics["worst_f1"] == pytest.approx(1.0)
    assert metrics["macro_f1"] == pytest.approx(1.0)
    assert metrics["per_class"]["c"]["support"] == 0


def test_most_confused_pairs_largest_first_without_zeros():
    confusion = np.array([[5, 2, 0], [7, 3, 1], [0, 0, 9]])
    pairs = most_confused_pairs(confusion, NAMES)
    assert pairs == [{"true": "b", "predicted": "a", "count": 7},
                     {"true": "a", "predicted": "b", "count": 2},
                     {"true": "b", "predicted": "c", "count": 1}]


def test_per_class_table_has_one_row_per_class():
    metrics = evaluate_predictions(np.array([0, 1, 2]), _one_hot([0, 1, 1]), NAMES)
    table = per_class_table(metrics)
    assert list(table.index) == NAMES
    assert table.loc["c", "recall"] == 0.0


def test_mismatched_shapes_are_refused():
    with pytest.raises(ConfigError, match="columns"):
        evaluate_predictions(np.array([0, 1]), np.zeros((2, 4)), NAMES)
    with pytest.raises(ConfigError, match="shape"):
        evaluate_predictions(np.array([0, 1, 2]), np.zeros((2, 3)), NAMES)


def test_leakage_flag_only_when_validation_beats_training_clearly():
    honest = {"accuracy": [0.7, 0.85, 0.9, 0.92], "val_accuracy": [0.72, 0.84, 0.88, 0.9]}
    leaky = {"accuracy": [0.6, 0.7, 0.75, 0.78], "val_accuracy": [0.8, 0.9, 0.95, 0.97]}
    assert not leakage_flag(honest)
    assert leakage_flag(leaky)
    assert leakage_flag(pd.DataFrame(leaky))
    assert not leakage_flag({"loss": [1.0]})


def test_align_classes_maps_names_and_drops_unknown():
    images = np.full((4, 45, 45), 255, np.uint8)
    dataset = Dataset(images, np.array([0, 1, 2, 1]), ["x", "b", "a"], list("wxyz"))
    aligned, dropped = align_classes(dataset, NAMES)
    assert dropped == 1
    assert aligned.class_names == NAMES
    assert aligned.labels.tolist() == [1, 0, 1]
    assert aligned.sources == ["x", "y", "z"]


class _InkCounter:
    """A stand-in model: class 1 when the image holds much ink, else class 0."""

    output_shape = (None, 2)

    def predict(self, x, batch_size=None, verbose=0):
        heavy = x.reshape(len(x), -1).mean(axis=1) > 0.25
        return np.eye(2)[heavy.astype(int)]


def test_augmented_accuracy_scores_a_distorted_copy():
    images = np.full((20, 45, 45), 255, np.uint8)
    images[10:, 5:40, 5:40] = 0  # class 1: a big ink block; class 0: blank paper
    dataset = Dataset(images, np.repeat([0, 1], 10), ["blank", "block"], [str(i) for i in range(20)])
    assert augmented_accuracy(_InkCounter(), dataset, seed=0) == pytest.approx(1.0)
    assert augmented_accuracy(_InkCounter(), dataset.subset(np.array([], dtype=int)), seed=0) is None


def test_leakage_flag_uses_the_clean_training_accuracy_when_given():
    # training accuracy as keras logs it on distorted batches with dropout on
    augmented = {"accuracy": [0.80, 0.85, 0.87], "val_accuracy": [0.90, 0.94, 0.95]}
    assert leakage_flag(augmented)  # the logged figures alone would cry wolf
    assert not leakage_flag(augmented, train_accuracy=0.98)
    assert leakage_flag(augmented, train_accuracy=0.90)


def test_top5_counts_a_true_class_anywhere_in_the_five_best():
    from mathdash.evaluate import top_k_accuracy

    proba = np.array([[0.5, 0.2, 0.1, 0.08, 0.07, 0.05],   # true 4: fifth best
                      [0.5, 0.2, 0.1, 0.08, 0.07, 0.05],   # true 5: sixth, missed
                      [0.1, 0.6, 0.1, 0.1, 0.05, 0.05]])  # true 1: first
    assert top_k_accuracy(np.array([4, 5, 1]), proba, 5) == pytest.approx(2 / 3)
    assert top_k_accuracy(np.array([4, 5, 1]), proba, 1) == pytest.approx(1 / 3)
    assert evaluate_predictions(np.array([4, 5, 1]), proba, list("abcdef"))["top5_accuracy"] == pytest.approx(2 / 3)
