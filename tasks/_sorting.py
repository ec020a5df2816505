"""The ``sorting`` suite: ordering tasks that CORE (which has no sort, min, max or sum) can
only solve with nested loops, so that the search has to earn them.

Every task's inputs are drawn so that the task means something on every split: sorted
inputs where the task needs them, ties where the task says what happens with ties, half
sorted lists for ``is_sorted``, and odd lengths for ``median``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from tasks._task import (
    BOTH,
    LARGER,
    LONGER,
    TRAIN,
    Args,
    Split,
    Task,
    sample_int,
    sample_length,
    sample_list,
)

# --- references that are more than one expression ---------------------------------------


def _is_sorted(xs: Sequence[int]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(xs))


def _partition(xs: list[int], pivot: int) -> list[int]:
    return [x for x in xs if x < pivot] + [x for x in xs if x >= pivot]


# --- samplers ---------------------------------------------------------------------------


def _nonempty_list(rng: random.Random, split: Split) -> list[int]:
    return sample_list(rng, split, max(1, sample_length(rng, split)))


def _sorted_list_and_int(rng: random.Random, split: Split) -> Args:
    return (sorted(sample_list(rng, split)), sample_int(rng, split))


def _two_sorted_lists(rng: random.Random, split: Split) -> Args:
    return (sorted(sample_list(rng, split)), sorted(sample_list(rng, split)))


def _list_with_duplicates(rng: random.Random, split: Split) -> Args:
    # Uniform values rarely repeat on the wide splits, where deduplication would then be
    # plain sorting: draw from a pool of about half as many values as the list is long.
    n = sample_length(rng, split)
    pool = [sample_int(rng, split) for _ in range(max(1, (n + 1) // 2))]
    return ([rng.choice(pool) for _ in range(n)],)


def _list_and_index(rng: random.Random, split: Split) -> Args:
    xs = _nonempty_list(rng, split)
    return (xs, rng.randrange(len(xs)))


def _list_and_pivot(rng: random.Random, split: Split) -> Args:
    # Half the pivots are elements of the list, so that ``<`` and ``<=`` differ on every split.
    xs = _nonempty_list(rng, split)
    pivot = rng.choice(xs) if rng.random() < 0.5 else sample_int(rng, split)
    return (xs, pivot)


def _half_sorted(rng: random.Random, split: Split) -> Args:
    if split.max_len < 2 or split.min_value == split.max_value or rng.random() < 0.5:
        return (sorted(sample_list(rng, split)),)
    n = rng.randint(max(2, split.min_len), split.max_len)
    if rng.random() < 0.5:
        # Sorted but for one adjacent pair: the hard negatives, which looking at the first
        # pair or at the ends does not catch.
        xs = sorted(sample_list(rng, split, n))
        steps = [i for i in range(n - 1) if xs[i] < xs[i + 1]]
        if steps:
            i = rng.choice(steps)
            xs[i], xs[i + 1] = xs[i + 1], xs[i]
            return (xs,)
    for _ in range(100):  # a random list of two or more elements is often unsorted
        xs = sample_list(rng, split, n)
        if not _is_sorted(xs):
            return (xs,)
    xs[0], xs[-1] = split.max_value, split.min_value
    return (xs,)


def _list_with_tied_max(rng: random.Random, split: Split) -> Args:
    # Ties at the top are where "second largest" needs its definition; wide values alone
    # would almost never show one.
    xs = sample_list(rng, split, max(2, sample_length(rng, split)))
    if rng.random() < 0.3:
        xs[rng.randrange(len(xs))] = max(xs)
    return (xs,)


def _odd_length_list(rng: random.Random, split: Split) -> Args:
    lo = split.min_len if split.min_len % 2 == 1 else split.min_len + 1
    n = rng.randrange(lo, split.max_len + 1, 2) if lo <= split.max_len else lo
    return (sample_list(rng, split, n),)


# --- splits -----------------------------------------------------------------------------

_AT_LEAST_TWO = {
    "train": Split(2, 5, TRAIN.min_value, TRAIN.max_value),
    "longer": LONGER,
    "larger": Split(2, 5, LARGER.min_value, LARGER.max_value),
    "both": BOTH,
}
"""The default splits with lists of at least two elements."""

_ODD_LENGTHS = {
    "train": TRAIN,
    "longer": Split(11, 49, LONGER.min_value, LONGER.max_value),
    "larger": LARGER,
    "both": Split(11, 49, BOTH.min_value, BOTH.max_value),
}
"""The default splits with odd bounds on the lengths (the sampler draws odd lengths)."""


#: The MLP below 95% on held-out ``train`` inputs with its 5,000 default steps reaches it
#: with 10,000 (seed 0: merge_sorted 94.0% -> 97.4%, kth_smallest 94.2% -> 96.5%;
#: partition needs 15,000: 83.3% -> 95.6%); ``bench/results/tune_mlp*.json``.
_TUNED_STEPS = {"mlp": {"steps": 10_000}}

SORTING: tuple[Task, ...] = (
    Task(
        "sort_asc",
        "(list[int]) -> list[int]",
        reference=lambda xs: sorted(xs),
        description="the elements in ascending order",
    ),
    Task(
        "sort_desc",
        "(list[int]) -> list[int]",
        reference=lambda xs: sorted(xs, reverse=True),
        description="the elements in descending order",
    ),
    Task(
        "insert_sorted",
        "(list[int], int) -> list[int]",
        reference=lambda xs, x: sorted([*xs, x]),
        description="x inserted into the ascending list xs, which stays ascending",
        sampler=_sorted_list_and_int,
        precondition=lambda xs, x: _is_sorted(xs),
        param_names=("xs", "x"),
    ),
    Task(
        "merge_sorted",
        "(list[int], list[int]) -> list[int]",
        reference=lambda xs, ys: sorted(xs + ys),
        description="the two ascending lists merged into one ascending list",
        sampler=_two_sorted_lists,
        precondition=lambda xs, ys: _is_sorted(xs) and _is_sorted(ys),
        param_names=("xs", "ys"),
        tuning=_TUNED_STEPS,
    ),
    Task(
        "sort_dedupe",
        "(list[int]) -> list[int]",
        reference=lambda xs: sorted(set(xs)),
        description="the distinct elements in ascending order",
        sampler=_list_with_duplicates,
    ),
    Task(
        "kth_smallest",
        "(list[int], int) -> int",
        reference=lambda xs, k: sorted(xs)[k],
        description="the element at 0-based position k of the list sorted ascending",
        sampler=_list_and_index,
        precondition=lambda xs, k: 0 <= k < len(xs),
        param_names=("xs", "k"),
        tuning=_TUNED_STEPS,
    ),
    Task(
        "minimum",
        "(list[int]) -> int",
        reference=lambda xs: min(xs),
        description="the smallest element of a non-empty list",
        precondition=lambda xs: len(xs) > 0,
    ),
    Task(
        "maximum",
        "(list[int]) -> int",
        reference=lambda xs: max(xs),
        description="the largest element of a non-empty list",
        precondition=lambda xs: len(xs) > 0,
    ),
    Task(
        "is_sorted",
        "(list[int]) -> bool",
        reference=_is_sorted,
        description="whether every element is at most the next (half the inputs are sorted)",
        sampler=_half_sorted,
    ),
    Task(
        "second_largest",
        "(list[int]) -> int",
        reference=lambda xs: sorted(xs, reverse=True)[1],
        description="the second element of the list sorted descending ([5, 5, 3] -> 5)",
        sampler=_list_with_tied_max,
        precondition=lambda xs: len(xs) >= 2,
        splits=_AT_LEAST_TWO,
    ),
    Task(
        "median",
        "(list[int]) -> int",
        reference=lambda xs: sorted(xs)[len(xs) // 2],
        description="the middle element of the sorted list, for lists of odd length",
        sampler=_odd_length_list,
        precondition=lambda xs: len(xs) % 2 == 1,
        splits=_ODD_LENGTHS,
    ),
    Task(
        "rank",
        "(list[int], int) -> int",
        reference=lambda xs, x: sum(1 for y in xs if y < x),
        description="how many elements are strictly smaller than x",
        sampler=_list_and_pivot,
        param_names=("xs", "x"),
    ),
    Task(
        "partition",
        "(list[int], int) -> list[int]",
        reference=_partition,
        description="the elements below pivot, in order, then the others, in order",
        sampler=_list_and_pivot,
        param_names=("xs", "pivot"),
        tuning={"mlp": {"steps": 15_000}},
    ),
)
"""Ordering tasks: sorting, order statistics and sorted-list operations, in CORE."""
