"""How good a trained model is: accuracy, per-class scores, confusions, robustness, a leakage hint.

The dict ``evaluate_predictions`` returns is the schema of a run's ``metrics.json``; ``train``
adds the run-level keys listed below.

Keys from ``evaluate_predictions``:
    ``accuracy`` (float), ``macro_f1`` (float), ``weighted_f1`` (float): scikit-learn scores.
    ``test_size`` (int): number of evaluated samples.
    ``top5_accuracy`` (float): share whose true class is among the five most probable (only from
        probabilities, so not from ``scores_from_labels``).
    ``per_class`` (dict): class name -> ``{"precision", "recall", "f1", "support"}``, every class.
    ``confusion`` (list[list[int]]): K x K counts, row = true class, column = predicted class,
        in the order of ``class_names``.
    ``confused_pairs`` (list[dict]): the most frequent mistakes, largest first, each
        ``{"true", "predicted", "count"}`` with class names.
    ``worst_class`` (str | None), ``worst_f1`` (float | None): the lowest F1 among classes that
        have test samples.
Keys from ``evaluate_model`` on top: ``augmented_accuracy`` (float | None): accuracy on a copy of
    the test images passed through the default augmentation preset (None when augmentation is
    unavailable).
Keys added by ``mathdash.train``: ``state`` ('done' or 'stopped'), ``created`` (ISO time),
    ``train_seconds`` (the whole fit), ``images_per_second`` (training images over the time spent
    in training batches, validation left out), ``epochs_run``, ``best_epoch`` (1-based),
    ``train_accuracy`` and ``val_accuracy`` at the best epoch (as logged while fitting),
    ``clean_train_accuracy`` (the final model on up to 2,000 un-augmented training images),
    ``leakage_flag`` (bool, see ``leakage_flag``), ``params`` (int), ``split`` (sizes of
    ``train``, ``val``, ``test`` and ``test_real``, the real images scored), ``data_images`` and
    ``data_classes`` (after duplicate removal and balancing); for a run on several sources
    (``"a + b"``), ``by_source``: source -> its test images' ``accuracy``, ``top5_accuracy``,
    ``macro_f1``, ``test_size``, ``worst_class``, ``worst_f1`` and ``confused_pairs``; for
    writer-labelled sources, ``test_writers``: source -> the sorted writer ids of its test images.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.keras_state import keras_work
from mathdash.preprocess import to_model_input

TOP_CONFUSED_PAIRS = 15
LEAKAGE_MARGIN = 0.02  # val above train by more than this (averaged over the last epochs) is suspicious
LEAKAGE_EPOCHS = 3


def evaluate_predictions(
    y_true: np.ndarray, proba: np.ndarray, class_names: list[str]
) -> dict[str, Any]:
    """Score predicted class probabilities against the true labels.

    Args:
        y_true: int array (N,), true class indices into ``class_names``.
        proba: float array (N, K) of class probabilities (or scores), K = len(class_names).
        class_names: the K class names.

    Returns:
        The metrics dict described in the module docstring.
    """
    y_true, proba = _check_predictions(y_true, proba, len(class_names))
    y_pred = proba.argmax(axis=1)
    scores = scores_from_labels(y_true, y_pred, class_names)
    scores["top5_accuracy"] = top_k_accuracy(y_true, proba, 5)
    return scores


def top_k_accuracy(y_true: np.ndarray, proba: np.ndarray, k: int = 5) -> float:
    """Share of samples whose true class is among the ``k`` highest scores (1.0 when k >= K).

    Args:
        y_true: int array (N,); proba: float array (N, K).
    """
    if len(y_true) == 0:
        return 0.0
    k = min(k, proba.shape[1])
    top = np.argpartition(-proba, k - 1, axis=1)[:, :k]
    return float(np.mean((top == np.asarray(y_true)[:, None]).any(axis=1)))


def scores_from_labels(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: list[str]
) -> dict[str, Any]:
    """The same metrics dict from hard predictions: int arrays (N,) of class indices."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = np.arange(len(class_names))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    confusion = confusion_matrix(y_true, y_pred, labels=labels)
    per_class = {
        name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(class_names, precision, recall, f1, support)
    }
    present = support > 0
    worst = int(np.flatnonzero(present)[np.argmin(f1[present])]) if present.any() else None
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels[present], average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
        "test_size": int(len(y_true)),
        "per_class": per_class,
        "confusion": confusion.astype(int).tolist(),
        "confused_pairs": most_confused_pairs(confusion, class_names),
        "worst_class": None if worst is None else class_names[worst],
        "worst_f1": None if worst is None else float(f1[worst]),
    }


def most_confused_pairs(
    confusion: np.ndarray, class_names: list[str], top: int = TOP_CONFUSED_PAIRS
) -> list[dict[str, Any]]:
    """The largest off-diagonal cells of a confusion matrix.

    Args:
        confusion: int array (K, K), row = true class, column = predicted class.
        class_names: the K class names.
        top: how many pairs to return at most.

    Returns:
        ``[{"true": name, "predicted": name, "count": int}, ...]``, largest count first, zero
        counts left out.
    """
    off = np.array(confusion, dtype=np.int64)
    np.fill_diagonal(off, 0)
    flat = np.argsort(off, axis=None, kind="stable")[::-1][:top]
    rows, cols = np.unravel_index(flat, off.shape)
    return [
        {"true": class_names[r], "predicted": class_names[c], "count": int(off[r, c])}
        for r, c in zip(rows, cols)
        if off[r, c] > 0
    ]


def per_class_table(metrics: dict[str, Any]) -> pd.DataFrame:
    """``metrics["per_class"]`` as a DataFrame (index class name; precision, recall, f1, support)."""
    table = pd.DataFrame.from_dict(metrics.get("per_class", {}), orient="index")
    table.index.name = "class"
    return table


def predict_proba(model: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities of a keras model for dataset images.

    Args:
        model: a compiled keras model taking float32 (N, 45, 45, 1).
        images: uint8 array (N, 45, 45), ink dark on white.

    Returns:
        float32 array (N, K).
    """
    if len(images) == 0:
        return np.zeros((0, model.output_shape[-1]), dtype=np.float32)
    with keras_work():
        return np.asarray(model.predict(to_model_input(images), batch_size=batch_size, verbose=0))


def evaluate_model(
    model: Any, dataset: Dataset, augmented: bool = True, seed: int = 0
) -> dict[str, Any]:
    """Evaluate a keras model on every image of a dataset (usually the test part of a split).

    Args:
        model: keras model whose K outputs follow ``dataset.class_names``.
        dataset: the evaluation images and labels.
        augmented: also measure accuracy on an augmented copy (``augmented_accuracy``).
        seed: seed of the augmented copy.

    Returns:
        The metrics dict of ``evaluate_predictions`` plus ``augmented_accuracy``.
    """
    metrics = evaluate_predictions(dataset.labels, predict_proba(model, dataset.images), dataset.class_names)
    metrics["augmented_accuracy"] = augmented_accuracy(model, dataset, seed=seed) if augmented else None
    return metrics


def augmented_accuracy(model: Any, dataset: Dataset, config: Any = None, seed: int = 0) -> float | None:
    """Accuracy on a copy of the images passed through an augmentation pipeline.

    Args:
        model: keras model whose outputs follow ``dataset.class_names``.
        dataset: the images to distort (uint8 (N, 45, 45)) and their labels.
        config: a ``mathdash.augment.AugmentConfig``; None uses the ``default`` preset.
        seed: seed of the distortions, so the copy is reproducible.

    Returns:
        Accuracy in [0, 1], or None when the dataset is empty or ``mathdash.augment`` is missing.
    """
    if len(dataset) == 0:
        return None
    try:
        from mathdash.augment import PRESETS, augment_images
    except ImportError:
        return None
    config = config if config is not None else PRESETS["default"]
    images, labels = augment_images(
        dataset.images, config, seed, labels=dataset.labels, class_names=dataset.class_names
    )
    predicted = predict_proba(model, images).argmax(axis=1)
    return float(np.mean(predicted == np.asarray(labels)))


def align_classes(dataset: Dataset, class_names: list[str]) -> tuple[Dataset, int]:
    """Relabel a dataset to a model's class order, dropping images of classes the model lacks.

    Args:
        dataset: images with their own ``class_names``.
        class_names: the model's output classes (a run's ``labels.json``).

    Returns:
        (the relabelled dataset with ``class_names`` as its classes, number of images dropped).
    """
    position = {name: i for i, name in enumerate(class_names)}
    mapping = np.array([position.get(name, -1) for name in dataset.class_names], dtype=np.int64)
    new_labels = mapping[dataset.labels] if len(dataset) else dataset.labels
    kept = np.flatnonzero(new_labels >= 0)
    aligned = replace(dataset.subset(kept), labels=new_labels[kept], class_names=list(class_names))
    return aligned, int(len(dataset) - len(kept))


def leakage_flag(history: pd.DataFrame | dict[str, list[float]], train_accuracy: float | None = None) -> bool:
    """True when validation accuracy sits clearly above training accuracy: a sign of leakage.

    Dropout and on-the-fly augmentation lower the accuracy keras logs while training, so pass
    ``train_accuracy`` measured on clean training images when there is one; otherwise the flag
    compares the logged figures, averaged over the last ``LEAKAGE_EPOCHS`` epochs. Either way it
    needs a margin of ``LEAKAGE_MARGIN``.

    Args:
        history: per-epoch ``accuracy`` and ``val_accuracy`` (a DataFrame or keras' history dict).
        train_accuracy: accuracy of the final model on (un-augmented) training images.
    """
    table = pd.DataFrame(history)
    if "val_accuracy" not in table.columns or table.empty:
        return False
    if train_accuracy is not None:
        return bool(table["val_accuracy"].max() - train_accuracy > LEAKAGE_MARGIN)
    if "accuracy" not in table.columns:
        return False
    last = table.tail(LEAKAGE_EPOCHS)
    return bool((last["val_accuracy"] - last["accuracy"]).mean() > LEAKAGE_MARGIN)


def _check_predictions(
    y_true: np.ndarray, proba: np.ndarray, num_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.int64)
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[0] != y_true.shape[0]:
        raise ConfigError(f"proba must have shape ({len(y_true)}, K), got {proba.shape}")
    if proba.shape[1] != num_classes:
        raise ConfigError(f"proba has {proba.shape[1]} columns but there are {num_classes} class names")
    if len(y_true) and (y_true.min() < 0 or y_true.max() >= num_classes):
        raise ConfigError(f"labels must lie in 0..{num_classes - 1}")
    return y_true, proba
