"""Lambda bodies as fast Python functions, and the loops of CORE that run them.

A higher-order application (``fold(xs, 0, fn (x, acc) => x + acc)``) runs its lambda's body
on every element at every point, so the body's per-call cost is the search's hottest path.
Here a body becomes a tree of Python functions ``f(e, x, a)``: ``e`` is the point (the
parameters' values, then any enclosing bound variables), ``x`` and ``a`` are the lambda's
own one or two variables, passed as arguments so that no environment tuple is built per
call. A node whose children are variables or constants reads them directly instead of
calling a function per child: its function comes from a small source template (one per
operator and child shape, compiled once per process), so most bodies take one or two
Python calls per element.

The loops (``map``, ``filter``, ``fold``, ``loop``, ``while_``, and EXTENDED's ``count`` and
``zipwith``) run these functions directly, without a lambda wrapper per call. They charge
the same fuel as the interpreter's semantics in the search (one unit per lambda call, a
list's length for every list an unchecked primitive builds) and apply the same bounds; a
body that builds no list has its calls charged once, up front.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import dsl
from dsl import Primitive, TList
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
        self.names: list[str] = ["M", "BIG"]
        self.values: list[Any] = [builder.m, _big]
        self.ops = 0
        self.charges = False  # whether the function builds lists (and so charges fuel)

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
        fuel = store.fuel
        max_len = self.max_len

        def charge_list(v: tuple[Any, ...]) -> tuple[Any, ...]:
            n = len(v)
            if n > max_len:
                raise dsl.EvalBudgetError("list length", max_len)
            fuel.left -= n
            if fuel.left < 0:
                raise dsl.EvalBudgetError("fuel", 0)
            return v

        self.charge_list = charge_list
        # (lambda term) -> (body function, whether it charges fuel), or None: unsupported
        self._cache: dict[int, tuple[BodyFn, bool] | None] = {}
        # (term, variables of enclosing lambdas) -> (function, whether it charges fuel):
        # a new body is one node over bodies built before, so it reuses their functions
        self._functions: dict[tuple[int, int], tuple[BodyFn, bool]] = {}

    def lambda_body(self, lam: int) -> tuple[BodyFn, bool] | None:
        """The body function of lambda term ``lam`` and whether it charges fuel (builds
        lists), or None when the body cannot take this form."""
        if lam in self._cache:
            return self._cache[lam]
        store = self.store
        arity = len(store.prod(lam).payload)
        body = store.kids[lam][0]
        n_outer = len(store.env(body)) - arity
        result: tuple[BodyFn, bool] | None
        try:
            result = self._function(body, n_outer) if arity <= 2 else None
        except _Unsupported:
            result = None
        self._cache[lam] = result
        return result

    def _function(self, tid: int, n_outer: int) -> tuple[BodyFn, bool]:
        key = (tid, n_outer)
        made = self._functions.get(key)
        if made is None:
            t = _Template(self)
            expr = self._expr(tid, n_outer, t)
            made = (_factory(", ".join(t.names), expr)(*t.values), t.charges)
            self._functions[key] = made
        return made

    def _expr(self, tid: int, n_outer: int, t: _Template) -> str:
        """Python text of term ``tid`` inside template ``t``."""
        store = self.store
        p = store.prod(tid)
        kids = store.kids[tid]
        kind = p.kind
        if kind == "lift":
            return self._expr(kids[0], n_outer, t)
        if kind == "const":
            return t.bind("k", p.payload)
        if kind == "param":
            return f"e[{p.payload}]"
        if kind == "var":
            j = p.payload
            if j < n_outer:
                return f"e[{store.nparams + j}]"
            if j - n_outer > 1:
                raise _Unsupported("a third lambda variable")
            return "x" if j == n_outer else "a"
        if kind not in ("prim", "def", "singleton"):
            raise _Unsupported(kind)
        if any(store.prod(k).kind == "lambda" for k in kids):
            raise _Unsupported("a nested lambda")
        if t.ops >= FUSE_MAX:  # a function of its own, called from here
            fn, charges = self._function(tid, n_outer)
            t.charges = t.charges or charges
            return f"{t.bind('f', fn)}(e, x, a)"
        t.ops += 1
        args = [self._expr(k, n_outer, t) for k in kids]
        if kind == "singleton":
            return f"({args[0]},)"
        core = kind == "prim" and _builtin(p.payload, dsl.CORE)
        name = p.name
        if core and name == "if":
            return f"({args[1]} if {args[0]} else {args[2]})"
        if core and name in ("and", "or"):
            return f"({args[0]} {name} {args[1]})"
        if core and name in _INFIX:
            expr = f"{args[0]} {_INFIX[name]} {args[1]}"
            return _int_checked(expr) if p.payload.needs_int_check() else f"({expr})"
        if core and name == "neg":
            return _int_checked(f"-{args[0]}")
        if core and name == "not":
            return f"(not {args[0]})"
        if core and name == "length":
            return f"len({args[0]})"
        expr = f"{t.bind('P', store._impl(p))}({', '.join(args)})"
        if kind == "prim" and p.payload.needs_int_check():
            return _int_checked(expr)
        if isinstance(p.type, TList):
            t.charges = True
            return f"{t.bind('CL', self.charge_list)}({expr})"
        return expr


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


def make_runner(store: TermStore, name: str, bodies: list[tuple[BodyFn, bool]]) -> Runner:
    """The runner of loop ``name`` with these body functions (and whether each charges
    fuel).

    Each runner is written out in full, error handling included: a function call per point
    costs as much as a short loop. A point where the run fails is ERR; one where it runs out
    of fuel makes the whole candidate ERR, as on the closure path. A loop whose body charges
    no fuel has its calls counted up front, and runs without counting when they fit.
    """
    f, charges = bodies[0]
    fuel = store.fuel
    budget = store.fuel_budget
    m = store.limits.max_int
    max_len = store.limits.max_list_len
    err = ERR
    budget_error = dsl.EvalBudgetError

    def tick() -> None:
        fuel.left -= 1
        if fuel.left < 0:
            raise budget_error("fuel", 0)

    def out_of_fuel(exc: dsl.EvalBudgetError, n: int) -> tuple[Any, ...] | None:
        return (err,) * n if exc.resource == "fuel" else None

    if name in ("fold", "loop"):
        counted = name == "loop"

        def run_fold(columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]) -> Any:
            c0, c1 = columns
            out = []
            for e, xs, acc in zip(pts, c0, c1, strict=True):
                if xs is err or acc is err:
                    out.append(err)
                    continue
                try:
                    seq = range(xs) if counted else xs
                    if charges or len(seq) > budget:
                        fuel.left = budget
                        for x in seq:
                            tick()
                            acc = f(e, x, acc)
                    else:
                        for x in seq:
                            acc = f(e, x, acc)
                except budget_error as exc:
                    if (failed := out_of_fuel(exc, len(pts))) is not None:
                        return failed
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
    if name in ("map", "filter", "count"):
        keep = name != "map"
        as_list = name == "filter"

        def run_map(columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]) -> Any:
            (c0,) = columns
            out = []
            for e, xs in zip(pts, c0, strict=True):
                if xs is err:
                    out.append(err)
                    continue
                v: Any
                try:
                    if charges or len(xs) > budget:
                        fuel.left = budget
                        acc = []
                        for x in xs:
                            tick()
                            y = f(e, x, None)
                            if not keep:
                                acc.append(y)
                            elif y:
                                acc.append(x)
                    elif keep:
                        acc = [x for x in xs if f(e, x, None)]
                    else:
                        acc = [f(e, x, None) for x in xs]
                    v = tuple(acc) if as_list or not keep else len(acc)
                except budget_error as exc:
                    if (failed := out_of_fuel(exc, len(pts))) is not None:
                        return failed
                    v = err
                except Exception:
                    v = err
                else:
                    if type(v) is tuple and len(v) > max_len:
                        v = err
                out.append(v)
            return tuple(out)

        return run_map
    if name == "zipwith":

        def run_zip(columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]) -> Any:
            c0, c1 = columns
            out = []
            for e, xs, ys in zip(pts, c0, c1, strict=True):
                if xs is err or ys is err:
                    out.append(err)
                    continue
                v: Any
                try:
                    if charges or min(len(xs), len(ys)) > budget:
                        fuel.left = budget
                        acc = []
                        for x, y in zip(xs, ys, strict=False):
                            tick()
                            acc.append(f(e, x, y))
                        v = tuple(acc)
                    else:
                        v = tuple([f(e, x, y) for x, y in zip(xs, ys, strict=False)])
                except budget_error as exc:
                    if (failed := out_of_fuel(exc, len(pts))) is not None:
                        return failed
                    v = err
                except Exception:
                    v = err
                out.append(v)
            return tuple(out)

        return run_zip
    if name == "while_":
        step = bodies[1][0]

        def run_while(columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]) -> Any:
            (c0,) = columns
            out = []
            for e, state in zip(pts, c0, strict=True):
                if state is err:
                    out.append(err)
                    continue
                fuel.left = budget
                try:
                    while True:
                        tick()
                        if not f(e, state, None):
                            break
                        tick()
                        state = step(e, state, None)
                except budget_error as exc:
                    if (failed := out_of_fuel(exc, len(pts))) is not None:
                        return failed
                    state = err
                except Exception:
                    state = err
                else:
                    if (type(state) is int and not -m <= state <= m) or (
                        type(state) is tuple and len(state) > max_len
                    ):
                        state = err
                out.append(state)
            return tuple(out)

        return run_while
    raise ValueError(f"{name!r} is not a loop run here")
