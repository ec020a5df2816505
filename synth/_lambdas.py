"""Lambda bodies as fast Python functions, and the loops of CORE that run them.

A higher-order application (``fold(xs, 0, fn (x, acc) => x + acc)``) runs its lambda's body
on every element at every point, so the body's per-call cost is the search's hottest path.
Here a body becomes a Python function ``f(e, x, a)``: ``e`` is the point (the parameters'
values, then any enclosing bound variables), ``x`` and ``a`` are the lambda's own one or two
variables, passed as arguments so that no environment tuple is built per call. Variables
and constants are read in place, and up to :data:`FUSE_MAX` operators are written into one
function from a source template (one per expression shape, compiled once per process);
larger bodies call the functions of their subterms, which bottom-up search has built
before. Most bodies take one or two Python calls per element.

The loops (``map``, ``filter``, ``fold``, ``loop``, ``while_``, and EXTENDED's ``count`` and
``zipwith``) call these functions directly, without a lambda wrapper per call. Their values
are exactly those of the closures of :mod:`synth._closures`: the same fuel (one unit per
lambda call, a list's length for each list an unchecked primitive builds), the same bounds,
the same errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import dsl
from dsl import Primitive, TList
from synth._closures import list_charger
from synth._grammar import Production
from synth._kernels import ERR

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
FUSE_MAX = 2
"""Most operator nodes written into one function; a larger body is split into functions
that call each other (fewer, larger templates are faster to run but recur less, and each
distinct one is compiled once)."""


class _Unsupported(Exception):
    """The body holds what this form does not handle (a nested lambda, a recursive call,
    a variable of an enclosing lambda beyond the layout)."""


def _builtin(prim: Primitive, table: dsl.Library) -> bool:
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
        self.names: list[str] = ["M", "BIG", "L"]
        self.values: list[Any] = [builder.m, _big, builder.max_len]
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
            expr = self._expr(tid, n_outer, t)
            made = self._functions[key] = _factory(", ".join(t.names), expr)(*t.values)
        return made

    def _expr(self, tid: int, n_outer: int, t: _Template) -> str:
        """Python text of term ``tid`` inside template ``t``."""
        store = self.store
        rid = store.rule[tid]
        p = store.rule_prod[rid]
        kids = store.kids[tid]
        kind = p.kind
        if kind == "var":
            j = p.payload
            if j < n_outer:
                return f"e[{store.nparams + j}]"
            if j - n_outer > 1:
                raise _Unsupported("a third lambda variable")
            return "x" if j == n_outer else "a"
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

    def _form(self, p: Production) -> tuple[str, Any]:
        """The text of production ``p`` over its arguments ``{0}``, ``{1}``, ... (and
        ``{P}``, the name of its implementation, which is the second item)."""
        kind = p.kind
        if kind == "singleton":
            return "({0},)", None
        if kind not in ("prim", "def"):
            raise _Unsupported(kind)  # a lambda (nested), a recursive call
        core = kind == "prim" and _builtin(p.payload, dsl.CORE)
        name = p.name
        if core and name == "if":
            return "({1} if {0} else {2})", None
        if core and name in ("and", "or"):
            return f"({{0}} {name} {{1}})", None
        if core and name in _INFIX:
            text = f"{{0}} {_INFIX[name]} {{1}}"
            return (_int_checked(text) if p.payload.needs_int_check() else f"({text})"), None
        if core and name == "neg":
            return _int_checked("-{0}"), None
        if core and name == "not":
            return "(not {0})", None
        if core and name == "length":
            return "len({0})", None
        if core and name in _LISTS:
            return _LISTS[name], None
        call = "{P}(" + ", ".join(f"{{{i}}}" for i in range(len(p.args))) + ")"
        if kind == "prim" and p.payload.needs_int_check():
            return _int_checked(call), self.store._impl(p)
        if isinstance(p.type, TList):
            return "{CL}(" + call + ")", self.store._impl(p)
        return call, self.store._impl(p)


def _int_checked(expr: str) -> str:
    """``expr``, raising when its int is beyond the bound (``_v`` is reused: each check
    reads it right after setting it)."""
    return f"(_v if -M <= (_v := {expr}) <= M else BIG())"


def _big() -> Any:
    raise dsl.EvalBudgetError("integer size", 0)


_LOOPS = frozenset({"map", "filter", "fold", "loop", "while_", "count", "zipwith"})


def loop_name(p: Any) -> str | None:
    """The name of the loop primitive production ``p`` is, if it is one of those run here."""
    if p.kind == "prim" and p.name in _LOOPS and _builtin(p.payload, dsl.EXTENDED):
        return str(p.name)
    return None


Runner = Callable[[Sequence[Sequence[Any]], Sequence[tuple[Any, ...]]], tuple[Any, ...]]
"""``run(columns, points)``: a loop application's values at ``points``, given its non-lambda
arguments' values there."""


def make_runner(store: TermStore, name: str, bodies: list[BodyFn]) -> Runner:
    """The runner of loop ``name`` with these body functions.

    At each point the loop's lambda calls are charged up front and the loop runs without
    counting; only a point where fuel runs out that way is run again exactly, a call at a
    time (:func:`_exact`), so that whether it runs out, and of what error it fails first,
    is as on the closure path. (Charging early can only make fuel run out earlier: a point
    that finishes, or fails otherwise, does the same when charged a call at a time.) A point
    where the run fails is ERR; one that runs out of fuel makes the whole candidate ERR.
    The runners are written out in full: a function call per point costs as much as a
    short loop.
    """
    f = bodies[0]
    fuel = store.fuel
    budget = store.fuel_budget
    m = store.limits.max_int
    max_len = store.limits.max_list_len
    err = ERR
    budget_error = dsl.EvalBudgetError
    exact = _exact(name, bodies, fuel)

    def settle(e: tuple[Any, ...], *args: Any) -> Any:
        """The value at one point, run exactly: a value, ERR, or _OUT_OF_FUEL."""
        fuel.left = budget
        try:
            v = exact(e, *args)
        except budget_error as exc:
            return _OUT_OF_FUEL if exc.resource == "fuel" else err
        except Exception:
            return err
        if (type(v) is int and not -m <= v <= m) or (type(v) is tuple and len(v) > max_len):
            return err
        return v

    if name in ("fold", "loop"):
        counted = name == "loop"

        def run_fold(columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]) -> Any:
            c0, c1 = columns
            out = []
            for e, xs, init in zip(pts, c0, c1, strict=True):
                if xs is err or init is err:
                    out.append(err)
                    continue
                acc = init
                try:
                    if counted:
                        fuel.left = budget - (xs if xs > 0 else 0)
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        for x in range(xs):
                            acc = f(e, x, acc)
                    else:
                        fuel.left = budget - len(xs)
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        for x in xs:
                            acc = f(e, x, acc)
                except budget_error as exc:
                    if exc.resource == "fuel":
                        acc = settle(e, xs, init)
                        if acc is _OUT_OF_FUEL:
                            return (err,) * len(pts)
                    else:
                        acc = err
                except Exception:
                    acc = err
                else:
                    if (type(acc) is int and not -m <= acc <= m) or (
                        type(acc) is tuple and len(acc) > max_len
                    ):
                        acc = err
                out.append(acc)
            return tuple(out)

        return run_fold
    if name in ("map", "filter", "count", "zipwith"):
        keep = name in ("filter", "count")
        zipped = name == "zipwith"

        def run_map(columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]) -> Any:
            c0 = columns[0]
            c1 = columns[1] if zipped else c0
            out = []
            for e, xs, ys in zip(pts, c0, c1, strict=True):
                if xs is err or ys is err:
                    out.append(err)
                    continue
                v: Any
                try:
                    if zipped:
                        fuel.left = budget - min(len(xs), len(ys))
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        v = tuple([f(e, x, y) for x, y in zip(xs, ys, strict=False)])
                    else:
                        fuel.left = budget - len(xs)
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        if keep:
                            kept = [x for x in xs if f(e, x, None)]
                            v = tuple(kept) if name == "filter" else len(kept)
                        else:
                            v = tuple([f(e, x, None) for x in xs])
                except budget_error as exc:
                    if exc.resource == "fuel":
                        v = settle(e, xs, ys) if zipped else settle(e, xs)
                        if v is _OUT_OF_FUEL:
                            return (err,) * len(pts)
                    else:
                        v = err
                except Exception:
                    v = err
                else:
                    if type(v) is tuple and len(v) > max_len:
                        v = err
                out.append(v)
            return tuple(out)

        return run_map
    if name == "while_":  # the number of calls is not known before: exact at every point

        def run_while(columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]) -> Any:
            out = []
            for e, state in zip(pts, columns[0], strict=True):
                v = err if state is err else settle(e, state)
                if v is _OUT_OF_FUEL:
                    return (err,) * len(pts)
                out.append(v)
            return tuple(out)

        return run_while
    raise ValueError(f"{name!r} is not a loop run here")


class _OutOfFuelMarker:
    __slots__ = ()


_OUT_OF_FUEL = _OutOfFuelMarker()


def _exact(name: str, bodies: list[BodyFn], fuel: Any) -> Callable[..., Any]:
    """Loop ``name`` at one point, charging fuel a call at a time as the closures do."""
    f = bodies[0]

    def tick() -> None:
        fuel.left -= 1
        if fuel.left < 0:
            raise dsl.EvalBudgetError("fuel", 0)

    if name in ("fold", "loop"):
        counted = name == "loop"

        def fold(e: tuple[Any, ...], xs: Any, acc: Any) -> Any:
            for x in range(xs) if counted else xs:
                tick()
                acc = f(e, x, acc)
            return acc

        return fold
    if name == "zipwith":

        def zipwith(e: tuple[Any, ...], xs: tuple[Any, ...], ys: tuple[Any, ...]) -> Any:
            out = []
            for x, y in zip(xs, ys, strict=False):
                tick()
                out.append(f(e, x, y))
            return tuple(out)

        return zipwith
    if name in ("map", "filter", "count"):

        def map_(e: tuple[Any, ...], xs: tuple[Any, ...]) -> Any:
            out = []
            for x in xs:
                tick()
                y = f(e, x, None)
                if name == "map":
                    out.append(y)
                elif y:
                    out.append(x)
            return len(out) if name == "count" else tuple(out)

        return map_
    if name == "while_":
        step = bodies[1]

        def while_(e: tuple[Any, ...], state: Any) -> Any:
            while True:
                tick()
                if not f(e, state, None):
                    return state
                tick()
                new = step(e, state, None)
                if new == state:
                    # a fixed point of the step where the condition holds: the loop never
                    # ends, so it runs out of fuel (without running until it does)
                    raise dsl.EvalBudgetError("fuel", 0)
                state = new

        return while_
    raise ValueError(f"{name!r} is not a loop run here")
