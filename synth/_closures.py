"""Closures of search terms, for evaluation inside lambdas.

A higher-order application runs its lambda on every element at every point; the lambda's
body is a tree of small Python closures composed once per term (CORE operators fused with
their C implementation, ``if``/``and``/``or`` lazy), checked against the search's bounds.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import dsl
from dsl import Primitive, TList
from synth._grammar import Production
from synth._kernels import TOTAL2

if TYPE_CHECKING:
    from synth._terms import TermStore

_LAZY = frozenset({"if", "and", "or"})


def _lazy_core(prim: Primitive) -> str | None:
    core = dsl.CORE.get(prim.name)
    if prim.name in _LAZY and isinstance(core, Primitive) and core.impl is prim.impl:
        return prim.name
    return None


def lambda_closure(
    fuel: Any, body: Callable[[tuple[Any, ...]], Any], arity: int
) -> Callable[[tuple[Any, ...]], Callable[..., Any]]:
    """From an environment to the Python function of a lambda; each call costs fuel."""

    def make(env: tuple[Any, ...]) -> Callable[..., Any]:
        if arity == 1:

            def f1(x: Any) -> Any:
                fuel.left -= 1
                if fuel.left < 0:
                    raise dsl.EvalBudgetError("fuel", 0)
                return body((*env, x))

            return f1

        def fn(*xs: Any) -> Any:
            fuel.left -= 1
            if fuel.left < 0:
                raise dsl.EvalBudgetError("fuel", 0)
            return body(env + xs)

        return fn

    return make


def build_closure(store: TermStore, tid: int) -> Callable[[tuple[Any, ...]], Any]:
    """The closure of term ``tid``: from a full environment tuple to its value; it raises on
    an error (``EvalError``, a bound) instead of returning ERR."""
    p = store.prod(tid)
    kids = store.kids[tid]
    if p.kind == "const":
        c = p.payload
        return lambda e: c
    if p.kind == "param":
        return operator.itemgetter(p.payload)
    if p.kind == "var":
        return operator.itemgetter(store.nparams + p.payload)
    if p.kind == "singleton":
        f = store.closure(kids[0])
        return lambda e: (f(e),)
    if p.kind == "lambda":
        return lambda_closure(store.fuel, store.closure(kids[0]), len(p.payload))
    if p.kind == "self":
        raise ValueError("recursive terms are evaluated by the interpreter")
    if p.kind == "lift":
        return store.closure(kids[0])
    impl = store.implementation(p)
    fs = [store.closure(k) for k in kids]
    lazy = _lazy_core(p.payload) if p.kind == "prim" else None
    if lazy == "if":
        c, a, b = fs
        return lambda e: a(e) if c(e) else b(e)
    if lazy == "and":
        a, b = fs
        return lambda e: a(e) and b(e)
    if lazy == "or":
        a, b = fs
        return lambda e: a(e) or b(e)
    m = store.limits.max_int
    low = -m  # bound once: -m builds a new big int each time
    max_len = store.limits.max_list_len
    fuel = store.fuel
    fused = _fused(p, fs, m) if p.kind == "prim" else None
    if fused is not None:
        return fused
    base = _call(impl, fs)
    if p.kind == "prim" and p.payload.needs_int_check():

        def checked_int(e: tuple[Any, ...]) -> Any:
            v = base(e)
            if low <= v <= m:
                return v
            raise dsl.EvalBudgetError("integer size", m)

        return checked_int
    if isinstance(p.type, TList):
        charge = list_charger(fuel, max_len)
        return lambda e: charge(base(e))
    return base


def list_charger(fuel: Any, max_len: int) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function that checks a list a primitive built against the length bound and charges
    its length to ``fuel`` (raising when either runs out), then returns it."""

    def charge_list(v: tuple[Any, ...]) -> tuple[Any, ...]:
        n = len(v)
        if n > max_len:
            raise dsl.EvalBudgetError("list length", max_len)
        fuel.left -= n
        if fuel.left < 0:
            raise dsl.EvalBudgetError("fuel", 0)
        return v

    return charge_list


_C_OPS: dict[str, Callable[..., Any]] = {
    **{name: op for name, op in TOTAL2.items() if name != "concat"},  # concat builds a list
    "neg": operator.neg,
    "not": operator.not_,
    "length": len,
}


def _fused(
    p: Production, fs: list[Callable[[Any], Any]], m: int
) -> Callable[[tuple[Any, ...]], Any] | None:
    """One Python function for a CORE operator over its children (the operator itself runs
    in C): the closures under a lambda run once per element, so every frame saved counts."""
    op = _C_OPS.get(p.name)
    core = dsl.CORE.get(p.name)
    if op is None or not (isinstance(core, Primitive) and core.impl is p.payload.impl):
        return None
    if len(fs) == 1:
        (f,) = fs
        return lambda e: op(f(e))
    f, g = fs
    low = -m  # bound once: -m builds a new big int each time
    if p.payload.needs_int_check():

        def arith(e: tuple[Any, ...]) -> Any:
            v = op(f(e), g(e))
            if low <= v <= m:
                return v
            raise dsl.EvalBudgetError("integer size", m)

        return arith
    return lambda e: op(f(e), g(e))


def _call(impl: Callable[..., Any], fs: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    if len(fs) == 1:
        (f,) = fs
        return lambda e: impl(f(e))
    if len(fs) == 2:
        f, g = fs
        return lambda e: impl(f(e), g(e))
    if len(fs) == 3:
        f, g, h = fs
        return lambda e: impl(f(e), g(e), h(e))
    return lambda e: impl(*[f(e) for f in fs])
