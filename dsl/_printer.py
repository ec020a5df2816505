"""Print AST nodes as source text: the inverse of the parser, ``parse(pretty(m)) == m``."""

from __future__ import annotations

from dsl._ast import (
    BoolLit,
    Call,
    Definition,
    Expr,
    IntLit,
    Lambda,
    Let,
    ListLit,
    Module,
    Node,
    Var,
)

# Precedence levels, loosest first; they mirror the ?rules of grammar.lark.
_EXPR, _OR, _AND, _NOT, _CMP, _CONCAT, _SUM, _PRODUCT, _UNARY, _POSTFIX, _ATOM = range(11)

# primitive -> (symbol, level, associativity)
_BINARY: dict[str, tuple[str, int, str]] = {
    "or": ("or", _OR, "left"),
    "and": ("and", _AND, "left"),
    "lt": ("<", _CMP, "none"),
    "le": ("<=", _CMP, "none"),
    "gt": (">", _CMP, "none"),
    "ge": (">=", _CMP, "none"),
    "eq": ("==", _CMP, "none"),
    "ne": ("!=", _CMP, "none"),
    "concat": ("++", _CONCAT, "right"),
    "add": ("+", _SUM, "left"),
    "sub": ("-", _SUM, "left"),
    "mul": ("*", _PRODUCT, "left"),
    "div": ("/", _PRODUCT, "left"),
    "mod": ("%", _PRODUCT, "left"),
}


def pretty(node: Node) -> str:
    """Source text of a module, definition or expression.

    Parentheses are added only where precedence needs them, so the text reads as a person
    would write it, and ``parse(pretty(m)) == m`` for every module ``m``.

    Example:
        >>> from dsl import parse_expr
        >>> pretty(parse_expr("(1 + 2) * x"))
        '(1 + 2) * x'
    """
    if isinstance(node, Module):
        return "\n\n".join(_definition(d) for d in node.definitions) + (
            "\n" if node.definitions else ""
        )
    if isinstance(node, Definition):
        return _definition(node)
    return _expr(node, _EXPR)


def _definition(d: Definition) -> str:
    params = ", ".join(f"{p.name}: {p.type}" for p in d.params)
    return f"def {d.name}({params}) -> {d.ret} =\n  {_layout(d.body, '  ')}"


def _layout(e: Expr, indent: str) -> str:
    """A definition body; a long top-level chain of if/let is broken over lines."""
    flat = _expr(e, _EXPR)
    if len(flat) + len(indent) <= 88:
        return flat
    if isinstance(e, Call) and e.func == "if" and len(e.args) == 3:
        c, a, b = e.args
        head = f"if {_expr(c, _EXPR)} then {_expr(a, _EXPR)}"
        return f"{head}\n{indent}else {_layout(b, indent)}"
    if isinstance(e, Let):
        inner = indent + "  "
        return f"let {e.name} = {_expr(e.value, _EXPR)} in\n{inner}{_layout(e.body, inner)}"
    return flat


def _wrap(text: str, level: int, needed: int) -> str:
    return f"({text})" if level < needed else text


def _expr(e: Expr, needed: int) -> str:
    text, level = _render(e)
    return _wrap(text, level, needed)


def _render(e: Expr) -> tuple[str, int]:
    """Text of ``e`` and the precedence level that text has."""
    if isinstance(e, IntLit):
        return (str(e.value), _UNARY if e.value < 0 else _ATOM)
    if isinstance(e, BoolLit):
        return ("true" if e.value else "false", _ATOM)
    if isinstance(e, Var):
        return (e.name, _ATOM)
    if isinstance(e, ListLit):
        return ("[" + ", ".join(_expr(i, _EXPR) for i in e.items) + "]", _ATOM)
    if isinstance(e, Lambda):
        params = e.params[0] if len(e.params) == 1 else "(" + ", ".join(e.params) + ")"
        return (f"fn {params} => {_expr(e.body, _EXPR)}", _EXPR)
    if isinstance(e, Let):
        return (f"let {e.name} = {_expr(e.value, _EXPR)} in {_expr(e.body, _EXPR)}", _EXPR)
    return _render_call(e)


def _render_call(e: Call) -> tuple[str, int]:
    f, args = e.func, e.args
    if f == "if" and len(args) == 3:
        c, a, b = (_expr(x, _EXPR) for x in args)
        return (f"if {c} then {a} else {b}", _EXPR)
    if f in _BINARY and len(args) == 2:
        symbol, level, assoc = _BINARY[f]
        left_needed = level + 1 if assoc in ("right", "none") else level
        right_needed = level if assoc == "right" else level + 1
        left = _expr(args[0], left_needed)
        right = _expr(args[1], right_needed)
        return (f"{left} {symbol} {right}", level)
    if f == "not" and len(args) == 1:
        return (f"not {_expr(args[0], _NOT)}", _NOT)
    if f == "neg" and len(args) == 1 and not isinstance(args[0], IntLit):
        # "-3" would read back as the literal -3, so negated literals print as neg(3).
        return (f"-{_expr(args[0], _UNARY)}", _UNARY)
    if f == "index" and len(args) == 2:
        return (f"{_expr(args[0], _POSTFIX)}[{_expr(args[1], _EXPR)}]", _POSTFIX)
    return (f"{f}(" + ", ".join(_expr(a, _EXPR) for a in args) + ")", _ATOM)
