"""Vector kernels: CORE primitives applied to whole value vectors at once.

A kernel takes the children's value vectors (and whether each holds an error) and returns
the parent's vector. When no child holds an error and the primitive cannot fail on the
inputs, the whole vector is one C-level ``map`` over an ``operator`` function; otherwise a
comprehension checks each point, and a failure becomes :data:`ERR` without raising (an
exception per failing point would cost more than the rest of the work).

Kernels are used only for primitives whose implementation *is* the CORE one, so a user's
primitive of the same name keeps its own semantics.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import dsl
from dsl import Primitive

Vec = tuple[Any, ...]
Kernel = Callable[[Sequence[Vec], Sequence[bool]], Vec]


class _Err:
    """The value of a term at a point where running it failed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ERR"


ERR: Any = _Err()


def _total2(op: Callable[[Any, Any], Any]) -> Kernel:
    def kernel(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
        va, vb = vecs
        if not (errs[0] or errs[1]):
            return tuple(map(op, va, vb))
        return tuple(
            [ERR if a is ERR or b is ERR else op(a, b) for a, b in zip(va, vb, strict=True)]
        )

    return kernel


def _total1(op: Callable[[Any], Any]) -> Kernel:
    def kernel(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
        (va,) = vecs
        if not errs[0]:
            return tuple(map(op, va))
        return tuple([ERR if a is ERR else op(a) for a in va])

    return kernel


def _division(op: Callable[[int, int], int]) -> Kernel:
    def kernel(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
        va, vb = vecs
        if not (errs[0] or errs[1]) and 0 not in vb:
            return tuple(map(op, va, vb))
        return tuple(
            [
                ERR if a is ERR or b is ERR or b == 0 else op(a, b)
                for a, b in zip(va, vb, strict=True)
            ]
        )

    return kernel


def _index(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    va, vb = vecs
    return tuple(
        [
            ERR if xs is ERR or i is ERR or not 0 <= i < len(xs) else xs[i]
            for xs, i in zip(va, vb, strict=True)
        ]
    )


def _head(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    return tuple([ERR if xs is ERR or not xs else xs[0] for xs in vecs[0]])


def _tail(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    return tuple([ERR if xs is ERR or not xs else xs[1:] for xs in vecs[0]])


def _cons(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    va, vb = vecs
    if not (errs[0] or errs[1]):
        return tuple([(x, *xs) for x, xs in zip(va, vb, strict=True)])
    return tuple([ERR if x is ERR or xs is ERR else (x, *xs) for x, xs in zip(va, vb, strict=True)])


def _take(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    va, vb = vecs
    return tuple(
        [
            ERR if xs is ERR or n is ERR else xs[: n if n > 0 else 0]
            for xs, n in zip(va, vb, strict=True)
        ]
    )


def _drop(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    va, vb = vecs
    return tuple(
        [
            ERR if xs is ERR or n is ERR else xs[n if n > 0 else 0 :]
            for xs, n in zip(va, vb, strict=True)
        ]
    )


def _reverse(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    return tuple([ERR if xs is ERR else xs[::-1] for xs in vecs[0]])


def _concat(max_len: int) -> Kernel:
    def kernel(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
        va, vb = vecs
        if not (errs[0] or errs[1]):
            out = tuple(map(operator.add, va, vb))
            if max(map(len, out), default=0) <= max_len:  # lists only grow so far by ++
                return out
        return tuple(
            [
                ERR if xs is ERR or ys is ERR or len(xs) + len(ys) > max_len else xs + ys
                for xs, ys in zip(va, vb, strict=True)
            ]
        )

    return kernel


def _replicate(max_len: int) -> Kernel:
    def kernel(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
        vn, vx = vecs
        return tuple(
            [
                ERR if n is ERR or x is ERR or n > max_len else (x,) * n
                for n, x in zip(vn, vx, strict=True)
            ]
        )

    return kernel


def _range(max_len: int) -> Kernel:
    def kernel(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
        return tuple([ERR if n is ERR or n > max_len else tuple(range(n)) for n in vecs[0]])

    return kernel


def _if(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    c, a, b = vecs
    return tuple(
        [ERR if cv is ERR else (av if cv else bv) for cv, av, bv in zip(c, a, b, strict=True)]
    )


def _and(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    a, b = vecs
    return tuple([ERR if av is ERR else (bv if av else False) for av, bv in zip(a, b, strict=True)])


def _or(vecs: Sequence[Vec], errs: Sequence[bool]) -> Vec:
    a, b = vecs
    return tuple([ERR if av is ERR else (True if av else bv) for av, bv in zip(a, b, strict=True)])


TOTAL2: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}
"""CORE's binary primitives that never fail on values of their types, as C functions
(``++`` is not among them: it fails when its list would be longer than the bound)."""


def kernels(max_len: int) -> dict[str, Kernel]:
    """Kernels of the CORE primitives (and EXTENDED's ``replicate``), by name; lists longer
    than ``max_len`` are errors, found before they are built."""
    return {
        "add": _total2(TOTAL2["add"]),
        "sub": _total2(TOTAL2["sub"]),
        "mul": _total2(TOTAL2["mul"]),
        "div": _division(operator.floordiv),
        "mod": _division(operator.mod),
        "neg": _total1(operator.neg),
        "lt": _total2(TOTAL2["lt"]),
        "le": _total2(TOTAL2["le"]),
        "gt": _total2(TOTAL2["gt"]),
        "ge": _total2(TOTAL2["ge"]),
        "eq": _total2(TOTAL2["eq"]),
        "ne": _total2(TOTAL2["ne"]),
        "not": _total1(operator.not_),
        "and": _and,
        "or": _or,
        "if": _if,
        "length": _total1(len),
        "concat": _concat(max_len),
        "cons": _cons,
        "head": _head,
        "tail": _tail,
        "index": _index,
        "take": _take,
        "drop": _drop,
        "reverse": _reverse,
        "range": _range(max_len),
        "replicate": _replicate(max_len),
    }


def kernel_for(prim: Primitive, table: dict[str, Kernel]) -> Kernel | None:
    """The kernel of ``prim`` when it is the built-in primitive of that name, else None."""
    core = dsl.EXTENDED.get(prim.name)
    if isinstance(core, Primitive) and core.impl is prim.impl:
        return table.get(prim.name)
    return None
