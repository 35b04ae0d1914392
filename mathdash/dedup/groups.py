"""Duplicate groups of a dataset, verified by pixels (default) or by hashes alone; keep one per group.

Also removes the duplicates from a Dataset. Label conflicts (a group spanning several classes) are
reported and the majority class's image kept; no label is ever changed.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from mathdash.dataset import Dataset
from mathdash.dedup.hashing import (
    DEFAULT_METHOD,
    Progress,
    exact_digests,
    hamming_distance,
    hash_distinct_images,
    hash_images,
)
from mathdash.dedup.report import DuplicateReport
from mathdash.dedup.search import HASH_BITS, find_pairs
from mathdash.dedup.verified import CANDIDATE_THRESHOLD, verified_groups
from mathdash.dedup.verify import DEFAULT_MIN_SIMILARITY, centre_ink
from mathdash.errors import ConfigError, DatasetError

MODES = ("verified", "hash")
DEFAULT_MODE = "verified"

# The hash-only mode's default, from benchmarks/bench_dedup_quality.py --mode hash (table in the
# README): the largest threshold that merges at most 5% of any simple symbol's distinct drawings.
# At 2 bits chains merge 24% of the distinct '|' and 27% of the prime.
DEFAULT_THRESHOLD = 0


def find_duplicate_groups(dataset_or_images: Dataset | np.ndarray, labels: np.ndarray | None = None,
                          method: str = DEFAULT_METHOD, threshold: int | None = None,
                          hashes: np.ndarray | None = None, progress: Progress | None = None,
                          digests: np.ndarray | None = None, mode: str = DEFAULT_MODE,
                          min_similarity: float = DEFAULT_MIN_SIMILARITY,
                          recordings: np.ndarray | None = None) -> DuplicateReport:
    """Group exact and near duplicates and pick one image to keep per group.

    ``mode="verified"`` (default): hashes of the raw and of the ink-centred images within
    ``threshold`` bits only propose pairs; a pair counts when its pixels correlate at least
    ``min_similarity`` after the best shift of up to 2 pixels (``mathdash.dedup.verify``). Groups
    are stars: every member was verified against its group's anchor, so nothing chains.

    ``mode="hash"``: images whose hashes lie within ``threshold`` bits are joined, transitively
    (A~B and B~C put A, B, C in one group).

    Pixel-identical images share a group, and each group keeps one image of its majority class
    (ties: the lower class index), the first such image in the set. The exception is recorded
    drawings: where images name the pen strokes they were drawn from (InkML's
    ``extras["recording"]``), verified mode never groups two different recordings, however alike
    their pixels (two writers' plain bars often draw identically); an image with no recording joins
    either. Hash mode ignores recordings.

    Args:
        dataset_or_images: a Dataset, or a uint8 array (N, H, W).
        labels: int array (N,) of class indices when images are given (default: one class).
        method: hash method, one of ``mathdash.dedup.HASH_METHODS``.
        threshold: Hamming distance (bits, 0..64): of candidates in verified mode (default
            ``CANDIDATE_THRESHOLD``), of duplicates in hash mode (default ``DEFAULT_THRESHOLD``).
        hashes: precomputed uint64 hashes (N,) of ``method`` (skips hashing, e.g. cached by a page).
        progress: optional ``progress(done, total, message)`` for the hashing stage.
        digests: precomputed ``exact_digests`` (N,) (skips that stage).
        mode: ``"verified"`` or ``"hash"``.
        min_similarity: verified mode's pixel correlation bar, in (0, 1].
        recordings: with a bare image array, str array (N,) of recording ids (``""``, none);
            a Dataset's come from its ``extras["recording"]``.

    Returns:
        The DuplicateReport (groups largest first, label conflicts, per-class counts; in verified
        mode each image's measured similarity to its group's anchor).
    """
    images, labels, class_names, sources, recordings = _unpack(dataset_or_images, labels, recordings)
    threshold = _check_mode(mode, threshold, min_similarity)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    digests = exact_digests(images) if digests is None else _check_length(digests, images, "digests")
    _, first_copy, copy_of = np.unique(digests, return_index=True, return_inverse=True)
    copy_of = copy_of.ravel()
    timings["digests"] = _lap(started)
    if hashes is None:
        hashes = hash_distinct_images(images, method, digests, progress)
    hashes = _check_length(np.asarray(hashes), images, "hashes").astype(np.uint64, copy=False)
    timings["hashing"] = _lap(started) - timings["digests"]
    similarity = None
    if mode == "hash":
        group = _transitive_groups(hashes, first_copy[copy_of], threshold, timings)
    else:
        recording = _recording_ids(recordings, len(images))
        # A picture is one pixel pattern of one recording (or of none).
        _, first_picture, picture_of = np.unique(copy_of * (recording.max(initial=0) + 1) + recording,
                                                 return_index=True, return_inverse=True)
        group, similarity = _verified_groups(images[first_picture], hashes[first_picture], picture_of.ravel(),
                                             method, threshold, min_similarity, timings,
                                             None if recordings is None else recording[first_picture])
    report = _build_report(group, hashes, labels, class_names, method=method, threshold=int(threshold),
                           exact=_shares_pixels(group, copy_of), sources=sources, timings=timings, mode=mode,
                           similarity=similarity, min_similarity=float(min_similarity))
    timings["grouping"] = _lap(started) - sum(timings.values())
    return report


def remove_duplicates(dataset: Dataset, report: DuplicateReport) -> Dataset:
    """The kept images only, with ``extras["group"]`` holding each one's duplicate-group id.

    Labels are never changed: a label-conflicted group keeps its majority-class image; the others
    are dropped and stay listed in ``report.conflicts``.

    Raises:
        DatasetError: the report was made for a different number of images.
    """
    if len(dataset) != report.n_images:
        raise DatasetError(f"the report covers {report.n_images} images but the dataset has {len(dataset)}")
    tagged = replace(dataset, extras={**dataset.extras, "group": report.group.copy()})
    return tagged.subset(np.flatnonzero(report.keep), name=f"{dataset.name} (deduplicated)")


def _verified_groups(pictures: np.ndarray, raw_hashes: np.ndarray, picture_of: np.ndarray, method: str,
                     threshold: int, min_similarity: float, timings: dict[str, float],
                     recordings: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(group id (N,), similarity to the group's anchor float32 (N,)) of every image."""
    started = time.perf_counter()
    centred = centre_ink(pictures)
    centred_hashes = hash_images(centred, method)
    timings["hashing"] += _lap(started)
    found = verified_groups(pictures, raw_hashes, centred_hashes, threshold, min_similarity, centred=centred,
                            recordings=recordings)
    timings.update(found.timings)
    return _renumbered(found.anchor[picture_of]), found.similarity[picture_of]


def _transitive_groups(hashes: np.ndarray, first_copy: np.ndarray, threshold: int,
                       timings: dict[str, float]) -> np.ndarray:
    """Group id per image: connected components over the distinct hash values, renumbered.

    ``first_copy[i]`` is the first image with image i's exact pixels; those pairs are joined too,
    so exact copies share a group even if the given hashes disagreed.
    """
    started = time.perf_counter()
    values, value_of = np.unique(hashes, return_inverse=True)
    pairs = find_pairs(values, threshold)
    copies = np.stack([value_of, value_of[first_copy]], axis=1)
    pairs = np.concatenate([pairs, copies[copies[:, 0] != copies[:, 1]]])
    timings["search"] = _lap(started)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
                       shape=(len(values), len(values)))
    return _renumbered(connected_components(graph, directed=False)[1][value_of])


def _recording_ids(recordings: np.ndarray | None, count: int) -> np.ndarray:
    """int64 (N,): 0 for an image of no recording, else 1 + the recording's rank among them."""
    if recordings is None:
        return np.zeros(count, dtype=np.int64)
    names, ids = np.unique(recordings, return_inverse=True)
    ids = ids.ravel().astype(np.int64)
    return ids if len(names) and names[0] == "" else ids + 1


def _shares_pixels(group: np.ndarray, copy_of: np.ndarray) -> np.ndarray:
    """True for an image whose group holds another image with the very same pixels."""
    _, pattern, count = np.unique(group * (copy_of.max(initial=0) + 1) + copy_of, return_inverse=True,
                                  return_counts=True)
    return count[pattern.ravel()] > 1


def _renumbered(component: np.ndarray) -> np.ndarray:
    """Dense group ids numbered in order of each group's first image."""
    _, first_member, dense = np.unique(component, return_index=True, return_inverse=True)
    rank = np.empty(len(first_member), dtype=np.int64)
    rank[np.argsort(first_member)] = np.arange(len(first_member))
    return rank[dense.ravel()]


def _build_report(group: np.ndarray, hashes: np.ndarray, labels: np.ndarray, class_names: list[str],
                  **described) -> DuplicateReport:
    """Representatives, kept mask, distances, groups and conflicts; ``described`` fills the rest."""
    kept_of_group = _representatives(group, labels, len(class_names))
    representative = kept_of_group[group]
    keep = np.zeros(len(group), dtype=bool)
    keep[kept_of_group] = True
    groups = _groups_largest_first(group)
    conflicts = [members for members in groups if np.any(labels[members] != labels[members[0]])]
    return DuplicateReport(
        hashes=hashes, group=group, keep=keep, representative=representative,
        distance_to_representative=hamming_distance(hashes, hashes[representative]),
        groups=groups, conflicts=conflicts, labels=labels, class_names=class_names, **described,
    )


def _representatives(group: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Index of the kept image of each group: the first image of the group's majority class."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    pair_key, pair_count = np.unique(group * num_classes + labels, return_counts=True)
    pair_group, pair_label = np.divmod(pair_key, num_classes)
    # Within each group: most images first, then the lower class index.
    order = np.lexsort((pair_label, -pair_count, pair_group))
    first_of_group = np.unique(pair_group[order], return_index=True)[1]
    majority = np.empty(group.max() + 1, dtype=np.int64)
    majority[pair_group[order][first_of_group]] = pair_label[order][first_of_group]
    candidates = np.flatnonzero(labels == majority[group])
    kept_group, first = np.unique(group[candidates], return_index=True)
    kept = np.empty(group.max() + 1, dtype=np.int64)
    kept[kept_group] = candidates[first]
    return kept


def _groups_largest_first(group: np.ndarray) -> list[np.ndarray]:
    """Member indices of every group with 2+ images, largest first (ties: lower group id)."""
    sizes = np.bincount(group)
    members = np.flatnonzero(sizes[group] >= 2)
    members = members[np.argsort(group[members], kind="stable")]
    cuts = np.flatnonzero(np.diff(group[members])) + 1
    groups = np.split(members, cuts) if len(members) else []
    return sorted(groups, key=lambda g: (-len(g), group[g[0]]))


def _unpack(data: Dataset | np.ndarray, labels: np.ndarray | None, recordings: np.ndarray | None):
    """(images, labels, class_names, sources, recordings) from a Dataset or a bare image array."""
    if isinstance(data, Dataset):
        for name, given in (("labels", labels), ("recordings", recordings)):
            if given is not None:
                raise ConfigError(f"pass {name} only with a bare image array; a Dataset carries its own")
        recordings = data.extras.get("recording")
        return (data.images, data.labels, list(data.class_names), list(data.sources),
                None if recordings is None else np.asarray(recordings).astype(str))
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 3:
        raise DatasetError("expected a Dataset or a uint8 image array (N, H, W)")
    labels = np.zeros(len(data), dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    _check_length(labels, data, "labels")
    if len(labels) and labels.min() < 0:
        raise DatasetError("labels must be class indices >= 0")
    num_classes = int(labels.max()) + 1 if len(labels) else 1
    if recordings is not None:
        recordings = _check_length(np.asarray(recordings).astype(str), data, "recordings")
    return data, labels, [str(i) for i in range(num_classes)], None, recordings


def _check_length(values: np.ndarray, images: np.ndarray, what: str) -> np.ndarray:
    if values.shape != (len(images),):
        raise DatasetError(f"{what} must have shape ({len(images)},), got {values.shape}")
    return values


def _check_mode(mode: str, threshold: int | None, min_similarity: float) -> int:
    """The threshold to use (the mode's default for None), after checking all three."""
    if mode not in MODES:
        raise ConfigError(f"unknown dedup mode {mode!r}; choose one of {', '.join(MODES)}")
    if threshold is None:
        threshold = CANDIDATE_THRESHOLD if mode == "verified" else DEFAULT_THRESHOLD
    _check_threshold(threshold)
    if isinstance(min_similarity, bool) or not isinstance(min_similarity, (int, float, np.floating)) \
            or not 0.0 < float(min_similarity) <= 1.0:
        raise ConfigError(f"min_similarity must be a number in (0, 1], got {min_similarity!r}")
    return int(threshold)


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)):
        raise ConfigError(f"threshold must be a whole number of bits, got {threshold!r}")
    if not 0 <= threshold <= HASH_BITS:
        raise ConfigError(f"threshold must be 0..{HASH_BITS} bits, got {threshold}")


def _lap(started: float) -> float:
    return time.perf_counter() - started
