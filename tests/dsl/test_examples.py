"""The programs of DESIGN.md parse, type-check and compute the right results."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import dsl

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sorting.abx"


@pytest.fixture(scope="module")
def module() -> dsl.Module:
    return dsl.parse(EXAMPLES.read_text(), filename=str(EXAMPLES))


def _lists() -> list[list[int]]:
    rng = random.Random(0)
    out = [[rng.randint(-1000, 1000) for _ in range(n)] for n in range(0, 201)]
    out += [sorted(x) for x in out[::20]] + [sorted(x, reverse=True) for x in out[::20]]
    return out


LISTS = _lists()


def test_module_typechecks(module: dsl.Module) -> None:
    sigs = dsl.typecheck(module)
    assert str(sigs["sort"]) == "(list[int]) -> list[int]"
    assert str(sigs["insert"]) == "(int, list[int]) -> list[int]"
    assert module.names == ("insert", "sort", "maximum", "qsort", "stutter")


@pytest.mark.parametrize("name", ["sort", "qsort"])
def test_sorts(module: dsl.Module, name: str) -> None:
    f = dsl.compile_definition(module[name])
    for xs in LISTS:
        assert f(xs) == sorted(xs)


def test_maximum(module: dsl.Module) -> None:
    f = dsl.compile_definition(module["maximum"])
    for xs in LISTS:
        if xs:
            assert f(xs) == max(xs)
    with pytest.raises(dsl.EmptyListError):
        f([])


def test_stutter(module: dsl.Module) -> None:
    f = dsl.compile_definition(module["stutter"])
    for xs in LISTS:
        assert f(xs) == [x for x in xs for _ in range(2)]


def test_insert(module: dsl.Module) -> None:
    for xs in LISTS[::10]:
        ys = sorted(xs)
        assert module["insert"](7, ys) == sorted([*ys, 7])


def test_definition_call_matches_design_example(module: dsl.Module) -> None:
    assert module["sort"]([3, 1, 2]) == [1, 2, 3]


def test_module_round_trips(module: dsl.Module) -> None:
    assert dsl.parse(dsl.pretty(module)) == module


def test_more_programs() -> None:
    src = """
    # loop forms, let, lambdas of several parameters, mutual recursion, bools
    def count_up(n: int) -> list[int] = loop(n, [], fn (i, acc) => acc ++ [i])
    def collatz_steps(n: int) -> int =
      let final = while_([n, 0], fn s => s[0] != 1, fn s =>
        if s[0] % 2 == 0 then [s[0] / 2, s[1] + 1] else [3 * s[0] + 1, s[1] + 1]) in
      final[1]
    def is_even(n: int) -> bool = if n == 0 then true else is_odd(n - 1)
    def is_odd(n: int) -> bool = if n == 0 then false else is_even(n - 1)
    def flatten(xss: list[list[int]]) -> list[int] =
      fold(reverse(xss), [], fn (xs, acc) => xs ++ acc)
    def between(xs: list[int]) -> list[bool] = map(xs, fn x => x >= 10 and x <= 21 or not true)
    def neg_lit(x: int) -> int = -3 * x - -2
    """
    m = dsl.parse(src)
    dsl.typecheck(m)
    assert m["count_up"](5) == [0, 1, 2, 3, 4]
    assert m["collatz_steps"](6) == 8
    assert m["is_even"](10) is True
    assert m["is_odd"](7) is True
    assert m["flatten"]([[1], [], [2, 3]]) == [1, 2, 3]
    assert m["between"]([9, 10, 21, 22]) == [False, True, True, False]
    assert m["neg_lit"](2) == -4
    assert dsl.parse(dsl.pretty(m)) == m
