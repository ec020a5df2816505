"""Property tests of the language: one test per law of DESIGN.md's ``dsl/`` section.

1. The printer is the inverse of the parser: ``parse(pretty(m)) == m``.
2. Every string the grammar generates parses, or raises ``ParseProgramError``.
3. Well-typed programs type-check and run to a value of their declared type, or an
   ``EvalError``, and quickly.
4. Every primitive of ``EXTENDED`` agrees with a plain-Python oracle, both through the
   language and called directly.
5. The exported Python computes what the interpreter computes.

and a few laws that keep the interpreter honest: bound-variable names do not matter, and the
interpreter is total on adversarial programs under any small limits.
"""

from __future__ import annotations

import contextlib
import copy
import fractions
import functools
import importlib.util
import keyword
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import dsl
from dsl import INT, TList
from dsl._codegen import PY_NAMES


def _load_strategies() -> ModuleType:
    # pytest imports test modules in importlib mode, where tests/dsl is not on sys.path.
    path = Path(__file__).with_name("strategies.py")
    spec = importlib.util.spec_from_file_location("tests_dsl_strategies", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


strategies = _load_strategies()

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sorting.abx"

LIMITS = dsl.Limits(fuel=3_000, max_depth=40, max_list_len=300)
"""Small bounds for generated programs: every run stops within milliseconds."""

RUNTIME_ERRORS: tuple[type[dsl.EvalError], ...] = (
    dsl.EmptyListError,
    dsl.IndexOutOfRangeError,
    dsl.DivisionByZeroError,
)
"""What a well-typed program over the built-in libraries may raise, besides EvalBudgetError."""


def _tagged(value: Any) -> Any:
    """``value`` with the type of every leaf kept, so that ``True`` differs from ``1``."""
    if isinstance(value, list | tuple):
        return ("list", tuple(_tagged(v) for v in value))
    return (type(value).__name__, value)


def _outcome(thunk: Callable[[], Any]) -> tuple[str, Any]:
    """What running ``thunk`` gives: its (tagged) value, or the class of the EvalError."""
    try:
        return ("value", _tagged(thunk()))
    except dsl.EvalError as err:
        return ("error", type(err))


# ---- 1. parse . pretty = id ------------------------------------------------------------------


@given(strategies.modules())
def test_parse_inverts_pretty_on_modules(module: dsl.Module) -> None:
    assert dsl.parse(dsl.pretty(module)) == module


@given(strategies.exprs(max_leaves=30))
def test_parse_expr_inverts_pretty_on_exprs(e: dsl.Expr) -> None:
    assert dsl.parse_expr(dsl.pretty(e)) == e


@given(strategies.types())
def test_parse_type_inverts_str_on_types(t: dsl.Type) -> None:
    assert dsl.parse_type(str(t)) == t


# ---- 2. every string of the grammar parses or raises ParseProgramError ----------------------

_PLAIN_NAMES = ("x", "xs", "f", "a", "x_0", "int", "bool", "iff", "nota", "lets", "define")
"""Lowercase (so also valid as type variables) and never a keyword."""


def _parse(start: str, text: str) -> dsl.Module | dsl.Expr:
    return dsl.parse(text) if start == "module" else dsl.parse_expr(text)


_ANY_NAMES = (
    st.sampled_from(sorted(dsl.KEYWORDS))
    | st.sampled_from(strategies.NAMES)
    | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
)


_GRAMMAR_SETTINGS = settings(suppress_health_check=[HealthCheck.filter_too_much])
"""from_lark has no size bound: Hypothesis discards the draws that run too deep."""


@_GRAMMAR_SETTINGS
@given(
    st.tuples(st.just("module"), strategies.grammar_strings("module", names=_ANY_NAMES))
    | st.tuples(st.just("expr"), strategies.grammar_strings("expr", names=_ANY_NAMES))
)
@example(("expr", "9" * 5000))  # longer than Python's int() accepts by default
@example(("module", "def f() -> int = 1" + "0" * 5000))
@example(("module", "def f(x: Int) -> int = 1"))
@example(("module", "def if(x: int) -> int = x"))
def test_grammar_strings_parse_or_raise_parse_error(start_and_text: tuple[str, str]) -> None:
    start, text = start_and_text
    with contextlib.suppress(dsl.ParseProgramError):
        _parse(start, text)


@_GRAMMAR_SETTINGS
@given(
    st.tuples(
        st.just("module"), strategies.grammar_strings("module", names=st.sampled_from(_PLAIN_NAMES))
    )
    | st.tuples(
        st.just("expr"), strategies.grammar_strings("expr", names=st.sampled_from(_PLAIN_NAMES))
    )
)
def test_grammar_strings_with_plain_names_parse(start_and_text: tuple[str, str]) -> None:
    start, text = start_and_text
    try:
        node = _parse(start, text)
    except dsl.ParseProgramError as err:
        error: dsl.ParseProgramError | None = err
    else:
        error = None
        assert _parse(start, dsl.pretty(node)) == node
    if error is not None:
        # the one check beyond the grammar that plain names can still fail
        assert start == "module", str(error)
        assert "defined twice" in error.reason, str(error)


# ---- 3. well-typed programs run to a value of their type, or an EvalError -------------------


_ANY_LIBRARY_PROGRAMS = st.sampled_from([dsl.CORE, dsl.EXTENDED]).flatmap(
    lambda library: strategies.well_typed_programs(library=library)
)


@given(_ANY_LIBRARY_PROGRAMS)
# a let shadowing x next to a parameter x_0, and a lambda with parameters x_0 and x
@example(strategies.program("def f(x: int, x_0: bool) -> bool = let x = x in x_0", [(0, False)]))
@example(strategies.program("def f(x: int) -> int = fold([1], 0, fn (x_0, x) => x_0)", [(3,)]))
def test_well_typed_programs_run_to_a_value_of_their_type(p: Any) -> None:
    library = p.library
    d = p.definition
    assert dsl.typecheck(d, library=library) == d.signature
    f = dsl.compile_definition(d, library=library, limits=LIMITS)
    for args in p.inputs:
        start = time.perf_counter()
        try:
            result = f(*args)
        except (dsl.EvalBudgetError, *RUNTIME_ERRORS):
            pass  # anything else (PrimitiveError, a Python exception) fails the test
        else:
            assert dsl.value_has_type(result, d.ret), (result, d.ret)
        assert time.perf_counter() - start < 2.0


# ---- 4. every primitive agrees with a plain-Python oracle ------------------------------------


def _nonempty(xs: list[Any]) -> list[Any]:
    if len(xs) == 0:
        raise dsl.EmptyListError
    return xs


def _floor_div(a: int, b: int) -> int:
    if b == 0:
        raise dsl.DivisionByZeroError
    return math.floor(fractions.Fraction(a, b))


def _floor_mod(a: int, b: int) -> int:
    return a - b * _floor_div(a, b)


def _upto(n: int) -> list[int]:
    out, i = [], 0
    while i < n:
        out.append(i)
        i += 1
    return out


def _fold(xs: list[Any], acc: Any, f: Callable[[Any, Any], Any]) -> Any:
    for x in xs:
        acc = f(x, acc)
    return acc


def _scanl1(xs: list[int], f: Callable[[int, int], int]) -> list[int]:
    out: list[int] = []
    for x in xs:
        out.append(f(out[-1], x) if out else x)
    return out


def _while(s: Any, cond: Callable[[Any], bool], step: Callable[[Any], Any]) -> Any:
    while cond(s):
        s = step(s)
    return s


def _product(xs: list[int]) -> int:
    return _fold(xs, 1, lambda x, acc: acc * x)


def _extreme(xs: list[int], better: Callable[[int, int], bool]) -> int:
    best = _nonempty(xs)[0]
    for x in xs:
        best = x if better(x, best) else best
    return best


def _call(impl: Callable[..., Any], *args: Any) -> Any:
    return impl(*args)


@dataclass(frozen=True)
class Oracle:
    """One primitive, used in ``source`` (a definition ``f``), and what it must compute.

    Attributes:
        prim: the primitive under test.
        source: ``def f(...) -> ... = ...`` calling ``prim`` through the language.
        oracle: the Python meaning of ``f``, on Python values; raises the expected EvalError.
        direct: calls ``prim.impl`` (first argument) on interpreter values (tuples) the way
            ``source`` does; None where the point is laziness, which a direct call cannot see.
        args: the arguments, by default small values of the parameter types.
    """

    prim: str
    source: str
    oracle: Callable[..., Any]
    direct: Callable[..., Any] | None = _call
    args: st.SearchStrategy[tuple[Any, ...]] | None = None

    @property
    def id(self) -> str:
        return self.source.split("=", 1)[1].strip()

    def arguments(self) -> st.SearchStrategy[tuple[Any, ...]]:
        if self.args is not None:
            return self.args
        d = _compiled(self.source).definition
        return st.tuples(*(strategies.values(p.type) for p in d.params))


def _sig(params: str, ret: str, body: str) -> str:
    return f"def f({params}) -> {ret} = {body}"


_II = "n: int, m: int"
_BB = "b: bool, c: bool"
_XS = "xs: list[int]"
_XSN = "xs: list[int], n: int"
_XSYS = "xs: list[int], ys: list[int]"
_CLOSE_LISTS = st.tuples(*[st.lists(st.integers(0, 1), max_size=2)] * 2)
_SMALL_INTS = st.tuples(st.integers(-3, 3), st.integers(-3, 3))

ORACLES: tuple[Oracle, ...] = (
    Oracle("add", _sig(_II, "int", "n + m"), lambda n, m: n + m),
    Oracle("sub", _sig(_II, "int", "n - m"), lambda n, m: n - m),
    Oracle("mul", _sig(_II, "int", "n * m"), lambda n, m: n * m),
    Oracle("div", _sig(_II, "int", "n / m"), _floor_div, args=_SMALL_INTS),
    Oracle("mod", _sig(_II, "int", "n % m"), _floor_mod, args=_SMALL_INTS),
    Oracle("neg", _sig("n: int", "int", "-n"), lambda n: 0 - n),
    Oracle("abs", _sig("n: int", "int", "abs(n)"), lambda n: n if n >= 0 else -n),
    Oracle("lt", _sig(_II, "bool", "n < m"), lambda n, m: n < m, args=_SMALL_INTS),
    Oracle("le", _sig(_II, "bool", "n <= m"), lambda n, m: n <= m, args=_SMALL_INTS),
    Oracle("gt", _sig(_II, "bool", "n > m"), lambda n, m: n > m, args=_SMALL_INTS),
    Oracle("ge", _sig(_II, "bool", "n >= m"), lambda n, m: n >= m, args=_SMALL_INTS),
    Oracle("eq", _sig(_II, "bool", "n == m"), lambda n, m: n == m, args=_SMALL_INTS),
    Oracle("eq", _sig(_XSYS, "bool", "xs == ys"), lambda xs, ys: xs == ys, args=_CLOSE_LISTS),
    Oracle("ne", _sig(_II, "bool", "n != m"), lambda n, m: n != m, args=_SMALL_INTS),
    Oracle("ne", _sig(_XSYS, "bool", "xs != ys"), lambda xs, ys: xs != ys, args=_CLOSE_LISTS),
    Oracle("and", _sig(_BB, "bool", "b and c"), lambda b, c: b if not b else c),
    Oracle("or", _sig(_BB, "bool", "b or c"), lambda b, c: b if b else c),
    Oracle("not", _sig("b: bool", "bool", "not b"), lambda b: b is False),
    # and, or, if are lazy: the branch not taken is not evaluated, so head([]) is harmless
    Oracle(
        "and",
        _sig(f"b: bool, {_XS}", "bool", "b and head(xs) > 0"),
        lambda b, xs: b and _nonempty(xs)[0] > 0,
        direct=None,
    ),
    Oracle(
        "or",
        _sig(f"b: bool, {_XS}", "bool", "b or head(xs) > 0"),
        lambda b, xs: b or _nonempty(xs)[0] > 0,
        direct=None,
    ),
    Oracle(
        "if",
        _sig(f"b: bool, {_XSYS}", "list[int]", "if b then xs else ys"),
        lambda b, xs, ys: xs if b else ys,
    ),
    Oracle(
        "if",
        _sig(f"b: bool, {_XSN}", "int", "if b then head(xs) else n"),
        lambda b, xs, n: _nonempty(xs)[0] if b else n,
        direct=None,
    ),
    Oracle(
        "cons",
        _sig(_XSN, "list[int]", "cons(n, xs)"),
        lambda xs, n: [n, *xs],
        direct=lambda impl, xs, n: impl(n, xs),
    ),
    Oracle("head", _sig(_XS, "int", "head(xs)"), lambda xs: _nonempty(xs)[0]),
    Oracle("tail", _sig(_XS, "list[int]", "tail(xs)"), lambda xs: _nonempty(xs)[1:]),
    Oracle("last", _sig(_XS, "int", "last(xs)"), lambda xs: _nonempty(xs)[len(xs) - 1]),
    Oracle("concat", _sig(_XSYS, "list[int]", "xs ++ ys"), lambda xs, ys: [*xs, *ys]),
    Oracle(
        "index",
        _sig(_XSN, "int", "xs[n]"),
        lambda xs, n: ([x for i, x in enumerate(xs) if i == n] or _out_of_range())[0],
    ),
    Oracle("length", _sig(_XS, "int", "length(xs)"), lambda xs: sum(1 for _ in xs)),
    Oracle("range", _sig("n: int", "list[int]", "range(n)"), _upto),
    Oracle(
        "take",
        _sig(_XSN, "list[int]", "take(xs, n)"),
        lambda xs, n: [x for i, x in enumerate(xs) if i < n],
    ),
    Oracle(
        "drop",
        _sig(_XSN, "list[int]", "drop(xs, n)"),
        lambda xs, n: [x for i, x in enumerate(xs) if i >= n],
    ),
    Oracle(
        "reverse",
        _sig(_XS, "list[int]", "reverse(xs)"),
        lambda xs: [xs[len(xs) - 1 - i] for i in range(len(xs))],
    ),
    Oracle(
        "map",
        _sig(_XSN, "list[int]", "map(xs, fn x => x * n + 1)"),
        lambda xs, n: [x * n + 1 for x in xs],
        direct=lambda impl, xs, n: impl(xs, lambda x: x * n + 1),
    ),
    Oracle(
        "filter",
        _sig(_XSN, "list[int]", "filter(xs, fn x => x > n)"),
        lambda xs, n: [x for x in xs if x > n],
        direct=lambda impl, xs, n: impl(xs, lambda x: x > n),
    ),
    Oracle(
        "fold",  # a left fold, acc = f(x, acc): the order shows with a non-commutative f
        _sig(_XSN, "int", "fold(xs, n, fn (x, acc) => acc * 2 - x)"),
        lambda xs, n: _fold(xs, n, lambda x, acc: acc * 2 - x),
        direct=lambda impl, xs, n: impl(xs, n, lambda x, acc: acc * 2 - x),
    ),
    Oracle(
        "fold",
        _sig(_XS, "list[int]", "fold(xs, [], fn (x, acc) => cons(x, acc))"),
        lambda xs: xs[::-1],
        direct=lambda impl, xs: impl(xs, (), lambda x, acc: (x, *acc)),
    ),
    Oracle(
        "loop",
        _sig(_XSN, "list[int]", "loop(n, xs, fn (i, acc) => cons(i * 2, acc))"),
        lambda xs, n: _fold(_upto(n), xs, lambda i, acc: [i * 2, *acc]),
        direct=lambda impl, xs, n: impl(n, xs, lambda i, acc: (i * 2, *acc)),
    ),
    Oracle(
        "while_",
        _sig("n: int", "int", "while_(n, fn s => s < 10, fn s => s + 3)"),
        lambda n: _while(n, lambda s: s < 10, lambda s: s + 3),
        direct=lambda impl, n: impl(n, lambda s: s < 10, lambda s: s + 3),
    ),
    Oracle(
        "while_",
        _sig(_XSN, "list[int]", "while_(xs, fn s => length(s) > 0 and head(s) < n, tail)"),
        lambda xs, n: _while(xs, lambda s: len(s) > 0 and s[0] < n, lambda s: s[1:]),
        direct=lambda impl, xs, n: impl(xs, lambda s: len(s) > 0 and s[0] < n, lambda s: s[1:]),
    ),
    Oracle("sort", _sig(_XS, "list[int]", "sort(xs)"), lambda xs: sorted(xs)),
    Oracle("sum", _sig(_XS, "int", "sum(xs)"), lambda xs: _fold(xs, 0, lambda x, a: a + x)),
    Oracle("product", _sig(_XS, "int", "product(xs)"), _product),
    Oracle("maximum", _sig(_XS, "int", "maximum(xs)"), lambda xs: _extreme(xs, int.__gt__)),
    Oracle("minimum", _sig(_XS, "int", "minimum(xs)"), lambda xs: _extreme(xs, int.__lt__)),
    Oracle(
        "count",
        _sig(_XSN, "int", "count(xs, fn x => x > n)"),
        lambda xs, n: len([x for x in xs if x > n]),
        direct=lambda impl, xs, n: impl(xs, lambda x: x > n),
    ),
    Oracle(
        "zipwith",  # truncates to the shorter list; the order of the arguments shows
        _sig(_XSYS, "list[int]", "zipwith(xs, ys, fn (a, b) => a * 10 - b)"),
        lambda xs, ys: [xs[i] * 10 - ys[i] for i in range(min(len(xs), len(ys)))],
        direct=lambda impl, xs, ys: impl(xs, ys, lambda a, b: a * 10 - b),
    ),
    Oracle(
        "scanl1",  # f(running value, next element)
        _sig(_XS, "list[int]", "scanl1(xs, fn (a, b) => a * 2 - b)"),
        lambda xs: _scanl1(xs, lambda a, b: a * 2 - b),
        direct=lambda impl, xs: impl(xs, lambda a, b: a * 2 - b),
    ),
    Oracle(
        "replicate",
        _sig(_XSN, "list[list[int]]", "replicate(n, xs)"),
        lambda xs, n: [list(xs) for _ in _upto(n)],
        direct=lambda impl, xs, n: impl(n, xs),
    ),
)


def _out_of_range() -> list[Any]:
    raise dsl.IndexOutOfRangeError


@functools.cache
def _compiled(source: str) -> dsl.CompiledDefinition:
    return dsl.compile_definition(dsl.parse(source)["f"], library=dsl.EXTENDED)


def _calls(e: dsl.Expr) -> set[str]:
    names = {e.func} if isinstance(e, dsl.Call) else set()
    if isinstance(e, dsl.Var):
        names.add(e.name)
    return names.union(*(_calls(c) for c in dsl.children(e)))


def test_every_primitive_has_an_oracle() -> None:
    assert {o.prim for o in ORACLES} == set(dsl.EXTENDED.names)
    for o in ORACLES:
        assert o.prim in _calls(dsl.parse(o.source)["f"].body), o.source


@pytest.mark.parametrize("case", ORACLES, ids=lambda o: f"{o.prim}:{o.id}")
@given(data=st.data())
def test_primitive_agrees_with_oracle(case: Oracle, data: st.DataObject) -> None:
    args = data.draw(case.arguments(), label="args")
    expected = _outcome(lambda: case.oracle(*copy.deepcopy(args)))
    assert _outcome(lambda: _compiled(case.source)(*args)) == expected, "through the language"
    if case.direct is not None:
        impl = dsl.EXTENDED[case.prim].impl
        direct = _outcome(lambda: dsl.to_external(case.direct(impl, *dsl.to_internal(args))))
        assert direct == expected, "prim.impl"


# ---- 5. the exported Python agrees with the interpreter --------------------------------------


_SHADOWING = strategies.program("def f(x: int, x_0: int) -> int = let x = 1 in x_0", [(5, 7)])
"""Shadowing ``x`` next to a variable called ``x_0``: a renaming must not capture it."""


def _exported_name(name: str) -> str:
    """The export names its function after the definition, with ``_`` added where the name
    is a Python keyword or a builtin that the exported helpers call."""
    renamed = keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in PY_NAMES
    return f"{name}_" if renamed else name


def _check_export_agrees(
    definition: dsl.Definition, library: dsl.Library, inputs: tuple[tuple[Any, ...], ...]
) -> None:
    compiled = dsl.compile_definition(definition, library=library, limits=LIMITS)
    source = definition.to_python(library=library)
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(source, f"<export of {definition.name}>", "exec"), namespace)
    exported = namespace[_exported_name(definition.name)]
    for args in inputs:
        kind, expected = _outcome(functools.partial(compiled, *args))
        if kind == "value":
            assert _tagged(exported(*copy.deepcopy(args))) == expected, args
        elif expected is not dsl.EvalBudgetError:  # the export has no fuel: it might not stop
            # the export defines same-named error classes and must fail the same way
            assert expected in RUNTIME_ERRORS, (args, expected)
            assert _export_error(exported, args) == expected.__name__, args


def _export_error(exported: Callable[..., Any], args: tuple[Any, ...]) -> str | None:
    """The name of the exception class the exported function raises on ``args``, if any."""
    try:
        exported(*copy.deepcopy(args))
    except Exception as exc:
        return type(exc).__name__
    return None


@given(strategies.well_typed_programs(library=dsl.EXTENDED))
@example(_SHADOWING)
def test_export_agrees_with_interpreter(p: Any) -> None:
    _check_export_agrees(p.definition, p.library, p.inputs)


_EXAMPLE_MODULE = dsl.parse(EXAMPLES.read_text(), filename=str(EXAMPLES))


@pytest.mark.parametrize("name", _EXAMPLE_MODULE.names)
@given(data=st.data())
def test_export_agrees_with_interpreter_on_examples(name: str, data: st.DataObject) -> None:
    d = _EXAMPLE_MODULE[name]
    one = st.tuples(
        *(
            st.lists(st.integers(-50, 50), max_size=8)
            if p.type == TList(INT)
            else st.integers(-50, 50)
            for p in d.params
        )
    )
    inputs = data.draw(st.lists(one, min_size=1, max_size=3), label="inputs")
    _check_export_agrees(d, dsl.CORE, tuple(inputs))


_PYTHON_HAZARDS = ("lambda", "class", "None", "sorted", "max", "len", "tuple", "map", "range")
"""Valid abstrax names that are Python keywords or builtins the exported helpers rely on."""


@given(
    strategies.well_typed_programs(
        library=dsl.EXTENDED,
        names=("f", *_PYTHON_HAZARDS),
        param_names=("xs", "n", *_PYTHON_HAZARDS),
    )
)
def test_export_is_hygienic(p: Any) -> None:
    """Whatever a program's names, its export is valid standalone Python that agrees."""
    # A definition or parameter named like a primitive hides it (``def map(...)`` calling
    # ``map`` calls itself), so the generator's program may not type-check: skip those.
    try:
        dsl.typecheck(p.definition, library=p.library)
    except dsl.TypeCheckError:
        assume(False)
    _check_export_agrees(p.definition, p.library, p.inputs)


# ---- names of bound variables do not matter ---------------------------------------------------


@given(strategies.well_typed_programs(library=dsl.EXTENDED))
@example(_SHADOWING)
def test_bound_variable_names_do_not_matter(p: Any) -> None:
    renamed = strategies.alpha_rename(p.definition)
    f = dsl.compile_definition(p.definition, library=p.library, limits=LIMITS)
    g = dsl.compile_definition(renamed, library=p.library, limits=LIMITS)
    for args in p.inputs:
        before = _outcome(functools.partial(f, *args))
        after = _outcome(functools.partial(g, *args))
        assert before == after, f"{args!r} on the renamed\n{dsl.pretty(renamed)}"


# ---- the interpreter is total on adversarial programs -----------------------------------------

ADVERSARIAL: tuple[tuple[str, str], ...] = (
    ("always-true while", "def f(n: int) -> int = while_(n, fn s => true, fn s => s + 1)"),
    ("constant while", "def f(xs: list[int]) -> list[int] = while_(xs, fn s => s == s, fn s => s)"),
    (
        "doubling while",
        "def f(xs: list[int]) -> list[int] = while_(xs, fn s => true, fn s => s ++ s)",
    ),
    ("self call", "def f(n: int) -> int = f(n)"),
    ("deep recursion", "def f(n: int) -> int = 1 + f(n - 1)"),
    ("growing recursion", "def f(xs: list[int]) -> list[int] = f(cons(1, xs)) ++ xs"),
    (
        "mutual recursion",
        "def even(n: int) -> bool = if n == 0 then true else odd(n - 1)\n"
        "def odd(n: int) -> bool = if n == 0 then false else even(n - 1)\n"
        "def f(n: int) -> bool = even(-1 - n * n)",
    ),
    (
        "list doubling",
        "def f(xs: list[int]) -> list[int] =\n"
        "  loop(1000000000000, xs ++ [1], fn (i, acc) => acc ++ acc)",
    ),
    (
        "nested doubling",
        "def f(xs: list[int]) -> list[list[int]] =\n"
        "  loop(1000000000, [xs], fn (i, acc) => acc ++ acc)",
    ),
    ("squaring", "def f(n: int) -> int = loop(1000000000000, n + 2, fn (i, acc) => acc * acc)"),
    ("idle loop", "def f(n: int) -> int = loop(1000000000000, n, fn (i, acc) => acc)"),
    ("huge range", "def f(n: int) -> list[int] = range(n * 1000000000 + 1000000000)"),
    (
        "fold over huge range",
        "def f(n: int) -> int = fold(range(1000000000), n, fn (x, a) => a + x)",
    ),
    ("huge replicate", "def f(n: int) -> list[int] = replicate(1000000000, n)"),
    ("product blow-up", "def f(n: int) -> int = product(replicate(100, n + 2))"),
    # A primitive as the step of loop: each step must cost fuel like a lambda's call does.
    ("loop with primitive step", "def f(n: int) -> int = loop(1000, n, mul)"),
    ("loop with primitive step 2", "def f(n: int) -> int = loop(1000, n, sub)"),
)

_SMALL_LIMITS = st.builds(
    dsl.Limits,
    fuel=st.integers(1, 500),
    max_depth=st.integers(1, 30),
    max_list_len=st.integers(1, 200),
    max_int=st.sampled_from([100, 2**31, 2**63 - 1]),
)


@pytest.mark.parametrize(("label", "source"), ADVERSARIAL, ids=[a[0] for a in ADVERSARIAL])
@given(limits=_SMALL_LIMITS, n=st.integers(0, 5), xs=st.lists(st.integers(-5, 5), max_size=4))
def test_interpreter_is_total_on_adversarial_programs(
    label: str, source: str, limits: dsl.Limits, n: int, xs: list[int]
) -> None:
    d = dsl.parse(source)["f"]
    f = dsl.compile_definition(d, library=dsl.EXTENDED, limits=limits)
    arg = xs if d.params[0].type == TList(INT) else n
    start = time.perf_counter()
    with pytest.raises(dsl.EvalBudgetError):
        f(arg)
    assert time.perf_counter() - start < 1.0


@given(strategies.nonterminating_programs(library=dsl.EXTENDED), _SMALL_LIMITS)
def test_always_true_while_never_returns(p: Any, limits: dsl.Limits) -> None:
    f = dsl.compile_definition(p.definition, library=p.library, limits=limits)
    for args in p.inputs:
        start = time.perf_counter()
        # a runtime error in init or step is fine; returning a value is not
        with pytest.raises((dsl.EvalBudgetError, *RUNTIME_ERRORS)):
            f(*args)
        assert time.perf_counter() - start < 1.0
