"""Score a saved run on another source, such as real handwriting, and keep the result with the run.

When the run was trained on that source (one part of its ``a + b`` data), only the part it never
saw is scored: the writers of its test split as the run recorded them (``metrics["test_writers"]``),
or else its test split rebuilt from the run's config.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

import numpy as np

from mathdash.dataset import Dataset
from mathdash.errors import ArtifactError, DatasetError
from mathdash.runs import Run
from mathdash.runs.records import write_atomic

EVALUATIONS_DIR = "evaluations"
SUMMARY_KEYS = ("accuracy", "top5_accuracy", "macro_f1", "test_size", "worst_class", "worst_f1")


def held_out_images(run: Run, source: str, progress: Any = None) -> tuple[Dataset, str]:
    """The images of ``source`` the run can fairly be scored on, and a sentence saying which.

    Args:
        run: a saved run (its ``config["data"]`` says what it was trained on).
        source: a data source (a path or ``builtin:`` name).
        progress: passed to the loaders.

    Returns:
        (images relabelled to the run's classes, the description of what they are).
    """
    from mathdash.evaluate import align_classes
    from mathdash.loaders import PART_EXTRA, load_data, load_source, source_parts

    parts = source_parts(run.config.get("data", ""))
    number = _matching_part(parts, source)
    recorded = run.metrics.get("test_writers", {}).get(parts[number]) if number is not None else None
    if number is None:
        dataset, scope = load_source(source, progress=progress), f"all of {source}"
    elif recorded:
        dataset = load_source(source, progress=progress)
        dataset = dataset.subset(np.isin(np.asarray(dataset.extras.get("writer", [""] * len(dataset))).astype(str),
                                         recorded))
        scope = f"the run's test writers of {source} (never trained on)"
    else:
        from mathdash.train import TrainConfig, rebuild_test_set

        config = TrainConfig.from_dict(run.config)
        test = rebuild_test_set(load_data(config.data, progress=progress), config)
        if PART_EXTRA in test.extras:
            test = test.subset(np.asarray(test.extras[PART_EXTRA]) == number)
        dataset, scope = test, f"the run's test part of {source} (never trained on)"
    writers = _writers(dataset)
    if writers:
        scope += f", {writers} writers"
    aligned, dropped = align_classes(dataset, run.labels)
    if dropped:
        scope += f"; {dropped} images of classes the model lacks left out"
    if not len(aligned):
        raise DatasetError(f"{source} holds no image of a class the run knows")
    return aligned, scope


def evaluate_run_on(run: Run, source: str, progress: Any = None) -> dict[str, Any]:
    """Top-1, top-5, per-class F1 and confused pairs of ``run`` on ``source``'s held-out images.

    Returns:
        ``evaluate_predictions``'s metrics dict plus ``source``, ``scope`` (what was scored),
        ``writers`` (distinct known writers), ``run_id`` and ``evaluated`` (ISO time).
    """
    from mathdash.evaluate import evaluate_predictions, predict_proba

    images, scope = held_out_images(run, source, progress)
    model = run.load_model()
    metrics = evaluate_predictions(images.labels, predict_proba(model, images.images), images.class_names)
    metrics.update(source=source, scope=scope, writers=_writers(images), run_id=run.id,
                   evaluated=time.strftime("%Y-%m-%dT%H:%M:%S"))
    return metrics


def save_evaluation(run: Run, result: dict[str, Any]) -> str:
    """Store a result beside the run (``evaluations/<source>.json``, atomically); returns the path.

    Raises:
        ArtifactError: the run directory cannot be written.
    """
    folder = run.path / EVALUATIONS_DIR
    path = folder / f"{_slug(result['source'])}.json"
    try:
        folder.mkdir(exist_ok=True)
        write_atomic(path, json.dumps(result))  # one line: the confusion matrix alone is K x K
    except OSError as error:
        raise ArtifactError(f"cannot store the evaluation in {folder}: {error}") from error
    return str(path)


def evaluate_and_save(run: Run, source: str, progress: Any = None, stop_event: Any = None) -> str:
    """``evaluate_run_on`` then ``save_evaluation``, as a job function (the Compare page's form).

    Returns:
        The saved evaluation's file name.
    """
    return save_evaluation(run, evaluate_run_on(run, source, progress=progress))


def list_evaluations(run: Run) -> list[dict[str, Any]]:
    """Every stored evaluation of a run, newest first (unreadable files are left out)."""
    results = []
    for path in sorted((run.path / EVALUATIONS_DIR).glob("*.json")):
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(result, dict) and "accuracy" in result:
            results.append(result)
    return sorted(results, key=lambda r: r.get("evaluated", ""), reverse=True)


def _matching_part(parts: list[str], source: str) -> int | None:
    wanted = _canonical(source)
    for number, part in enumerate(parts):
        if _canonical(part) == wanted:
            return number
    return None


def _canonical(source: str) -> str:
    text = str(source).strip()
    return text if text.startswith("builtin:") else os.path.realpath(os.path.expanduser(text))


def _writers(dataset: Dataset) -> int:
    return dataset.summary()["writers"] or 0


def _slug(source: str) -> str:
    parts = os.path.normpath(str(source)).replace("\\", "/").split("/")
    name = "_".join(p for p in parts[-2:] if p not in ("", ".", "..")) or str(source)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "source"
