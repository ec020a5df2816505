"""The ``basic`` suite: small list functions that the unguided search must find from a few
examples, each with a reference implementation and a sampler of test inputs.

Every task's examples are chosen the way a person would: few (at most six), short, and
varied enough that the obvious program is the simplest one that fits.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import dsl
from synth import Spec

Args = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ListTask:
    """A synthesis task: a signature, examples, a reference, and how to sample inputs.

    Attributes:
        name: short identifier.
        signature: the program's type, e.g. ``"(list[int], int) -> list[int]"``.
        examples: ``(args, output)`` pairs given to the search.
        reference: the intended function, on Python values.
        sample: draws one input (an args tuple) from ``random.Random`` for testing, with
            lists up to ``max_len`` long and values up to ``max_abs`` in magnitude.
        param_names: names of the program's parameters.
    """

    name: str
    signature: str
    examples: tuple[tuple[Args, Any], ...]
    reference: Callable[..., Any]
    sample: Callable[[random.Random, int, int], Args]
    param_names: tuple[str, ...] | None = None

    def spec(self) -> Spec:
        """The spec the search is given: signature, examples and the reference.

        The program is named after the task, with ``_`` added where the name is also a
        library function's (``head_``), so that it cannot call itself by mistake."""
        name = self.name if self.name not in dsl.EXTENDED else f"{self.name}_"
        return Spec(
            self.signature,
            self.examples,
            reference=self.reference,
            param_names=self.param_names,
            name=name,
        )


def _ints(rng: random.Random, n: int, max_abs: int) -> list[int]:
    return [rng.randint(-max_abs, max_abs) for _ in range(n)]


def _list(rng: random.Random, max_len: int, max_abs: int, *, min_len: int = 0) -> list[int]:
    return _ints(rng, rng.randint(min_len, max_len), max_abs)


def _one_list(min_len: int = 0) -> Callable[[random.Random, int, int], Args]:
    return lambda rng, max_len, max_abs: (_list(rng, max_len, max_abs, min_len=min_len),)


def _list_and_int(rng: random.Random, max_len: int, max_abs: int) -> Args:
    return (_list(rng, max_len, max_abs), rng.randint(-max_abs, max_abs))


def _list_and_member(rng: random.Random, max_len: int, max_abs: int) -> Args:
    xs = _list(rng, max_len, max_abs)
    x = rng.choice(xs) if xs and rng.random() < 0.5 else rng.randint(-max_abs, max_abs)
    return (xs, x)


def _list_and_index(rng: random.Random, max_len: int, max_abs: int) -> Args:
    xs = _list(rng, max_len, max_abs, min_len=1)
    return (xs, rng.randrange(len(xs)))


def _list_and_count(rng: random.Random, max_len: int, max_abs: int) -> Args:
    xs = _list(rng, max_len, max_abs)
    return (xs, rng.randint(0, len(xs) + 2))


def _small_product_list(rng: random.Random, max_len: int, max_abs: int) -> Args:
    # A product of many values up to max_abs leaves the language's int64 range; long lists
    # get small values so that the reference result stays inside it.
    n = rng.randint(0, max_len)
    bound = max_abs if n <= 6 else 2
    return (_ints(rng, n, bound),)


def _product(xs: Sequence[int]) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


BASIC: tuple[ListTask, ...] = (
    ListTask(
        "identity",
        "(list[int]) -> list[int]",
        (((([3, 1, 2]),), [3, 1, 2]), (([],), []), (([5, -4],), [5, -4])),
        lambda xs: list(xs),
        _one_list(),
    ),
    ListTask(
        "reverse",
        "(list[int]) -> list[int]",
        ((([1, 2, 3],), [3, 2, 1]), (([],), []), (([5, -4],), [-4, 5]), (([7],), [7])),
        lambda xs: xs[::-1],
        _one_list(),
    ),
    ListTask(
        "length",
        "(list[int]) -> int",
        ((([4, 1, 7],), 3), (([],), 0), (([9, 9],), 2), (([-2, 5, 0, 3, 8],), 5)),
        len,
        _one_list(),
    ),
    ListTask(
        "head",
        "(list[int]) -> int",
        ((([4, 1, 7],), 4), (([9],), 9), (([-2, 5, 0],), -2)),
        lambda xs: xs[0],
        _one_list(min_len=1),
    ),
    ListTask(
        "last",
        "(list[int]) -> int",
        ((([4, 1, 7],), 7), (([9],), 9), (([-2, 5, 0, 3],), 3), (([6, 2],), 2)),
        lambda xs: xs[-1],
        _one_list(min_len=1),
    ),
    ListTask(
        "tail",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [1, 7]), (([9],), []), (([-2, 5, 0, 3],), [5, 0, 3])),
        lambda xs: xs[1:],
        _one_list(min_len=1),
    ),
    ListTask(
        "drop_last",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [4, 1]), (([9],), []), (([-2, 5, 0, 3],), [-2, 5, 0]), (([6, 2],), [6])),
        lambda xs: xs[:-1],
        _one_list(min_len=1),
    ),
    ListTask(
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
    ListTask(
        "stutter",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [4, 4, 1, 1, 7, 7]), (([],), []), (([9, -2],), [9, 9, -2, -2])),
        lambda xs: [x for x in xs for _ in range(2)],
        _one_list(),
    ),
    ListTask(
        "sum",
        "(list[int]) -> int",
        ((([4, 1, 7],), 12), (([],), 0), (([9, -2],), 7), (([5],), 5)),
        sum,
        _one_list(),
    ),
    ListTask(
        "product",
        "(list[int]) -> int",
        ((([4, 1, 7],), 28), (([],), 1), (([3, -2],), -6), (([5],), 5)),
        _product,
        _small_product_list,
    ),
    ListTask(
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
    ListTask(
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
    ListTask(
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
    ListTask(
        "evens",
        "(list[int]) -> list[int]",
        ((([4, 1, 7, 2],), [4, 2]), (([],), []), (([9, -2, 6],), [-2, 6]), (([3],), [])),
        lambda xs: [x for x in xs if x % 2 == 0],
        _one_list(),
    ),
    ListTask(
        "add_k",
        "(list[int], int) -> list[int]",
        ((([4, 1, 7], 2), [6, 3, 9]), (([], 5), []), (([-3, 0], -1), [-4, -1])),
        lambda xs, k: [x + k for x in xs],
        _list_and_int,
        ("xs", "k"),
    ),
    ListTask(
        "double",
        "(list[int]) -> list[int]",
        ((([4, 1, 7],), [8, 2, 14]), (([],), []), (([-3, 0],), [-6, 0])),
        lambda xs: [2 * x for x in xs],
        _one_list(),
    ),
    ListTask(
        "is_empty",
        "(list[int]) -> bool",
        ((([4, 1, 7],), False), (([],), True), (([0],), False)),
        lambda xs: not xs,
        _one_list(),
    ),
    ListTask(
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
    ListTask(
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
    ListTask(
        "kth",
        "(list[int], int) -> int",
        ((([4, 1, 7], 2), 7), (([9, 3], 0), 9), (([-2, 5, 0, 8], 1), 5)),
        lambda xs, k: xs[k],
        _list_and_index,
        ("xs", "k"),
    ),
    ListTask(
        "take_k",
        "(list[int], int) -> list[int]",
        ((([4, 1, 7], 2), [4, 1]), (([9, 3], 0), []), (([-2, 5, 0, 8], 3), [-2, 5, 0])),
        lambda xs, k: xs[:k],
        _list_and_count,
        ("xs", "k"),
    ),
    ListTask(
        "drop_k",
        "(list[int], int) -> list[int]",
        ((([4, 1, 7], 2), [7]), (([9, 3], 0), [9, 3]), (([-2, 5, 0, 8], 3), [8])),
        lambda xs, k: xs[k:],
        _list_and_count,
        ("xs", "k"),
    ),
)
"""The tasks the unguided search must solve from at most six examples in ten seconds."""


def basic_task(name: str) -> ListTask:
    """The task of :data:`BASIC` called ``name``."""
    for t in BASIC:
        if t.name == name:
            return t
    raise KeyError(f"no basic task {name!r}; tasks: {', '.join(t.name for t in BASIC)}")
