"""Specs and budgets: construction, signature inference, validation at the door."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

import dsl
import synth
from synth import Budget, Example, Spec, SpecError

# ---- construction ------------------------------------------------------------------------------


def test_spec_from_signature_text_and_from_tfun_are_equal() -> None:
    examples = [(([1, 2],), 2), (([],), 0)]
    by_text = Spec("(list[int]) -> int", examples)
    by_type = Spec(dsl.TFun((dsl.TList(dsl.INT),), dsl.INT), examples)
    assert by_text.signature == by_type.signature == dsl.parse_type("(list[int]) -> int")
    assert by_text.examples == by_type.examples
    assert by_text.arity == 1
    assert by_text.name == "f"


def test_examples_are_stored_as_tuples() -> None:
    spec = Spec("(list[list[int]], int) -> list[int]", [([[[1, 2], [3]], 4], [1, 3])])
    (ex,) = spec.examples
    assert isinstance(ex, Example)
    assert ex.args == (((1, 2), (3,)), 4)
    assert isinstance(ex.args, tuple)
    assert isinstance(ex.args[0], tuple)
    assert isinstance(ex.args[0][0], tuple)
    assert ex.output == (1, 3)
    assert isinstance(ex.output, tuple)


def test_example_objects_are_accepted_as_they_are() -> None:
    ex = Example(((1, 2),), 3)
    spec = Spec("(list[int]) -> int", [ex])
    assert spec.examples == (ex,)


def test_spec_without_examples_is_allowed_but_needs_something_to_search_for() -> None:
    spec = Spec("(int) -> int")
    assert spec.examples == ()
    assert spec.properties == ()
    assert spec.reference is None
    with pytest.raises(SpecError, match="nothing to synthesi"):
        synth.synthesize(spec, space=synth.SearchSpace(max_depth=2))


def test_spec_is_frozen() -> None:
    spec = Spec("(int) -> int", [((1,), 2)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "g"  # type: ignore[misc]


def test_default_parameter_names_follow_types() -> None:
    spec = Spec("(list[int], int, list[int], bool, int) -> int")
    assert spec.param_names == ("xs", "n", "ys", "b", "k")


def test_explicit_parameter_and_program_names() -> None:
    spec = Spec("(int, int) -> int", [((1, 2), 3)], param_names=["a", "b"], name="plus")
    assert spec.param_names == ("a", "b")
    assert spec.name == "plus"


# ---- Spec.from_examples: inference ---------------------------------------------------------


@pytest.mark.parametrize(
    ("examples", "signature"),
    [
        ([((1,), 2), ((3,), 4)], "(int) -> int"),
        ([((True,), False)], "(bool) -> bool"),
        ([((1, True), [1])], "(int, bool) -> list[int]"),
        ([(([1, 2, 3],), [3, 2, 1]), (([5],), [5])], "(list[int]) -> list[int]"),
        ([(([[1], [2, 3]],), [1, 2, 3])], "(list[list[int]]) -> list[int]"),
        ([(([[True]],), 0)], "(list[list[bool]]) -> int"),
        # every list empty: element types default to int
        ([(([],), [])], "(list[int]) -> list[int]"),
        ([(([[]],), 0)], "(list[list[int]]) -> int"),
        # an empty list takes the element type another example pins down
        ([(([],), []), (([True],), [])], "(list[bool]) -> list[int]"),
        ([(([],), 0), (([[1]],), 1)], "(list[list[int]]) -> int"),
        ([(([], [4]), True)], "(list[int], list[int]) -> bool"),
    ],
)
def test_from_examples_infers_the_signature(examples: list, signature: str) -> None:
    spec = Spec.from_examples(examples)
    assert spec.signature == dsl.parse_type(signature)
    assert len(spec.examples) == len(examples)
    for ex, (args, out) in zip(spec.examples, examples, strict=True):
        assert ex.args == dsl.to_internal(tuple(args))
        assert ex.output == dsl.to_internal(out)


def test_from_examples_passes_options_through() -> None:
    spec = Spec.from_examples([((1,), 2)], param_names=["k"], name="succ")
    assert spec.param_names == ("k",)
    assert spec.name == "succ"


def test_from_examples_accepts_args_as_lists() -> None:
    spec = Spec.from_examples([([1, [2]], 3)])
    assert spec.signature == dsl.parse_type("(int, list[int]) -> int")
    assert spec.examples[0].args == (1, (2,))


# ---- SpecError ---------------------------------------------------------------------------------


def test_spec_error_is_a_value_error_and_an_abstrax_error() -> None:
    assert issubclass(SpecError, ValueError)
    assert issubclass(SpecError, dsl.AbstraxError)


def test_from_examples_needs_an_example() -> None:
    with pytest.raises(SpecError, match="at least one example"):
        Spec.from_examples([])


def test_from_examples_inconsistent_arity() -> None:
    with pytest.raises(SpecError, match=r"example 1 has 2 argument\(s\)"):
        Spec.from_examples([((1,), 2), ((1, 2), 3)])


@pytest.mark.parametrize(
    ("examples", "where"),
    [
        ([((1,), 2), (([1],), 3)], "example 1, argument 1"),
        ([((True,), 1), ((1,), 1)], "example 1, argument 1"),
        ([((1,), 2), ((1,), [2])], "example 1, the output"),
        ([(([1],), 0), (([[1]],), 0)], "example 1, argument 1"),
        ([(([1, True],), 0)], "example 0, argument 1"),
    ],
)
def test_from_examples_inconsistent_types(examples: list, where: str) -> None:
    with pytest.raises(SpecError, match=where):
        Spec.from_examples(examples)


@pytest.mark.parametrize("bad", [1.5, "a", None, [1.0], {1: 2}, (1, "x")])
def test_from_examples_values_not_of_the_language(bad: object) -> None:
    with pytest.raises(SpecError, match="argument 1"):
        Spec.from_examples([((bad,), 1)])
    with pytest.raises(SpecError, match="the output"):
        Spec.from_examples([((1,), bad)])


@pytest.mark.parametrize("bad", [1.0, 1.5, "1", True])
def test_explicit_signature_rejects_values_of_another_type(bad: object) -> None:
    with pytest.raises(SpecError, match="argument 1"):
        Spec("(int) -> int", [((bad,), 1)])
    with pytest.raises(SpecError, match="output"):
        Spec("(int) -> int", [((1,), bad)])


def test_example_does_not_match_explicit_signature() -> None:
    with pytest.raises(SpecError, match="output"):
        Spec("(int) -> int", [((1,), [1])])
    with pytest.raises(SpecError, match="argument 1"):
        Spec("(list[int]) -> int", [((1,), 1)])
    with pytest.raises(SpecError, match=r"argument 2"):
        Spec("(int, list[bool]) -> int", [((1, [1]), 1)])
    with pytest.raises(SpecError, match=r"2 argument\(s\)"):
        Spec("(int) -> int", [((1, 2), 1)])


def test_malformed_examples() -> None:
    with pytest.raises(SpecError, match="pair"):
        Spec("(int) -> int", [1])
    with pytest.raises(SpecError, match="args must be a tuple"):
        Spec("(int) -> int", [(1, 1)])


def test_from_examples_malformed_examples_raise_spec_error() -> None:
    # Spec(...) reports these as SpecError; from_examples must too, not TypeError/ValueError
    with pytest.raises(SpecError):
        Spec.from_examples([(1, 2)])
    with pytest.raises(SpecError):
        Spec.from_examples([(1,)])  # type: ignore[list-item]


@pytest.mark.parametrize("name", ["if", "fn", "let", "def", "true", "list", "a b", "1x", ""])
def test_bad_parameter_names(name: str) -> None:
    with pytest.raises(SpecError, match="cannot name"):
        Spec("(int) -> int", [((1,), 1)], param_names=[name])
    with pytest.raises(SpecError, match="cannot name"):
        Spec("(int) -> int", [((1,), 1)], name=name)


def test_duplicate_parameter_names() -> None:
    # Spec accepts ("a", "a") today, and synthesize then reports "exhausted" even for
    # "return the second argument"
    with pytest.raises(SpecError):
        Spec("(int, int) -> int", [((1, 5), 5), ((2, 7), 7)], param_names=["a", "a"])


def test_wrong_number_of_parameter_names() -> None:
    with pytest.raises(SpecError, match="parameter names"):
        Spec("(int) -> int", [((1,), 1)], param_names=["a", "b"])


@pytest.mark.parametrize("signature", ["int", "list[int]", "bool", dsl.INT, dsl.TList(dsl.INT)])
def test_non_function_signature(signature: object) -> None:
    with pytest.raises(SpecError, match="function type"):
        Spec(signature, [])  # type: ignore[arg-type]


def test_unparsable_signature() -> None:
    with pytest.raises(SpecError, match="bad signature"):
        Spec("(int -> int", [])


def test_property_must_be_callable() -> None:
    with pytest.raises(SpecError, match="callable"):
        Spec("(int) -> int", [((1,), 1)], properties=[3])  # type: ignore[list-item]


def test_param_name_that_shadows_a_library_name_is_rejected_or_harmless() -> None:
    # A parameter called "length" shadows the primitive: every program that calls length()
    # fails to type-check. synthesize must say so (as it does for the program's own name)
    # or still solve the spec -- not search and report "exhausted".
    spec = Spec("(list[int]) -> int", [(([1, 2, 3],), 3), (([],), 0)], param_names=["length"])
    try:
        result = synth.synthesize(
            spec,
            enumerator=synth.bottom_up(),
            budget=Budget(seconds=5),
            space=synth.SearchSpace(max_depth=3),
        )
    except SpecError:
        return
    assert result.solved, result


# ---- with_examples -------------------------------------------------------------------------


def test_with_examples_adds_examples_and_keeps_the_rest() -> None:
    def reference(xs: list[int]) -> list[int]:
        return sorted(xs)

    def ordered(args: tuple, out: list[int]) -> bool:
        return out == sorted(out)

    spec = Spec(
        "(list[int]) -> list[int]",
        [(([3, 1],), [1, 3])],
        [ordered],
        reference,
        param_names=["ws"],
        name="srt",
    )
    more = spec.with_examples([(([2, 1],), [1, 2]), Example(((5,),), (5,))])
    assert more.examples == (
        Example(((3, 1),), (1, 3)),
        Example(((2, 1),), (1, 2)),
        Example(((5,),), (5,)),
    )
    assert spec.examples == (Example(((3, 1),), (1, 3)),)  # the original is unchanged
    assert more.signature == spec.signature
    assert more.properties == spec.properties
    assert more.reference is spec.reference
    assert more.param_names == ("ws",)
    assert more.name == "srt"


def test_with_examples_validates_the_new_examples() -> None:
    spec = Spec("(list[int]) -> list[int]", [(([3, 1],), [1, 3])])
    with pytest.raises(SpecError, match="example 1"):
        spec.with_examples([(([2, 1],), 3)])


# ---- check_output ----------------------------------------------------------------------------


def test_check_output_with_a_reference() -> None:
    spec = Spec("(list[int]) -> list[int]", reference=lambda xs: sorted(xs))
    assert spec.check_output(((3, 1, 2),), (1, 2, 3))
    assert not spec.check_output(((3, 1, 2),), (3, 2, 1))
    # external (list) values are accepted too
    assert spec.check_output(([3, 1, 2],), [1, 2, 3])


def test_check_output_with_properties_sees_python_lists() -> None:
    seen: list[tuple] = []

    def record(args: tuple, out: object) -> bool:
        seen.append((args, out))
        return True

    def permutation(args: tuple, out: list[int]) -> bool:
        return sorted(args[0]) == sorted(out)

    def ordered(args: tuple, out: list[int]) -> bool:
        return all(a <= b for a, b in itertools.pairwise(out))

    spec = Spec("(list[int]) -> list[int]", properties=[record, permutation, ordered])
    assert spec.check_output(((3, 1, 2),), (1, 2, 3))
    assert seen == [(([3, 1, 2],), [1, 2, 3])]
    assert isinstance(seen[0][1], list)
    assert not spec.check_output(((3, 1, 2),), (1, 2))  # not a permutation
    assert not spec.check_output(((3, 1, 2),), (3, 1, 2))  # not ordered


def test_check_output_needs_reference_and_properties_to_agree() -> None:
    spec = Spec(
        "(int) -> int",
        properties=[lambda args, out: out >= 0],
        reference=lambda n: n * n,
    )
    assert spec.check_output((3,), 9)
    assert not spec.check_output((3,), 8)  # wrong by the reference
    spec_neg = Spec("(int) -> int", properties=[lambda a, o: o >= 0], reference=lambda n: -n)
    assert not spec_neg.check_output((3,), -3)  # right by the reference, breaks a property


def test_check_output_with_nothing_to_check_accepts_anything() -> None:
    assert Spec("(int) -> int").check_output((1,), 12345)


# ---- Budget ----------------------------------------------------------------------------------


def test_budget_defaults() -> None:
    b = Budget()
    assert b.seconds == float("inf")
    assert b.programs is None
    assert Budget(seconds=0.5, programs=10) == Budget(seconds=0.5, programs=10)


@pytest.mark.parametrize("seconds", [0, 0.0, -1, -0.001, float("nan"), float("-inf")])
def test_budget_rejects_non_positive_seconds(seconds: float) -> None:
    with pytest.raises(ValueError, match="seconds"):
        Budget(seconds=seconds)


@pytest.mark.parametrize("programs", [0, -1, 1.5, 2.0, "10"])
def test_budget_rejects_bad_program_counts(programs: object) -> None:
    with pytest.raises(ValueError, match="programs"):
        Budget(programs=programs)  # type: ignore[arg-type]


def test_budget_rejects_bool_program_count() -> None:
    # dsl.Limits rejects bools for its counts; Budget(programs=True) is almost surely a slip
    with pytest.raises(ValueError, match="programs"):
        Budget(programs=True)


def test_budget_is_frozen() -> None:
    b = Budget(seconds=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.seconds = 2  # type: ignore[misc]
