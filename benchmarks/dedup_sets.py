"""Image sets with known copies for the dedup benchmarks: the built-in set, a generated one, CROHME.

Each set is (images, labels, class_names, root, kind, recordings): ``root[i]`` is the original image
i is a copy of (itself for an original), ``kind[i]`` the copy's kind ('' for originals). The built-in
and generated sets record their copies; on CROHME's real handwriting the copies are injected here.
``recordings`` is None except on CROHME, where each original carries the recording of its pen
strokes (the loader's ``extras["recording"]``) and each injected copy, an image made from pixels,
carries none (``""``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CROHME = REPO.parent / "shared" / "crohme" / "inkml"
# Injected into CROHME: per original drawing, the chance of one copy of each kind.
CROHME_COPY_SHARE = 0.1
CROHME_KINDS = ("exact", "jpeg", "shift", "contrast", "mislabel")
JPEG_QUALITY = 70

GroundTruth = tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray | None]


def load_ground_truth(scale: str) -> GroundTruth:
    """(images, labels, class_names, root, kind, recordings) of ``builtin``, a generator scale or ``crohme``.

    A generator scale (``default``, ``kaggle``, a number) is generated once and kept as an .npz in
    ``$MATHDASH_CACHE_DIR`` (default ``artifacts/cache``), since the Kaggle scale takes minutes.
    """
    started = time.perf_counter()
    if scale == "crohme" or scale.startswith("crohme:"):
        return crohme_with_copies(Path(scale.partition(":")[2] or DEFAULT_CROHME))
    arrays = _shipped_set() if scale == "builtin" else _generated_set(scale)
    duplicate_of = arrays["duplicate_of"].astype(np.int64)
    root = np.where(duplicate_of >= 0, duplicate_of, np.arange(len(duplicate_of)))
    if np.any(duplicate_of[root] >= 0):
        raise SystemExit("ground truth has copies of copies; this benchmark expects copies of originals")
    print(f"{arrays['name']}: {len(root):,} images, {int((duplicate_of < 0).sum()):,} originals, "
          f"loaded in {time.perf_counter() - started:.1f} s")
    return (arrays["images"], arrays["labels"], [str(n) for n in arrays["class_names"]], root,
            arrays["duplicate_kind"].astype(str), None)


def crohme_with_copies(path: Path, seed: int = 0) -> GroundTruth:
    """CROHME symbols (the InkML loader's 45x45 drawings) plus injected copies of known kinds.

    Each drawing gets, with probability ``CROHME_COPY_SHARE`` per kind, an exact copy, a JPEG q70
    re-encode, a 1-pixel shift, a contrast change (ink x0.7-1.3) and an exact copy filed under
    another class. Raises SystemExit, saying so, when the folder is missing.
    """
    from mathdash.loaders import load_source
    from mathdash.synth.duplicates import jpeg_roundtrip

    if not path.exists():
        raise SystemExit(f"no CROHME InkML at {path}: the real-handwriting figures need it "
                         "(pass --data crohme:PATH); nothing measured")
    started = time.perf_counter()
    dataset = load_source(str(path), kind="inkml")
    images, labels = dataset.images, dataset.labels
    # Symbols whose pen strokes repeat an earlier symbol's exactly are copies already in the files.
    _, first, same = np.unique(dataset.extras["recording"], return_index=True, return_inverse=True)
    recorded_root = first[same.ravel()]
    rng = np.random.default_rng(seed)
    sources, kinds, copy_labels, copies = [], [], [], []
    for kind in CROHME_KINDS:
        chosen = np.flatnonzero(rng.random(len(images)) < CROHME_COPY_SHARE)
        for i in chosen:
            copies.append(_copy(images[i], kind, rng, jpeg_roundtrip))
            label = labels[i]
            if kind == "mislabel":
                label = (label + rng.integers(1, len(dataset.class_names))) % len(dataset.class_names)
            sources.append(i), kinds.append(kind), copy_labels.append(label)
    root = np.concatenate([recorded_root, recorded_root[np.array(sources, dtype=np.int64)]])
    kind = np.concatenate([np.where(recorded_root == np.arange(len(images)), "", "exact"), np.array(kinds)])
    print(f"CROHME ({path}): {len(images):,} drawings ({len(dataset.report.skipped)} files skipped; "
          f"{int((kind[:len(images)] == 'exact').sum())} repeat another's pen strokes exactly, so count as "
          f"exact copies), {len(copies):,} copies injected ({', '.join(CROHME_KINDS)}), "
          f"{time.perf_counter() - started:.1f} s")
    all_labels = np.concatenate([labels, copy_labels]).astype(np.int64)
    recordings = np.concatenate([dataset.extras["recording"], np.full(len(copies), "")])
    return (np.concatenate([images, np.stack(copies)]), all_labels, list(dataset.class_names), root, kind,
            recordings)


def _copy(image: np.ndarray, kind: str, rng: np.random.Generator, jpeg_roundtrip) -> np.ndarray:
    if kind == "jpeg":
        return jpeg_roundtrip(image, JPEG_QUALITY)
    if kind == "shift":
        dy, dx = [(-1, 0), (1, 0), (0, -1), (0, 1)][rng.integers(4)]
        moved = np.full_like(image, 255)
        moved[max(dy, 0):45 + min(dy, 0), max(dx, 0):45 + min(dx, 0)] = \
            image[max(-dy, 0):45 + min(-dy, 0), max(-dx, 0):45 + min(-dx, 0)]
        return moved
    if kind == "contrast":
        factor = rng.choice([rng.uniform(0.7, 0.9), rng.uniform(1.1, 1.3)])
        return np.rint(255 - np.clip((255 - image.astype(float)) * factor, 0, 255)).astype(np.uint8)
    return image.copy()  # exact, mislabel


def _shipped_set() -> dict[str, np.ndarray]:
    from mathdash.loaders import load_source

    return _as_arrays(load_source("builtin:symbols"))


def _generated_set(scale: str) -> dict[str, np.ndarray]:
    from mathdash.synth.pack import GENERATOR_VERSION

    # Named by the generator version, so a set from an older generator is made again, not reused.
    path = (Path(os.environ.get("MATHDASH_CACHE_DIR", "artifacts/cache"))
            / f"bench_dedup_{scale}_v{GENERATOR_VERSION}.npz")
    if not path.exists():
        from mathdash.synth import generate_dataset

        started = time.perf_counter()
        dataset = generate_dataset(seed=0, scale=scale if scale in ("default", "kaggle") else int(scale))
        print(f"generated {len(dataset):,} images in {time.perf_counter() - started:.0f} s; kept in {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **_as_arrays(dataset))
    with np.load(path) as stored:
        return {key: stored[key] for key in stored.files}


def _as_arrays(dataset) -> dict[str, np.ndarray]:
    return {"images": dataset.images, "labels": dataset.labels, "class_names": np.array(dataset.class_names),
            "duplicate_of": np.asarray(dataset.extras["duplicate_of"]),
            "duplicate_kind": np.asarray(dataset.extras["duplicate_kind"]).astype(str),
            "name": np.array(dataset.name)}
