"""Types of the language (int, bool, list[T], functions, type variables) and unification."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class TCon:
    """A base type: ``int`` or ``bool``."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class TList:
    """``list[elem]``."""

    elem: Type

    def __str__(self) -> str:
        return f"list[{self.elem}]"


@dataclass(frozen=True, slots=True)
class TFun:
    """A function type ``(params...) -> ret``."""

    params: tuple[Type, ...]
    ret: Type

    def __str__(self) -> str:
        return f"({', '.join(map(str, self.params))}) -> {self.ret}"


@dataclass(frozen=True, slots=True)
class TVar:
    """A type variable; in signatures written as a lowercase name other than int/bool."""

    name: str

    def __str__(self) -> str:
        return self.name


Type: TypeAlias = TCon | TList | TFun | TVar

INT = TCon("int")
BOOL = TCon("bool")


def type_vars(t: Type) -> Iterator[str]:
    """Yield the names of the type variables in ``t`` (with repeats), left to right."""
    if isinstance(t, TVar):
        yield t.name
    elif isinstance(t, TList):
        yield from type_vars(t.elem)
    elif isinstance(t, TFun):
        for p in t.params:
            yield from type_vars(p)
        yield from type_vars(t.ret)


def substitute(t: Type, mapping: Mapping[str, Type]) -> Type:
    """Replace type variables by ``mapping`` (one pass, not transitive)."""
    if isinstance(t, TVar):
        return mapping.get(t.name, t)
    if isinstance(t, TList):
        return TList(substitute(t.elem, mapping))
    if isinstance(t, TFun):
        return TFun(tuple(substitute(p, mapping) for p in t.params), substitute(t.ret, mapping))
    return t


def is_ground(t: Type) -> bool:
    """True when ``t`` has no type variables."""
    return next(type_vars(t), None) is None


class UnificationError(Exception):
    """Internal: two types do not unify. Callers turn it into a located TypeCheckError."""

    def __init__(self, left: Type, right: Type) -> None:
        super().__init__(f"{left} vs {right}")
        self.left = left
        self.right = right


class Unifier:
    """A substitution built by unification, with a supply of fresh type variables.

    Fresh variables are named ``'t0``, ``'t1``, ...; the quote keeps them apart from the
    variables users write in signatures.
    """

    __slots__ = ("_counter", "subst")

    def __init__(self) -> None:
        self.subst: dict[str, Type] = {}
        self._counter = itertools.count()

    def fresh(self) -> TVar:
        """A type variable not used anywhere yet."""
        return TVar(f"'t{next(self._counter)}")

    def instantiate(self, t: Type) -> Type:
        """Replace each type variable of ``t`` by a fresh one (a polymorphic use)."""
        names = dict.fromkeys(type_vars(t))
        if not names:
            return t
        return substitute(t, {n: self.fresh() for n in names})

    def resolve(self, t: Type) -> Type:
        """Apply the substitution to ``t`` until no bound variable remains."""
        if isinstance(t, TVar):
            bound = self.subst.get(t.name)
            if bound is None:
                return t
            resolved = self.resolve(bound)
            self.subst[t.name] = resolved  # path compression
            return resolved
        if isinstance(t, TList):
            return TList(self.resolve(t.elem))
        if isinstance(t, TFun):
            return TFun(tuple(self.resolve(p) for p in t.params), self.resolve(t.ret))
        return t

    def unify(self, a: Type, b: Type) -> None:
        """Make ``a`` and ``b`` equal or raise :class:`UnificationError`."""
        a = self.resolve(a)
        b = self.resolve(b)
        if a == b:
            return
        if isinstance(a, TVar):
            self._bind(a, b)
        elif isinstance(b, TVar):
            self._bind(b, a)
        elif isinstance(a, TList) and isinstance(b, TList):
            self.unify(a.elem, b.elem)
        elif isinstance(a, TFun) and isinstance(b, TFun) and len(a.params) == len(b.params):
            for p, q in zip(a.params, b.params, strict=True):
                self.unify(p, q)
            self.unify(a.ret, b.ret)
        else:
            raise UnificationError(a, b)

    def _bind(self, var: TVar, t: Type) -> None:
        if var.name in type_vars(t):
            raise UnificationError(var, t)  # occurs check: no infinite types
        self.subst[var.name] = t


def rename_pretty(t: Type) -> Type:
    """Rename the variables of ``t`` to ``a``, ``b``, ... for display."""
    names = dict.fromkeys(type_vars(t))
    letters = (chr(ord("a") + i) if i < 26 else f"t{i}" for i in itertools.count())
    return substitute(t, {n: TVar(next(letters)) for n in names})


def type_of_value(value: Any) -> Type:
    """The type of a Python value of the language (``int``, ``bool``, nested lists).

    An empty list has type ``list[a]``; a list whose elements disagree raises ``TypeError``.
    """
    u = Unifier()
    t = _value_type(value, u)
    return rename_pretty(u.resolve(t))


def _value_type(value: Any, u: Unifier) -> Type:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, list | tuple):
        elem: Type = u.fresh()
        for item in value:
            try:
                u.unify(elem, _value_type(item, u))
            except UnificationError as err:
                raise TypeError(
                    f"list elements have different types: {u.resolve(elem)} and {err.right}"
                ) from None
        return TList(u.resolve(elem))
    raise TypeError(f"{type(value).__name__} is not a value of the language (int, bool or list)")


def value_has_type(value: Any, t: Type) -> bool:
    """True when ``value`` (lists or tuples) is a value of the ground or polymorphic type ``t``."""
    if isinstance(t, TVar):
        return isinstance(value, bool | int | list | tuple)
    if t == BOOL:
        return isinstance(value, bool)
    if t == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(t, TList):
        return isinstance(value, list | tuple) and all(value_has_type(v, t.elem) for v in value)
    return False
