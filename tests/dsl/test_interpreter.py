"""Examples for ``dsl.evaluate``, ``dsl.compile_definition`` and the interpreter's totality."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import pytest

import dsl

# An upper bound with a huge margin: a run that hits a limit must stop at once, not hang.
# (This is not a speed test; with default limits these runs take milliseconds.)
QUICK = 1.0


def d(source: str, name: str | None = None) -> dsl.Definition:
    m = dsl.parse(source)
    return m[name or m.names[0]]


def run(source: str, *args: Any, **kwargs: Any) -> Any:
    return dsl.evaluate(d(source), args, **kwargs)


def budget_error(thunk: Callable[[], Any]) -> tuple[dsl.EvalBudgetError, float]:
    start = time.perf_counter()
    with pytest.raises(dsl.EvalBudgetError) as info:
        thunk()
    return info.value, time.perf_counter() - start


# ---- evaluate, compile_definition, Definition.__call__ ----------------------------------


def test_evaluate_simple() -> None:
    assert run("def f(x: int) -> int = x * 2 + 1", 20) == 41
    assert run("def f(x: int) -> bool = x > 0", -1) is False
    assert run("def f() -> list[int] = [1, 2, 3]") == [1, 2, 3]


def test_evaluate_uses_the_module_of_the_definition() -> None:
    m = dsl.parse("def inc(x: int) -> int = x + 1\ndef inc2(x: int) -> int = inc(inc(x))")
    assert dsl.evaluate(m["inc2"], [1]) == 3
    assert dsl.evaluate(m["inc2"], (1,)) == 3


def test_definition_call() -> None:
    m = dsl.parse("def last(xs: list[int]) -> int = xs[length(xs) - 1]")
    assert m["last"]([1, 2, 3]) == 3
    assert m["last"]([7]) == 7


def test_definition_call_with_fuel_and_library() -> None:
    f = d("def f(n: int) -> int = loop(n, 0, fn (i, acc) => acc + i)")
    assert f(10) == 45
    with pytest.raises(dsl.EvalBudgetError) as info:
        f(10_000, fuel=100)
    assert info.value.resource == "fuel"
    assert info.value.limit == 100
    g = d("def g(xs: list[int]) -> int = sum(xs)")
    assert g([1, 2, 3], library=dsl.EXTENDED) == 6


def test_compile_definition_runs_many_inputs() -> None:
    f = dsl.compile_definition(d("def f(xs: list[int]) -> list[int] = map(xs, fn x => x + 1)"))
    assert isinstance(f, dsl.CompiledDefinition)
    assert f([1, 2]) == [2, 3]
    assert f([]) == []
    assert f([-1]) == [0]
    assert f.definition.name == "f"
    assert f.library is dsl.CORE
    assert f.limits == dsl.DEFAULT_LIMITS


def test_compile_definition_rejects_ill_typed_program() -> None:
    with pytest.raises(dsl.TypeCheckError):
        dsl.compile_definition(d("def f(x: int) -> bool = x"))


def test_compile_definition_rejects_definition_not_in_module() -> None:
    other = dsl.parse("def g() -> int = 2")
    with pytest.raises(ValueError, match="not in the module"):
        dsl.compile_definition(d("def f() -> int = 1"), module=other)


def test_compile_definition_with_explicit_module() -> None:
    m = dsl.parse("def a() -> int = 1\ndef b() -> int = a() + 1")
    f = dsl.compile_definition(m.definitions[1], module=m)
    assert f() == 2


def test_run_takes_and_returns_tuples() -> None:
    f = dsl.compile_definition(d("def f(xs: list[int]) -> list[int] = map(xs, fn x => x + 1)"))
    out = f.run(((5, 6),))
    assert out == (6, 7)
    assert type(out) is tuple


def test_run_nested_tuples() -> None:
    f = dsl.compile_definition(
        d("def f(xss: list[list[int]]) -> list[list[int]] = reverse(xss) ++ [[0]]")
    )
    out = f.run((((1,), (2, 3)),))
    assert out == ((2, 3), (1,), (0,))
    assert all(type(t) is tuple for t in out)


def test_results_come_back_as_python_lists() -> None:
    out = run("def f(x: int) -> list[list[int]] = [[x], [], [x, x]]", 3)
    assert out == [[3], [], [3, 3]]
    assert type(out) is list
    assert all(type(inner) is list for inner in out)


def test_nested_list_arguments_and_results() -> None:
    src = "def f(xss: list[list[int]]) -> list[int] = map(xss, fn xs => length(xs))"
    assert run(src, [[1, 2], [], [3]]) == [2, 0, 1]
    src = "def g(xs: list[int]) -> list[list[int]] = map(xs, fn x => range(x))"
    assert run(src, [0, 2, 3]) == [[], [0, 1], [0, 1, 2]]


def test_tuples_are_accepted_as_list_arguments() -> None:
    assert run("def f(xs: list[int]) -> int = length(xs)", (1, 2, 3)) == 3


def test_bool_results_are_bools() -> None:
    out = run("def f(xs: list[int]) -> list[bool] = map(xs, fn x => x > 1)", [1, 2])
    assert out == [False, True]
    assert all(type(v) is bool for v in out)


def test_limits_override_per_call() -> None:
    f = dsl.compile_definition(d("def f(n: int) -> int = loop(n, 0, fn (i, acc) => acc + 1)"))
    assert f(1000) == 1000
    with pytest.raises(dsl.EvalBudgetError):
        f(1000, limits=dsl.Limits(fuel=10))
    with pytest.raises(dsl.EvalBudgetError):
        f.run((1000,), limits=dsl.Limits(fuel=10))
    # the override does not stick
    assert f(1000) == 1000


def test_evaluate_with_limits() -> None:
    src = "def f(n: int) -> int = if n == 0 then 0 else 1 + f(n - 1)"
    assert run(src, 50) == 50
    err, _ = budget_error(lambda: run(src, 50, limits=dsl.Limits(max_depth=10)))
    assert (err.resource, err.limit) == ("depth", 10)


# ---- argument checking ------------------------------------------------------------------


@pytest.mark.parametrize("args", [(), (1, 2), (1, 2, 3)])
def test_wrong_argument_count(args: tuple[int, ...]) -> None:
    f = d("def f(x: int) -> int = x")
    with pytest.raises(dsl.TypeCheckError, match=f"takes 1 argument\\(s\\), got {len(args)}"):
        f(*args)
    with pytest.raises(dsl.TypeCheckError):
        dsl.compile_definition(f)(*args)


@pytest.mark.parametrize(
    ("param_type", "value"),
    [
        ("int", True),
        ("int", False),
        ("bool", 1),
        ("bool", 0),
        ("int", 1.5),
        ("int", "1"),
        ("int", None),
        ("int", [1]),
        ("list[int]", 1),
        ("list[int]", [1, True]),
        ("list[bool]", [True, 0]),
        ("list[int]", [[1]]),
        ("list[list[int]]", [1]),
        ("list[int]", {1: 2}),
    ],
)
def test_wrong_argument_type(param_type: str, value: Any) -> None:
    f = d(f"def f(x: {param_type}) -> int = 0")
    with pytest.raises(dsl.TypeCheckError) as info:
        f(value)
    assert info.value.expected == param_type
    assert "'x'" in str(info.value)


def test_empty_list_has_every_list_type() -> None:
    assert run("def f(x: list[list[bool]]) -> int = length(x)", []) == 0


# ---- errors -----------------------------------------------------------------------------


def test_eval_error_classes_and_builtin_bases() -> None:
    assert issubclass(dsl.EmptyListError, IndexError)
    assert issubclass(dsl.IndexOutOfRangeError, IndexError)
    assert issubclass(dsl.DivisionByZeroError, ZeroDivisionError)
    for cls in (
        dsl.EmptyListError,
        dsl.IndexOutOfRangeError,
        dsl.DivisionByZeroError,
        dsl.EvalBudgetError,
        dsl.PrimitiveError,
    ):
        assert issubclass(cls, dsl.EvalError)
        assert issubclass(cls, dsl.AbstraxError)
        assert issubclass(cls, RuntimeError)


@pytest.mark.parametrize(
    ("body", "args", "error"),
    [
        ("head(xs)", [[]], dsl.EmptyListError),
        ("length(tail(xs))", [[]], dsl.EmptyListError),
        ("xs[3]", [[1, 2, 3]], dsl.IndexOutOfRangeError),
        ("xs[0 - 1]", [[1, 2, 3]], dsl.IndexOutOfRangeError),
        ("xs[0]", [[]], dsl.IndexOutOfRangeError),
        ("10 / length(xs)", [[]], dsl.DivisionByZeroError),
        ("10 % length(xs)", [[]], dsl.DivisionByZeroError),
    ],
)
def test_runtime_errors(body: str, args: list[Any], error: type[dsl.EvalError]) -> None:
    with pytest.raises(error):
        run(f"def f(xs: list[int]) -> int = {body}", *args)


def test_runtime_errors_caught_as_builtins() -> None:
    with pytest.raises(IndexError):
        run("def f(xs: list[int]) -> int = head(xs)", [])
    with pytest.raises(ZeroDivisionError):
        run("def f(x: int) -> int = 1 / x", 0)


def test_division_rounds_down_and_modulo_takes_sign_of_divisor() -> None:
    src = "def f(a: int, b: int) -> list[int] = [a / b, a % b]"
    assert run(src, 7, 2) == [3, 1]
    assert run(src, -7, 2) == [-4, 1]
    assert run(src, 7, -3) == [-3, -2]


def test_user_primitive_raising_is_reported_as_primitive_error() -> None:
    def tenx(x: int) -> int:
        if x < 0:
            raise ValueError("negative input")
        return 10 * x

    lib = dsl.CORE.extend(primitives=[dsl.primitive("tenx", "(int) -> int", tenx)])
    f = d("def f(x: int) -> int = tenx(x)")
    assert dsl.evaluate(f, [3], library=lib) == 30
    with pytest.raises(dsl.PrimitiveError, match="ValueError: negative input") as info:
        dsl.evaluate(f, [-3], library=lib)
    assert isinstance(info.value.__cause__, ValueError)
    # also when the primitive is passed as a value
    g = d("def g(xs: list[int]) -> list[int] = map(xs, tenx)")
    with pytest.raises(dsl.PrimitiveError):
        dsl.evaluate(g, [[1, -1]], library=lib)


def test_user_primitive_may_raise_eval_errors() -> None:
    def safe_head(xs: tuple[int, ...]) -> int:
        if not xs:
            raise dsl.EmptyListError("nothing there")
        return xs[0]

    lib = dsl.CORE.extend(primitives=[dsl.primitive("first", "(list[int]) -> int", safe_head)])
    with pytest.raises(dsl.EmptyListError, match="nothing there"):
        dsl.evaluate(d("def f(xs: list[int]) -> int = first(xs)"), [[]], library=lib)


# ---- totality ---------------------------------------------------------------------------


def test_infinite_recursion_hits_depth() -> None:
    f = d("def f(x: int) -> int = f(x + 1)")
    err, elapsed = budget_error(lambda: f(0))
    assert err.resource == "depth"
    assert err.limit == dsl.DEFAULT_LIMITS.max_depth
    assert elapsed < QUICK


def test_non_tail_infinite_recursion_hits_depth() -> None:
    f = d("def f(xs: list[int]) -> int = 1 + f(cons(0, xs))")
    err, elapsed = budget_error(lambda: f([]))
    assert err.resource == "depth"
    assert elapsed < QUICK


def test_while_that_never_stops_runs_out_of_fuel() -> None:
    f = d("def f(x: int) -> int = while_(x, fn s => true, fn s => s)")
    err, elapsed = budget_error(lambda: f(0))
    assert err.resource == "fuel"
    assert err.limit == dsl.DEFAULT_LIMITS.fuel
    assert elapsed < QUICK


def test_list_doubling_in_loop_hits_list_length() -> None:
    f = d("def f(n: int) -> list[int] = loop(n, [1], fn (i, acc) => acc ++ acc)")
    assert len(f(3)) == 8
    err, elapsed = budget_error(lambda: f(100))
    assert err.resource == "list length"
    assert err.limit == dsl.DEFAULT_LIMITS.max_list_len
    assert elapsed < QUICK


def test_integer_squaring_in_loop_hits_integer_size() -> None:
    f = d("def f(n: int) -> int = loop(n, 2, fn (i, acc) => acc * acc)")
    assert f(3) == 256
    err, elapsed = budget_error(lambda: f(100))
    assert err.resource == "integer size"
    assert err.limit == dsl.DEFAULT_LIMITS.max_int
    assert elapsed < QUICK


def test_huge_range_hits_list_length() -> None:
    f = d("def f(n: int) -> list[int] = range(n)")
    err, elapsed = budget_error(lambda: f(10**12))
    assert err.resource == "list length"
    assert elapsed < QUICK


def test_range_longer_than_max_list_len() -> None:
    f = d("def f(n: int) -> int = length(range(n))")
    err, elapsed = budget_error(lambda: f(dsl.DEFAULT_LIMITS.max_list_len + 1))
    assert err.resource == "list length"
    assert elapsed < QUICK


def test_range_honours_a_raised_list_length_limit() -> None:
    f = d("def f(n: int) -> int = length(range(n))")
    limits = dsl.Limits(max_list_len=2_000_000, fuel=10_000_000)
    assert dsl.evaluate(f, [1_500_000], limits=limits) == 1_500_000


def test_quadratic_map_of_ranges_runs_out_of_fuel() -> None:
    f = d("def f(n: int) -> list[list[int]] = map(range(n), fn i => range(n))")
    assert f(3) == [[0, 1, 2]] * 3
    err, elapsed = budget_error(lambda: f(50_000))
    assert err.resource == "fuel"
    assert elapsed < QUICK


def test_huge_loop_count_runs_out_of_fuel() -> None:
    f = d("def f(n: int) -> int = loop(n, 0, fn (i, acc) => acc + 1)")
    err, elapsed = budget_error(lambda: f(10**12))
    assert err.resource == "fuel"
    assert elapsed < QUICK


def test_loop_with_a_primitive_as_step_costs_fuel() -> None:
    # loop(n, 0, sub) calls no lambda and no definition; with n = 10**12 it must still end
    # in an EvalBudgetError rather than run for hours. A million steps on 1000 fuel must fail.
    f = d("def f(n: int) -> int = loop(n, 0, sub)")
    assert f(4) == 2
    err, elapsed = budget_error(lambda: dsl.evaluate(f, [10**6], limits=dsl.Limits(fuel=1000)))
    assert err.resource == "fuel"
    assert elapsed < QUICK


def test_big_multiplication_hits_integer_size() -> None:
    f = d("def f(x: int) -> int = x * x")
    err, _ = budget_error(lambda: f(2**40))
    assert err.resource == "integer size"
    err, _ = budget_error(lambda: run("def f(x: int) -> int = x + 1", 2**63 - 1))
    assert err.resource == "integer size"


def test_integer_literal_beyond_the_bound_is_refused() -> None:
    f = d("def f() -> int = 100000000000000000000000000000")
    err, _ = budget_error(f)
    assert err.resource == "integer size"


@pytest.mark.parametrize(
    ("source", "limits", "resource", "limit"),
    [
        ("def f(n: int) -> list[int] = range(n)", dsl.Limits(max_list_len=10), "list length", 10),
        ("def f(n: int) -> int = n * 10", dsl.Limits(max_int=100), "integer size", 100),
        ("def f(n: int) -> int = loop(n, 0, fn (i, a) => a)", dsl.Limits(fuel=5), "fuel", 5),
        (
            "def f(n: int) -> int = if n == 0 then 0 else f(n - 1)",
            dsl.Limits(max_depth=5),
            "depth",
            5,
        ),
    ],
)
def test_small_custom_limits(source: str, limits: dsl.Limits, resource: str, limit: int) -> None:
    err, _ = budget_error(lambda: run(source, 50, limits=limits))
    assert (err.resource, err.limit) == (resource, limit)


def test_budget_error_message() -> None:
    err, _ = budget_error(lambda: run("def f(x: int) -> int = f(x)", 0))
    assert "depth" in str(err)
    assert str(dsl.DEFAULT_LIMITS.max_depth) in str(err)


def test_a_failed_run_does_not_poison_the_next() -> None:
    f = dsl.compile_definition(d("def f(n: int) -> int = if n == 0 then 0 else 1 + f(n - 1)"))
    with pytest.raises(dsl.EvalBudgetError):
        f(5000)
    assert f(900) == 900
    assert f(10) == 10


def test_deep_recursion_to_900_works() -> None:
    assert run("def f(n: int) -> int = if n == 0 then 0 else 1 + f(n - 1)", 900) == 900


def test_deep_recursion_through_lambdas_works() -> None:
    src = "def f(n: int) -> int = if n == 0 then 0 else head(map([n], fn x => 1 + f(x - 1)))"
    assert run(src, 900) == 900
    src = "def f(n: int) -> int = if n == 0 then 0 else fold([n], 0, fn (x, a) => 1 + f(x - 1))"
    assert run(src, 900) == 900


def test_deep_mutual_recursion_works() -> None:
    m = dsl.parse(
        "def ev(n: int) -> bool = if n == 0 then true else od(n - 1)\n"
        "def od(n: int) -> bool = if n == 0 then false else ev(n - 1)"
    )
    assert m["ev"](900) is True
    assert m["od"](901) is True


# ---- Limits -----------------------------------------------------------------------------


def test_default_limits() -> None:
    lim = dsl.Limits()
    assert lim == dsl.DEFAULT_LIMITS
    assert lim.fuel == 1_000_000
    assert lim.max_depth == 1_000
    assert lim.max_list_len == 100_000
    assert lim.max_int == 2**63 - 1


@pytest.mark.parametrize("field", ["fuel", "max_depth", "max_list_len", "max_int"])
@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "3", None])
def test_limits_validation(field: str, bad: Any) -> None:
    with pytest.raises(ValueError, match=f"Limits.{field} must be a positive int"):
        dsl.Limits(**{field: bad})


def test_limits_accepts_positive_ints_and_is_frozen() -> None:
    lim = dsl.Limits(fuel=1, max_depth=2, max_list_len=3, max_int=4)
    assert (lim.fuel, lim.max_depth, lim.max_list_len, lim.max_int) == (1, 2, 3, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        lim.fuel = 10  # type: ignore[misc]


# ---- laziness, values, scope ------------------------------------------------------------


def test_and_is_lazy() -> None:
    f = d("def f(xs: list[int]) -> bool = xs != [] and head(xs) > 0")
    assert f([]) is False
    assert f([1]) is True
    assert f([-1]) is False


def test_or_is_lazy() -> None:
    f = d("def f(xs: list[int]) -> bool = xs == [] or head(xs) > 0")
    assert f([]) is True
    assert f([-1]) is False


def test_if_is_lazy() -> None:
    assert run("def f(xs: list[int]) -> int = if xs == [] then 0 else head(xs)", []) == 0
    assert run("def f(x: int) -> int = if x == 0 then 0 else 10 / x", 0) == 0


def test_if_base_case_stops_recursion() -> None:
    src = "def fact(n: int) -> int = if n <= 1 then 1 else n * fact(n - 1)"
    assert run(src, 10) == 3628800
    assert run(src, 0) == 1


def test_laziness_inside_lambdas() -> None:
    src = "def f(xss: list[list[int]]) -> list[bool] = map(xss, fn xs => xs != [] and head(xs) > 0)"
    assert run(src, [[], [1], [-1]]) == [False, True, False]


def test_primitives_as_values() -> None:
    assert run("def f(xs: list[int]) -> list[int] = map(xs, neg)", [1, -2, 0]) == [-1, 2, 0]
    assert run("def f(xss: list[list[int]]) -> list[int] = map(xss, length)", [[1], []]) == [1, 0]
    assert run("def f(xs: list[int]) -> int = fold(xs, 0, add)", [1, 2, 3]) == 6
    heads = "def f(xss: list[list[int]]) -> list[int] = map(xss, head)"
    assert run(heads, [[4, 5], [6]]) == [4, 6]


def test_primitive_value_errors_propagate() -> None:
    with pytest.raises(dsl.EmptyListError):
        run("def f(xss: list[list[int]]) -> list[int] = map(xss, head)", [[1], []])


def test_definitions_as_values() -> None:
    m = dsl.parse("def sq(x: int) -> int = x * x\ndef f(xs: list[int]) -> list[int] = map(xs, sq)")
    assert m["f"]([1, 2, 3]) == [1, 4, 9]


def test_function_typed_parameter_receives_primitive_and_definition() -> None:
    m = dsl.parse(
        "def twice(g: (int) -> int, x: int) -> int = g(g(x))\n"
        "def inc(x: int) -> int = x + 1\n"
        "def a(x: int) -> int = twice(inc, x)\n"
        "def b(x: int) -> int = twice(neg, x)\n"
        "def c(x: int) -> int = twice(fn y => y * 3, x)\n"
    )
    assert m["a"](1) == 3
    assert m["b"](5) == 5
    assert m["c"](1) == 9


def test_let_bound_lambda_called_by_name() -> None:
    assert run("def f(x: int) -> int = let g = fn y => y * 2 in g(x) + g(1)", 5) == 12
    src = "def f(xs: list[int]) -> list[int] = let inc = fn y => y + 1 in map(xs, inc)"
    assert run(src, [1, 2]) == [2, 3]


def test_shadowing() -> None:
    assert run("def f(u: int) -> int = let x = 1 in (let x = 2 in x) + x", 0) == 3
    assert run("def f(x: int) -> int = let x = x + 1 in x * 10", 1) == 20
    assert run("def f(x: int) -> list[int] = map([1, 2], fn x => x * 10)", 5) == [10, 20]


def test_let_binding_shadows_a_primitive() -> None:
    assert run("def f(x: int) -> int = let head = fn y => y + 1 in head(x)", 5) == 6


def test_lambdas_capture_lexically() -> None:
    src = "def f(x: int) -> list[int] = let g = fn y => x + y in let x = 100 in map([1], g)"
    assert run(src, 5) == [6]
    src = "def f(x: int) -> list[int] = map([1, 2], fn y => let x = x + y in x * 10)"
    assert run(src, 5) == [60, 70]


def test_parameters_named_like_python_builtins() -> None:
    assert run("def f(len: int, tuple: int, map: int) -> int = len + tuple + map", 1, 2, 3) == 6


def test_loop_forms() -> None:
    count_up = "def f(n: int) -> list[int] = loop(n, [], fn (i, acc) => acc ++ [i])"
    assert run(count_up, 4) == [0, 1, 2, 3]
    assert run("def f(n: int) -> int = loop(n, 5, fn (i, acc) => acc + 1)", -3) == 5
    assert run("def f(n: int) -> int = while_(n, fn s => s > 10, fn s => s - 3)", 20) == 8
    digits = "def f(xs: list[int]) -> int = fold(xs, 0, fn (x, acc) => acc * 10 + x)"
    assert run(digits, [1, 2]) == 12


def test_list_primitives() -> None:
    src = (
        "def f(xs: list[int]) -> list[list[int]] ="
        " [take(xs, 2), drop(xs, 2), reverse(xs), cons(9, xs), tail(xs), take(xs, -1), drop(xs, 9)]"
    )
    assert run(src, [1, 2, 3]) == [[1, 2], [3], [3, 2, 1], [9, 1, 2, 3], [2, 3], [], []]


def test_structural_equality() -> None:
    src = "def f(a: list[list[int]], b: list[list[int]]) -> list[bool] = [a == b, a != b]"
    assert run(src, [[1], []], [[1], []]) == [True, False]
    assert run(src, [[1], []], [[1]]) == [False, True]
