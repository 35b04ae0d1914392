"""Train / validation / test split by duplicate group and augmentation source, stratified by class.

Near-duplicates and the augmented copies of one image always land in the same part, and so does
everything one writer drew where writers are known, so the test score measures images (and
hands) the model has never seen in any form; ``by_group=False`` is the naive split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError

DEFAULT_FRACTIONS = (0.6, 0.2, 0.2)
PART_NAMES = ("train", "val", "test")
GROUP_KEYS = ("group", "origin")  # extras whose equal values tie samples together
WRITER_KEY = "writer"  # text extra; equal non-empty values tie samples together


@dataclass(frozen=True)
class Split:
    """Row indices of the three parts; int64 arrays, sorted, disjoint, together every row."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def parts(self) -> dict[str, np.ndarray]:
        return {"train": self.train, "val": self.val, "test": self.test}

    def sizes(self) -> dict[str, int]:
        return {name: int(len(index)) for name, index in self.parts().items()}


def sample_groups(dataset: Dataset) -> np.ndarray:
    """The group each sample must travel with: duplicate groups joined with augmentation sources.

    Samples sharing a value of ``extras["group"]`` (duplicate groups from ``mathdash.dedup``) or of
    ``extras["origin"]`` (known copies: the generator's ground truth, see
    ``mathdash.train.prepare_data``) or of ``extras["writer"]`` (non-empty: real handwriting
    such as CROHME's) are linked, and so is each augmented image to its source
    (``extras["augmented_from"]``, its row index; -1 for real images). Samples linked in any way,
    directly or through others, share one group. Without these extras every sample is its own.

    Returns:
        int64 array (N,) of group ids numbered 0..G-1.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(dataset)
    rows, cols = [np.arange(n)], [np.arange(n)]
    for key in GROUP_KEYS:
        if key in dataset.extras:
            rows.append(np.arange(n))
            cols.append(_first_with_same_value(np.asarray(dataset.extras[key])))
    if WRITER_KEY in dataset.extras:
        writers = np.asarray(dataset.extras[WRITER_KEY]).astype(str)
        known = np.flatnonzero(writers != "")
        rows.append(known)
        cols.append(known[_first_with_same_value(writers[known])])
    if "augmented_from" in dataset.extras:
        source = np.asarray(dataset.extras["augmented_from"], dtype=np.int64)
        linked = np.flatnonzero((source >= 0) & (source < n))
        rows.append(linked)
        cols.append(source[linked])
    rows_all, cols_all = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(rows_all), dtype=np.int8), (rows_all, cols_all)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def make_split(
    dataset: Dataset,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    seed: int = 0,
    by_group: bool = True,
) -> Split:
    """Split a dataset into train, validation and test, stratified by class.

    With ``by_group`` whole groups (``sample_groups``) are dealt out class by class: a class's
    groups are shuffled, its three largest go one to each part (when it has at least three), and
    every further group goes to the part furthest below its share of that class's images. A group
    holding several labels (a label conflict) follows its most common label.

    Args:
        dataset: the images to split (its ``extras`` give the groups).
        fractions: shares of train, validation and test; positive, summing to 1.
        seed: seed of the shuffles.
        by_group: False gives the naive random split, sample by sample, that lets near-duplicates
            straddle train and test (kept to show the leak).

    Returns:
        A ``Split`` of int64 row indices.
    """
    fractions = _check_fractions(fractions)
    rng = np.random.default_rng(seed)
    if by_group:
        groups = sample_groups(dataset)
    else:
        groups = np.arange(len(dataset), dtype=np.int64)
    part_of_group = _assign_groups(groups, dataset.labels, fractions, rng)
    part = part_of_group[groups]
    return Split(*(np.flatnonzero(part == k).astype(np.int64) for k in range(3)))


def shrink_train(split: Split, dataset: Dataset, fraction: float, seed: int = 0) -> Split:
    """Keep a share of the training part only: whole groups, ``ceil(fraction * groups)`` per class.

    Validation and test stay as they are, so runs on 25%, 50% and 100% of the training data are
    scored on the same images.

    Raises:
        ConfigError: when ``fraction`` is outside (0, 1].
    """
    if not 0 < fraction <= 1:
        raise ConfigError(f"fraction must lie in (0, 1], got {fraction}")
    if fraction == 1:
        return split
    groups = sample_groups(dataset)[split.train]
    labels = dataset.labels[split.train]
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(split.train), dtype=bool)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        class_groups = rng.permutation(np.unique(groups[rows]))
        wanted = class_groups[:int(np.ceil(fraction * len(class_groups)))]
        keep[rows[np.isin(groups[rows], wanted)]] = True
    return Split(split.train[keep], split.val, split.test)


def leaked_test_samples(split: Split, groups: np.ndarray) -> int:
    """How many test samples share a group with some training sample (0 for a clean split).

    Args:
        split: the split to check.
        groups: int array (N,) of group ids, e.g. ``sample_groups(dataset)``.
    """
    groups = np.asarray(groups)
    return int(np.isin(groups[split.test], groups[split.train]).sum())


def _first_with_same_value(values: np.ndarray) -> np.ndarray:
    """For every row, the first row holding the same value: int64 (N,)."""
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)].astype(np.int64)


def _assign_groups(
    groups: np.ndarray, labels: np.ndarray, fractions: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Part (0 train, 1 val, 2 test) of every group id, dealt class by class."""
    num_groups = int(groups.max()) + 1 if len(groups) else 0
    sizes = np.bincount(groups, minlength=num_groups)
    group_label = _majority_label(groups, labels, num_groups)
    part_of_group = np.zeros(num_groups, dtype=np.int64)
    for label in np.unique(group_label):
        members = np.flatnonzero(group_label == label)
        _deal_class(members[rng.permutation(len(members))], sizes, fractions, part_of_group)
    return part_of_group


def _deal_class(
    members: np.ndarray, sizes: np.ndarray, fractions: np.ndarray, part_of_group: np.ndarray
) -> None:
    """Deal one class's (shuffled) groups to the parts, largest first, filling the biggest gap."""
    order = members[np.argsort(-sizes[members], kind="stable")]
    targets = fractions * sizes[members].sum()
    filled = np.zeros(3)
    for rank, group in enumerate(order):
        if rank < 3 and len(order) >= 3:
            part = rank  # seed each part with one group, so rare classes appear everywhere
        else:
            part = int(np.argmax((targets - filled) / targets))
        part_of_group[group] = part
        filled[part] += sizes[group]


def _majority_label(groups: np.ndarray, labels: np.ndarray, num_groups: int) -> np.ndarray:
    num_labels = int(labels.max()) + 1 if len(labels) else 0
    counts = np.zeros((num_groups, max(num_labels, 1)), dtype=np.int64)
    np.add.at(counts, (groups, labels), 1)
    return counts.argmax(axis=1)


def _check_fractions(fractions: tuple[float, float, float]) -> np.ndarray:
    values = np.asarray(fractions, dtype=float)
    if values.shape != (3,) or (values <= 0).any() or not np.isclose(values.sum(), 1.0):
        raise ConfigError(f"fractions must be three positive shares summing to 1, got {tuple(fractions)}")
    return values
