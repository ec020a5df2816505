"""Tests of ``dsl.DREAMCODER``: DreamCoder's list primitives under abstrax names.

The oracles are DreamCoder's semantics written plainly, in the form of its sources (curried
lambdas where DreamCoder's Python has them, recursion where its OCaml does); each new
primitive is checked against its oracle both called directly and through the language.
"""

from __future__ import annotations

import copy
import fractions
import functools
import importlib.util
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import dsl
from dsl import _dreamcoder
from dsl._types import type_vars

DC = dsl.DREAMCODER

LIMITS = dsl.Limits(fuel=3_000, max_depth=40, max_list_len=300)
"""Small bounds for generated programs: every run stops within milliseconds."""

QUICK = 2.0
"""Seconds within which a run that hits a bound must stop (a huge margin; it takes ~0.1 s)."""


def _load_strategies() -> ModuleType:
    # pytest imports test modules in importlib mode, where tests/dsl is not on sys.path.
    path = Path(__file__).with_name("strategies.py")
    spec = importlib.util.spec_from_file_location("tests_dsl_strategies", path)
    assert spec is not None
    assert spec.loader is not None
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


strategies = _load_strategies()


@functools.cache
def compiled(source: str) -> dsl.CompiledDefinition:
    module = dsl.parse(source)
    return dsl.compile_definition(module[module.names[-1]], library=DC)


def outcome(thunk: Callable[[], Any]) -> tuple[str, Any]:
    """What running ``thunk`` gives: its value, or the class of the EvalError it raised."""
    try:
        return ("value", thunk())
    except dsl.EvalError as err:
        return ("error", type(err))


def exec_python(source: str, name: str) -> Any:
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(source, f"<export of {name}>", "exec"), namespace)
    return namespace[name]


ints = st.integers(-1000, 1000)
int_lists = st.lists(st.integers(-50, 50), max_size=8)

# ---- the library as data ----------------------------------------------------------------

TYPES = {
    "cons": "(a, list[a]) -> list[a]",
    "head": "(list[a]) -> a",
    "tail": "(list[a]) -> list[a]",
    "is_empty": "(list[a]) -> bool",
    "max": "(int, int) -> int",
    "min": "(int, int) -> int",
    "gt": "(int, int) -> bool",
    "le": "(int, int) -> bool",
    "eq": "(int, int) -> bool",
    "not": "(bool) -> bool",
    "if": "(bool, a, a) -> a",
    "add": "(int, int) -> int",
    "sub": "(int, int) -> int",
    "mul": "(int, int) -> int",
    "length": "(list[a]) -> int",
    "range": "(int) -> list[int]",
    "map": "(list[a], (a) -> b) -> list[b]",
    "filter": "(list[a], (a) -> bool) -> list[a]",
    "foldr": "(list[a], b, (a, b) -> b) -> b",
    "iter": "(int, a, (a) -> a) -> a",
    "unfold": "(a, (a) -> bool, (a) -> b, (a) -> a) -> list[b]",
    "snoc": "(list[a], a) -> list[a]",
    "index": "(list[a], int) -> a",
    "mod": "(int, int) -> int",
    "is_mod": "(int, int) -> bool",
    "is_prime": "(int) -> bool",
    "is_square": "(int) -> bool",
}
"""Every primitive of DREAMCODER (one per primitive of DreamCoder's list DSL) and its type."""

REUSED = (
    "cons",
    "head",
    "tail",
    "gt",
    "le",
    "not",
    "if",
    "add",
    "sub",
    "mul",
    "length",
    "range",
    "map",
    "filter",
    "index",
    "mod",
)


def test_library_has_dreamcoders_primitives_and_types() -> None:
    assert DC.name == "dreamcoder"
    assert DC.names == tuple(TYPES)
    assert DC.definitions == ()
    for name, t in TYPES.items():
        prim = DC[name]
        assert isinstance(prim, dsl.Primitive)
        assert prim.type == dsl.parse_type(t), name
        assert prim.doc, name


def test_constants_are_zero_to_five_and_the_empty_list() -> None:
    assert DC.constants == (0, 1, 2, 3, 4, 5, ())


@pytest.mark.parametrize("name", REUSED)
def test_reused_primitives_are_cores_objects(name: str) -> None:
    assert DC[name] is dsl.CORE[name]


def test_eq_is_cores_code_at_dreamcoders_type() -> None:
    eq = DC["eq"]
    assert isinstance(eq, dsl.Primitive)
    core_eq = dsl.CORE["eq"]
    assert isinstance(core_eq, dsl.Primitive)
    assert eq.impl is core_eq.impl  # what the search's fast paths recognise
    assert eq.type == dsl.parse_type("(int, int) -> bool")
    with pytest.raises(dsl.TypeCheckError):
        dsl.typecheck(dsl.parse("def f(xs: list[int]) -> bool = xs == []"), library=DC)


@pytest.mark.parametrize("name", sorted(set(TYPES) - {*REUSED, "eq"}))
def test_new_primitives_are_not_cores(name: str) -> None:
    prim = DC[name]
    assert isinstance(prim, dsl.Primitive)
    assert all(prim.impl is not p.impl for p in dsl.EXTENDED.primitives)


@pytest.mark.parametrize("name", ["fold", "concat", "neg", "div", "and", "or", "loop", "while_"])
def test_library_has_nothing_dreamcoder_lacks(name: str) -> None:
    assert name not in DC


def test_bounded_marks() -> None:
    bounded = {p.name for p in DC.primitives if p.bounded}
    assert {"is_empty", "max", "min", "is_mod", "is_prime", "is_square"} <= bounded
    assert not {"foldr", "iter", "unfold", "snoc"} & bounded  # their results are checked


# ---- oracles: DreamCoder's semantics, written as its sources write them -----------------


def dc_fold(xs: list[Any], x0: Any, f: Callable[[Any, Any], Any]) -> Any:
    """OCaml ``List.fold_right ~f ~init:x0 l``: f(l[0], f(l[1], ... f(l[n-1], x0)))."""
    return x0 if not xs else f(xs[0], dc_fold(xs[1:], x0, f))


def dc_iter(k: int, f: Callable[[Any], Any], x: Any) -> Any:
    """DeepSynth2's ``_miter(k, f, x)``."""
    return x if k <= 0 else dc_iter(k - 1, f, f(x))


def dc_unfold(
    x: Any, p: Callable[[Any], bool], h: Callable[[Any], Any], n: Callable[[Any], Any]
) -> list[Any]:
    """OCaml ``if p x then [] else h x :: unfold (n x) p h n``."""
    out = []
    while not p(x):  # the OCaml recursion, as a loop (it may be long)
        out.append(h(x))
        x = n(x)
    return out


def dc_append(x: Any) -> Callable[[list[Any]], list[Any]]:
    """DeepSynth2's ``append``: ``lambda x: lambda l: l + [x]``."""
    return lambda xs: [*xs, x]


def dc_is_mod(x: int) -> Callable[[int], bool]:
    """DeepSynth2's ``is-mod``: the divisor first."""
    return lambda y: y % x == 0 if x != 0 else False


DC_PRIMES_BELOW_200 = frozenset(
    {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89}
    | {97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179}
    | {181, 191, 193, 197, 199}
)
"""DreamCoder's ``is-prime`` is membership in this set (listPrimitives.py, program.ml)."""


def dc_is_square(n: int) -> bool:
    """DreamCoder's ``is-square`` (listPrimitives.py); raises ValueError on negatives."""
    return int(math.sqrt(n)) ** 2 == n


def trial_division_is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, math.isqrt(n) + 1))


# ---- new primitives against their oracles ------------------------------------------------


@given(int_lists)
def test_is_empty(xs: list[int]) -> None:
    assert _dreamcoder.is_empty(tuple(xs)) is (xs == [])
    assert compiled("def f(xs: list[int]) -> bool = is_empty(xs)")(xs) is (xs == [])


@given(ints, ints)
def test_max_and_min(a: int, b: int) -> None:
    assert _dreamcoder.max_(a, b) == max(a, b)
    assert _dreamcoder.min_(a, b) == min(a, b)
    assert compiled("def f(a: int, b: int) -> int = max(a, b)")(a, b) == max(a, b)
    assert compiled("def f(a: int, b: int) -> int = min(a, b)")(a, b) == min(a, b)


FOLDS: tuple[tuple[str, Any, Callable[[Any, Any], Any]], ...] = (
    # (the lambda, the initial value, the lambda in Python, on Python lists)
    ("fn (x, acc) => x - acc", 0, lambda x, acc: x - acc),
    ("fn (x, acc) => cons(x, acc)", [], lambda x, acc: [x, *acc]),
    ("fn (x, acc) => snoc(acc, x)", [], lambda x, acc: [*acc, x]),
    (
        "fn (x, acc) => if x > 0 then cons(x, acc) else acc",
        [],
        lambda x, a: [x, *a] if x > 0 else a,
    ),
)


@pytest.mark.parametrize("case", range(len(FOLDS)))
@given(xs=int_lists)
def test_foldr_is_a_right_fold(case: int, xs: list[int]) -> None:
    lam, init, py = FOLDS[case]
    ret = "int" if isinstance(init, int) else "list[int]"
    src = f"def f(xs: list[int]) -> {ret} = foldr(xs, {init!r}, {lam})"
    expected = dc_fold(xs, init, py)
    assert compiled(src)(xs) == expected
    direct = _dreamcoder.foldr(
        tuple(xs),
        dsl.to_internal(init),
        lambda x, acc: dsl.to_internal(py(x, dsl.to_external(acc))),
    )
    assert dsl.to_external(direct) == expected


def test_foldr_differs_from_cores_left_fold() -> None:
    assert compiled("def f(xs: list[int]) -> list[int] = foldr(xs, [], fn (x, a) => cons(x, a))")(
        [1, 2, 3]
    ) == [1, 2, 3]
    core = dsl.parse("def f(xs: list[int]) -> list[int] = fold(xs, [], fn (x, a) => cons(x, a))")
    assert core["f"]([1, 2, 3]) == [3, 2, 1]
    assert compiled("def f(xs: list[int]) -> int = foldr(xs, 0, fn (x, a) => x - a)")(
        [1, 2, 3]
    ) == 1 - (2 - (3 - 0))


@given(st.integers(-5, 40), st.integers(-100, 100))
def test_iter_applies_f_n_times(n: int, x: int) -> None:
    # a step that grows, then stays put (DREAMCODER has no `<`, `abs` or `neg`)
    step = "if 1000000 > max(k, 0 - k) then 3 * k - 1 else k"
    py = lambda k: 3 * k - 1 if abs(k) < 10**6 else k  # noqa: E731
    expected = dc_iter(n, py, x)
    assert compiled(f"def f(n: int, x: int) -> int = iter(n, x, fn k => {step})")(n, x) == expected
    assert _dreamcoder.iter_(n, x, py) == expected


@given(st.integers(-5, 30), int_lists)
def test_iter_on_lists(n: int, xs: list[int]) -> None:
    expected = dc_iter(n, lambda ys: [len(ys), *ys], xs)
    assert (
        compiled(
            "def f(n: int, xs: list[int]) -> list[int] = iter(n, xs, fn ys => cons(length(ys), ys))"
        )(n, xs)
        == expected
    )


UNFOLDS: tuple[tuple[str, Callable[[int], list[int]]], ...] = (
    (
        "def f(n: int) -> list[int] = unfold(n, fn k => le(k, 0), fn k => k * k, fn k => k - 1)",
        lambda n: dc_unfold(n, lambda k: k <= 0, lambda k: k * k, lambda k: k - 1),
    ),
    (
        "def f(n: int) -> list[int] =\n"
        "  unfold(n, fn k => gt(k, 40), fn k => mod(k, 7), fn k => k + 3)",
        lambda n: dc_unfold(n, lambda k: k > 40, lambda k: k % 7, lambda k: k + 3),
    ),
    (
        "def f(n: int) -> list[bool] = unfold(n, fn k => k == 0, fn k => is_prime(k), "
        "fn k => if gt(k, 0) then k - 1 else k + 1)",
        lambda n: dc_unfold(
            n,
            lambda k: k == 0,
            lambda k: trial_division_is_prime(k),
            lambda k: k - 1 if k > 0 else k + 1,
        ),
    ),
)


@pytest.mark.parametrize("case", range(len(UNFOLDS)))
@given(n=st.integers(-60, 60))
def test_unfold_stops_before_emitting(case: int, n: int) -> None:
    src, oracle = UNFOLDS[case]
    assert compiled(src)(n) == oracle(n)


@given(int_lists)
def test_unfold_of_a_list_by_head_and_tail_is_the_list(xs: list[int]) -> None:
    src = "def f(xs: list[int]) -> list[int] = unfold(xs, fn ys => is_empty(ys), head, tail)"
    assert compiled(src)(xs) == xs
    direct = _dreamcoder.unfold(tuple(xs), lambda ys: not ys, lambda ys: ys[0], lambda ys: ys[1:])
    assert direct == tuple(xs)


def test_unfold_whose_stop_holds_at_once_is_empty() -> None:
    calls: list[Any] = []
    out = _dreamcoder.unfold(5, lambda k: True, calls.append, calls.append)
    assert out == ()
    assert calls == []


@given(int_lists, st.integers(-50, 50))
def test_snoc_puts_the_element_last(xs: list[int], x: int) -> None:
    assert compiled("def f(xs: list[int], x: int) -> list[int] = snoc(xs, x)")(xs, x) == dc_append(
        x
    )(xs)
    before = tuple(xs)
    assert _dreamcoder.snoc(before, x) == (*xs, x)
    assert before == tuple(xs)


@given(ints, st.integers(-30, 30))
@example(0, 0)
@example(7, 0)
@example(-12, 4)
@example(12, -4)
@example(-7, 3)
def test_is_mod_says_a_is_a_multiple_of_b(a: int, b: int) -> None:
    multiple = b != 0 and fractions.Fraction(a, b).denominator == 1
    assert _dreamcoder.is_mod(a, b) is multiple
    assert compiled("def f(a: int, b: int) -> bool = is_mod(a, b)")(a, b) is multiple
    # DeepSynth2's is-mod takes the divisor first
    assert multiple is dc_is_mod(b)(a)
    if b != 0:  # abstrax keeps the order of mod
        assert multiple is (compiled("def f(a: int, b: int) -> int = mod(a, b)")(a, b) == 0)


@given(st.integers(-100, 20_000))
@example(0)
@example(1)
@example(-7)
def test_is_prime_agrees_with_trial_division(n: int) -> None:
    assert _dreamcoder.is_prime(n) is trial_division_is_prime(n)
    assert compiled("def f(n: int) -> bool = is_prime(n)")(n) is trial_division_is_prime(n)


def test_is_prime_agrees_with_dreamcoder_below_200() -> None:
    for n in range(-300, 200):
        assert _dreamcoder.is_prime(n) is (n in DC_PRIMES_BELOW_200), n


@pytest.mark.parametrize(
    ("n", "prime"),
    [
        (211, True),  # DreamCoder's table says False from here on
        (1369, False),  # 37 * 37
        (1681, False),  # 41 * 41
        (1693, True),
        (561, False),  # Carmichael numbers
        (41041, False),
        (3215031751, False),  # strong pseudoprime to bases 2, 3, 5, 7
        (3825123056546413051, False),  # strong pseudoprime to bases 2 to 23
        (318665857834031151167461, False),  # strong pseudoprime to bases 2 to 37
        (2**31 - 1, True),
        (2**61 - 1, True),
        (2**63 - 25, True),  # the largest prime below 2^63
        ((2**31 - 1) * (2**61 - 1), False),
        (2**89 - 1, True),
        (2**64 + 1, False),  # 274177 * 67280421310721
    ],
)
def test_is_prime_on_hard_cases(n: int, prime: bool) -> None:
    assert _dreamcoder.is_prime(n) is prime


@given(st.integers(-(2**20), 2**80))
def test_is_square_agrees_with_isqrt(n: int) -> None:
    expected = n >= 0 and math.isqrt(n) ** 2 == n
    assert _dreamcoder.is_square(n) is expected


@given(st.integers(0, 2**45), st.integers(-1, 1))
def test_is_square_near_squares(k: int, delta: int) -> None:
    n = k * k + delta
    expected = n >= 0 and math.isqrt(n) ** 2 == n
    assert _dreamcoder.is_square(n) is expected
    if 0 <= n < 2**53:  # where DreamCoder's float-based test is exact (it fails below 0)
        assert expected is dc_is_square(n)


@given(st.integers(-50, 10_000))
@example(0)
@example(1)
@example(-4)
def test_is_square_through_the_language(n: int) -> None:
    expected = n >= 0 and math.isqrt(n) ** 2 == n
    assert compiled("def f(n: int) -> bool = is_square(n)")(n) is expected


# ---- partial primitives raise dsl errors -------------------------------------------------


@pytest.mark.parametrize(
    ("source", "args", "error"),
    [
        ("def f(xs: list[int]) -> int = head(xs)", ([],), dsl.EmptyListError),
        ("def f(xs: list[int]) -> list[int] = tail(xs)", ([],), dsl.EmptyListError),
        ("def f(xs: list[int]) -> int = index(xs, 0)", ([],), dsl.IndexOutOfRangeError),
        ("def f(xs: list[int]) -> int = index(xs, 3)", ([1, 2, 3],), dsl.IndexOutOfRangeError),
        ("def f(xs: list[int]) -> int = index(xs, 0 - 1)", ([1, 2],), dsl.IndexOutOfRangeError),
        ("def f(a: int) -> int = mod(a, 0)", (5,), dsl.DivisionByZeroError),
        ("def f(a: int) -> int = a % 0", (0,), dsl.DivisionByZeroError),
        (
            "def f(xs: list[int]) -> list[int] = unfold(xs, fn ys => false, head, tail)",
            ([1, 2],),
            dsl.EmptyListError,
        ),
        (
            "def f(xs: list[int]) -> int = foldr(xs, 0, fn (x, acc) => mod(acc, x))",
            ([0, 1],),
            dsl.DivisionByZeroError,
        ),
    ],
)
def test_partial_primitives_raise_dsl_errors(
    source: str, args: tuple[Any, ...], error: type[dsl.EvalError]
) -> None:
    with pytest.raises(error):
        compiled(source)(*args)


@given(ints, st.integers(-30, 30))
def test_mod_is_pythons(a: int, b: int) -> None:
    f = compiled("def f(a: int, b: int) -> int = mod(a, b)")
    expected = outcome(lambda: a % b) if b != 0 else ("error", dsl.DivisionByZeroError)
    assert outcome(lambda: f(a, b)) == expected


@given(st.integers(-5, 150))
def test_range_is_zero_to_n_minus_one(n: int) -> None:
    assert compiled("def f(n: int) -> list[int] = range(n)")(n) == list(range(n))


# ---- runs that would not end stop on a bound ---------------------------------------------


def budget_error(thunk: Callable[[], Any]) -> tuple[dsl.EvalBudgetError, float]:
    start = time.perf_counter()
    with pytest.raises(dsl.EvalBudgetError) as info:
        thunk()
    return info.value, time.perf_counter() - start


@pytest.mark.parametrize(
    ("source", "args", "resource"),
    [
        ("def f(n: int) -> int = iter(n, 0, fn k => k)", (10**18,), "fuel"),
        ("def f(x: int) -> int = iter(1000000000, x, fn k => max(k, 1))", (3,), "fuel"),
        (
            "def f(n: int) -> list[int] = unfold(n, fn k => false, fn k => k, fn k => k)",
            (0,),
            "fuel",
        ),
        (
            "def f(n: int) -> list[int] = unfold(n, fn k => k == 0 - 1, fn k => k, fn k => k + 1)",
            (0,),
            "fuel",
        ),
        (
            "def f(n: int) -> list[int] = range(iter(n, 1, fn k => k * 2))",
            (40,),
            "list length",
        ),
        ("def f(n: int) -> int = iter(100, n, fn k => k * k + 2)", (2,), "integer size"),
    ],
)
def test_endless_runs_stop_on_a_bound(source: str, args: tuple[Any, ...], resource: str) -> None:
    err, seconds = budget_error(lambda: compiled(source)(*args))
    assert err.resource == resource
    assert seconds < QUICK


def test_endless_runs_stop_under_small_fuel() -> None:
    d = dsl.parse("def f(n: int) -> list[int] = unfold(n, fn k => false, fn k => k, fn k => k)")
    err, seconds = budget_error(lambda: d["f"](0, library=DC, fuel=1_000))
    assert (err.resource, err.limit) == ("fuel", 1_000)
    assert seconds < QUICK


# ---- programs of DreamCoder's list benchmark ---------------------------------------------

BENCHMARK = (
    # (the task's name in DreamCoder's data/list_tasks.json, a program, some of its examples;
    # "range inclusive" is from its makeListTasks.py, the last two are made up)
    (
        "bool-identify-is-prime",
        "def f(xs: list[int]) -> list[bool] = map(xs, is_prime)",
        [([2], [True]), ([2, 0], [True, False]), ([5, 11], [True, True])],
    ),
    (
        "is-mod-k with k=3",
        "def f(xs: list[int]) -> bool =\n"
        "  foldr(xs, true, fn (x, acc) => if is_mod(x, 3) then acc else false)",
        [
            ([24, 0, 21], True),
            ([1, 6, 11, 14, 7, 6, 2], False),
            ([39, 27, 6, 33, 12, 39, 33], True),
        ],
    ),
    (
        "is-squares",
        "def f(xs: list[int]) -> bool = is_empty(filter(xs, fn x => not is_square(x)))",
        [([25], True), ([3], False), ([1, 4], True)],
    ),
    (
        "range",
        "def f(n: int) -> list[int] = range(n)",
        [(0, []), (3, [0, 1, 2]), (5, [0, 1, 2, 3, 4])],
    ),
    (
        "range inclusive",
        "def f(n: int) -> list[int] = unfold(0, fn k => gt(k, n), fn k => k, fn k => k + 1)",
        [(0, [0]), (3, [0, 1, 2, 3]), (5, [0, 1, 2, 3, 4, 5])],
    ),
    (
        "caesar-cipher-k-modulo-n with k=1 and n=3",
        "def f(xs: list[int]) -> list[int] = map(xs, fn x => mod(x + 1, 3))",
        [([2, 2, 2, 1], [0, 0, 0, 2]), ([1, 0, 0, 2, 0, 1], [2, 1, 1, 0, 1, 2])],
    ),
    (
        "append-k with k=3",
        "def f(xs: list[int]) -> list[int] = snoc(xs, 3)",
        [([7, 14, 9], [7, 14, 9, 3]), ([10, 16], [10, 16, 3])],
    ),
    (
        "max of the first two (a made-up task)",
        "def f(xs: list[int]) -> int = max(head(xs), index(xs, 1))",
        [([3, 9, 1], 9), ([7, 2], 7)],
    ),
    (
        "pow-k with k=3 (a made-up task)",
        "def f(n: int) -> int = iter(3, 1, fn k => k * n)",
        [(2, 8), (0, 0), (5, 125)],
    ),
)


@pytest.mark.parametrize(("task", "source", "examples"), BENCHMARK, ids=[b[0] for b in BENCHMARK])
def test_benchmark_programs_parse_typecheck_and_run(
    task: str, source: str, examples: list[tuple[Any, Any]]
) -> None:
    module = dsl.parse(source)
    signature = dsl.typecheck(module, library=DC)["f"]
    assert signature == module["f"].signature
    f = dsl.compile_definition(module["f"], library=DC)
    for arg, expected in examples:
        assert f(arg) == expected, (task, arg)
        assert dsl.evaluate(module["f"], [arg], library=DC) == expected
    exported = exec_python(dsl.to_python(module["f"], library=DC), "f")
    for arg, expected in examples:
        assert exported(copy.deepcopy(arg)) == expected, (task, arg)


def test_core_programs_do_not_typecheck_in_dreamcoder() -> None:
    module = dsl.parse("def f(xs: list[int]) -> int = fold(xs, 0, fn (x, acc) => x + acc)")
    with pytest.raises(dsl.UnknownNameError):
        dsl.typecheck(module, library=DC)


# ---- export ------------------------------------------------------------------------------

EVERY_NEW_PRIMITIVE = """
def f(xs: list[int], n: int) -> list[int] =
  let ys = unfold(n, fn k => le(k, 0), fn k => iter(k, 0, fn a => a + 2), fn k => k - 1) in
  let zs = foldr(xs, ys, fn (x, acc) => if is_prime(x) then snoc(acc, max(x, n)) else acc) in
  filter(zs, fn z => if is_empty(xs) then is_square(z) else is_mod(min(z, 100), 2))
"""


@given(int_lists, st.integers(-3, 12))
def test_export_of_new_primitives_runs_standalone(xs: list[int], n: int) -> None:
    d = dsl.parse(EVERY_NEW_PRIMITIVE)["f"]
    source = dsl.to_python(d, library=DC)
    assert "dsl" not in source.replace("abstrax", "")
    for name in ("unfold", "iter_", "foldr", "is_prime", "snoc", "max_", "is_empty", "is_square"):
        assert f"def {name}(" in source
    exported = exec_python(source, "f")
    expected = outcome(lambda: dsl.evaluate(d, [xs, n], library=DC))
    assert expected[0] == "value"
    assert exported(copy.deepcopy(xs), n) == expected[1]


RUNTIME_ERRORS = (dsl.EmptyListError, dsl.IndexOutOfRangeError, dsl.DivisionByZeroError)

GROUND: tuple[dsl.Type, ...] = (dsl.INT, dsl.BOOL, dsl.TList(dsl.INT), dsl.TList(dsl.BOOL))
PARAMS: tuple[tuple[str, dsl.Type], ...] = (
    ("xs", dsl.TList(dsl.INT)),
    ("n", dsl.INT),
    ("bs", dsl.TList(dsl.BOOL)),
)


class _Gen:
    """Draws well-typed DREAMCODER expressions: any primitive whose result type fits, its
    type variables instantiated at random, lambdas for its function arguments. (The shared
    generator of strategies.py knows CORE's and EXTENDED's primitives by name.)"""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.binders = 0

    def expr(self, t: dsl.Type, env: dict[str, dsl.Type], depth: int) -> dsl.Expr:
        options = ["literal"]
        if any(v == t for v in env.values()):
            options += ["var", "var"]
        calls = [p for p in DC.primitives if p.arity and _fits(p, t)] if depth > 0 else []
        if calls:
            options += ["call"] * 3
        choice = self.draw(st.sampled_from(options))
        if choice == "var":
            return dsl.Var(self.draw(st.sampled_from(sorted(n for n, v in env.items() if v == t))))
        if choice == "literal":
            return self.literal(t)
        return self.call(self.draw(st.sampled_from(calls)), t, env, depth - 1)

    def literal(self, t: dsl.Type) -> dsl.Expr:
        if t == dsl.INT:
            return dsl.IntLit(self.draw(st.integers(-5, 5)))
        if t == dsl.BOOL:
            return dsl.BoolLit(self.draw(st.booleans()))
        assert isinstance(t, dsl.TList)
        n = self.draw(st.integers(0, 2))
        return dsl.ListLit(tuple(self.literal(t.elem) for _ in range(n)))

    def call(
        self, prim: dsl.Primitive, t: dsl.Type, env: dict[str, dsl.Type], depth: int
    ) -> dsl.Expr:
        u = dsl.Unifier()
        ptype = u.instantiate(prim.type)
        assert isinstance(ptype, dsl.TFun)
        u.unify(ptype.ret, t)
        args: list[dsl.Expr] = []
        for param in ptype.params:
            for var in type_vars(u.resolve(param)):  # ground what the result left open
                u.unify(dsl.TVar(var), self.draw(st.sampled_from(GROUND[:3])))
            pt = u.resolve(param)
            if isinstance(pt, dsl.TFun):
                names = tuple(f"v{self.binders + i}" for i in range(len(pt.params)))
                self.binders += len(names)
                inner = {**env, **dict(zip(names, pt.params, strict=True))}
                args.append(dsl.Lambda(names, self.expr(pt.ret, inner, depth)))
            else:
                args.append(self.expr(pt, env, depth))
        return dsl.Call(prim.name, tuple(args))


def _fits(prim: dsl.Primitive, t: dsl.Type) -> bool:
    u = dsl.Unifier()
    try:
        u.unify(u.instantiate(prim.returns), t)
    except dsl.UnificationError:
        return False
    return not isinstance(t, dsl.TList) or not isinstance(t.elem, dsl.TList)


@st.composite
def dreamcoder_programs(draw: st.DrawFn) -> tuple[dsl.Definition, list[tuple[Any, ...]]]:
    """A random well-typed definition over DREAMCODER, and inputs for it."""
    params = draw(st.lists(st.sampled_from(PARAMS), min_size=1, max_size=3, unique=True))
    ret = draw(st.sampled_from(GROUND))
    body = _Gen(draw).expr(ret, dict(params), 3)
    d = dsl.Module((dsl.Definition("f", tuple(dsl.Param(n, t) for n, t in params), ret, body),))
    one = st.tuples(*(strategies.values(t) for _, t in params))
    return d["f"], draw(st.lists(one, min_size=1, max_size=3))


@given(dreamcoder_programs())
def test_generated_programs_run_and_export_alike(
    program: tuple[dsl.Definition, list[tuple[Any, ...]]],
) -> None:
    """Totality over DREAMCODER: a value of the declared type or an EvalError (never any other
    exception), and the exported Python computes the same values and errors."""
    d, inputs = program
    assert dsl.typecheck(d, library=DC) == d.signature
    f = dsl.compile_definition(d, library=DC, limits=LIMITS)
    exported = exec_python(dsl.to_python(d, library=DC), d.name)
    for args in inputs:
        start = time.perf_counter()
        kind, value = outcome(functools.partial(f, *args))
        assert time.perf_counter() - start < QUICK
        if kind == "value":
            assert dsl.value_has_type(value, d.ret), (value, d.ret)
            assert exported(*copy.deepcopy(args)) == value, args
        elif value is not dsl.EvalBudgetError:  # the export has no fuel: it might not stop
            assert value in RUNTIME_ERRORS, (args, value)
            with pytest.raises(Exception) as info:  # noqa: PT011 - the export's own classes
                exported(*copy.deepcopy(args))
            assert type(info.value).__name__ == value.__name__, args
