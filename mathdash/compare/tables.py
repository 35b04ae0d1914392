"""Saved runs turned into the tables the Compare page shows: one row per run, F1 per class, curves.

Everything here reads a run's ``config.json``, ``metrics.json``, ``history.csv`` and ``labels.json``
(as loaded by ``RunStore.load``), never the model, so comparing runs is instant.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import numpy as np
import pandas as pd

from mathdash.runs import Run
from mathdash.symbols import label as class_label

SUMMARY_COLUMNS = [
    "id", "model", "study", "variant", "search", "augmented", "augment", "balanced", "accuracy",
    "augmented_accuracy",
    "macro_f1", "weighted_f1", "worst_class", "worst_f1", "params", "train_accuracy",
    "val_accuracy", "clean_train_accuracy", "leakage_flag", "state", "epochs_run", "created",
]
CURVE_METRICS = ("accuracy", "val_accuracy", "loss", "val_loss")
WITH_AUGMENTATION = "with on-the-fly augmentation"
WITHOUT_AUGMENTATION = "without on-the-fly augmentation"


def run_tags(config: dict[str, Any]) -> dict[str, str]:
    """A run's tags as a dict: ``"study=duplicates"`` strings (or a dict) from ``config["tags"]``.

    A tag without ``=`` maps to ``""``.
    """
    tags = config.get("tags") or ()
    if isinstance(tags, dict):
        return {str(key): str(value) for key, value in tags.items()}
    pairs = (str(tag).partition("=") for tag in tags)
    return {key: value for key, _, value in pairs}


def on_the_fly_augmentation(config: dict[str, Any]) -> str:
    """The on-the-fly augmentation a run trained with: a preset or config name, ``custom`` for an
    inline config, ``''`` for none.

    Read from ``config["augment"]``; a config without that key (an older run) falls back to its
    ``augment=`` tag, then to the legacy ``augmented=`` tag.
    """
    if "augment" in config:
        augment = config["augment"]
    else:
        tags = run_tags(config)
        augment = tags.get("augment") or ("custom" if tags.get("augmented", "").lower() == "true" else None)
    if augment in (None, "", "none"):
        return ""
    return augment if isinstance(augment, str) else "custom"


def is_augmented(config: dict[str, Any]) -> bool:
    """Whether a run's training batches were augmented on the fly (class balancing is not counted:
    see ``is_balanced``)."""
    return bool(on_the_fly_augmentation(config))


def is_balanced(config: dict[str, Any]) -> bool:
    """Whether class balancing added augmented copies of rare classes to a run's training data."""
    return config.get("balance") not in (None, "", "none")


def run_labels(runs: Sequence[Run]) -> list[str]:
    """A short, unique label per run: its name, else its study variant or model, then ``+balanced``
    when balancing copies were added and ``+aug`` when batches were augmented on the fly.

    Runs that would share a label get the last six characters of their id appended.
    """
    bases = [_base_label(run) for run in runs]
    counts = Counter(bases)
    return [base if counts[base] == 1 else f"{base} · {run.id[-6:]}" for base, run in zip(bases, runs)]


def _base_label(run: Run) -> str:
    tags = run_tags(run.config)
    name = run.config.get("name") or tags.get("variant") or str(run.config.get("model") or run.id)
    if "study" in tags:
        name = f"{tags['study']}: {name}"
    elif "search" in tags:
        name = f"{name} (search {tags['search']})"
    if is_balanced(run.config) and "balanced" not in name:
        name += " +balanced"
    return f"{name} +aug" if is_augmented(run.config) else name


def summary_table(runs: Sequence[Run]) -> pd.DataFrame:
    """One row per run, indexed by its label (``run_labels``).

    Returns:
        Columns ``SUMMARY_COLUMNS``: test ``accuracy``, ``augmented_accuracy`` (on an augmented
        copy of the test set), ``macro_f1``, ``weighted_f1``, ``worst_class``/``worst_f1``,
        ``params`` (Int64), ``leakage_flag`` (bool), the study tags, ``augmented`` (bool: on-the-fly
        augmentation), ``augment`` (its name, '' for none) and ``balanced`` (bool: balancing copies).
    """
    rows = [_summary_row(run) for run in runs]
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS, index=pd.Index(run_labels(runs), name="run"))
    table["params"] = pd.array(table["params"], dtype="Int64")
    for column in ("accuracy", "augmented_accuracy", "macro_f1", "weighted_f1", "worst_f1",
                   "clean_train_accuracy"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    table["augmented"] = table["augmented"].astype(bool)
    table["balanced"] = table["balanced"].astype(bool)
    table["leakage_flag"] = table["leakage_flag"].astype(bool)
    return table


def _summary_row(run: Run) -> dict[str, Any]:
    from mathdash.evaluate import leakage_flag

    tags, metrics = run_tags(run.config), run.metrics
    row = {key: metrics.get(key) for key in SUMMARY_COLUMNS}
    row.update(
        id=run.id,
        model=run.config.get("model", ""),
        study=tags.get("study", ""),
        variant=tags.get("variant", ""),
        search=tags.get("search", ""),
        augmented=is_augmented(run.config),
        augment=on_the_fly_augmentation(run.config),
        balanced=is_balanced(run.config),
        state=metrics.get("state", "done"),
        created=run.created or metrics.get("created", ""),
    )
    if row["leakage_flag"] is None:
        row["leakage_flag"] = leakage_flag(run.history)
    return row


def accuracy_groups(summary: pd.DataFrame) -> pd.DataFrame:
    """Long table for accuracy bars grouped with/without augmentation.

    Args:
        summary: ``summary_table(runs)``.

    Returns:
        One row per run and test set: ``group`` (variant, else model; "+ balanced" added when
        balancing copies were and the variant does not say so), ``augmentation`` (on the fly:
        ``WITH_AUGMENTATION`` / ``WITHOUT_AUGMENTATION``), ``test_set`` ('test' or
        'augmented test'), ``accuracy`` (float), ``run`` (label). Missing scores are left out.
    """
    group = summary["variant"].where(summary["variant"] != "", summary["model"])
    unnamed = summary["balanced"] & ~group.str.contains("balanced")
    base = pd.DataFrame({
        "group": group.where(~unnamed, group + " + balanced"),
        "augmentation": np.where(summary["augmented"], WITH_AUGMENTATION, WITHOUT_AUGMENTATION),
        "run": summary.index,
    })
    parts = []
    for test_set, column in (("test", "accuracy"), ("augmented test", "augmented_accuracy")):
        parts.append(base.assign(test_set=test_set, accuracy=summary[column].to_numpy()))
    long = pd.concat(parts, ignore_index=True).dropna(subset=["accuracy"])
    return long[["group", "augmentation", "test_set", "accuracy", "run"]].reset_index(drop=True)


def f1_matrix(runs: Sequence[Run], sort_by_worst: bool = False) -> pd.DataFrame:
    """Per-class F1 of every run: rows are runs (``run_labels``), columns classes by glyph label.

    Args:
        runs: the runs to compare.
        sort_by_worst: order the classes by their lowest F1 over the runs, worst first (else the
            classes keep the order of the first run that has them).

    Returns:
        float DataFrame (runs x classes) of F1 in [0, 1]; NaN where a run has no such class or
        no test sample of it.
    """
    columns: dict[str, str] = {}  # class name -> label, in first-seen order
    rows = []
    for run in runs:
        per_class = run.metrics.get("per_class", {})
        for name in run.labels or per_class:
            columns.setdefault(name, class_label(name))
        rows.append({name: _f1(scores) for name, scores in per_class.items()})
    index = pd.Index(run_labels(runs), name="run")
    matrix = pd.DataFrame(rows, columns=list(columns), index=index, dtype=float)
    if sort_by_worst and not matrix.empty:
        order = matrix.min(axis=0, skipna=True).sort_values(kind="stable", na_position="last").index
        matrix = matrix[order]
    matrix.columns = pd.Index([columns[name] for name in matrix.columns], name="class")
    return matrix


def _f1(scores: dict[str, Any]) -> float:
    if not scores.get("support", 1):
        return float("nan")  # no test image of this class: no score, not a zero
    return float(scores.get("f1", float("nan")))


def confusion_table(run: Run) -> pd.DataFrame:
    """A run's confusion matrix, rows true and columns predicted classes, labelled by glyph.

    Returns:
        int DataFrame (K x K) in the order of ``run.labels``; empty when the run has none.
    """
    confusion = run.metrics.get("confusion")
    if not confusion:
        return pd.DataFrame()
    names = [class_label(name) for name in run.labels]
    return pd.DataFrame(
        np.asarray(confusion, dtype=np.int64),
        index=pd.Index(names, name="true"),
        columns=pd.Index(names, name="predicted"),
    )


def confused_pairs_table(run: Run, top: int = 10) -> pd.DataFrame:
    """The run's most frequent mistakes: columns ``true``, ``predicted`` (glyph labels), ``count``."""
    pairs = run.metrics.get("confused_pairs")
    if pairs is None and run.metrics.get("confusion"):
        from mathdash.evaluate import most_confused_pairs

        pairs = most_confused_pairs(np.asarray(run.metrics["confusion"]), list(run.labels), top)
    table = pd.DataFrame(pairs or [], columns=["true", "predicted", "count"]).head(top)
    table["true"] = table["true"].map(class_label)
    table["predicted"] = table["predicted"].map(class_label)
    return table.astype({"count": "int64"})


def learning_curves(runs: Sequence[Run], metrics: Sequence[str] = CURVE_METRICS) -> pd.DataFrame:
    """Long table of every run's history: ``run`` (label), ``epoch`` (from 1), ``metric``, ``value``."""
    parts = []
    for label, run in zip(run_labels(runs), runs):
        history = run.history
        present = [m for m in metrics if m in history.columns]
        if not present:
            continue
        epochs = history.index if history.index.name == "epoch" else pd.RangeIndex(1, len(history) + 1)
        wide = history[present].set_axis(epochs, axis=0).rename_axis("epoch").reset_index()
        parts.append(wide.melt(id_vars="epoch", var_name="metric", value_name="value").assign(run=label))
    if not parts:
        return pd.DataFrame(columns=["run", "epoch", "metric", "value"])
    return pd.concat(parts, ignore_index=True)[["run", "epoch", "metric", "value"]]


def worst_classes(matrix: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` columns of an F1 matrix (``f1_matrix``) with the lowest F1 over its runs, worst first.

    Classes without any score go last; ``count`` at or above the number of classes keeps them all.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    order = matrix.min(axis=0, skipna=True).sort_values(kind="stable", na_position="last").index
    return matrix[order[:count]]


def confusion_view(table: pd.DataFrame, scale: str = "log") -> pd.DataFrame:
    """The values a confusion heatmap colours, so 82 classes stay readable.

    Args:
        table: ``confusion_table(run)``, int counts (K x K).
        scale: ``counts`` (as they are), ``log`` (log10(1 + count): one mistake stands out beside a
            diagonal of hundreds) or ``mistakes`` (the diagonal blanked, off-diagonal counts only).

    Returns:
        float DataFrame with the same labels; NaN on the diagonal for ``mistakes``.
    """
    values = table.to_numpy(dtype=float)
    if scale == "log":
        values = np.log10(1.0 + values)
    elif scale == "mistakes":
        values = values.copy()
        np.fill_diagonal(values, np.nan)
    elif scale != "counts":
        raise ValueError(f"scale must be 'counts', 'log' or 'mistakes', got {scale!r}")
    return pd.DataFrame(values, index=table.index, columns=table.columns)


def zoomed_range(values: Sequence[float], step: float = 0.05) -> tuple[float, float]:
    """A y range for accuracy bars: from a ``step`` below the lowest value (rounded down), to 1.

    Bars at 0.97 and 0.99 look alike on [0, 1]; on [0.95, 1] they do not. Never below 0.
    """
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low = np.floor((min(finite) - step / 2) / step) * step
    return float(max(0.0, round(low, 10))), 1.0
