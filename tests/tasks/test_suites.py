"""The ``sorting`` and ``abstraction`` suites: every task is solvable in CORE (a hand-written
program agrees with the reference on every split), and its inputs mean something on every
split (they respect the split and the precondition, bool tasks are balanced, and the
plausible wrong rules are refuted)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsl
import synth
from tasks._abstraction import ABSTRACTION
from tasks._sorting import SORTING
from tasks._task import Task

TASKS = {t.name: t for t in SORTING + ABSTRACTION}
NAMES = sorted(TASKS)
SPLIT_CASES = [(name, split) for name in NAMES for split in TASKS[name].split_names]

# One definition per task, in CORE only, named after the task (``_`` added where the name
# is CORE's). The sorts are insertion sorts: a fold whose step filters the accumulator.
PROGRAMS: dict[str, str] = {
    # --- sorting ---
    "sort_asc": """def sort_asc(xs: list[int]) -> list[int] =
        fold(xs, [], fn (x, acc) =>
          filter(acc, fn y => y < x) ++ [x] ++ filter(acc, fn y => y >= x))""",
    "sort_desc": """def sort_desc(xs: list[int]) -> list[int] =
        fold(xs, [], fn (x, acc) =>
          filter(acc, fn y => y > x) ++ [x] ++ filter(acc, fn y => y <= x))""",
    "insert_sorted": """def insert_sorted(xs: list[int], x: int) -> list[int] =
        filter(xs, fn y => y < x) ++ [x] ++ filter(xs, fn y => y >= x)""",
    # Inserting each element of ys into xs: sorted, since xs is.
    "merge_sorted": """def merge_sorted(xs: list[int], ys: list[int]) -> list[int] =
        fold(ys, xs, fn (y, acc) =>
          filter(acc, fn z => z < y) ++ [y] ++ filter(acc, fn z => z >= y))""",
    # Insertion that drops the copies of x already in the accumulator.
    "sort_dedupe": """def sort_dedupe(xs: list[int]) -> list[int] =
        fold(xs, [], fn (x, acc) =>
          filter(acc, fn y => y < x) ++ [x] ++ filter(acc, fn y => y > x))""",
    "kth_smallest": """def kth_smallest(xs: list[int], k: int) -> int =
        (fold(xs, [], fn (x, acc) =>
          filter(acc, fn y => y < x) ++ [x] ++ filter(acc, fn y => y >= x)))[k]""",
    "minimum": """def minimum(xs: list[int]) -> int =
        fold(tail(xs), head(xs), fn (x, m) => if x < m then x else m)""",
    "maximum": """def maximum(xs: list[int]) -> int =
        fold(tail(xs), head(xs), fn (x, m) => if x > m then x else m)""",
    "is_sorted": """def is_sorted(xs: list[int]) -> bool =
        loop(length(xs) - 1, true, fn (i, ok) => ok and xs[i] <= xs[i + 1])""",
    "second_largest": """def second_largest(xs: list[int]) -> int =
        (fold(xs, [], fn (x, acc) =>
          filter(acc, fn y => y > x) ++ [x] ++ filter(acc, fn y => y <= x)))[1]""",
    "median": """def median(xs: list[int]) -> int =
        (fold(xs, [], fn (x, acc) =>
          filter(acc, fn y => y < x) ++ [x] ++ filter(acc, fn y => y >= x)))[length(xs) / 2]""",
    "rank": """def rank(xs: list[int], x: int) -> int = length(filter(xs, fn y => y < x))""",
    "partition": """def partition(xs: list[int], pivot: int) -> list[int] =
        filter(xs, fn y => y < pivot) ++ filter(xs, fn y => y >= pivot)""",
    # --- abstraction ---
    "identity": "def identity(xs: list[int]) -> list[int] = xs",
    "reverse": "def reverse_(xs: list[int]) -> list[int] = reverse(xs)",
    "duplicate": """def duplicate(xs: list[int]) -> list[int] =
        fold(reverse(xs), [], fn (x, acc) => cons(x, cons(x, acc)))""",
    "first_equals_last": """def first_equals_last(xs: list[int]) -> bool =
        head(xs) == xs[length(xs) - 1]""",
    "second_equals_third": "def second_equals_third(xs: list[int]) -> bool = xs[1] == xs[2]",
    "between_10_and_21": """def between_10_and_21(xs: list[int]) -> list[int] =
        filter(xs, fn x => x >= 10 and x <= 21)""",
    "count_occurrences": """def count_occurrences(xs: list[int], x: int) -> int =
        length(filter(xs, fn y => y == x))""",
    "repeat": "def repeat(x: int, n: int) -> list[int] = map(range(n), fn i => x)",
    "rotate_left": "def rotate_left(xs: list[int]) -> list[int] = drop(xs, 1) ++ take(xs, 1)",
    "last": "def last(xs: list[int]) -> int = head(reverse(xs))",
    # The prefix ends at the first i + 1 with xs[i + 1] <= xs[i]: one loop finds it.
    "take_while_increasing": """def take_while_increasing(xs: list[int]) -> list[int] =
        take(xs, loop(length(xs) - 1, length(xs), fn (i, end) =>
          if end == length(xs) and xs[i + 1] <= xs[i] then i + 1 else end))""",
    "add_first": "def add_first(xs: list[int]) -> list[int] = map(xs, fn x => x + head(xs))",
    "interleave": """def interleave(xs: list[int], ys: list[int]) -> list[int] =
        loop(length(xs) + length(ys), [], fn (i, acc) =>
          acc ++ take(drop(xs, i), 1) ++ take(drop(ys, i), 1))""",
    "pairwise_max": """def pairwise_max(xs: list[int], ys: list[int]) -> list[int] =
        map(range(length(xs)), fn i => if xs[i] > ys[i] then xs[i] else ys[i])""",
    "alternate": """def alternate(xs: list[int]) -> list[int] =
        map(range((length(xs) + 1) / 2), fn i => xs[2 * i])""",
}

# Plausible wrong rules that the drawn inputs must refute, on the splits named: without
# such inputs a method could score well on a split by learning the wrong rule.
_EVERY = ("train", "longer", "larger", "both")
FOILS: list[tuple[str, str, Callable[..., Any], tuple[str, ...]]] = [
    ("insert_sorted", "append", lambda xs, x: [*xs, x], _EVERY),
    ("merge_sorted", "concatenate", lambda xs, ys: xs + ys, _EVERY),
    ("sort_dedupe", "sort only", sorted, _EVERY),
    ("is_sorted", "first pair ordered", lambda xs: len(xs) < 2 or xs[0] <= xs[1], _EVERY),
    ("is_sorted", "ends ordered", lambda xs: xs[0] <= xs[-1], _EVERY),
    ("second_largest", "distinct", lambda xs: sorted(set(xs))[-2:][0], _EVERY),
    ("rank", "at most x", lambda xs, x: sum(1 for y in xs if y <= x), _EVERY),
    (
        "partition",
        "<= pivot",
        lambda xs, p: [y for y in xs if y <= p] + [y for y in xs if y > p],
        _EVERY,
    ),
    ("between_10_and_21", "exclusive", lambda xs: [x for x in xs if 10 < x < 21], _EVERY),
    ("count_occurrences", "membership", lambda xs, x: int(x in xs), _EVERY),
    ("take_while_increasing", "first only", lambda xs: xs[:1], _EVERY),
    (
        "take_while_increasing",
        "at most 5",
        lambda xs: TASKS["take_while_increasing"].output((xs,))[:5],
        ("longer", "both"),
    ),
    ("first_equals_last", "first equals second", lambda xs: xs[0] == xs[1 % len(xs)], _EVERY),
]

BOOL_TASKS = [n for n in NAMES if TASKS[n].signature.ret == dsl.BOOL]

LIMITS = dsl.Limits(fuel=10_000_000)


def _compiled(name: str) -> dsl.CompiledDefinition:
    module = dsl.parse(PROGRAMS[name])
    assert len(module.names) == 1, "one definition: what a search would have to find"
    return dsl.compile_definition(module[module.names[0]], library=dsl.CORE, limits=LIMITS)


_COMPILED = {name: _compiled(name) for name in NAMES}


def _kinds(task: Task) -> tuple[str, ...]:
    """What each argument is drawn as: a list of the split, an int of its values, an index
    into the list before it, or a length of the split."""
    special = {"kth_smallest": ("list", "index"), "repeat": ("value", "length")}
    if task.name in special:
        return special[task.name]
    return tuple("list" if isinstance(t, dsl.TList) else "value" for t in task.signature.params)


# --- the suites as a whole -------------------------------------------------------------


def test_suite_sizes_names_and_descriptions() -> None:
    assert len(SORTING) >= 13
    assert len(ABSTRACTION) >= 15
    names = [t.name for t in SORTING + ABSTRACTION]
    assert len(set(names)) == len(names)
    for t in SORTING + ABSTRACTION:
        assert t.name.isidentifier() and t.name not in dsl.KEYWORDS
        assert t.description and "\n" not in t.description and len(t.description) <= 90
        assert t.reference is not None and t.sampler is not None
        assert tuple(t.splits) == ("train", "longer", "larger", "both")
    assert set(PROGRAMS) == set(names)


# --- solvable in CORE --------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_program_has_the_task_signature(name: str) -> None:
    module = dsl.parse(PROGRAMS[name])
    (sig,) = dsl.typecheck(module, library=dsl.CORE).values()
    assert sig == TASKS[name].signature


@pytest.mark.parametrize(("name", "split"), SPLIT_CASES)
def test_program_agrees_with_reference_on_split(name: str, split: str) -> None:
    task, program = TASKS[name], _COMPILED[name]
    for args in task.inputs(split, 40, seed=1):
        assert program(*copy.deepcopy(args)) == task.output(args), args


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=15)
@given(data=st.data())
def test_program_agrees_with_reference_on_any_seed(name: str, data: st.DataObject) -> None:
    task, program = TASKS[name], _COMPILED[name]
    split = data.draw(st.sampled_from(task.split_names), label="split")
    seed = data.draw(st.integers(0, 2**32), label="seed")
    for args in task.inputs(split, 4, seed=seed):
        assert program(*copy.deepcopy(args)) == task.output(args), args


@pytest.mark.parametrize("name", NAMES)
def test_program_passes_verification_on_the_whole_domain(name: str) -> None:
    # Hypothesis's inputs, not the sampler's: the precondition alone must make the program
    # right (insert_sorted's program relies on sortedness, kth_smallest's on a valid k).
    module = dsl.parse(PROGRAMS[name])
    report = synth.verify(module[module.names[0]], TASKS[name].spec(), max_examples=100)
    assert report.passed, str(report)


# --- inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "split"), SPLIT_CASES)
def test_inputs_respect_split_and_precondition(name: str, split: str) -> None:
    task = TASKS[name]
    s = task.split(split)
    kinds = _kinds(task)
    for args in task.inputs(split, 200, seed=2):
        assert len(args) == len(kinds)
        for i, (kind, arg) in enumerate(zip(kinds, args, strict=True)):
            if kind == "list":
                assert s.min_len <= len(arg) <= s.max_len, (args, s)
                assert all(s.min_value <= x <= s.max_value for x in arg), (args, s)
            elif kind == "value":
                assert s.min_value <= arg <= s.max_value, (args, s)
            elif kind == "index":
                assert 0 <= arg < len(args[i - 1]), args
            else:
                assert s.min_len <= arg <= s.max_len, (args, s)
        assert task.precondition is None or task.precondition(*copy.deepcopy(args))


@pytest.mark.parametrize(("name", "split"), SPLIT_CASES)
def test_inputs_are_deterministic_per_seed(name: str, split: str) -> None:
    task = TASKS[name]
    assert task.inputs(split, 20, seed=3) == task.inputs(split, 20, seed=3)
    assert task.inputs(split, 20, seed=3) != task.inputs(split, 20, seed=4)


@pytest.mark.parametrize(("name", "split"), SPLIT_CASES)
def test_reference_never_raises_nor_mutates_and_varies(name: str, split: str) -> None:
    task = TASKS[name]
    assert task.reference is not None
    outputs = set()
    for args in task.inputs(split, 200, seed=5):
        before = copy.deepcopy(args)
        out = task.reference(*args)
        assert args == before, "the reference changed its arguments"
        assert dsl.value_has_type(dsl.to_internal(out), task.signature.ret)
        outputs.add(repr(out))
    assert len(outputs) > 1, "the same output for every input: the split is degenerate"


@pytest.mark.parametrize(("name", "split"), [c for c in SPLIT_CASES if c[0] in BOOL_TASKS])
def test_bool_tasks_are_balanced(name: str, split: str) -> None:
    task = TASKS[name]
    share = sum(task.output(a) for a in task.inputs(split, 300, seed=6)) / 300
    assert 0.3 <= share <= 0.7, share


@pytest.mark.parametrize("split", TASKS["count_occurrences"].split_names)
def test_counted_element_is_present_half_the_time(split: str) -> None:
    inputs = TASKS["count_occurrences"].inputs(split, 300, seed=7)
    share = sum(x in xs for xs, x in inputs) / 300
    assert 0.3 <= share <= 0.7, share


@pytest.mark.parametrize(
    ("name", "foil", "wrong", "splits"), FOILS, ids=[f"{n}-{f}" for n, f, _, _ in FOILS]
)
def test_plausible_wrong_rules_are_refuted(
    name: str, foil: str, wrong: Callable[..., Any], splits: tuple[str, ...]
) -> None:
    task = TASKS[name]
    for split in splits:
        inputs = task.inputs(split, 100, seed=8)
        wrong_on = sum(wrong(*copy.deepcopy(a)) != task.output(a) for a in inputs)
        assert wrong_on >= 5, f"{foil!r} is wrong on only {wrong_on}/100 {split} inputs"


def test_medians_are_of_odd_lengths_that_reach_past_training() -> None:
    task = TASKS["median"]
    lengths = {len(xs) for split in task.split_names for (xs,) in task.inputs(split, 200)}
    assert all(n % 2 == 1 for n in lengths)
    assert {1, 3, 5, 11, 49} <= lengths


def test_repeat_is_longer_on_the_longer_splits() -> None:
    task = TASKS["repeat"]
    for split in ("longer", "both"):
        assert min(len(task.output(a)) for a in task.inputs(split, 50)) >= 10


# --- the spec ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_spec_builds_and_its_examples_fit_the_reference(name: str) -> None:
    task = TASKS[name]
    spec = task.spec()
    assert len(spec.examples) == task.n_examples
    assert spec.signature == task.signature
    for ex in spec.examples:
        args = tuple(dsl.to_external(a) for a in ex.args)
        assert task.precondition is None or task.precondition(*copy.deepcopy(args))
        assert dsl.to_internal(task.output(args)) == ex.output
    assert len({repr(ex.output) for ex in spec.examples}) > 1, "every example says the same"
