"""AST of the language: frozen, slotted dataclasses that hash and compare by value.

Source positions (``loc``) are carried for error messages but take no part in equality, so
``parse(pretty(m)) == m`` holds although the printed text differs from the original.
Operators are sugar: ``a + b`` is ``Call("add", (a, b))`` and ``if c then a else b`` is
``Call("if", (c, a, b))``; see :data:`OPERATORS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeAlias

from dsl._types import TFun, Type

if TYPE_CHECKING:
    from dsl._library import Library

Loc: TypeAlias = tuple[int, int]
"""(line, column), both 1-based."""


@dataclass(frozen=True, slots=True)
class IntLit:
    """An integer literal."""

    value: int
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BoolLit:
    """``true`` or ``false``."""

    value: bool
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Var:
    """A use of a parameter, ``let`` or lambda variable."""

    name: str
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListLit:
    """``[e1, e2, ...]``."""

    items: tuple[Expr, ...]
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """Application of a primitive, a definition, or a function-valued variable."""

    func: str
    args: tuple[Expr, ...]
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Lambda:
    """``fn x => body`` or ``fn (x, acc) => body``."""

    params: tuple[str, ...]
    body: Expr
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Let:
    """``let name = value in body``."""

    name: str
    value: Expr
    body: Expr
    loc: Loc | None = field(default=None, compare=False, repr=False)


Expr: TypeAlias = IntLit | BoolLit | Var | ListLit | Call | Lambda | Let


@dataclass(frozen=True, slots=True)
class Param:
    """A typed parameter of a definition."""

    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class Definition:
    """``def name(params) -> ret = body``.

    A definition taken from a module (``module["sort"]``) remembers that module, so it can
    call the module's other definitions, and can be called like a Python function. A
    definition that a search returns remembers the library it was found in (``library``),
    so that it runs, compiles and exports with that library unless told otherwise; neither
    takes part in comparisons.
    """

    name: str
    params: tuple[Param, ...]
    ret: Type
    body: Expr
    loc: Loc | None = field(default=None, compare=False, repr=False)
    module: Module | None = field(default=None, compare=False, repr=False, hash=False)
    library: Library | None = field(default=None, compare=False, repr=False, hash=False)

    @property
    def signature(self) -> TFun:
        """The declared type ``(param types) -> ret``."""
        return TFun(tuple(p.type for p in self.params), self.ret)

    def __call__(self, *args: Any, library: Library | None = None, fuel: int | None = None) -> Any:
        """Run the definition on Python values: ``module["sort"]([3, 1, 2]) == [1, 2, 3]``."""
        from dsl._interpreter import evaluate

        kwargs: dict[str, Any] = {}
        if library is not None:
            kwargs["library"] = library
        if fuel is not None:
            kwargs["fuel"] = fuel
        return evaluate(self, args, **kwargs)

    def to_python(self, *, library: Library | None = None) -> str:
        """Readable, standalone Python source of a function that computes the same values."""
        from dsl._export import to_python

        return to_python(self, library=library)

    def __str__(self) -> str:
        from dsl._printer import pretty

        return pretty(self)


@dataclass(frozen=True, slots=True)
class Module:
    """The definitions of one source file, in source order."""

    definitions: tuple[Definition, ...]

    def __getitem__(self, name: str) -> Definition:
        for d in self.definitions:
            if d.name == name:
                return replace(d, module=self)
        from dsl._errors import UnknownNameError

        raise UnknownNameError(name, candidates=self.names)

    def __contains__(self, name: object) -> bool:
        return any(d.name == name for d in self.definitions)

    def __iter__(self) -> Iterator[Definition]:
        return (replace(d, module=self) for d in self.definitions)

    def __len__(self) -> int:
        return len(self.definitions)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the definitions, in source order."""
        return tuple(d.name for d in self.definitions)

    def __str__(self) -> str:
        from dsl._printer import pretty

        return pretty(self)


Node: TypeAlias = Expr | Definition | Module

OPERATORS: dict[str, str] = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "%": "mod",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "==": "eq",
    "!=": "ne",
    "++": "concat",
    "and": "and",
    "or": "or",
}
"""Infix operator symbol -> the primitive it stands for."""

UNARY_OPERATORS: dict[str, str] = {"-": "neg", "not": "not"}
"""Prefix operator symbol -> primitive. ``xs[i]`` is ``index`` and ``if`` is ``if``."""


def children(e: Expr) -> tuple[Expr, ...]:
    """The direct subexpressions of ``e``."""
    if isinstance(e, Call):
        return e.args
    if isinstance(e, ListLit):
        return e.items
    if isinstance(e, Lambda):
        return (e.body,)
    if isinstance(e, Let):
        return (e.value, e.body)
    return ()


def size(e: Expr) -> int:
    """Number of AST nodes in ``e``."""
    return 1 + sum(size(c) for c in children(e))


def depth(e: Expr) -> int:
    """Height of ``e`` as a tree (a leaf has depth 1)."""
    return 1 + max((depth(c) for c in children(e)), default=0)
