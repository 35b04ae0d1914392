"""The group-aware stratified split: no group straddles parts, classes keep their shares."""

import numpy as np
import pytest

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.split import leaked_test_samples, make_split, sample_groups, shrink_train


def _grouped_dataset(groups_per_class: list[int], group_size: int = 3, seed: int = 0) -> Dataset:
    """Classes with the given numbers of duplicate groups, each group ``group_size`` images."""
    rng = np.random.default_rng(seed)
    labels, group = [], []
    for label, count in enumerate(groups_per_class):
        for _ in range(count):
            labels += [label] * group_size
            group += [len(set(group))] * group_size
    n = len(labels)
    images = rng.integers(0, 256, size=(n, 45, 45), dtype=np.uint8)
    names = [f"c{i}" for i in range(len(groups_per_class))]
    return Dataset(images, np.array(labels), names, [f"img{i}" for i in range(n)],
                   extras={"group": np.array(group)})


def _part_of(split, n: int) -> np.ndarray:
    part = np.full(n, -1)
    for k, index in enumerate((split.train, split.val, split.test)):
        part[index] = k
    return part


def test_every_row_lands_in_exactly_one_part():
    dataset = _grouped_dataset([20, 10, 5])
    split = make_split(dataset)
    joined = np.concatenate([split.train, split.val, split.test])
    assert sorted(joined.tolist()) == list(range(len(dataset)))


def test_no_group_straddles_parts():
    dataset = _grouped_dataset([20, 10, 5, 3])
    split = make_split(dataset, seed=3)
    part = _part_of(split, len(dataset))
    group = dataset.extras["group"]
    for g in np.unique(group):
        assert len(set(part[group == g])) == 1, f"group {g} straddles parts"
    assert leaked_test_samples(split, sample_groups(dataset)) == 0


def test_each_class_keeps_sixty_twenty_twenty():
    dataset = _grouped_dataset([50, 25])
    split = make_split(dataset)
    for label, groups in ((0, 50), (1, 25)):
        sizes = [int((dataset.labels[part] == label).sum()) for part in (split.train, split.val, split.test)]
        total = groups * 3
        assert abs(sizes[0] - 0.6 * total) <= 3, sizes
        assert abs(sizes[1] - 0.2 * total) <= 3, sizes
        assert abs(sizes[2] - 0.2 * total) <= 3, sizes


def test_rare_class_with_three_groups_appears_in_every_part():
    dataset = _grouped_dataset([40, 3])
    split = make_split(dataset)
    for index in (split.train, split.val, split.test):
        assert (dataset.labels[index] == 1).sum() == 3  # one whole group of three each


def test_naive_split_leaks_duplicates_into_test():
    dataset = _grouped_dataset([30, 30], group_size=4)
    groups = sample_groups(dataset)
    naive = make_split(dataset, by_group=False)
    clean = make_split(dataset, by_group=True)
    assert leaked_test_samples(naive, groups) > 10
    assert leaked_test_samples(clean, groups) == 0
    assert naive.sizes()["test"] == pytest.approx(0.2 * len(dataset), abs=2)


def test_augmented_copies_follow_their_source():
    dataset = _grouped_dataset([30])
    n = len(dataset)
    sources = np.arange(0, n, 3)  # one copy of the first image of every group
    extras = {"group": np.concatenate([dataset.extras["group"], dataset.extras["group"][sources] + 1000]),
              "augmented_from": np.concatenate([np.full(n, -1), sources])}
    grown = Dataset(np.concatenate([dataset.images, dataset.images[sources]]),
                    np.concatenate([dataset.labels, dataset.labels[sources]]), dataset.class_names,
                    dataset.sources + [f"aug{i}" for i in sources], extras=extras)
    part = _part_of(make_split(grown, seed=1), len(grown))
    assert (part[n:] == part[sources]).all()
    assert len(np.unique(sample_groups(grown))) == 30


def test_same_seed_same_split_other_seed_other_split():
    dataset = _grouped_dataset([40, 20])
    first, again = make_split(dataset, seed=5), make_split(dataset, seed=5)
    other = make_split(dataset, seed=6)
    assert np.array_equal(first.test, again.test)
    assert not np.array_equal(first.test, other.test)


def test_without_group_extras_every_sample_is_its_own_group():
    dataset = _grouped_dataset([10])
    bare = Dataset(dataset.images, dataset.labels, dataset.class_names, dataset.sources)
    assert len(np.unique(sample_groups(bare))) == len(bare)


@pytest.mark.parametrize("fractions", [(0.5, 0.5, 0.5), (0.8, 0.2, 0.0), (0.6, 0.4)])
def test_bad_fractions_are_refused(fractions):
    with pytest.raises(ConfigError, match="fractions"):
        make_split(_grouped_dataset([10]), fractions=fractions)


def test_known_copies_share_a_group_through_origin():
    dataset = _grouped_dataset([30], group_size=1)  # 30 distinct images, no duplicate groups
    origin = np.arange(30)
    origin[20:] = np.arange(10)  # images 20..29 are known copies of 0..9
    tied = Dataset(dataset.images, dataset.labels, dataset.class_names, dataset.sources,
                   extras={"group": dataset.extras["group"], "origin": origin})
    groups = sample_groups(tied)
    assert len(np.unique(groups)) == 20
    assert (groups[20:] == groups[:10]).all()
    assert leaked_test_samples(make_split(tied, seed=2), groups) == 0


def test_shrinking_the_training_part_keeps_whole_groups_and_the_same_test_set():
    dataset = _grouped_dataset([40, 20, 8])
    split = make_split(dataset, seed=1)
    quarter = shrink_train(split, dataset, 0.25, seed=1)
    assert np.array_equal(quarter.val, split.val) and np.array_equal(quarter.test, split.test)
    assert set(quarter.train) <= set(split.train)
    groups = dataset.extras["group"]
    for label in range(3):
        full = np.unique(groups[split.train][dataset.labels[split.train] == label])
        kept = np.unique(groups[quarter.train][dataset.labels[quarter.train] == label])
        assert len(kept) == int(np.ceil(0.25 * len(full)))
        kept_rows = quarter.train[np.isin(groups[quarter.train], kept)]
        assert len(kept_rows) == 3 * len(kept)  # every kept group whole (3 images each)
    assert shrink_train(split, dataset, 1.0) is split
    with pytest.raises(ConfigError):
        shrink_train(split, dataset, 0.0)


def test_no_writer_lands_on_both_sides_and_unknown_writers_stay_apart():
    rng = np.random.default_rng(3)
    n = 600
    writers = np.array([f"w{i % 30}" for i in range(n)])
    writers[:40] = ""  # files that name no writer
    dataset = Dataset(np.full((n, 45, 45), 255, np.uint8), rng.integers(0, 5, n), list("abcde"),
                      [str(i) for i in range(n)], extras={"writer": writers})
    groups = sample_groups(dataset)
    assert len(np.unique(groups[40:])) == 30 and len(np.unique(groups[:40])) == 40
    split = make_split(dataset)
    train_writers = set(writers[split.train]) - {""}
    assert train_writers.isdisjoint(set(writers[split.test]) - {""})
    assert train_writers.isdisjoint(set(writers[split.val]) - {""})
    assert 0.4 < len(split.train) / n < 0.8 and len(split.test) > 0
