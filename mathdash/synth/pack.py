"""The compact pack the built-in set ships as: unique images plus the duplicate recipe.

Copies are rebuilt at load from the recipe (a JPEG re-encode is deterministic), so the pack holds
about a third of the files and loading it gives exactly what generating would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mathdash.dataset import IMAGE_SIZE, Dataset
from mathdash.errors import ArtifactError
from mathdash.symbols import KAGGLE_CLASSES
from mathdash.synth.duplicates import DuplicateRecipe
from mathdash.synth.assemble import assemble_dataset

# Bump when the generator's output changes: a pack of another version is rebuilt, not trusted.
GENERATOR_VERSION = 9
_KEYS = ("images", "labels", "seed", "scale", "version", "dup_source", "dup_kind", "dup_label",
         "dup_param")


def build_pack(path: str | Path, seed: int = 0, scale: str | int = "default",
               workers: int | None = None) -> Path:
    """Generate the set's uniques and duplicate recipe and save them as a compressed ``.npz``.

    Returns:
        The path written (parent folders are created).
    """
    from mathdash.synth.generate import duplicate_recipe, generate_uniques
    from mathdash.synth.plan import class_plan

    plan = class_plan(scale)
    uniques, labels = generate_uniques(plan.uniques, seed, workers)
    recipe = duplicate_recipe(labels, plan.duplicates, seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez_compressed(temporary, images=uniques, labels=labels, seed=np.int64(seed),
                        scale=np.str_(str(scale)), version=np.int64(GENERATOR_VERSION),
                        **recipe.to_arrays())
    temporary.replace(path)
    return path


def load_pack(path: str | Path) -> Dataset:
    """Rebuild the full set (uniques and copies) from a pack.

    Raises:
        ArtifactError: the file is missing, unreadable, incomplete or of another generator version.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in _KEYS if key in npz.files}
    except (OSError, ValueError) as error:
        raise ArtifactError(f"cannot read the built-in pack {path}: {error}") from error
    _check_pack(arrays, path)
    recipe = DuplicateRecipe.from_arrays(arrays)
    scale = str(arrays["scale"])
    return assemble_dataset(arrays["images"], arrays["labels"].astype(np.int64), recipe,
                            int(arrays["seed"]), name=f"synthetic symbols ({scale})")


def _check_pack(arrays: dict[str, np.ndarray], path: Path) -> None:
    missing = [key for key in _KEYS if key not in arrays]
    if missing:
        raise ArtifactError(f"built-in pack {path} lacks {', '.join(missing)}; rebuild it")
    if int(arrays["version"]) != GENERATOR_VERSION:
        raise ArtifactError(f"built-in pack {path} is from generator version {int(arrays['version'])}, "
                            f"this code writes version {GENERATOR_VERSION}; rebuild it")
    images, labels = arrays["images"], arrays["labels"]
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ArtifactError(f"built-in pack {path} holds images of shape {images.shape}, "
                            f"dtype {images.dtype}; expected uint8 (N, 45, 45)")
    if labels.shape != (len(images),) or (labels.size and not 0 <= labels.min() <= labels.max()
                                          < len(KAGGLE_CLASSES)):
        raise ArtifactError(f"built-in pack {path} has labels that do not match its images")
    source = arrays["dup_source"]
    if source.size and not 0 <= source.min() <= source.max() < len(images):
        raise ArtifactError(f"built-in pack {path} copies images it does not hold")
