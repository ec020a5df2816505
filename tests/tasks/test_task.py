"""Tasks and splits: splits validate their fields, sampled inputs respect their split and
signature, inputs and examples are reproducible, and a malformed task fails at the door."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsl
import synth
import tasks
from tasks import (
    BOTH,
    DEFAULT_SPLITS,
    LARGER,
    LONGER,
    TRAIN,
    Split,
    Task,
    TaskError,
    sample_int,
    sample_length,
    sample_list,
    sample_value,
    signature_sampler,
)

LIST_INT = dsl.TList(dsl.INT)
INPUT_TYPES = (dsl.INT, dsl.BOOL, LIST_INT, dsl.TList(LIST_INT), dsl.TList(dsl.BOOL))


def _double(xs: list[int]) -> list[int]:
    return [2 * x for x in xs]


def _task(**changes: Any) -> Task:
    options: dict[str, Any] = {"reference": _double}
    options.update(changes)
    return Task("double", "(list[int]) -> list[int]", **options)


@st.composite
def splits(draw: st.DrawFn) -> Split:
    # Lengths stay short so that nested lists stay cheap to draw.
    min_len = draw(st.integers(0, 4))
    max_len = draw(st.integers(min_len, 6))
    min_value = draw(st.integers(-(10**6), 10**6))
    max_value = draw(st.integers(min_value, min_value + 2 * 10**6))
    return Split(min_len, max_len, min_value, max_value)


def _within(value: Any, t: dsl.Type, split: Split) -> bool:
    """``value`` has type ``t``, and every list length and int is inside ``split``."""
    if t == dsl.BOOL:
        return isinstance(value, bool)
    if t == dsl.INT:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and split.min_value <= value <= split.max_value
        )
    assert isinstance(t, dsl.TList)
    return (
        isinstance(value, list)
        and split.min_len <= len(value) <= split.max_len
        and all(_within(v, t.elem, split) for v in value)
    )


# Splits


def test_default_splits_are_train_then_the_extrapolation_splits() -> None:
    assert list(DEFAULT_SPLITS) == ["train", "longer", "larger", "both"]
    assert DEFAULT_SPLITS["train"] == TRAIN == Split()
    assert (LONGER.min_len, LONGER.max_len) == (10, 50)
    assert (LARGER.min_value, LARGER.max_value) == (-1000, 1000)
    assert Split(LONGER.min_len, LONGER.max_len, LARGER.min_value, LARGER.max_value) == BOTH
    with pytest.raises(TypeError):
        DEFAULT_SPLITS["wide"] = TRAIN  # type: ignore[index]


def test_split_str_names_its_ranges() -> None:
    assert str(LONGER) == "lengths 10..50, values 0..9"
    assert str(Split(0, 3, -5, 5)) == "lengths 0..3, values -5..5"


@pytest.mark.parametrize("field", ["min_len", "max_len", "min_value", "max_value"])
@pytest.mark.parametrize("value", [1.5, "3", None, True, False])
def test_split_rejects_a_field_that_is_not_an_int(field: str, value: Any) -> None:
    with pytest.raises(TaskError, match=rf"Split\.{field} must be an int, got {value!r}"):
        Split(**{field: value})


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"min_len": 3, "max_len": 2}, r"0 <= min_len <= max_len, got 3\.\.2"),
        ({"min_len": -1}, r"0 <= min_len <= max_len, got -1\.\.5"),
        ({"min_len": -3, "max_len": -1}, r"0 <= min_len <= max_len"),
        ({"min_value": 5, "max_value": 4}, r"min_value <= max_value, got 5\.\.4"),
    ],
)
def test_split_rejects_empty_ranges(fields: dict[str, int], match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        Split(**fields)
    assert isinstance(info.value, TaskError)
    assert isinstance(info.value, dsl.AbstraxError)


def test_split_accepts_single_point_ranges() -> None:
    s = Split(0, 0, 7, 7)
    rng = random.Random(0)
    assert sample_list(rng, s) == []
    assert sample_int(rng, s) == 7
    assert sample_length(rng, s) == 0


# Samplers


@given(split=splits(), params=st.lists(st.sampled_from(INPUT_TYPES), min_size=1, max_size=3))
def test_sampled_inputs_fit_the_signature_and_the_split(
    split: Split, params: list[dsl.Type]
) -> None:
    signature = dsl.TFun(tuple(params), dsl.INT)
    task = Task("t", signature, reference=lambda *args: 0, splits={"train": TRAIN, "s": split})
    for sampled in [signature_sampler(signature)(random.Random(1), split), *task.inputs("s", 3)]:
        assert len(sampled) == len(params)
        for value, t in zip(sampled, params, strict=True):
            assert dsl.value_has_type(value, t), (value, t)
            assert _within(value, t, split), (value, t, split)


def test_sample_value_of_a_type_variable_is_an_int() -> None:
    value = sample_value(dsl.TVar("a"), random.Random(0), Split(1, 1, 3, 3))
    assert value == 3


def test_sample_list_with_a_given_length_ignores_the_split_lengths() -> None:
    assert len(sample_list(random.Random(0), TRAIN, 12)) == 12


def test_signature_sampler_rejects_types_it_cannot_draw() -> None:
    with pytest.raises(TaskError, match="inputs are ints, bools and lists"):
        signature_sampler(dsl.TFun((dsl.TFun((dsl.INT,), dsl.INT),), dsl.INT))
    with pytest.raises(TaskError, match="no inputs of type"):
        sample_value(dsl.TFun((dsl.INT,), dsl.INT), random.Random(0), TRAIN)


def test_bools_are_drawn_both_ways() -> None:
    task = Task("t", "(bool) -> bool", reference=lambda b: not b)
    assert {args[0] for args in task.inputs("train", 50)} == {True, False}


# Inputs


def test_inputs_are_the_same_for_the_same_split_seed_and_stream() -> None:
    task = _task()
    assert task.inputs("longer", 5, seed=3) == task.inputs("longer", 5, seed=3)
    assert task.inputs("longer", 5, seed=3, stream="fit") == task.inputs(
        "longer", 5, seed=3, stream="fit"
    )
    # a rebuilt task (same name) draws the same inputs: results are reproducible
    assert _task().inputs("both", 5, seed=1) == task.inputs("both", 5, seed=1)


def test_inputs_differ_across_seeds_streams_and_splits() -> None:
    task = _task()
    base = task.inputs("longer", 5, seed=0)
    assert task.inputs("longer", 5, seed=1) != base
    assert task.inputs("longer", 5, seed=0, stream="fit") != base
    assert task.inputs("both", 5, seed=0) != base
    assert task.inputs("longer", 8, seed=0)[:5] == base  # a prefix: more inputs extend it


def test_inputs_accept_a_split_object_or_a_name() -> None:
    task = _task()
    wide = Split(60, 60, -3, -3)
    drawn = task.inputs(wide, 2)
    assert drawn == [([-3] * 60,), ([-3] * 60,)]
    assert all(_within(xs, LIST_INT, LONGER) for (xs,) in task.inputs(LONGER, 5))
    assert all(_within(xs, LIST_INT, LONGER) for (xs,) in task.inputs("longer", 5))


def test_unknown_split_name_lists_the_tasks_splits() -> None:
    task = _task(splits={"train": TRAIN, "huge": Split(100, 200)})
    with pytest.raises(TaskError, match=r"no split 'longer'; it has train, huge"):
        task.inputs("longer", 1)
    assert task.split("huge") == Split(100, 200)


def test_drawn_inputs_satisfy_the_precondition() -> None:
    def even_sum(xs: list[int]) -> bool:
        return sum(xs) % 2 == 0

    task = _task(precondition=even_sum)
    for split in task.split_names:
        drawn = task.inputs(split, 20)
        assert all(even_sum(xs) for (xs,) in drawn)
        assert not all(even_sum(xs) for (xs,) in _task().inputs(split, 20))
    # the precondition is not shown the caller's value
    emptying = _task(precondition=lambda xs: xs.clear() is None)
    assert all(len(xs) >= 1 for (xs,) in emptying.inputs("train", 10))


def test_a_precondition_nothing_satisfies_fails_after_1000_draws() -> None:
    calls = []

    def never(xs: list[int]) -> bool:
        calls.append(xs)
        return False

    task = _task(precondition=never)
    with pytest.raises(TaskError, match=r"task 'double': 1000 inputs drawn from .* fail its"):
        task.inputs("train", 1)
    assert len(calls) == 1000


def test_a_task_without_a_reference_has_no_sampler() -> None:
    task = Task("t", "(int) -> int", examples=[((1,), 2)])
    with pytest.raises(TaskError, match="no sampler"):
        task.inputs("train", 1)


# Examples given to the search


def test_given_puts_fixed_examples_first_then_distinct_drawn_ones() -> None:
    fixed = [(([1, 2],), [2, 4]), (([5],), [10])]
    task = _task(examples=fixed)
    examples = task.given(8)
    assert len(examples) == 8
    assert examples[:2] == (((([1, 2]),), [2, 4]), (([5],), [10]))
    assert len({repr(args) for args, _ in examples}) == 8
    for args, out in examples[2:]:
        assert _within(args[0], LIST_INT, TRAIN)
        assert out == _double(*args)
    assert len(task.given()) == task.n_examples == 6


def test_given_is_reproducible_per_seed() -> None:
    task = _task()
    assert task.given(6, seed=4) == task.given(6, seed=4)
    assert task.given(6, seed=4) != task.given(6, seed=5)


def test_given_stops_at_n_fixed_examples() -> None:
    fixed = [(([i],), [2 * i]) for i in range(5)]
    assert _task(examples=fixed).given(3) == tuple(((([i]),), [2 * i]) for i in range(3))


def test_given_without_a_reference_is_the_first_fixed_examples() -> None:
    fixed = [(([i],), [2 * i]) for i in range(5)]
    task = Task("t", "(list[int]) -> list[int]", examples=fixed, n_examples=3)
    assert task.given() == tuple(((([i]),), [2 * i]) for i in range(3))
    assert task.given(10) == task.examples  # no more to draw
    assert task.held_out() == tuple(((([i]),), [2 * i]) for i in (3, 4))
    assert task.held_out(1) == task.examples[1:]


def test_output_does_not_let_the_reference_change_the_arguments() -> None:
    def greedy(xs: list[int]) -> int:
        xs.append(0)
        return len(xs)

    task = Task("t", "(list[int]) -> int", reference=greedy)
    args = ([1, 2],)
    assert task.output(args) == 3
    assert task.output(args) == 3
    assert args == ([1, 2],)


def test_output_without_a_reference_fails() -> None:
    task = Task("t", "(int) -> int", examples=[((1,), 2)])
    with pytest.raises(TaskError, match="task 't' has no reference"):
        task.output((1,))


# Construction


@pytest.mark.parametrize(
    ("args", "options", "match"),
    [
        (("", "(int) -> int"), {"reference": abs}, "non-empty string"),
        ((None, "(int) -> int"), {"reference": abs}, "non-empty string"),
        (("t", "(list[int) -> int"), {"reference": abs}, r"task 't': bad signature"),
        (("t", "list[int]"), {"reference": abs}, r"task 't': a signature is a function type"),
        (("t", "(int) -> int"), {"reference": 3}, "reference must be callable"),
        (("t", "(int) -> int"), {}, "needs a reference, examples, or both"),
        (("t", "(int) -> int"), {"reference": abs, "splits": {"longer": LONGER}}, "'train'"),
        (
            ("t", "(int) -> int"),
            {"reference": abs, "splits": {"train": TRAIN, "big": (1, 50)}},
            "split 'big' must be a Split",
        ),
        (("t", "(int) -> int"), {"reference": abs, "n_examples": 0}, "n_examples"),
        (("t", "(int) -> int"), {"reference": abs, "n_examples": 2.0}, "n_examples"),
        (("t", "(int) -> int"), {"examples": [(1, 2, 3)]}, "example 0 must be a pair"),
        (("t", "(int) -> int"), {"examples": [((1,), 1), 5]}, "example 1 must be a pair"),
    ],
)
def test_a_malformed_task_fails_at_construction(
    args: tuple[Any, ...], options: dict[str, Any], match: str
) -> None:
    with pytest.raises(TaskError, match=match):
        Task(*args, **options)


def test_n_examples_rejects_a_bool() -> None:
    with pytest.raises(TaskError, match="n_examples"):
        Task("t", "(int) -> int", reference=abs, n_examples=True)


@pytest.mark.parametrize(
    ("examples", "match"),
    [
        ([(([1],), [2]), (([1],), 2)], r"task 'double': example 1: output 2 is not of type"),
        ([((1,), [2])], r"task 'double': example 0"),
        ([(([1], [2]), [2])], r"task 'double': example 0 has 2 argument"),
    ],
)
def test_an_example_that_does_not_fit_the_signature_names_the_task_and_index(
    examples: list[Any], match: str
) -> None:
    with pytest.raises(TaskError, match=match):
        _task(examples=examples)


def test_a_signature_may_be_a_type() -> None:
    sig = dsl.TFun((LIST_INT,), dsl.INT)
    task = Task("t", sig, reference=len)
    assert task.signature is sig
    assert repr(task) == "Task('t', '(list[int]) -> int')"
    assert Task("t", "(list[int]) -> int", reference=len).signature == sig


# Specs


@pytest.mark.parametrize(
    ("name", "spec_name"),
    [
        ("sort-asc", "sort_asc"),
        ("double", "double"),
        ("reverse", "reverse_"),  # CORE
        ("sum", "sum_"),  # EXTENDED
        ("is_empty", "is_empty_"),  # DREAMCODER
        ("add-k with k=0", "f"),
        ("if", "f"),  # a keyword
        ("3d", "f"),
    ],
)
def test_spec_name_is_a_fresh_identifier(name: str, spec_name: str) -> None:
    task = Task(name, "(list[int]) -> list[int]", reference=_double)
    assert task.spec().name == spec_name


def test_spec_carries_the_task() -> None:
    def positive(xs: list[int]) -> bool:
        return all(x > 0 for x in xs)

    task = _task(
        examples=[(([1, 2],), [2, 4])],
        precondition=positive,
        param_names=("ys",),
        splits={"train": Split(1, 4, 1, 9)},
    )
    spec = task.spec(5, seed=2)
    assert spec.signature == task.signature
    assert spec.reference is _double
    assert spec.precondition is positive
    assert spec.param_names == ("ys",)
    assert spec.examples == tuple(
        synth.Example(tuple(dsl.to_internal(a) for a in args), dsl.to_internal(out))
        for args, out in task.given(5, seed=2)
    )
    assert len(spec.examples) == 5


def test_split_names_are_the_splits_with_a_reference_and_held_out_without() -> None:
    assert _task().split_names == ("train", "longer", "larger", "both")
    assert _task(splits={"train": TRAIN, "huge": BOTH}).split_names == ("train", "huge")
    assert Task("t", "(int) -> int", examples=[((1,), 2)]).split_names == ("held_out",)


# ---- tuning of the network baselines --------------------------------------------------


@pytest.mark.parametrize(
    ("tuning", "field"),
    [
        ({"cnn": {"steps": 10}}, "tuning"),
        ({"mlp": 10_000}, "tuning.mlp"),
        ({"mlp": {"seed": 3}}, "tuning.mlp"),
        ({"transformer": {"kind": "mlp"}}, "tuning.transformer"),
        ([("mlp", {})], "tuning"),
    ],
)
def test_a_bad_tuning_names_the_task_and_field(tuning: Any, field: str) -> None:
    with pytest.raises(TaskError, match="task 'sized': tuning") as err:
        Task("sized", "(list[int]) -> int", reference=len, tuning=tuning)
    assert err.value.field == field


def test_tuning_is_frozen_and_defaults_to_none() -> None:
    settings = {"steps": 10_000}
    task = Task("sized", "(list[int]) -> int", reference=len, tuning={"mlp": settings})
    settings["steps"] = 1
    assert task.tuning["mlp"]["steps"] == 10_000
    with pytest.raises(TypeError):
        task.tuning["mlp"]["steps"] = 5  # type: ignore[index]
    assert dict(Task("sized", "(list[int]) -> int", reference=len).tuning) == {}


def test_every_built_in_tuning_is_a_baseline_config() -> None:
    import dataclasses

    import neural

    tuned = [(t, k) for name in tasks.suites() for t in tasks.suite(name) for k in t.tuning]
    assert tuned  # the sorting tasks whose MLP needs more steps
    for task, kind in tuned:
        base = neural.mlp_config() if kind == "mlp" else neural.transformer_config()
        assert dataclasses.replace(base, **task.tuning[kind]) != base
