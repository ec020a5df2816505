"""Hypothesis strategies for the abstrax language, shared by the ``dsl`` property tests.

- :func:`types`, :func:`exprs`, :func:`modules`: syntactically well-formed ASTs (any names,
  any arities), for the ``parse(pretty(m)) == m`` law. They need not type-check.
- :func:`grammar_strings`: strings the grammar derives, through ``from_lark``.
- :func:`well_typed_programs`: random *well-typed* definitions, built type-directed from the
  primitives of a library, together with inputs of the parameter types.
- :func:`nonterminating_programs`: well-typed ``while_`` loops whose condition always holds.
- :func:`values`: Python values of a ground type.
- :func:`alpha_rename`: the same definition with every bound variable renamed apart.

Test modules are imported in pytest's ``importlib`` mode, so the tests load this file by path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lark
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

import dsl
from dsl import (
    BOOL,
    INT,
    BoolLit,
    Call,
    Definition,
    Expr,
    IntLit,
    Lambda,
    Let,
    Library,
    ListLit,
    Module,
    Param,
    TFun,
    TList,
    TVar,
    Type,
    UnificationError,
    Unifier,
    Var,
)

# ---- syntax: any well-formed AST -------------------------------------------------------------

NAMES = (
    "x",
    "y",
    "xs",
    "acc",
    "f",
    "Foo",
    "_t",
    "x_0",
    "int",  # a type name, but an ordinary name in expressions
    "bool",
    "head",  # primitive names are ordinary names to the parser
    "add",
    "neg",
    "index",
    "iff",  # keyword prefixes and extensions: the lexer must take the longest match
    "define",
    "nota",
    "lets",
    "fnx",
    "lambda",  # Python keywords are fine names in abstrax
    "class",
)
"""Names for variables, calls, parameters and definitions: none is a keyword of the language."""

TYPE_VARIABLES = ("a", "b", "elem", "t_1", "iff")
"""Names of type variables: lowercase, and neither ``int`` nor ``bool``."""

_BINARY_PRIMS = tuple(sorted({*dsl.OPERATORS.values(), "index"}))
_UNARY_PRIMS = tuple(sorted(dsl.UNARY_OPERATORS.values()))
_CALLABLE_NAMES = tuple(n for n in NAMES if n not in dsl.KEYWORDS)

assert not dsl.KEYWORDS & {*NAMES, *TYPE_VARIABLES}


def types() -> st.SearchStrategy[Type]:
    """Types as written in signatures: int, bool, type variables, lists and function types."""
    leaves = st.sampled_from([INT, BOOL]) | st.builds(TVar, st.sampled_from(TYPE_VARIABLES))
    return st.recursive(
        leaves,
        lambda inner: (
            st.builds(TList, inner) | st.builds(TFun, st.lists(inner, max_size=3).map(tuple), inner)
        ),
        max_leaves=6,
    )


def exprs(*, max_leaves: int = 20) -> st.SearchStrategy[Expr]:
    """Syntactically well-formed expressions.

    Operators (``add``, ``if``, ``not``, ...) appear with their own arity, since the printer
    writes them as operators; any other name is called with any number of arguments.
    Integer literals may be negative and large.
    """
    names = st.sampled_from(NAMES)
    leaves = st.one_of(
        st.builds(IntLit, st.integers()),
        st.builds(BoolLit, st.booleans()),
        st.builds(Var, names),
    )

    def extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        some = st.lists(inner, max_size=3).map(tuple)
        return st.one_of(
            st.builds(ListLit, some),
            st.builds(Call, st.sampled_from(_CALLABLE_NAMES), some),
            st.builds(
                lambda f, a, b: Call(f, (a, b)), st.sampled_from(_BINARY_PRIMS), inner, inner
            ),
            st.builds(lambda f, a: Call(f, (a,)), st.sampled_from(_UNARY_PRIMS), inner),
            st.builds(lambda c, a, b: Call("if", (c, a, b)), inner, inner, inner),
            st.builds(Lambda, st.lists(names, min_size=1, max_size=3).map(tuple), inner),
            st.builds(Let, names, inner, inner),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def definitions(*, name: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Definition]:
    """``def name(params) -> type = body`` with syntactically well-formed parts."""
    params = st.lists(st.builds(Param, st.sampled_from(NAMES), types()), max_size=3)
    return st.builds(
        Definition,
        name if name is not None else st.sampled_from(NAMES),
        params.map(tuple),
        types(),
        exprs(),
    )


def modules() -> st.SearchStrategy[Module]:
    """Modules of up to three definitions with distinct names (the parser rejects repeats)."""
    return st.lists(definitions(), max_size=3, unique_by=lambda d: d.name).map(
        lambda ds: Module(tuple(ds))
    )


def grammar_strings(
    start: str, *, names: st.SearchStrategy[str], shortest_bias: int = 8
) -> st.SearchStrategy[str]:
    """Strings that ``grammar.lark`` derives from ``start``, drawn by ``from_lark``.

    Every token comes with spaces around it (an explicit strategy per terminal): otherwise
    most tokens run together (``deffoo``) and the strings test the lexer, not the grammar.
    NAMEs are drawn from ``names``, so keywords and odd names come in only through it.

    ``from_lark`` picks the alternatives of a rule uniformly. The expression grammar has ten
    precedence levels whose alternatives mostly recurse, so nearly every draw outgrows
    Hypothesis's buffer and is thrown away, at ~0.1 s a draw. Each rule is therefore tilted
    towards its shortest non-empty alternative (in this grammar: one step down towards an
    atom, or one more item of a list), ``shortest_bias`` times as likely as each other one.
    Every alternative stays possible, and every string is still one the grammar derives.
    """
    used = lark.Lark(dsl.grammar_text(), parser="lalr", start=start).terminals
    explicit: dict[str, st.SearchStrategy[str]] = {
        t.name: st.just(f" {t.pattern.value} ") for t in used if t.pattern.type == "str"
    }
    explicit["NAME"] = names.map(lambda n: f" {n} ")
    explicit["INT"] = st.integers(0, 10**30).map(lambda n: f" {n} ")
    explicit["WS"] = st.sampled_from([" ", "\n", "\t "])
    explicit["COMMENT"] = st.just("# a comment\n")
    strategy = from_lark(dsl._parser.lark_parser(), start=start, explicit=explicit)
    # Hypothesis internals: LarkStrategy.nonterminal_strategies maps each rule to a
    # sampled_from of its alternatives. Where they are not there, draw unbiased (slowly).
    rules = getattr(getattr(strategy, "wrapped_strategy", None), "nonterminal_strategies", {})
    for rule, alternatives in rules.items():
        options = list(getattr(alternatives, "elements", ()))
        if non_empty := [o for o in options if o]:
            shortest = min(non_empty, key=len)
            rules[rule] = st.sampled_from([shortest] * shortest_bias + options)
    return strategy


# ---- semantics: well-typed programs ---------------------------------------------------------

BASE_TYPES: tuple[Type, ...] = (INT, BOOL, TList(INT), TList(BOOL), TList(TList(INT)))
"""Types of parameters, results and ``let`` values of generated programs."""

_ELEMENT_TYPES: tuple[Type, ...] = (INT, BOOL, TList(INT))

PARAM_NAMES = ("xs", "n", "x", "ys", "x_0", "b")
BINDERS = ("x", "y", "acc", "i", "s", "x_0", "x_1", "xs", "n")
"""Names of lambda parameters and ``let`` variables; they may shadow parameters and each other
(``x_0`` next to ``x`` also checks that the compiler's renaming cannot capture a name)."""


def values(t: Type) -> st.SearchStrategy[Any]:
    """Small Python values of the ground type ``t`` (lists as Python lists)."""
    if t == INT:
        return st.integers(-8, 8)
    if t == BOOL:
        return st.booleans()
    if isinstance(t, TList):
        return st.lists(values(t.elem), max_size=5)
    raise ValueError(f"no values for type {t}")


@dataclass(frozen=True, slots=True)
class Program:
    """A well-typed definition, the library it is typed in, and inputs of its parameter types."""

    definition: Definition
    library: Library
    inputs: tuple[tuple[Any, ...], ...]

    def __repr__(self) -> str:
        return (
            f"Program(library={self.library.name}, inputs={self.inputs!r}, source:\n"
            f"{dsl.pretty(self.definition)}\n)"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis prints falsifying examples with this (IPython's protocol)
        printer.text(repr(self))


def program(
    source: str, inputs: Sequence[Sequence[Any]], *, library: Library = dsl.CORE
) -> Program:
    """A :class:`Program` from source text, for explicit ``@example``s."""
    module = dsl.parse(source)
    return Program(module[module.names[-1]], library, tuple(tuple(i) for i in inputs))


def _list_depth(t: Type) -> int:
    return 1 + _list_depth(t.elem) if isinstance(t, TList) else 0


Rule = Callable[[Type, Mapping[str, Type], int], Expr]


class _Builder:
    """Draws an expression of a requested type, choosing among the rules that produce it."""

    def __init__(
        self, draw: st.DrawFn, library: Library, name: str, params: tuple[Param, ...], ret: Type
    ) -> None:
        self.draw = draw
        self.library = library
        self.name = name
        self.params = params
        self.ret = ret
        self._prim_values: dict[TFun, tuple[str, ...]] = {}

    def pick(self, options: Sequence[Any]) -> Any:
        return self.draw(st.sampled_from(options))

    def has(self, prim: str, env: Mapping[str, Type]) -> bool:
        """The primitive is in the library and not shadowed by a local variable."""
        return prim in self.library and prim not in env

    # -- entry points --------------------------------------------------------------------
    def expr(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        # variables first, and twice: programs should mostly compute from their inputs
        rules: list[Rule] = [self.var, self.var] if any(v == t for v in env.values()) else []
        rules.append(self.literal)
        if depth > 0:
            rules += self.rules(t, env)
        rule: Rule = self.pick(rules)
        return rule(t, env, depth - 1)

    def fn(self, ftype: TFun, env: Mapping[str, Type], depth: int, *, lambdas_only: bool) -> Expr:
        """A lambda of type ``ftype``, or a primitive of exactly that type passed as a value."""
        prims = () if lambdas_only else self.prim_values(ftype, env)
        if prims and self.draw(st.booleans()):
            return Var(self.pick(prims))
        arity = len(ftype.params)
        names = self.draw(
            st.lists(st.sampled_from(BINDERS), min_size=arity, max_size=arity, unique=True)
        )
        inner = {**env, **dict(zip(names, ftype.params, strict=True))}
        return Lambda(tuple(names), self.expr(ftype.ret, inner, depth))

    def prim_values(self, ftype: TFun, env: Mapping[str, Type]) -> tuple[str, ...]:
        if ftype not in self._prim_values:
            fits = []
            for p in self.library.primitives:
                if p.name in dsl.KEYWORDS or p.arity != len(ftype.params):
                    continue  # keywords ("and", "if") cannot be written as values
                u = Unifier()
                try:
                    u.unify(u.instantiate(p.type), ftype)
                except UnificationError:
                    continue
                fits.append(p.name)
            self._prim_values[ftype] = tuple(fits)
        return tuple(n for n in self._prim_values[ftype] if n not in env)

    # -- leaves --------------------------------------------------------------------------
    def literal(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        if t == INT:
            return IntLit(self.draw(st.integers(-5, 5)))
        if t == BOOL:
            return BoolLit(self.draw(st.booleans()))
        assert isinstance(t, TList)
        n = self.draw(st.integers(0, 2))
        return ListLit(tuple(self.literal(t.elem, env, depth) for _ in range(n)))

    def var(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        return Var(self.pick(sorted(n for n, v in env.items() if v == t)))

    # -- compound rules ------------------------------------------------------------------
    def call(self, prim: str, *arg_types: Type) -> Rule:
        """A rule for ``prim(e1, ...)`` with first-order arguments of the given types."""

        def rule(t: Type, env: Mapping[str, Type], depth: int) -> Expr:
            return Call(prim, tuple(self.expr(a, env, depth) for a in arg_types))

        return rule

    def rules(self, t: Type, env: Mapping[str, Type]) -> list[Rule]:
        out: list[Rule] = []
        has = self.has
        out.append(self.let)
        if has("if", env):
            out.append(self.call("if", BOOL, t, t))
        if _list_depth(t) < 2:
            for prim in ("head", "last"):
                if has(prim, env):
                    out.append(self.call(prim, TList(t)))
            if has("index", env):
                out.append(self.call("index", TList(t), INT))
        if has("fold", env):
            out.append(self.fold)
        if has("loop", env):
            out.append(self.loop)
        if has("while_", env):
            out.append(self.while_)
        if t == self.ret and self.name not in env:
            out.append(self.recurse)
        if t == INT:
            out += [
                self.call(p, INT, INT) for p in ("add", "sub", "mul", "div", "mod") if has(p, env)
            ]
            out += [self.call(p, INT) for p in ("neg", "abs") if has(p, env)]
            out += [
                self.call(p, TList(INT))
                for p in ("sum", "product", "maximum", "minimum")
                if has(p, env)
            ]
            if has("length", env):
                out.append(self.length)
            if has("count", env):
                out.append(self.count)
        elif t == BOOL:
            out += [self.call(p, INT, INT) for p in ("lt", "le", "gt", "ge") if has(p, env)]
            out += [self.call(p, BOOL, BOOL) for p in ("and", "or") if has(p, env)]
            if has("not", env):
                out.append(self.call("not", BOOL))
            out += [self.equality(p) for p in ("eq", "ne") if has(p, env)]
        elif isinstance(t, TList):
            e = t.elem
            if has("cons", env):
                out.append(self.call("cons", e, t))
            for prim in ("tail", "reverse"):
                if has(prim, env):
                    out.append(self.call(prim, t))
            if has("concat", env):
                out.append(self.call("concat", t, t))
            for prim in ("take", "drop"):
                if has(prim, env):
                    out.append(self.call(prim, t, INT))
            if has("filter", env):
                out.append(self.filter)
            if has("map", env):
                out.append(self.map)
            if has("replicate", env):
                out.append(self.call("replicate", INT, e))
            if has("scanl1", env):
                out.append(self.scanl1)
            if has("zipwith", env):
                out.append(self.zipwith)
            if e == INT:
                out += [self.call(p, INT) for p in ("range",) if has(p, env)]
                out += [self.call(p, t) for p in ("sort",) if has(p, env)]
        return out

    def let(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        s = self.pick(BASE_TYPES)
        name = self.pick(BINDERS)
        value = self.expr(s, env, depth)
        return Let(name, value, self.expr(t, {**env, name: s}, depth))

    def recurse(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        return Call(self.name, tuple(self.expr(p.type, env, depth) for p in self.params))

    def fold(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        s = self.pick(_ELEMENT_TYPES)
        xs = self.expr(TList(s), env, depth)
        init = self.expr(t, env, depth)
        return Call("fold", (xs, init, self.fn(TFun((s, t), t), env, depth, lambdas_only=False)))

    # A primitive passed as the step of `loop` or `while_` is called without charging fuel,
    # so `loop(n, 0, mul)` runs n steps however large n is (see test_properties.py): these
    # two get lambdas only, which keeps generated programs fast.
    def loop(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        n = self.expr(INT, env, depth)
        init = self.expr(t, env, depth)
        return Call("loop", (n, init, self.fn(TFun((INT, t), t), env, depth, lambdas_only=True)))

    def while_(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        init = self.expr(t, env, depth)
        cond = self.fn(TFun((t,), BOOL), env, depth, lambdas_only=True)
        step = self.fn(TFun((t,), t), env, depth, lambdas_only=True)
        return Call("while_", (init, cond, step))

    def length(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        return Call("length", (self.expr(TList(self.pick(_ELEMENT_TYPES)), env, depth),))

    def count(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        s = self.pick(_ELEMENT_TYPES)
        keep = self.fn(TFun((s,), BOOL), env, depth, lambdas_only=False)
        return Call("count", (self.expr(TList(s), env, depth), keep))

    def equality(self, prim: str) -> Rule:
        def rule(t: Type, env: Mapping[str, Type], depth: int) -> Expr:
            s = self.pick(BASE_TYPES)
            return Call(prim, (self.expr(s, env, depth), self.expr(s, env, depth)))

        return rule

    def filter(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        assert isinstance(t, TList)
        keep = self.fn(TFun((t.elem,), BOOL), env, depth, lambdas_only=False)
        return Call("filter", (self.expr(t, env, depth), keep))

    def map(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        assert isinstance(t, TList)
        s = self.pick(_ELEMENT_TYPES)
        f = self.fn(TFun((s,), t.elem), env, depth, lambdas_only=False)
        return Call("map", (self.expr(TList(s), env, depth), f))

    def scanl1(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        assert isinstance(t, TList)
        f = self.fn(TFun((t.elem, t.elem), t.elem), env, depth, lambdas_only=False)
        return Call("scanl1", (self.expr(t, env, depth), f))

    def zipwith(self, t: Type, env: Mapping[str, Type], depth: int) -> Expr:
        assert isinstance(t, TList)
        a, b = self.pick(_ELEMENT_TYPES), self.pick(_ELEMENT_TYPES)
        f = self.fn(TFun((a, b), t.elem), env, depth, lambdas_only=False)
        return Call(
            "zipwith", (self.expr(TList(a), env, depth), self.expr(TList(b), env, depth), f)
        )


@st.composite
def well_typed_programs(
    draw: st.DrawFn,
    *,
    library: Library = dsl.CORE,
    depth: int = 3,
    names: Sequence[str] = ("f",),
    param_names: Sequence[str] = PARAM_NAMES,
    max_inputs: int = 3,
) -> Program:
    """A random well-typed definition over ``library`` and inputs of its parameter types.

    The body is built type-directed from the library's primitives: literals, parameters and
    bound variables in scope, ``if``, ``let``, calls at matching types, lambdas (or primitives
    passed as values) for the higher-order primitives, and recursive calls. ``depth`` bounds
    the nesting of calls.
    """
    name = draw(st.sampled_from(names))
    pnames = draw(st.lists(st.sampled_from(param_names), min_size=1, max_size=3, unique=True))
    params = tuple(Param(p, draw(st.sampled_from(BASE_TYPES))) for p in pnames)
    ret = draw(st.sampled_from(BASE_TYPES))
    builder = _Builder(draw, library, name, params, ret)
    body = builder.expr(ret, {p.name: p.type for p in params}, depth)
    definition = Module((Definition(name, params, ret, body),))[name]
    one_input = st.tuples(*(values(p.type) for p in params))
    inputs = draw(st.lists(one_input, min_size=1, max_size=max_inputs))
    return Program(definition, library, tuple(inputs))


@st.composite
def nonterminating_programs(
    draw: st.DrawFn, *, library: Library = dsl.CORE, depth: int = 2, max_inputs: int = 3
) -> Program:
    """Well-typed ``while_`` loops whose condition always holds: no run can return a value.

    The body is ``while_(init, fn s => cond, fn s => step)`` where ``init`` and ``step`` are
    random expressions of one type (``step`` may use ``s``) and ``cond`` holds for every
    state, e.g. ``s == s`` or ``e or true``.
    """
    pnames = draw(st.lists(st.sampled_from(PARAM_NAMES), min_size=1, max_size=2, unique=True))
    params = tuple(Param(p, draw(st.sampled_from(BASE_TYPES))) for p in pnames)
    t = draw(st.sampled_from(BASE_TYPES))
    builder = _Builder(draw, library, "f", params, t)
    env = {p.name: p.type for p in params}
    state = {**env, "s": t}
    s = Var("s")
    conditions: list[Expr] = [
        BoolLit(True),
        Call("eq", (s, s)),
        Call("not", (Call("ne", (s, s)),)),
        Call("or", (builder.expr(BOOL, state, depth), BoolLit(True))),
    ]
    if isinstance(t, TList):
        conditions.append(Call("ge", (Call("length", (s,)), IntLit(0))))
    cond = draw(st.sampled_from(conditions))
    init = builder.expr(t, env, depth)
    step = builder.expr(t, state, depth)
    body = Call("while_", (init, Lambda(("s",), cond), Lambda(("s",), step)))
    definition = Module((Definition("f", params, t, body),))["f"]
    one_input = st.tuples(*(values(p.type) for p in params))
    inputs = draw(st.lists(one_input, min_size=1, max_size=max_inputs))
    return Program(definition, library, tuple(inputs))


# ---- alpha renaming ----------------------------------------------------------------------


def alpha_rename(d: Definition) -> Definition:
    """``d`` with its parameters, lambda parameters and ``let`` variables renamed ``v0``,
    ``v1``, ... (all distinct): the same function, with no name shadowing another."""
    fresh = (f"v{i}" for i in range(1_000_000))

    def go(e: Expr, env: Mapping[str, str]) -> Expr:
        if isinstance(e, Var):
            return Var(env.get(e.name, e.name))
        if isinstance(e, ListLit):
            return ListLit(tuple(go(i, env) for i in e.items))
        if isinstance(e, Call):
            return Call(env.get(e.func, e.func), tuple(go(a, env) for a in e.args))
        if isinstance(e, Lambda):
            new = {p: next(fresh) for p in e.params}
            return Lambda(tuple(new[p] for p in e.params), go(e.body, {**env, **new}))
        if isinstance(e, Let):
            name = next(fresh)
            return Let(name, go(e.value, env), go(e.body, {**env, e.name: name}))
        return e

    env = {p.name: next(fresh) for p in d.params}
    params = tuple(Param(env[p.name], p.type) for p in d.params)
    renamed = Definition(d.name, params, d.ret, go(d.body, env))
    return Module((renamed,))[d.name]
