"""The split's finer promises, pinned one by one: part names, default seeds, the exact shares a class
is dealt, the largest group first, out-of-range sources ignored, an empty set.

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``mathdash/split.py``; the
broad behaviour is in ``test_split.py``.
"""

import numpy as np
import pytest

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.split import Split, _first_with_same_value, make_split, sample_groups, shrink_train


def _dataset(labels, group=None, augmented_from=None) -> Dataset:
    labels = np.asarray(labels, dtype=np.int64)
    extras = {}
    if group is not None:
        extras["group"] = np.asarray(group)
    if augmented_from is not None:
        extras["augmented_from"] = np.asarray(augmented_from)
    n = len(labels)
    return Dataset(np.zeros((n, 45, 45), np.uint8), labels, ["a", "b"], [f"s{i}" for i in range(n)],
                   extras=extras)


def test_split_parts_and_sizes_name_the_three_parts():
    split = Split(np.array([0, 1, 2]), np.array([3]), np.array([4, 5]))
    assert list(split.parts()) == ["train", "val", "test"]
    assert split.parts()["val"].tolist() == [3]
    assert split.sizes() == {"train": 3, "val": 1, "test": 2}


def test_every_class_is_dealt_its_exact_shares():
    dataset = _dataset(np.repeat([0, 1], 50))  # singletons: 30 / 10 / 10 of each class
    split = make_split(dataset, seed=3)
    for part, expected in zip((split.train, split.val, split.test), (30, 10, 10)):
        assert np.bincount(dataset.labels[part], minlength=2).tolist() == [expected, expected]


def test_equal_groups_are_dealt_in_their_shuffled_order():
    dataset = _dataset(np.zeros(40, np.int64))  # one class, 40 singletons: no size decides
    split = make_split(dataset, seed=4)
    shuffled = np.random.default_rng(4).permutation(40)
    assert [shuffled[0] in split.train, shuffled[1] in split.val, shuffled[2] in split.test] == [True] * 3


def test_the_largest_group_of_a_class_is_dealt_first():
    group = [0] * 10 + list(range(1, 10))  # one group of ten, nine singletons
    split = make_split(_dataset(np.zeros(19, np.int64), group=group), fractions=(0.2, 0.2, 0.6), seed=0)
    assert set(range(10)) <= set(split.train.tolist())  # first dealt: train, though test's share is larger


def test_equal_sized_groups_keep_their_shuffled_order_when_sorted_by_size():
    sizes = [2, 1] * 20  # 40 groups, two sizes: the sort by size must not reorder equal ones
    group = np.repeat(np.arange(40), sizes)
    split = make_split(_dataset(np.zeros(len(group), np.int64), group=group), seed=6)
    shuffled = np.random.default_rng(6).permutation(40)
    pairs = [g for g in shuffled if sizes[g] == 2][:3]  # the first three of the largest size
    for part, g in zip((split.train, split.val, split.test), pairs):
        assert set(np.flatnonzero(group == g)) <= set(part.tolist())


def test_each_further_group_goes_where_the_share_is_least_filled():
    group = np.repeat(np.arange(8), [3, 3, 2, 2, 1, 1, 1, 1])  # 14 images: targets 8.4 / 2.8 / 2.8
    split = make_split(_dataset(np.zeros(14, np.int64), group=group), seed=0)
    assert [len(split.train), len(split.val), len(split.test)] == [8, 3, 3]  # the closest these groups allow


def test_default_seeds_are_zero():
    dataset = _dataset(np.repeat([0, 1], 30))
    assert make_split(dataset).test.tolist() == make_split(dataset, seed=0).test.tolist()
    split = make_split(dataset)
    half = shrink_train(split, dataset, 0.5)
    assert half.train.tolist() == shrink_train(split, dataset, 0.5, seed=0).train.tolist()
    assert half.train.tolist() == shrink_train(split, dataset, 0.5).train.tolist()  # seeded: repeatable
    assert len(half.train) == 2 * 9  # ceil(0.5 * 18) per class


@pytest.mark.parametrize("fraction", [0.0, 1.5, 2.0])
def test_shrink_train_refuses_a_fraction_outside_zero_to_one(fraction):
    dataset = _dataset(np.repeat([0, 1], 10))
    with pytest.raises(ConfigError, match=r"fraction must lie in \(0, 1\]"):
        shrink_train(make_split(dataset), dataset, fraction)


def test_a_source_outside_the_dataset_links_nothing():
    groups = sample_groups(_dataset([0, 0, 1, 1], augmented_from=[-1, 4, -1, 0]))  # 4 is no row
    assert len(np.unique(groups)) == 3
    assert groups[3] == groups[0] and groups[1] != groups[0]


def test_an_empty_dataset_splits_into_three_empty_parts():
    split = make_split(_dataset([]))
    assert split.sizes() == {"train": 0, "val": 0, "test": 0}


def test_first_with_same_value_points_at_the_first_row_of_each_value():
    first = _first_with_same_value(np.array([7, 3, 7, 3, 9]))
    assert first.tolist() == [0, 1, 0, 1, 4]
    assert first.dtype == np.int64
