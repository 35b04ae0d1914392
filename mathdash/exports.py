"""Files a user downloads: a dataset as MathDash ``.npz`` bytes (what ``data convert`` writes).

The Dataset page offers the cleaned set (duplicates removed at the chosen hash and threshold);
``python -m mathdash dedup SOURCE --export clean.npz`` writes the same file from the command line.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Callable

from mathdash.dataset import Dataset


def npz_bytes(dataset: Dataset) -> bytes:
    """The bytes of ``save_npz(dataset, ...)``: loadable with ``load_npz`` or the ``npz`` kind."""
    from mathdash.loaders import save_npz

    with tempfile.TemporaryDirectory(prefix="mathdash-export-") as folder:
        return save_npz(dataset, Path(folder) / "dataset.npz").read_bytes()


def cleaned_dataset(dataset: Dataset, report: object, rename: Callable[[str], str] | None = None) -> Dataset:
    """The kept images of a duplicate report (``remove_duplicates``), named ``<name>-clean``.

    Args:
        dataset: the images the report was made from.
        report: its ``DuplicateReport``.
        rename: applied to every source path (e.g. to name an upload's files inside the user's zip).
    """
    from mathdash.dedup import remove_duplicates

    clean = remove_duplicates(dataset, report)
    sources = [rename(source) for source in clean.sources] if rename else clean.sources
    return replace(clean, name=f"{dataset.name}-clean", sources=sources)
