"""Verification with Hypothesis, the strategies it draws from, and CEGIS."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsl
from synth import Budget, Spec, SpecError, strategies, synthesize, testing, verify

LIST_TYPES = ["int", "bool", "list[int]", "list[bool]", "list[list[int]]", "list[list[bool]]"]


def ordered(args: tuple[Any, ...], out: list[int]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(out))


def permutation(args: tuple[Any, ...], out: list[int]) -> bool:
    return sorted(args[0]) == sorted(out)


SORTING = Spec("(list[int]) -> list[int]", properties=[ordered, permutation])


def program(source: str) -> dsl.Definition:
    return dsl.parse(source)["f"]


# ---- strategies -----------------------------------------------------------------------------


@pytest.mark.parametrize("type_text", LIST_TYPES)
@given(data=st.data())
def test_strategies_generate_values_of_their_type(type_text: str, data: st.DataObject) -> None:
    t = dsl.parse_type(type_text)
    lo = data.draw(st.integers(-50, 50), label="lo")
    hi = data.draw(st.integers(lo, lo + 100), label="hi")
    value = data.draw(strategies.for_type(t, max_len=6, min_value=lo, max_value=hi))
    assert dsl.value_has_type(value, t)

    def within(v: Any) -> bool:
        if isinstance(v, list):
            return len(v) <= 6 and all(within(x) for x in v)
        return isinstance(v, bool) or lo <= v <= hi

    assert within(value)


@given(args=strategies.for_signature("(list[int], int, bool) -> int", max_len=4))
def test_signature_strategy_draws_one_value_per_parameter(args: tuple[Any, ...]) -> None:
    xs, n, b = args
    assert dsl.value_has_type(xs, dsl.TList(dsl.INT)) and len(xs) <= 4
    assert dsl.value_has_type(n, dsl.INT) and dsl.value_has_type(b, dsl.BOOL)


@given(data=st.data())
def test_strategies_keep_every_list_at_least_min_len_long(data: st.DataObject) -> None:
    min_len = data.draw(st.integers(0, 4), label="min_len")
    type_text = data.draw(st.sampled_from(LIST_TYPES), label="type")
    value = data.draw(strategies.for_type(type_text, max_len=4, min_len=min_len))

    def lengths(v: Any) -> list[int]:
        return [len(v), *(n for x in v for n in lengths(x))] if isinstance(v, list) else []

    assert all(min_len <= n <= 4 for n in lengths(value))


def test_strategies_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="greater than"):
        strategies.for_type("int", min_value=5, max_value=1)
    with pytest.raises(ValueError, match="no strategy"):
        strategies.for_type("(int) -> int")
    with pytest.raises(ValueError, match="max_len"):
        strategies.for_type("list[int]", max_len=-1)
    with pytest.raises(ValueError, match="min_len"):
        strategies.for_type("list[int]", max_len=3, min_len=4)


# ---- verify ---------------------------------------------------------------------------------


def test_reverse_against_the_sorting_spec_fails_with_a_minimal_counterexample() -> None:
    report = verify(program("def f(xs: list[int]) -> list[int] = reverse(xs)"), SORTING)
    assert not report.passed
    assert report.counterexample is not None
    (xs,) = report.counterexample.args
    assert len(xs) == 2
    assert report.counterexample.failed_property == "ordered"
    assert report.counterexample.output == xs[::-1]


def test_a_program_right_only_on_small_numbers_passes_its_examples_and_fails_verification() -> None:
    double = lambda xs: [2 * x for x in xs]  # noqa: E731
    examples = [(([1, 2, 3],), [2, 4, 6]), (([],), []), (([5, -4],), [10, -8])]
    examples += [(([0, 9],), [0, 18]), (([7],), [14])]
    spec = Spec("(list[int]) -> list[int]", examples, reference=double)
    prog = program(
        "def f(xs: list[int]) -> list[int] = map(xs, fn x => if x < 10 then x * 2 else x)"
    )
    for ex in spec.examples:  # right on all five examples ...
        assert dsl.to_internal(prog(*dsl.to_external(ex.args))) == ex.output
    report = verify(prog, spec)  # ... and wrong outside their range
    assert not report.passed and report.counterexample is not None
    (xs,) = report.counterexample.args
    assert xs == [10]  # shrunk: the smallest value the examples never showed
    assert report.counterexample.expected == [20] and report.counterexample.output == [10]


def test_a_program_that_raises_is_reported_not_crashed() -> None:
    spec = Spec("(list[int]) -> int", reference=lambda xs: xs[0] if xs else 0)
    report = verify(program("def f(xs: list[int]) -> int = head(xs)"), spec)
    assert not report.passed
    assert isinstance(report.error, dsl.EmptyListError)
    assert report.counterexample is not None and report.counterexample.args == ([],)


def test_inputs_where_the_reference_raises_are_outside_the_domain() -> None:
    spec = Spec("(list[int]) -> int", reference=lambda xs: xs[0])  # raises on []
    report = verify(program("def f(xs: list[int]) -> int = head(xs)"), spec, max_examples=300)
    assert report.passed and report.examples_tried > 0


def test_the_precondition_restricts_the_domain() -> None:
    spec = Spec(
        "(list[int]) -> int",
        reference=lambda xs: xs[0],
        precondition=lambda xs: len(xs) >= 2,
    )
    report = verify(program("def f(xs: list[int]) -> int = head(xs)"), spec)
    assert report.passed


def test_verification_is_deterministic_for_a_seed() -> None:
    prog = program("def f(xs: list[int]) -> list[int] = map(xs, fn x => if x < 100 then x else 0)")
    spec = Spec("(list[int]) -> list[int]", reference=lambda xs: list(xs))
    first = verify(prog, spec, seed=7)
    again = verify(prog, spec, seed=7)
    assert first.counterexample == again.counterexample
    assert first.examples_tried == again.examples_tried


def test_a_spec_with_nothing_to_check_is_an_error() -> None:
    spec = Spec.from_examples([(([1],), 1)])
    with pytest.raises(SpecError, match="reference or properties"):
        verify(program("def f(xs: list[int]) -> int = head(xs)"), spec)


# verify() runs Hypothesis itself, so these laws draw their cases from a seeded RNG rather
# than from a nested @given.
_CASES = [
    (random.Random(i).randrange(2**16), random.Random(-i).randint(-20, 20)) for i in range(12)
]


@pytest.mark.parametrize(("seed", "offset"), _CASES)
def test_a_passing_report_means_agreement_on_fresh_inputs(seed: int, offset: int) -> None:
    reference = lambda xs: [x + offset for x in xs if x % 2 == 0]  # noqa: E731
    spec = Spec("(list[int]) -> list[int]", reference=reference)
    source = (
        "def f(xs: list[int]) -> list[int] = map(filter(xs, fn x => x % 2 == 0), fn x => x + k)"
    )
    prog = program(source.replace("k", f"({offset})"))
    report = verify(prog, spec, max_examples=100, seed=seed)
    assert report.passed
    rng = random.Random(seed)
    for _ in range(50):
        xs = [rng.randint(-(10**6), 10**6) for _ in range(rng.randint(0, 80))]
        assert prog(xs) == reference(xs)


@pytest.mark.parametrize(("seed", "cut"), _CASES)
def test_a_shrunk_counterexample_still_fails(seed: int, cut: int) -> None:
    spec = Spec("(list[int]) -> list[int]", reference=lambda xs: list(xs))
    prog = program(f"def f(xs: list[int]) -> list[int] = filter(xs, fn x => x > ({cut}))")
    report = verify(prog, spec, max_examples=200, seed=seed)
    assert not report.passed and report.counterexample is not None
    (xs,) = report.counterexample.args
    assert prog(xs) != xs
    # shrunk to the smallest input that shows it: one value at or below the cut, nearest 0
    assert xs == ([0] if cut >= 0 else [cut])


def test_counterexamples_keep_to_min_len_and_the_value_range() -> None:
    # Wrong only on the empty list and on 0: with min_len 1 and values 3..9, neither can be
    # shown, so the shrunk counterexample is the smallest input inside the bounds.
    spec = Spec("(list[int]) -> int", reference=lambda xs: len(xs) + 100)
    prog = program("def f(xs: list[int]) -> int = length(xs)")
    free = verify(prog, spec, max_examples=100)
    assert free.counterexample is not None and free.counterexample.args == ([],)
    bounded = verify(prog, spec, max_examples=100, min_len=1, value_range=(3, 9))
    assert bounded.counterexample is not None and bounded.counterexample.args == ([3],)


def test_a_program_wrong_only_below_min_len_passes() -> None:
    spec = Spec("(list[int]) -> int", reference=lambda xs: xs[0] if xs else 0)
    prog = program("def f(xs: list[int]) -> int = head(xs)")  # raises on []
    assert not verify(prog, spec, max_examples=100).passed
    assert verify(prog, spec, max_examples=100, min_len=1).passed


# ---- property_test ----------------------------------------------------------------------------

_REV = program("def f(xs: list[int]) -> list[int] = reverse(xs)")
test_reverse_meets_its_spec = testing.property_test(
    _REV, Spec("(list[int]) -> list[int]", reference=lambda xs: xs[::-1]), max_examples=50
)


def test_property_test_fails_on_a_wrong_program() -> None:
    wrong = testing.property_test(_REV, SORTING, max_examples=50)
    assert wrong.__name__ == "test_f_meets_its_spec"
    with pytest.raises(AssertionError, match="does not meet its spec"):
        wrong()


# ---- CEGIS ----------------------------------------------------------------------------------


def keep_greater_than_first(xs: list[int]) -> list[int]:
    return [x for x in xs if x > xs[0]]


def test_cegis_repairs_an_overfitted_program() -> None:
    # Two examples drawn with seed 0 (as in tasks: lists of 2-5 values in -9..9).
    rng = random.Random(0)
    examples = []
    for _ in range(2):
        xs = [rng.randint(-9, 9) for _ in range(rng.randint(2, 5))]
        examples.append(((xs,), keep_greater_than_first(xs)))
    spec = Spec(
        "(list[int]) -> list[int]",
        examples,
        reference=lambda xs: keep_greater_than_first(xs) if xs else [],
    )
    plain = synthesize(spec, budget=Budget(seconds=10))
    assert plain.solved and plain.program is not None
    assert not verify(plain.program, spec, max_examples=1000, max_len=100).passed  # overfitted

    cegis = synthesize(spec, budget=Budget(seconds=30), verify=True)
    assert cegis.solved and cegis.program is not None
    assert cegis.rounds == len(cegis.counterexamples) + 1 > 1
    # the statistics are those of every round together
    table = cegis.stats["by_production"]
    assert sum(row["candidates"] for row in table.values()) + cegis.stats["lifted"] == (
        cegis.candidates
    )
    report = verify(cegis.program, spec, max_examples=1000, max_len=100, seed=1)
    assert report.passed and report.examples_tried >= 900


def test_sort_from_properties_alone() -> None:
    result = synthesize(SORTING, library=dsl.EXTENDED, budget=Budget(seconds=10), verify=True)
    assert result.solved and result.program is not None
    assert dsl.pretty(result.program.body) == "sort(xs)"
    assert result.verification is not None and result.verification.passed


def test_verify_needs_something_to_check() -> None:
    spec = Spec.from_examples([(([1, 2],), [2, 1])])
    with pytest.raises(SpecError, match="reference or properties"):
        synthesize(spec, verify=True)
