"""Tests of the built-in sets: the shipped symbols pack, its fallback, and scikit-learn's digits."""

import numpy as np
import pytest

import mathdash.synth.generate as generate_module
from mathdash.builtin import BUILTIN_SETS, PACK_PATH, load_builtin, load_digits
from mathdash.errors import ArtifactError, DatasetError
from mathdash.symbols import KAGGLE_CLASSES
from mathdash.synth.generate import duplicate_recipe, generate_dataset, generate_uniques
from mathdash.synth.pack import build_pack, load_pack
from mathdash.synth.plan import class_plan


@pytest.fixture
def small_generation(monkeypatch):
    """Make the fallback generation small, so tests of it stay fast."""
    real = generate_module.generate_dataset
    monkeypatch.setattr(generate_module, "generate_dataset", lambda seed=0, **_: real(seed=seed, scale=150))


def test_builtin_sets_are_named():
    assert set(BUILTIN_SETS) == {"symbols", "digits"}
    assert all(len(text) > 20 for text in BUILTIN_SETS.values())
    with pytest.raises(DatasetError, match="unknown built-in set"):
        load_builtin("emnist")


def test_digits_are_sklearn_digits_in_45x45_ink_on_white():
    from sklearn.datasets import load_digits as sklearn_digits

    ds = load_digits()
    assert ds.images.shape == (1797, 45, 45) and ds.images.dtype == np.uint8
    assert ds.class_names == [str(d) for d in range(10)]
    assert np.array_equal(ds.labels, sklearn_digits().target)
    assert np.bincount(ds.labels).tolist() == np.bincount(sklearn_digits().target).tolist()
    assert ds.original_size == (8, 8) and ds.sources[5] == "sklearn-digits/5"
    assert ds.report.source == "builtin:digits" and ds.report.loaded == 1797
    assert np.all(ds.images[:, 0, :] == 255)  # framed with a paper margin
    assert np.all(ds.images.min(axis=(1, 2)) < 60)  # dark ink in every image
    assert load_builtin("digits").report.source == "builtin:digits"


@pytest.mark.slow
def test_pack_round_trip_equals_generation(tmp_path):
    path = build_pack(tmp_path / "pack.npz", seed=3, scale=300)
    loaded = load_builtin(pack_path=path)
    fresh = generate_dataset(seed=3, scale=300)
    assert np.array_equal(loaded.images, fresh.images)
    assert np.array_equal(loaded.labels, fresh.labels)
    assert loaded.sources == fresh.sources
    for key in ("duplicate_of", "duplicate_kind"):
        assert np.array_equal(loaded.extras[key], fresh.extras[key])
    assert loaded.report.source == "builtin:symbols" and loaded.report.loaded == len(fresh)
    assert any("pack" in note for note in loaded.report.notes)


@pytest.mark.slow
def test_missing_or_corrupt_pack_falls_back_to_generation(tmp_path, small_generation):
    missing = load_builtin(pack_path=tmp_path / "absent.npz")
    assert len(missing) == len(generate_module.generate_dataset(seed=0))
    assert any("generated from seed 0" in note for note in missing.report.notes)
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip archive")
    with pytest.raises(ArtifactError, match="cannot read"):
        load_pack(corrupt)
    assert len(load_builtin(pack_path=corrupt)) == len(missing)


@pytest.mark.slow
def test_pack_of_another_generator_version_is_refused(tmp_path):
    path = build_pack(tmp_path / "pack.npz", seed=0, scale=120)
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["version"] = np.int64(-1)
    np.savez_compressed(path, **arrays)
    with pytest.raises(ArtifactError, match="generator version"):
        load_pack(path)


@pytest.mark.skipif(not PACK_PATH.exists(), reason="no shipped pack in this checkout")
def test_shipped_pack_is_current_default_set():
    ds = load_builtin()
    plan = class_plan("default")
    assert len(ds) == plan.files.sum() and ds.class_names == KAGGLE_CLASSES
    assert not any("generated" in note for note in ds.report.notes)
    originals = ds.extras["duplicate_of"] < 0
    assert np.bincount(ds.labels[originals], minlength=82).tolist() == plan.uniques.tolist()
    # Regenerating the rarest classes' samples from the default seed gives the pack's images:
    # the pack is not stale against the generator code.
    rare = np.zeros(82, np.int64)
    for name in ("exists", "in", "forall"):
        rare[KAGGLE_CLASSES.index(name)] = plan.uniques[KAGGLE_CLASSES.index(name)]
    images, labels = generate_uniques(rare, seed=0)
    for c in np.flatnonzero(rare):
        shipped = ds.images[originals & (ds.labels == c)]
        assert {im.tobytes() for im in shipped} == {im.tobytes() for im in images[labels == c]}
    recipe = duplicate_recipe(np.repeat(np.arange(82), plan.uniques), plan.duplicates, 0)
    assert np.sum(ds.extras["duplicate_kind"] == "mislabel") == np.sum(recipe.kind == 4)
