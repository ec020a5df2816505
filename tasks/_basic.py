"""The ``basic`` suite: small list functions that the unguided search must find from a few
examples, each with a reference implementation and a sampler of test inputs.

Every task's examples are chosen the way a person would: few (at most six), short, and
varied enough that the obvious program is the simplest one that fits.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from tasks._task import Args, Sampler, Split, Task, sample_int, sample_length, sample_list


def _task(
    name: str,
    signature: str,
    examples: tuple[tuple[Args, Any], ...],
    reference: Callable[..., Any],
    sampler: Sampler,
    param_names: tuple[str, ...] | None = None,
) -> Task:
    # A basic task is given exactly its hand-picked examples.
    return Task(
        name,
        signature,
        reference=reference,
        description=_DESCRIPTIONS[name],
        examples=examples,
        sampler=sampler,
        n_examples=len(examples),
        param_names=param_names,
    )


_DESCRIPTIONS = {
    "identity": "the list itself",
    "reverse": "the list backwards",
    "length": "the number of elements",
    "head": "the first element",
    "last": "the last element",
    "tail": "all but the first element",
    "drop_last": "all but the last element",
    "append": "x added at the end",
    "stutter": "every element twice",
    "sum": "the sum of the elements",
    "product": "the product of the elements",
    "maximum": "the largest element",
    "minimum": "the smallest element",
    "count_greater": "how many elements are greater than x",
    "evens": "the even elements, in order",
    "add_k": "k added to every element",
    "double": "every element doubled",
    "is_empty": "whether the list is empty",
    "contains": "whether x is in the list",
    "count_occurrences": "how many elements equal x",
    "kth": "the element at index k",
    "take_k": "the first k elements",
    "drop_k": "all but the first k elements",
}


def _one_list(min_len: int = 0) -> Sampler:
    def sample(rng: random.Random, split: Split) -> Args:
        n = rng.randint(max(min_len, split.min_len), max(min_len, split.max_len))
        return (sample_list(rng, split, n),)

    return sample


def _list_and_int(rng: random.Random, split: Split) -> Args:
    return (sample_list(rng, split), sample_int(rng, split))


def _list_and_member(rng: random.Random, split: Split) -> Args:
    xs = sample_list(rng, split)
    x = rng.choice(xs) if xs and rng.random() < 0.5 else sample_int(rng, split)
    return (xs, x)


def _list_and_index(rng: random.Random, split: Split) -> Args:
    (xs,) = _one_list(min_len=1)(rng, split)
    return (xs, rng.randrange(len(xs)))


def _list_and_count(rng: random.Random, split: Split) -> Args:
    xs = sample_list(rng, split)
    return (xs, rng.randint(0, len(xs) + 2))


def _small_product_list(rng: random.Random, split: Split) -> Args:
    # A product of many large values leaves the language's int64 range; long lists get
    # values in -2..2 (within the split) so that the reference result stays inside it.
    n = sample_length(rng, split)
    if n <= 6:
        return (sample_list(rng, split, n),)
    small = Split(n, n, max(-2, split.min_value), max(min(2, split.max_value), split.min_value))
    return (sample_list(rng, small, n),)


def _product(xs: Sequence[int]) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


BASIC: tuple[Task, ...] = (
    _task(
        "identity",
        "(list[int]) -> list[int]",
        (((([3, 1, 2]),), [3, 1, 2]), (([],), []), (([5, -4],), [5, -4])),
        lambda xs: list(xs),
        _one_list(),
    ),
    _task(
        "reverse",
        "(list[int]) -> list[int]",
        ((([1, 2, 3],), [3, 2, 1]), (([],), []), (([5, -4],), [-4, 5]), (([7],), [7])),
        lambda xs: xs[::-1],
        _one_list(),
    ),
    _task(
        "length",
        "(list[int]) -> int",
        ((([4, 1, 7],), 3), (([],), 0), (([9, 9],), 2), (([-2, 5, 0, 3, 8],), 5)),
        len,
        _one_list(),
    ),
    _task(
        "head",
        "(list[int]) -> int",
        ((([4, 1, 7],), 4), (([9],), 9), (([-2, 5, 0],), -2)),
        lambda xs: xs[0],
        _one_list(min_len=1),
    ),
    _task(
        "last",
        "(list[int]) -> int",
        ((([4, 1, 7],), 7), (([9],), 9), (([-2, 5, 0, 3],), 3), (([6, 2],), 2)),
        lambda xs: xs[-1],
        _one_list(min_len=1),
    ),
    _task(
        "tail",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [1, 7]), (([9],), []), (([-2, 5, 0, 3],), [5, 0, 3])),
        lambda xs: xs[1:],
        _one_list(min_len=1),
    ),
    _task(
        "drop_last",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [4, 1]), (([9],), []), (([-2, 5, 0, 3],), [-2, 5, 0]), (([6, 2],), [6])),
        lambda xs: xs[:-1],
        _one_list(min_len=1),
    ),
    _task(
        "append",
        "(list[int], int) -> list[int]",
        (
            (([4, 1], 7), [4, 1, 7]),
            (([], 3), [3]),
            (([-2, 5, 0], 8), [-2, 5, 0, 8]),
        ),
        lambda xs, x: [*xs, x],
        _list_and_int,
        ("xs", "x"),
    ),
    _task(
        "stutter",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [4, 4, 1, 1, 7, 7]), (([],), []), (([9, -2],), [9, 9, -2, -2])),
        lambda xs: [x for x in xs for _ in range(2)],
        _one_list(),
    ),
    _task(
        "sum",
        "(list[int]) -> int",
        ((([4, 1, 7],), 12), (([],), 0), (([9, -2],), 7), (([5],), 5)),
        sum,
        _one_list(),
    ),
    _task(
        "product",
        "(list[int]) -> int",
        ((([4, 1, 7],), 28), (([],), 1), (([3, -2],), -6), (([5],), 5)),
        _product,
        _small_product_list,
    ),
    _task(
        "maximum",
        "(list[int]) -> int",
        (
            (([3, 1, 2],), 3),
            (([1, 5, 2, 4],), 5),
            (([2, 7],), 7),
            (([-4, -2, -9],), -2),
            (([6],), 6),
            (([0, 8, 3, 9, 1],), 9),
        ),
        max,
        _one_list(min_len=1),
    ),
    _task(
        "minimum",
        "(list[int]) -> int",
        (
            (([3, 1, 2],), 1),
            (([5, 1, 2, 4],), 1),
            (([2, 7],), 2),
            (([-4, -2, -9],), -9),
            (([6],), 6),
            (([8, 0, 3, 9, 1],), 0),
        ),
        min,
        _one_list(min_len=1),
    ),
    _task(
        "count_greater",
        "(list[int], int) -> int",
        (
            (([4, 1, 7], 3), 2),
            (([], 0), 0),
            (([9, -2, 5, 6], 5), 2),
            (([1, 2], 0), 2),
            (([6, 3, 8, 2, 1], 7), 1),
            (([5, 3], 4), 1),
        ),
        lambda xs, k: sum(1 for x in xs if x > k),
        _list_and_int,
        ("xs", "k"),
    ),
    _task(
        "evens",
        "(list[int]) -> list[int]",
        ((([4, 1, 7, 2],), [4, 2]), (([],), []), (([9, -2, 6],), [-2, 6]), (([3],), [])),
        lambda xs: [x for x in xs if x % 2 == 0],
        _one_list(),
    ),
    _task(
        "add_k",
        "(list[int], int) -> list[int]",
        ((([4, 1, 7], 2), [6, 3, 9]), (([], 5), []), (([-3, 0], -1), [-4, -1])),
        lambda xs, k: [x + k for x in xs],
        _list_and_int,
        ("xs", "k"),
    ),
    _task(
        "double",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [8, 2, 14]), (([],), []), (([-3, 0],), [-6, 0])),
        lambda xs: [2 * x for x in xs],
        _one_list(),
    ),
    _task(
        "is_empty",
        "(list[int]) -> bool",
        ((([4, 1, 7],), False), (([],), True), (([0],), False)),
        lambda xs: not xs,
        _one_list(),
    ),
    _task(
        "contains",
        "(list[int], int) -> bool",
        (
            (([4, 1, 7], 7), True),
            (([4, 1, 7], 3), False),
            (([], 0), False),
            (([9, -2], 9), True),
            (([5, 6], 9), False),
            (([2, 6, 3], 6), True),
        ),
        lambda xs, x: x in xs,
        _list_and_member,
        ("xs", "x"),
    ),
    _task(
        "count_occurrences",
        "(list[int], int) -> int",
        (
            (([4, 1, 4, 7], 4), 2),
            (([4, 1, 7], 3), 0),
            (([], 0), 0),
            (([9, 9, 9], 9), 3),
            (([5, 6], 6), 1),
        ),
        lambda xs, x: xs.count(x),
        _list_and_member,
        ("xs", "x"),
    ),
    _task(
        "kth",
        "(list[int], int) -> int",
        ((([4, 1, 7], 2), 7), (([9, 3], 0), 9), (([-2, 5, 0, 8], 1), 5)),
        lambda xs, k: xs[k],
        _list_and_index,
        ("xs", "k"),
    ),
    _task(
        "take_k",
        "(list[int], int) -> list[int]",
        ((([4, 1, 7], 2), [4, 1]), (([9, 3], 0), []), (([-2, 5, 0, 8], 3), [-2, 5, 0])),
        lambda xs, k: xs[:k],
        _list_and_count,
        ("xs", "k"),
    ),
    _task(
        "drop_k",
        "(list[int], int) -> list[int]",
        ((([4, 1, 7], 2), [7]), (([9, 3], 0), [9, 3]), (([-2, 5, 0, 8], 3), [8])),
        lambda xs, k: xs[k:],
        _list_and_count,
        ("xs", "k"),
    ),
)
"""The tasks the unguided search must solve from at most six examples in ten seconds."""


def basic_task(name: str) -> Task:
    """The task of :data:`BASIC` called ``name``."""
    for t in BASIC:
        if t.name == name:
            return t
    raise KeyError(f"no basic task {name!r}; tasks: {', '.join(t.name for t in BASIC)}")
