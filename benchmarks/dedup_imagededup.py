"""The reference the dedup benchmarks compare against: imagededup's PHash ``find_duplicates``.

Guarded: imagededup (a PyPI package that pulls in torch) may be missing; ``available()`` says why.
Images are hashed with ``PHash().encode_image(image_array=...)`` and searched with
``find_duplicates(encoding_map=..., max_distance_threshold=t)``, its documented route.
"""

from __future__ import annotations

import time

import numpy as np


def available() -> str | None:
    """None when imagededup imports, else the reason it does not."""
    try:
        from imagededup.methods import PHash  # noqa: F401
    except Exception as error:  # ImportError, or torch failing to load inside it
        return f"imagededup is not importable ({type(error).__name__}: {error})"
    return None


def imagededup_pairs(images: np.ndarray, threshold: int) -> tuple[np.ndarray, dict[str, float]]:
    """imagededup's duplicate pairs of ``images`` (uint8 (N, 45, 45)) and its seconds per stage.

    Returns:
        (int64 array (M, 2), rows i < j, sorted; {"encoding": s, "search": s}).
    """
    from imagededup.methods import PHash

    phasher = PHash(verbose=False)
    started = time.perf_counter()
    encodings = {str(i): phasher.encode_image(image_array=image) for i, image in enumerate(images)}
    encoding = time.perf_counter() - started
    started = time.perf_counter()
    found = phasher.find_duplicates(encoding_map=encodings, max_distance_threshold=threshold)
    search = time.perf_counter() - started
    rows = [(int(key), int(other)) for key, others in found.items() for other in others
            if int(key) < int(other)]
    pairs = np.array(sorted(rows), dtype=np.int64).reshape(-1, 2)
    return pairs, {"encoding": encoding, "search": search}


def score_pairs(pairs: np.ndarray, root: np.ndarray, kind: np.ndarray,
                kinds: tuple[str, ...]) -> dict[str, float]:
    """Pair precision/recall and per-kind recall (copy paired with its original) of a pair list."""
    true = root[pairs[:, 0]] == root[pairs[:, 1]]
    family = np.bincount(root)
    all_true = int((family * (family - 1) // 2).sum())
    keys = set((pairs[:, 0] * len(root) + pairs[:, 1]).tolist())
    figures = {"pair precision": true.mean() if len(pairs) else float("nan"),
               "pair recall": true.sum() / all_true if all_true else float("nan"), "pairs": len(pairs)}
    for name in kinds:
        copies = np.flatnonzero(kind == name)
        low, high = np.minimum(copies, root[copies]), np.maximum(copies, root[copies])
        found = [int(a) * len(root) + int(b) in keys for a, b in zip(low, high)]
        figures[f"recall {name}"] = float(np.mean(found)) if len(found) else float("nan")
    return figures
