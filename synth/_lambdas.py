"""Lambda bodies of search terms as fast Python functions.

A higher-order application (``fold(xs, 0, fn (x, acc) => x + acc)``) runs its lambda's body
on every element at every point, so the body's per-call cost is the search's hottest path.
Here a body becomes a Python function ``f(e, x, a)``: ``e`` is the point (the parameters'
values, then any enclosing bound variables), ``x`` and ``a`` are the lambda's own one or two
variables, passed as arguments so that no environment tuple is built per call. Variables
and constants are read in place, and up to :data:`FUSE_MAX` operators are written into one
function from a source template (one per expression shape, compiled once per process);
larger bodies call the functions of their subterms, which bottom-up search has built
before. Most bodies take one or two Python calls per element.

The templates are generated from the term's productions alone (operators, and names bound
to its constants, primitives and sub-functions), never from user text, and cached in a
module-level table: a shape compiled once serves every store of the process.

The loops that call these functions are in :mod:`synth._loops`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import dsl
from dsl import Primitive, TList
from synth._closures import list_charger
from synth._grammar import Production

if TYPE_CHECKING:
    from synth._terms import TermStore

BodyFn = Callable[[tuple[Any, ...], Any, Any], Any]
"""``f(e, x, a)``: a lambda body's value at point ``e`` with the lambda's variables ``x``
and ``a`` (``a`` is None for a one-variable lambda); raises on an error."""

_INFIX: dict[str, str] = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "eq": "==",
    "ne": "!=",
}
_LAZY = frozenset({"if", "and", "or"})
# CORE's list primitives written in place, exactly as their implementations behave (an
# error is any exception; a list built is checked and charged by CL; ``_i`` and ``_n``,
# like ``_v``, are read right after they are set)
_LISTS: dict[str, str] = {
    "cons": "{CL}(({0},) + {1})",
    "concat": "{CL}({0} + {1})",
    "reverse": "{CL}({0}[::-1])",
    "take": "{CL}({0}[: max({1}, 0)])",
    "drop": "{CL}({0}[max({1}, 0) :])",
    "tail": "{CL}(({0} or BIG())[1:])",
    "head": "{0}[0]",
    "index": "{0}[_i if (_i := {1}) >= 0 else BIG()]",
    "range": "{CL}(tuple(range(_n if (_n := {0}) <= L else BIG())))",
}
_FACTORIES: dict[tuple[str, str], Callable[..., BodyFn]] = {}
_SHAPES: dict[tuple[Any, ...], Callable[..., BodyFn]] = {}  # see BodyBuilder._shape
FUSE_MAX = 2
"""Most operator nodes written into one function; a larger body is split into functions
that call each other (fewer, larger templates are faster to run but recur less, and each
distinct one is compiled once)."""


class _Unsupported(Exception):
    """The body holds what this form does not handle (a nested lambda, a recursive call,
    a variable of an enclosing lambda beyond the layout)."""


def builtin(prim: Primitive, table: dsl.Library) -> bool:
    """Whether ``prim`` is the primitive of that name in ``table`` (not a user's own)."""
    builtin = table.get(prim.name)
    return isinstance(builtin, Primitive) and builtin.impl is prim.impl


def _factory(names: str, expr: str) -> Callable[..., BodyFn]:
    """The function that makes a body function from its parts (constants, point indices,
    primitives, sub-functions, named ``names``), for one expression shape. Shapes recur
    across bodies, lambdas and searches, so each is compiled once per process."""
    make = _FACTORIES.get((names, expr))
    if make is None:
        source = f"lambda {names}: lambda e, x, a: {expr}"
        make = eval(compile(source, "<abstrax body>", "eval"), {})  # a fixed template
        _FACTORIES[(names, expr)] = make
    return make


class _Template:
    """The parts of one function being written: names in the template and their values."""

    def __init__(self, builder: BodyBuilder) -> None:
        # N is -M, bound once: -M in a template would build a new big int at every check
        self.names: list[str] = ["M", "N", "BIG", "L"]
        self.values: list[Any] = [builder.m, -builder.m, _big, builder.max_len]
        self.ops = 0

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names.append(name)
        self.values.append(value)
        return name


class BodyBuilder:
    """Builds and caches the body functions of one store's lambda terms."""

    def __init__(self, store: TermStore) -> None:
        self.store = store
        self.m = store.limits.max_int
        self.max_len = store.limits.max_list_len
        self.charge_list = list_charger(store.fuel, self.max_len)
        # lambda term -> its body function, or None: unsupported
        self._cache: dict[int, BodyFn | None] = {}
        # (term, variables of enclosing lambdas) -> function: a new body is one node over
        # bodies built before, so it reuses their functions
        self._functions: dict[tuple[int, int], BodyFn] = {}
        self._forms: dict[int, tuple[str, Any]] = {}  # rule -> its text (see _form)

    def release(self) -> None:
        """Drop the compiled bodies (see :meth:`TermStore.release`)."""
        self._cache.clear()
        self._functions.clear()
        self._forms.clear()

    def lambda_body(self, lam: int) -> BodyFn | None:
        """The body function of lambda term ``lam``, or None when the body cannot take
        this form."""
        if lam in self._cache:
            return self._cache[lam]
        store = self.store
        arity = len(store.prod(lam).payload)
        body = store.kids[lam][0]
        n_outer = len(store.env(body)) - arity
        result: BodyFn | None
        try:
            result = self._function(body, n_outer) if arity <= 2 else None
        except _Unsupported:
            result = None
        self._cache[lam] = result
        return result

    def _function(self, tid: int, n_outer: int) -> BodyFn:
        key = (tid, n_outer)
        made = self._functions.get(key)
        if made is None:
            t = _Template(self)
            shape = self._shape(tid, n_outer, t)
            make = _SHAPES.get(shape)
            if make is None:  # a new shape: write its text (binding the same values)
                text = _Template(self)
                expr = self._expr(tid, n_outer, text)
                make = _SHAPES[shape] = _factory(", ".join(text.names), expr)
            made = self._functions[key] = make(*t.values)
        return made

    def _shape(self, tid: int, n_outer: int, t: _Template) -> tuple[Any, ...]:
        """What decides term ``tid``'s text inside template ``t`` (as :meth:`_expr` writes
        it), binding the same values in the same order: most bodies have a shape seen
        before, and comparing shapes is cheaper than writing the text."""
        store = self.store
        rid = store.rule[tid]
        p = store.rule_prod[rid]
        kind = p.kind
        if kind == "var":
            return (self._variable(p, n_outer),)
        if kind == "lift":
            return self._shape(store.kids[tid][0], n_outer, t)
        values = t.values
        if kind == "const":
            values.append(p.payload)
            return ("k",)
        if kind == "param":
            return ("e", p.payload)
        if t.ops >= FUSE_MAX:
            values.append(self._function(tid, n_outer))
            return ("f",)
        form = self._forms.get(rid)
        if form is None:
            form = self._forms[rid] = self._form(p)
        t.ops += 1
        text, impl = form
        shape = (text, *[self._shape(k, n_outer, t) for k in store.kids[tid]])
        if impl is not None:
            values.append(impl)
        if "{CL}" in text:
            values.append(self.charge_list)
        return shape

    def _expr(self, tid: int, n_outer: int, t: _Template) -> str:
        """Python text of term ``tid`` inside template ``t``."""
        store = self.store
        rid = store.rule[tid]
        p = store.rule_prod[rid]
        kids = store.kids[tid]
        kind = p.kind
        if kind == "var":
            return self._variable(p, n_outer)
        if kind == "lift":
            return self._expr(kids[0], n_outer, t)
        if kind == "const":
            return t.bind("k", p.payload)
        if kind == "param":
            return f"e[{p.payload}]"
        if t.ops >= FUSE_MAX:  # a function of its own, called from here
            return f"{t.bind('f', self._function(tid, n_outer))}(e, x, a)"
        form = self._forms.get(rid)
        if form is None:
            form = self._forms[rid] = self._form(p)
        t.ops += 1
        args = [self._expr(k, n_outer, t) for k in kids]
        text, impl = form
        names = {}
        if impl is not None:
            names["P"] = t.bind("P", impl)
        if "{CL}" in text:
            names["CL"] = t.bind("CL", self.charge_list)
        return text.format(*args, **names)

    def _variable(self, p: Production, n_outer: int) -> str:
        """The text of bound variable ``p``: an enclosing lambda's variable is read from the
        point, this lambda's one or two are the function's arguments."""
        j = p.payload
        if j < n_outer:
            return f"e[{self.store.nparams + j}]"
        if j - n_outer > 1:
            raise _Unsupported("a third lambda variable")
        return "x" if j == n_outer else "a"

    def _form(self, p: Production) -> tuple[str, Any]:
        """The text of production ``p`` over its arguments ``{0}``, ``{1}``, ... (and
        ``{P}``, the name of its implementation, which is the second item)."""
        kind = p.kind
        if kind == "singleton":
            return "({0},)", None
        if kind not in ("prim", "def"):
            raise _Unsupported(kind)  # a lambda (nested), a recursive call
        core = kind == "prim" and builtin(p.payload, dsl.CORE)
        name = p.name
        if core and name == "if":
            return "({1} if {0} else {2})", None
        if core and name in ("and", "or"):
            return f"({{0}} {name} {{1}})", None
        if core and name in _INFIX:
            text = f"{{0}} {_INFIX[name]} {{1}}"
            return (_int_checked(text) if p.payload.needs_int_check() else f"({text})"), None
        if core and name in ("div", "mod"):
            # Python's // and % are CORE's div and mod; by zero they raise, as those do
            return f"({{0}} {'//' if name == 'div' else '%'} {{1}})", None
        if core and name == "neg":
            return (_int_checked("-{0}") if p.payload.needs_int_check() else "(-{0})"), None
        if core and name == "not":
            return "(not {0})", None
        if core and name == "length":
            return "len({0})", None
        if core and name in _LISTS:
            text = _LISTS[name]
            if isinstance(p.type, TList) and not text.startswith("{CL}"):
                text = "{CL}(" + text + ")"  # head or index of a list of lists
            return text, None
        call = "{P}(" + ", ".join(f"{{{i}}}" for i in range(len(p.args))) + ")"
        if kind == "prim" and p.payload.needs_int_check():
            return _int_checked(call), self.store.implementation(p)
        if isinstance(p.type, TList):
            return "{CL}(" + call + ")", self.store.implementation(p)
        return call, self.store.implementation(p)


def _int_checked(expr: str) -> str:
    """``expr``, raising when its int is beyond the bound (``_v`` is reused: each check
    reads it right after setting it)."""
    return f"(_v if N <= (_v := {expr}) <= M else BIG())"


class _Failed(Exception):
    """A body's run failed (an int beyond the bound, ``tail([])``, a negative index, a
    range too long). Loops turn any exception of a body into ERR, and only running out of
    fuel (an ``EvalBudgetError``) is told apart, so the cheapest exception to raise will
    do: about 0.2 µs, against about 0.9 µs for an ``EvalBudgetError`` with its message, and
    a failing body is common in search."""


def _big() -> Any:
    raise _Failed
