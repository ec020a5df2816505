"""Type checking by unification (Hindley-Milner without let-polymorphism for local lets).

Definitions declare their signatures, so recursion and mutual recursion need no inference;
type variables in a declared signature are rigid inside the body (``def f(x: a) -> a = x + 1``
is an error) and fresh at every use. Primitives are polymorphic in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from dsl._ast import (
    BoolLit,
    Call,
    Definition,
    Expr,
    IntLit,
    Lambda,
    Let,
    ListLit,
    Loc,
    Module,
    Var,
)
from dsl._errors import TypeCheckError, UnknownNameError
from dsl._library import Library, Primitive
from dsl._types import (
    BOOL,
    INT,
    TCon,
    TFun,
    TList,
    TVar,
    Type,
    UnificationError,
    Unifier,
    rename_pretty,
    substitute,
    type_vars,
)


def _where(loc: Loc | None) -> dict[str, Any]:
    return {"line": loc[0], "column": loc[1]} if loc else {}


class _Checker:
    def __init__(self, library: Library, module: Module | None) -> None:
        self.library = library
        self.unifier = Unifier()
        self.defs: dict[str, TFun] = {}
        if module is not None:
            self.defs = {d.name: d.signature for d in module.definitions}

    # -- names ---------------------------------------------------------------------------
    def global_type(self, name: str) -> Type | None:
        if name in self.defs:
            return self.defs[name]
        item = self.library.get(name)
        if isinstance(item, Primitive):
            return item.type
        if isinstance(item, Definition):
            return item.signature
        return None

    def unknown(self, name: str, env: Mapping[str, Type], loc: Loc | None) -> UnknownNameError:
        from dsl._parser import KEYWORDS  # "or" and "if" are primitives, not callable names

        candidates = [n for n in (*env, *self.defs, *self.library.names) if n not in KEYWORDS]
        return UnknownNameError(name, candidates=candidates, **_where(loc))

    def show(self, t: Type) -> str:
        return str(rename_pretty(self.unifier.resolve(t)))

    def unify(self, expected: Type, found: Type, what: str, loc: Loc | None) -> None:
        try:
            self.unifier.unify(expected, found)
        except UnificationError:
            raise TypeCheckError(
                f"type mismatch in {what}",
                expected=self.show(expected),
                found=self.show(found),
                **_where(loc),
            ) from None

    # -- expressions ---------------------------------------------------------------------
    def infer(self, e: Expr, env: Mapping[str, Type]) -> Type:
        if isinstance(e, IntLit):
            if isinstance(e.value, bool) or not isinstance(e.value, int):
                raise TypeCheckError(f"IntLit holds {e.value!r}, not an int", **_where(e.loc))
            return INT
        if isinstance(e, BoolLit):
            return BOOL
        if isinstance(e, Var):
            if e.name in env:
                return env[e.name]
            t = self.global_type(e.name)
            if t is None:
                raise self.unknown(e.name, env, e.loc)
            return self.unifier.instantiate(t)
        if isinstance(e, ListLit):
            elem: Type = self.unifier.fresh()
            for i, item in enumerate(e.items):
                self.unify(elem, self.infer(item, env), f"list element {i}", item.loc or e.loc)
            return TList(elem)
        if isinstance(e, Lambda):
            params = tuple(self.unifier.fresh() for _ in e.params)
            return self.check_lambda(e, params, env)
        if isinstance(e, Let):
            value = self.infer(e.value, env)
            return self.infer(e.body, {**env, e.name: value})
        if isinstance(e, Call):
            return self.infer_call(e, env)
        raise TypeCheckError(f"not an expression: {e!r}")

    def check_lambda(self, e: Lambda, params: tuple[Type, ...], env: Mapping[str, Type]) -> Type:
        if len(set(e.params)) != len(e.params):
            raise TypeCheckError("a lambda's parameters must differ", **_where(e.loc))
        body = self.infer(e.body, {**env, **dict(zip(e.params, params, strict=True))})
        return TFun(params, body)

    def infer_call(self, e: Call, env: Mapping[str, Type]) -> Type:
        if e.func in env:
            ftype = self.unifier.resolve(env[e.func])
            if isinstance(ftype, TVar):
                params = tuple(self.unifier.fresh() for _ in e.args)
                ftype_new = TFun(params, self.unifier.fresh())
                self.unify(ftype_new, ftype, f"call of {e.func!r}", e.loc)
                ftype = ftype_new
        else:
            found = self.global_type(e.func)
            if found is None:
                raise self.unknown(e.func, env, e.loc)
            ftype = self.unifier.instantiate(found)
        if not isinstance(ftype, TFun):
            raise TypeCheckError(
                f"{e.func!r} is not a function",
                expected="a function",
                found=self.show(ftype),
                **_where(e.loc),
            )
        if len(ftype.params) != len(e.args):
            raise TypeCheckError(
                f"{e.func!r} takes {len(ftype.params)} argument(s), got {len(e.args)}",
                **_where(e.loc),
            )
        for i, (param, arg) in enumerate(zip(ftype.params, e.args, strict=True)):
            what = f"argument {i + 1} of {e.func!r}"
            expected = self.unifier.resolve(param)
            if isinstance(arg, Lambda) and isinstance(expected, TFun):
                if len(expected.params) != len(arg.params):
                    raise TypeCheckError(
                        f"{what}: the lambda takes {len(arg.params)} parameter(s)",
                        expected=self.show(expected),
                        found=f"fn of {len(arg.params)}",
                        **_where(arg.loc or e.loc),
                    )
                found_t = self.check_lambda(arg, expected.params, env)
            else:
                found_t = self.infer(arg, env)
            self.unify(param, found_t, what, arg.loc or e.loc)
        return ftype.ret

    # -- definitions ---------------------------------------------------------------------
    def check_definition(self, d: Definition) -> TFun:
        names = [p.name for p in d.params]
        if len(set(names)) != len(names):
            raise TypeCheckError(f"parameters of {d.name!r} must differ", **_where(d.loc))
        # Rigid type variables: inside the body, a declared variable is an unknown but fixed
        # type, so it unifies only with itself.
        rigid = {n: TCon(n) for n in type_vars(d.signature)}
        env = {p.name: substitute(p.type, rigid) for p in d.params}
        body = self.infer(d.body, env)
        self.unify(substitute(d.ret, rigid), body, f"the body of {d.name!r}", d.body.loc or d.loc)
        return d.signature


@overload
def typecheck(
    node: Module, *, library: Library | None = ..., env: Mapping[str, Type] | None = ...
) -> dict[str, TFun]: ...
@overload
def typecheck(
    node: Definition, *, library: Library | None = ..., env: Mapping[str, Type] | None = ...
) -> TFun: ...
@overload
def typecheck(
    node: Expr,
    *,
    library: Library | None = ...,
    env: Mapping[str, Type] | None = ...,
    module: Module | None = ...,
) -> Type: ...
def typecheck(
    node: Module | Definition | Expr,
    *,
    library: Library | None = None,
    env: Mapping[str, Type] | None = None,
    module: Module | None = None,
) -> Type | dict[str, TFun]:
    """Type-check a module, definition or expression.

    Args:
        node: what to check. A definition taken from a module (``module["f"]``) may call the
            module's other definitions.
        library: the primitives and library definitions in scope (default ``dsl.CORE``).
        env: types of free variables, for an expression.
        module: definitions an expression may call.

    Returns:
        For a module, each definition's signature by name; for a definition, its signature;
        for an expression, its type (type variables renamed ``a``, ``b``, ...).

    Raises:
        TypeCheckError: with the location, the expected and the found type.
        UnknownNameError: an unbound name, with suggestions.

    Example:
        >>> from dsl import parse_expr
        >>> str(typecheck(parse_expr("map(xs, fn x => x > 0)"), env={"xs": TList(INT)}))
        'list[bool]'
    """
    if library is None:
        from dsl._primitives import CORE

        library = CORE
    if isinstance(node, Module):
        checker = _Checker(library, node)
        return {d.name: checker.check_definition(d) for d in node.definitions}
    if isinstance(node, Definition):
        checker = _Checker(library, node.module or Module((node,)))
        return checker.check_definition(node)
    checker = _Checker(library, module)
    t = checker.infer(node, dict(env or {}))
    return rename_pretty(checker.unifier.resolve(t))
