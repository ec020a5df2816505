"""Turn search terms back into AST nodes of the language, with readable variable names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dsl
from synth._terms import TermStore

_LAMBDA_NAMES: dict[str, tuple[str, ...]] = {
    "fold": ("x", "acc"),
    "loop": ("i", "acc"),
    "while_": ("s",),
    "zipwith": ("x", "y"),
    "scanl1": ("acc", "x"),
}


def _literal(value: Any) -> dsl.Expr:
    if isinstance(value, bool):
        return dsl.BoolLit(value)
    if isinstance(value, int):
        return dsl.IntLit(value)
    return dsl.ListLit(tuple(_literal(v) for v in value))


def to_expr(
    store: TermStore, tid: int, param_names: Sequence[str], *, self_name: str = "f"
) -> dsl.Expr:
    """The AST of term ``tid``; lambda parameters get readable names (``x``, ``acc``, ...)."""
    taken = set(param_names) | {self_name}

    def fresh(base: str, bound: tuple[str, ...]) -> str:
        name, i = base, 1
        while name in taken or name in bound:
            i += 1
            name = f"{base}{i}"
        return name

    def go(t: int, bound: tuple[str, ...], parent: str) -> dsl.Expr:
        p = store.prod(t)
        kids = store.kids[t]
        if p.kind == "const":
            return _literal(p.payload)
        if p.kind == "param":
            return dsl.Var(param_names[p.payload])
        if p.kind == "var":
            return dsl.Var(bound[p.payload])
        if p.kind == "singleton":
            return dsl.ListLit((go(kids[0], bound, p.name),))
        if p.kind == "lift":
            return go(kids[0], bound, parent)
        if p.kind == "lambda":
            arity = len(p.payload)
            bases = _LAMBDA_NAMES.get(parent, ("x", "y", "z", "w")[:arity])
            if len(bases) != arity:
                bases = ("x", "y", "z", "w")[:arity]
            names: list[str] = []
            for b in bases:
                names.append(fresh(b, bound + tuple(names)))
            return dsl.Lambda(tuple(names), go(kids[0], bound + tuple(names), parent))
        name = self_name if p.kind == "self" else p.name
        return dsl.Call(name, tuple(go(k, bound, p.name) for k in kids))

    return go(tid, (), "start")
