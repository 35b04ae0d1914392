"""Time estimates shown before a job starts: the inputs the pages share (data size, throughput).

The arithmetic is ``mathdash.estimate``; this reads the current dataset's size after removing
pixel-identical copies (the digests are cached per dataset) and the saved runs' throughput.
"""

from __future__ import annotations

import numpy as np

from mathdash import estimate
from mathdash.dataset import Dataset
from mathdash.dedup.exact import count_pixel_copies

DEDUP_NOTE = ("Duplicates are counted as pixel-identical copies only and early stopping often ends runs "
              "sooner, so it may well be shorter.")


def distinct_counts(dataset: Dataset) -> np.ndarray:
    """Images per class after removing pixel-identical copies, scaled from the whole set's share."""
    from ui.dedup_panel import content_key

    share = 1 - count_pixel_copies(content_key(dataset)[1]) / max(len(dataset), 1)
    counts = np.array(list(dataset.class_counts().values()), dtype=np.float64)
    return np.ceil(counts[counts > 0] * share).astype(np.int64)


def throughputs(models: set[str] | list[str]) -> dict[str, estimate.Throughput]:
    """Each model's training throughput: measured by its newest saved run, else the reference."""
    from mathdash import runs as run_store  # read at call time, as the pages read it

    runs = estimate.saved_runs(run_store.RunStore())
    return {model: estimate.measured_throughput(model, runs) for model in models}
