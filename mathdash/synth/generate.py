"""Generate a whole built-in set: long-tailed unique samples, then copies with ground truth.

Every chunk of samples draws from its own seed (seed, class, chunk), so the result is the same
whether it is made in one process or several.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.symbols import KAGGLE_CLASSES
from mathdash.synth.assemble import assemble_dataset
from mathdash.synth.duplicates import DuplicateRecipe, plan_duplicates
from mathdash.synth.plan import class_plan
from mathdash.synth.render import render_symbol
from mathdash.synth.strokes import all_prototypes, install_prototypes

Progress = Callable[..., None]
_CHUNK = 400  # samples per task: small enough to balance two workers, big enough to amortise
_PARALLEL_FROM = 20_000  # uniques below this are made in-process (pool start-up costs more)
_RESEED = 1_000_000  # chunk ids from here on redraw samples that came out identical


def generate_dataset(seed: int = 0, scale: str | int = "default", duplicate_rate: float | None = None,
                     workers: int | None = None, progress: Progress | None = None,
                     stop_event: threading.Event | None = None) -> Dataset:
    """A synthetic stand-in for the Kaggle set: 82 classes, long-tailed, with duplicates.

    Args:
        seed: the same seed (and scale) gives identical arrays.
        scale: ``"default"`` (12,034 uniques in 34,881 files), ``"kaggle"`` (83,000 uniques in
            376,440 files) or a number of files (the default shape scaled).
        duplicate_rate: share of files that are copies (0 gives none); None keeps the plan's
            Kaggle-like rate (most files are copies).
        workers: processes for rendering; None picks 1 for small sets, else one per CPU core
            (at most 4).
        progress: called as ``progress(done, total, message)`` while samples are drawn.
        stop_event: when set, generation stops by raising ``InterruptedError``, so no partial
            set is ever mistaken for a whole one.

    Returns:
        Dataset of uint8 (N, 45, 45) images ordered by class folder, ``sources`` like
        ``synth:alpha/12``, extras ``duplicate_of`` (int64, -1 for originals, else the index of
        the original copied) and ``duplicate_kind`` (str: '', 'exact', 'jpeg', 'shift',
        'contrast', 'mislabel').
    """
    started = time.perf_counter()
    plan = class_plan(scale)
    copies = _copies_per_class(plan.uniques, plan.duplicates, duplicate_rate)
    uniques, labels = generate_uniques(plan.uniques, seed, workers, progress, stop_event)
    recipe = duplicate_recipe(labels, copies, seed)
    dataset = assemble_dataset(uniques, labels, recipe, seed, name=f"synthetic symbols ({scale})")
    dataset.report.source = f"synth:seed={seed},scale={scale}"
    dataset.report.seconds = time.perf_counter() - started
    return dataset


def duplicate_recipe(labels: np.ndarray, copies: np.ndarray, seed: int) -> DuplicateRecipe:
    """The copies a seed makes of the uniques: ``copies[c]`` of class c's images."""
    return plan_duplicates(labels, copies, np.random.default_rng([seed, 1]))


def _copies_per_class(uniques: np.ndarray, planned: np.ndarray, rate: float | None) -> np.ndarray:
    if rate is None:
        return planned
    if not 0.0 <= rate < 1.0:
        raise ConfigError(f"duplicate_rate must lie in [0, 1), got {rate}")
    total = round(rate / (1.0 - rate) * uniques.sum())
    weights = planned if planned.sum() else uniques
    return np.round(weights / weights.sum() * total).astype(np.int64)


def generate_uniques(counts: np.ndarray, seed: int, workers: int | None = None,
                     progress: Progress | None = None,
                     stop_event: threading.Event | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct handwritten samples, ``counts[c]`` of class ``KAGGLE_CLASSES[c]``.

    Returns:
        (images uint8 (U, 45, 45), labels int64 (U,)), grouped by class in catalogue order.
    """
    tasks = [(c, k, min(_CHUNK, int(n) - k * _CHUNK))
             for c, n in enumerate(counts) for k in range(-(-int(n) // _CHUNK))]
    total = int(np.sum(counts))
    if workers is None:
        workers = 1 if total < _PARALLEL_FROM else min(4, os.cpu_count() or 1)
    chunks = list(_run_tasks(tasks, seed, workers, progress, stop_event, total))
    images = np.concatenate(chunks) if chunks else np.zeros((0, 45, 45), np.uint8)
    labels = np.repeat(np.arange(len(counts)), counts).astype(np.int64)
    _redraw_repeats(images, labels, seed)
    return images, labels


def _run_tasks(tasks: list[tuple[int, int, int]], seed: int, workers: int,
               progress: Progress | None, stop_event: threading.Event | None,
               total: int) -> Iterator[np.ndarray]:
    done = 0
    if workers <= 1:
        results = (_render_chunk(task, seed) for task in tasks)
        for chunk in results:
            done = _advance(chunk, done, total, progress, stop_event)
            yield chunk
        return
    pool = concurrent.futures.ProcessPoolExecutor(
        workers, initializer=install_prototypes, initargs=(all_prototypes(),))
    try:
        for chunk in pool.map(_render_chunk, tasks, [seed] * len(tasks)):
            done = _advance(chunk, done, total, progress, stop_event)
            yield chunk
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a stop request drops the queued chunks


def _advance(chunk: np.ndarray, done: int, total: int, progress: Progress | None,
             stop_event: threading.Event | None) -> int:
    if stop_event is not None and stop_event.is_set():
        raise InterruptedError("generation stopped on request")
    done += len(chunk)
    if progress is not None:
        progress(done, total, "drawing samples")
    return done


def _render_chunk(task: tuple[int, int, int], seed: int) -> np.ndarray:
    class_index, chunk, count = task
    rng = np.random.default_rng([seed, class_index, chunk])
    name = KAGGLE_CLASSES[class_index]
    return np.stack([render_symbol(name, rng) for _ in range(count)])


def _redraw_repeats(images: np.ndarray, labels: np.ndarray, seed: int) -> None:
    """Replace any unique that came out byte-identical to an earlier one of its class."""
    seen: set[tuple[int, bytes]] = set()
    for i in range(len(images)):
        attempt = 0
        while (key := (int(labels[i]), _digest(images[i]))) in seen:
            rng = np.random.default_rng([seed, int(labels[i]), _RESEED + i, attempt])
            images[i] = render_symbol(KAGGLE_CLASSES[labels[i]], rng)
            attempt += 1
        seen.add(key)


def _digest(image: np.ndarray) -> bytes:
    return hashlib.blake2b(image.tobytes(), digest_size=16).digest()
