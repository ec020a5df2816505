"""Parse source text into AST nodes (``parse``, ``parse_expr``, ``parse_type``).

The grammar lives in ``grammar.lark``; one Lark ``Transformer`` turns the tree into the
frozen AST of ``dsl._ast``, so no other module ever sees a Lark ``Tree``.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import lark
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

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
    Param,
    Var,
)
from dsl._errors import AbstraxError, ParseProgramError
from dsl._types import BOOL, INT, TFun, TList, TVar, Type

KEYWORDS = frozenset(
    {"def", "fn", "if", "then", "else", "let", "in", "true", "false", "and", "or", "not", "list"}
)


@functools.cache
def _parser() -> Lark:
    grammar = resources.files("dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        start=["module", "expr", "type"],
        propagate_positions=True,
        maybe_placeholders=True,
    )


def grammar_text() -> str:
    """The Lark grammar of the language (for ``hypothesis.extra.lark.from_lark`` and docs)."""
    return resources.files("dsl").joinpath("grammar.lark").read_text(encoding="utf-8")


def lark_parser() -> Lark:
    """The shared LALR parser (start symbols ``module``, ``expr``, ``type``)."""
    return _parser()


def _loc(meta: Any) -> Loc | None:
    if getattr(meta, "empty", True):
        return None
    return (meta.line, meta.column)


def _tok_loc(tok: Token) -> Loc | None:
    return (tok.line, tok.column) if tok.line is not None and tok.column is not None else None


class _BadSource(AbstraxError):
    def __init__(self, message: str, loc: Loc | None) -> None:
        super().__init__(message)
        self.loc = loc


def _binary(func: str) -> Any:
    def build(self: _ToAst, meta: Any, children: list[Any]) -> Call:
        left, right = children
        return Call(func, (left, right), loc=_loc(meta))

    return v_args(meta=True)(build)


class _ToAst(Transformer[Token, Any]):
    """Lark tree -> AST nodes. Method names are the grammar's rule aliases."""

    @v_args(meta=True)
    def module(self, meta: Any, children: list[Definition]) -> Module:
        return Module(tuple(children))

    @v_args(meta=True)
    def definition(self, meta: Any, children: list[Any]) -> Definition:
        name, params, ret, body = children
        return Definition(str(name), tuple(params or ()), ret, body, loc=_loc(meta))

    def params(self, children: list[Param]) -> list[Param]:
        return children

    def param(self, children: list[Any]) -> Param:
        name, typ = children
        return Param(str(name), typ)

    def type_name(self, children: list[Token]) -> Type:
        (name,) = children
        if name == "int":
            return INT
        if name == "bool":
            return BOOL
        if not name[0].islower():
            raise _BadSource(
                f"unknown type {str(name)!r}: expected int, bool, list[T], a function type "
                "or a lowercase type variable",
                _tok_loc(name),
            )
        return TVar(str(name))

    def list_type(self, children: list[Type]) -> Type:
        return TList(children[0])

    def fun_type(self, children: list[Any]) -> Type:
        params, ret = children
        return TFun(tuple(params or ()), ret)

    def types(self, children: list[Type]) -> list[Type]:
        return children

    def args(self, children: list[Expr]) -> list[Expr]:
        return children

    @v_args(meta=True)
    def lambda_(self, meta: Any, children: list[Any]) -> Lambda:
        params, body = children
        return Lambda(params, body, loc=_loc(meta))

    def lambda_params(self, children: list[Token]) -> tuple[str, ...]:
        return tuple(str(c) for c in children)

    @v_args(meta=True)
    def if_(self, meta: Any, children: list[Expr]) -> Call:
        return Call("if", tuple(children), loc=_loc(meta))

    @v_args(meta=True)
    def let(self, meta: Any, children: list[Any]) -> Let:
        name, value, body = children
        return Let(str(name), value, body, loc=_loc(meta))

    or_ = _binary("or")
    and_ = _binary("and")
    lt = _binary("lt")
    le = _binary("le")
    gt = _binary("gt")
    ge = _binary("ge")
    eq = _binary("eq")
    ne = _binary("ne")
    concat = _binary("concat")
    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")
    mod = _binary("mod")
    index = _binary("index")

    @v_args(meta=True)
    def not_(self, meta: Any, children: list[Expr]) -> Call:
        return Call("not", (children[0],), loc=_loc(meta))

    @v_args(meta=True)
    def neg(self, meta: Any, children: list[Expr]) -> Expr:
        (operand,) = children
        # "-3" is the literal -3; "-x" is the primitive neg. The printer writes neg(3) for
        # a negation of a literal, which keeps parse(pretty(e)) == e.
        if isinstance(operand, IntLit):
            return IntLit(-operand.value, loc=_loc(meta))
        return Call("neg", (operand,), loc=_loc(meta))

    def int(self, children: list[Token]) -> IntLit:
        (tok,) = children
        try:
            return IntLit(int(tok), loc=_tok_loc(tok))
        except ValueError:  # beyond Python's limit on digits converted to int
            message = f"integer literal of {len(tok)} digits is too long"
            raise _BadSource(message, _tok_loc(tok)) from None

    @v_args(meta=True)
    def true(self, meta: Any, children: list[Any]) -> BoolLit:
        return BoolLit(True, loc=_loc(meta))

    @v_args(meta=True)
    def false(self, meta: Any, children: list[Any]) -> BoolLit:
        return BoolLit(False, loc=_loc(meta))

    def var(self, children: list[Token]) -> Var:
        (tok,) = children
        return Var(str(tok), loc=_tok_loc(tok))

    @v_args(meta=True)
    def call(self, meta: Any, children: list[Any]) -> Call:
        name, args = children
        return Call(str(name), tuple(args or ()), loc=_loc(meta))

    @v_args(meta=True)
    def list_(self, meta: Any, children: list[Any]) -> ListLit:
        (items,) = children
        return ListLit(tuple(items or ()), loc=_loc(meta))


_TO_AST = _ToAst()


def _describe_expected(names: set[str] | frozenset[str]) -> list[str]:
    terminals = {t.name: t for t in _parser().terminals}
    out = []
    for name in names:
        term = terminals.get(name)
        if term is not None and term.pattern.type == "str":
            out.append(repr(term.pattern.value))
        elif name == "$END":
            out.append("end of input")
        else:
            out.append(name.lower() if term is not None else name)
    return out


def _parse(source: str, start: str, filename: str) -> Any:
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got {type(source).__name__}")
    lines = source.splitlines()
    try:
        tree = _parser().parse(source, start=start)
        return _TO_AST.transform(tree)
    except UnexpectedInput as err:
        line = err.line if isinstance(err.line, int) and err.line > 0 else len(lines)
        column = err.column if isinstance(err.column, int) and err.column > 0 else 1
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        if isinstance(err, UnexpectedCharacters):
            pos = err.pos_in_stream or 0
            message = f"unexpected character {source[pos]!r}"
            expected: set[str] = set(err.allowed or ())
        elif isinstance(err, UnexpectedEOF):
            message = "unexpected end of input"
            expected = set(err.expected or ())
            column = len(src) + 1 if src else 1
        else:
            tok = getattr(err, "token", None)
            at_end = tok is None or tok.type == "$END"
            message = "unexpected end of input" if at_end else f"unexpected {str(tok)!r}"
            expected = set(getattr(err, "expected", None) or ())
            if at_end:  # point just past the last character of the source
                line = max(len(lines), 1)
                src = lines[line - 1] if lines else ""
                column = len(src) + 1
        raise ParseProgramError(
            message,
            line=line,
            column=column,
            expected=_describe_expected(expected),
            source_line=src,
            filename=filename,
        ) from None
    except VisitError as err:
        inner = err.orig_exc
        if isinstance(inner, _BadSource):
            line, column = inner.loc or (0, 0)
            src = lines[line - 1] if 0 < line <= len(lines) else ""
            raise ParseProgramError(
                str(inner), line=line, column=column, source_line=src, filename=filename
            ) from None
        raise
    except lark.exceptions.LarkError as err:  # pragma: no cover - defensive
        raise ParseProgramError(str(err), filename=filename) from err


def parse(source: str, *, filename: str = "<source>") -> Module:
    """Parse a module: a sequence of ``def`` definitions.

    Args:
        source: program text, e.g. the contents of an ``.abx`` file.
        filename: shown in error messages.

    Returns:
        The :class:`Module`, definitions in source order.

    Raises:
        ParseProgramError: with line, column, the source line and what was expected.

    Example:
        >>> m = parse("def double(x: int) -> int = x + x")
        >>> m["double"](21)
        42
    """
    module: Module = _parse(source, "module", filename)
    seen: dict[str, Definition] = {}
    for d in module.definitions:
        if d.name in seen:
            line, column = d.loc or (0, 0)
            src = source.splitlines()[line - 1] if line else ""
            raise ParseProgramError(
                f"{d.name!r} is defined twice",
                line=line,
                column=column,
                source_line=src,
                filename=filename,
            )
        seen[d.name] = d
    return module


def parse_expr(source: str) -> Expr:
    """Parse a single expression, e.g. ``"fold(xs, 0, fn (x, acc) => x + acc)"``."""
    expr: Expr = _parse(source, "expr", "<expr>")
    return expr


def parse_type(source: str) -> Type:
    """Parse a type, e.g. ``"(list[a], (a) -> b) -> list[b]"``."""
    typ: Type = _parse(source, "type", "<type>")
    return typ
