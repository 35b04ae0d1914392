"""What a duplicate search found, as plain arrays plus the tables and JSON the CLI and the page show.

A ``DuplicateReport`` is produced by ``mathdash.dedup.find_duplicate_groups``; nothing here computes
hashes or searches, it only describes and serialises the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class DuplicateReport:
    """Duplicate groups of one image set at one mode, hash method and threshold.

    In ``verified`` mode every member of a group was verified pixel by pixel against the group's
    anchor (no chains). In ``hash`` mode groups are transitive (the connected components of
    "within ``threshold`` bits"): if A~B and B~C, A, B and C form one group even when A and C are
    further apart.

    Attributes:
        method: hash method used (``phash``, ``dhash``, ``ahash``, ``whash``).
        threshold: largest Hamming distance of a candidate (verified) or duplicate (hash) pair.
        hashes: uint64 array (N,), each image's hash.
        group: int64 array (N,), group id of each image; singletons have their own id; ids are
            numbered in order of each group's first image.
        keep: bool array (N,), True for the one kept representative of each group.
        representative: int64 array (N,), index of the kept image of each image's group.
        distance_to_representative: int64 array (N,), Hamming distance of each image's hash to its
            representative's hash (may exceed ``threshold`` along a chain A~B~C).
        exact: bool array (N,), True where another image has the very same pixels.
        groups: int64 index arrays of the groups with 2+ images, largest first.
        conflicts: the groups whose images carry more than one class, largest first.
        labels: int64 array (N,), class index of each image.
        class_names: class names, indexed by ``labels``.
        sources: per-image file path or generator id, when known.
        timings: seconds spent per stage (``digests``, ``hashing``, then ``search`` in hash mode or
            ``candidates`` and ``verification``, then ``grouping``).
        mode: ``"verified"`` or ``"hash"``.
        similarity: float32 array (N,) in verified mode: each image's pixel correlation with its
            group's anchor after the best shift (1 for the anchor and its exact copies); None in
            hash mode.
        min_similarity: the correlation a verified pair needed.
    """

    method: str
    threshold: int
    hashes: np.ndarray
    group: np.ndarray
    keep: np.ndarray
    representative: np.ndarray
    distance_to_representative: np.ndarray
    exact: np.ndarray
    groups: list[np.ndarray]
    conflicts: list[np.ndarray]
    labels: np.ndarray
    class_names: list[str]
    sources: list[str] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    mode: str = "hash"
    similarity: np.ndarray | None = None
    min_similarity: float | None = None

    @property
    def n_images(self) -> int:
        return len(self.group)

    @property
    def n_kept(self) -> int:
        """Images left after keeping one per group (the unique count)."""
        return int(self.keep.sum())

    @property
    def n_removed(self) -> int:
        return self.n_images - self.n_kept

    @property
    def counts_before(self) -> dict[str, int]:
        """Images per class before removal, every class listed, in class order."""
        return self._class_counts(np.ones(self.n_images, dtype=bool))

    @property
    def counts_after(self) -> dict[str, int]:
        """Images per class among the kept representatives, every class listed, in class order."""
        return self._class_counts(self.keep)

    def summary(self) -> dict[str, Any]:
        """Headline numbers: images, unique, removed, pixel-identical copies, groups, conflicts."""
        return {
            "mode": self.mode,
            "method": self.method,
            "threshold": self.threshold,
            **({"min_similarity": self.min_similarity} if self.mode == "verified" else {}),
            "images": self.n_images,
            "unique": self.n_kept,
            "removed": self.n_removed,
            "exact_copies_removed": int((self.exact & ~self.keep).sum()),
            "groups": len(self.groups),
            "largest_group": len(self.groups[0]) if self.groups else min(self.n_images, 1),
            "label_conflicts": len(self.conflicts),
            "images_in_conflicts": int(sum(len(g) for g in self.conflicts)),
        }

    def class_table(self) -> list[dict[str, Any]]:
        """One row per class: ``{"class", "before", "after", "removed"}``, in class order."""
        before, after = self.counts_before, self.counts_after
        return [{"class": name, "before": before[name], "after": after[name],
                 "removed": before[name] - after[name]} for name in self.class_names]

    def group_members(self, members: np.ndarray) -> list[dict[str, Any]]:
        """Describe a group's images: index, class, hash distance to the kept one, kept, exact,
        similarity to the anchor (verified mode), source."""
        return [self._member(int(i)) for i in members]

    def to_dict(self, max_groups: int | None = None) -> dict[str, Any]:
        """JSON-ready report: summary, per-class counts, timings, groups and label conflicts.

        Args:
            max_groups: list at most this many groups (largest first); None lists them all.
        """
        listed = self.groups if max_groups is None else self.groups[:max_groups]
        return {
            "summary": self.summary(),
            "classes": self.class_table(),
            "timings": {stage: round(seconds, 4) for stage, seconds in self.timings.items()},
            "groups": [self._group_dict(members) for members in listed],
            "groups_listed": len(listed),
            "conflicts": [self._conflict_dict(members) for members in self.conflicts],
        }

    def _class_counts(self, mask: np.ndarray) -> dict[str, int]:
        counts = np.bincount(self.labels[mask], minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def _member(self, index: int) -> dict[str, Any]:
        member = {
            "index": index,
            "class": self.class_names[self.labels[index]],
            "distance": int(self.distance_to_representative[index]),
            "kept": bool(self.keep[index]),
            "exact": bool(self.exact[index]),
        }
        if self.similarity is not None:
            member["similarity"] = round(float(self.similarity[index]), 4)
        if self.sources is not None:
            member["source"] = self.sources[index]
        return member

    def _group_dict(self, members: np.ndarray) -> dict[str, Any]:
        return {"group": int(self.group[members[0]]), "size": len(members),
                "members": self.group_members(members)}

    def _conflict_dict(self, members: np.ndarray) -> dict[str, Any]:
        names, counts = np.unique([self.class_names[i] for i in self.labels[members]], return_counts=True)
        kept = int(self.representative[members[0]])
        return {
            **self._group_dict(members),
            "classes": {str(n): int(c) for n, c in zip(names, counts)},
            "kept_class": self.class_names[self.labels[kept]],
        }
