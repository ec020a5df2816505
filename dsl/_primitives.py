"""The built-in libraries ``CORE`` and ``EXTENDED`` and the Python code of their primitives.

Inside the interpreter lists are tuples (immutable and hashable, which the search needs for
observational equivalence). Each implementation is a small self-contained function: the
Python exporter copies their source into standalone programs, so they use only builtins and
the error classes of ``dsl._errors``.

``CORE`` deliberately has no sort, min, max, sum or count: those must be synthesised.
"""

from __future__ import annotations

from typing import Any

from dsl._errors import DivisionByZeroError, EmptyListError, EvalBudgetError, IndexOutOfRangeError
from dsl._library import Library, primitive

Fn = Any  # a Python callable standing for a lambda of the language


def add(a: int, b: int) -> int:
    return a + b


def sub(a: int, b: int) -> int:
    return a - b


def mul(a: int, b: int) -> int:
    return a * b


def div(a: int, b: int) -> int:
    if b == 0:
        raise DivisionByZeroError("division by zero")
    return a // b


def mod(a: int, b: int) -> int:
    if b == 0:
        raise DivisionByZeroError("modulo by zero")
    return a % b


def neg(a: int) -> int:
    return -a


def lt(a: int, b: int) -> bool:
    return a < b


def le(a: int, b: int) -> bool:
    return a <= b


def gt(a: int, b: int) -> bool:
    return a > b


def ge(a: int, b: int) -> bool:
    return a >= b


def eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def ne(a: Any, b: Any) -> bool:
    return bool(a != b)


def and_(a: bool, b: bool) -> bool:
    return a and b


def or_(a: bool, b: bool) -> bool:
    return a or b


def not_(a: bool) -> bool:
    return not a


def if_(cond: bool, then: Any, else_: Any) -> Any:
    return then if cond else else_


def cons(x: Any, xs: tuple[Any, ...]) -> tuple[Any, ...]:
    return (x, *xs)


def head(xs: tuple[Any, ...]) -> Any:
    if not xs:
        raise EmptyListError("head of an empty list")
    return xs[0]


def tail(xs: tuple[Any, ...]) -> tuple[Any, ...]:
    if not xs:
        raise EmptyListError("tail of an empty list")
    return xs[1:]


def concat(xs: tuple[Any, ...], ys: tuple[Any, ...]) -> tuple[Any, ...]:
    return xs + ys


def index(xs: tuple[Any, ...], i: int) -> Any:
    if 0 <= i < len(xs):
        return xs[i]
    raise IndexOutOfRangeError(f"index {i} out of range for a list of length {len(xs)}")


def length(xs: tuple[Any, ...]) -> int:
    return len(xs)


def range_(n: int) -> tuple[int, ...]:
    if n > 10_000_000:  # a hard cap before allocating; the interpreter checks its own first
        raise EvalBudgetError("list length", 10_000_000)
    return tuple(range(n))


def take(xs: tuple[Any, ...], n: int) -> tuple[Any, ...]:
    return xs[: max(n, 0)]


def drop(xs: tuple[Any, ...], n: int) -> tuple[Any, ...]:
    return xs[max(n, 0) :]


def reverse(xs: tuple[Any, ...]) -> tuple[Any, ...]:
    return xs[::-1]


def map_(xs: tuple[Any, ...], f: Fn) -> tuple[Any, ...]:
    return tuple(map(f, xs))


def filter_(xs: tuple[Any, ...], keep: Fn) -> tuple[Any, ...]:
    return tuple(filter(keep, xs))


def fold(xs: tuple[Any, ...], init: Any, f: Fn) -> Any:
    acc = init
    for x in xs:
        acc = f(x, acc)
    return acc


def loop(n: int, init: Any, f: Fn) -> Any:
    acc = init
    i = 0
    while i < n:  # not range(n): n may be huge, and fuel (charged by f) ends the loop
        acc = f(i, acc)
        i += 1
    return acc


def while_(init: Any, cond: Fn, step: Fn) -> Any:
    state = init
    while cond(state):
        state = step(state)
    return state


# ---- EXTENDED: DeepCoder-style list functions -------------------------------------------


def last(xs: tuple[Any, ...]) -> Any:
    if not xs:
        raise EmptyListError("last of an empty list")
    return xs[-1]


def sort(xs: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(xs))


def sum_(xs: tuple[int, ...]) -> int:
    return sum(xs)


def product(xs: tuple[int, ...]) -> int:
    result = 1
    for x in xs:
        result *= x
        if abs(result) > 2**63:  # stop early: the product of a long list explodes
            raise EvalBudgetError("integer size", 2**63 - 1)
    return result


def maximum(xs: tuple[int, ...]) -> int:
    if not xs:
        raise EmptyListError("maximum of an empty list")
    return max(xs)


def minimum(xs: tuple[int, ...]) -> int:
    if not xs:
        raise EmptyListError("minimum of an empty list")
    return min(xs)


def count(xs: tuple[Any, ...], keep: Fn) -> int:
    return sum(1 for x in xs if keep(x))


def zipwith(xs: tuple[Any, ...], ys: tuple[Any, ...], f: Fn) -> tuple[Any, ...]:
    return tuple(map(f, xs, ys))


def scanl1(xs: tuple[Any, ...], f: Fn) -> tuple[Any, ...]:
    if not xs:
        return ()
    out = [xs[0]]
    for x in xs[1:]:
        out.append(f(out[-1], x))
    return tuple(out)


def replicate(n: int, x: Any) -> tuple[Any, ...]:
    if n > 10_000_000:  # a hard cap before allocating; the interpreter checks its own first
        raise EvalBudgetError("list length", 10_000_000)
    return (x,) * max(n, 0)


def abs_(a: int) -> int:
    return abs(a)


CORE = Library(
    "core",
    (
        primitive("add", "(int, int) -> int", add, "a + b"),
        primitive("sub", "(int, int) -> int", sub, "a - b"),
        primitive("mul", "(int, int) -> int", mul, "a * b"),
        primitive("div", "(int, int) -> int", div, "a / b, rounded down", bounded=True),
        primitive("mod", "(int, int) -> int", mod, "a % b, sign of b", bounded=True),
        primitive("neg", "(int) -> int", neg, "-a", bounded=True),
        primitive("lt", "(int, int) -> bool", lt, "a < b"),
        primitive("le", "(int, int) -> bool", le, "a <= b"),
        primitive("gt", "(int, int) -> bool", gt, "a > b"),
        primitive("ge", "(int, int) -> bool", ge, "a >= b"),
        primitive("eq", "(a, a) -> bool", eq, "a == b, structural"),
        primitive("ne", "(a, a) -> bool", ne, "a != b, structural"),
        primitive("and", "(bool, bool) -> bool", and_, "a and b (short-circuit)"),
        primitive("or", "(bool, bool) -> bool", or_, "a or b (short-circuit)"),
        primitive("not", "(bool) -> bool", not_, "not a"),
        primitive("if", "(bool, a, a) -> a", if_, "if c then a else b (lazy)"),
        primitive("cons", "(a, list[a]) -> list[a]", cons, "x in front of xs"),
        primitive("head", "(list[a]) -> a", head, "first element; [] is an error"),
        primitive("tail", "(list[a]) -> list[a]", tail, "all but the first; [] is an error"),
        primitive("concat", "(list[a], list[a]) -> list[a]", concat, "xs ++ ys"),
        primitive("index", "(list[a], int) -> a", index, "xs[i], 0-based; checked"),
        primitive("length", "(list[a]) -> int", length, "number of elements", bounded=True),
        primitive("range", "(int) -> list[int]", range_, "[0, 1, ..., n - 1]"),
        primitive("take", "(list[a], int) -> list[a]", take, "the first n elements"),
        primitive("drop", "(list[a], int) -> list[a]", drop, "all but the first n elements"),
        primitive("reverse", "(list[a]) -> list[a]", reverse, "elements in reverse order"),
        primitive("map", "(list[a], (a) -> b) -> list[b]", map_, "f applied to each element"),
        primitive("filter", "(list[a], (a) -> bool) -> list[a]", filter_, "elements that pass"),
        primitive("fold", "(list[a], b, (a, b) -> b) -> b", fold, "left fold: acc = f(x, acc)"),
        primitive("loop", "(int, b, (int, b) -> b) -> b", loop, "for i in 0..n-1: acc = f(i, acc)"),
        primitive("while_", "(a, (a) -> bool, (a) -> a) -> a", while_, "s = step(s) while cond(s)"),
    ),
)
"""The small core library: arithmetic, comparison, logic, lists, and the loop forms."""

EXTENDED = Library(
    "extended",
    CORE.primitives
    + (
        primitive("last", "(list[a]) -> a", last, "last element; [] is an error"),
        primitive("sort", "(list[int]) -> list[int]", sort, "ascending order"),
        primitive("sum", "(list[int]) -> int", sum_, "sum of the elements"),
        primitive("product", "(list[int]) -> int", product, "product of the elements"),
        primitive("maximum", "(list[int]) -> int", maximum, "largest element; [] is an error"),
        primitive("minimum", "(list[int]) -> int", minimum, "smallest element; [] is an error"),
        primitive("count", "(list[a], (a) -> bool) -> int", count, "how many pass", bounded=True),
        primitive("zipwith", "(list[a], list[b], (a, b) -> c) -> list[c]", zipwith, "pairwise f"),
        primitive("scanl1", "(list[a], (a, a) -> a) -> list[a]", scanl1, "running fold"),
        primitive("replicate", "(int, a) -> list[a]", replicate, "n copies of x"),
        primitive("abs", "(int) -> int", abs_, "absolute value", bounded=True),
    ),
)
"""CORE plus DeepCoder-style list functions (sort, sum, maximum, count, zipwith, ...)."""
