"""The abstrax language: grammar, types, interpreter, printer and libraries.

Example:
    >>> import dsl
    >>> m = dsl.parse('''
    ... def insert(x: int, ys: list[int]) -> list[int] =
    ...   filter(ys, fn y => y < x) ++ [x] ++ filter(ys, fn y => y >= x)
    ... def sort(xs: list[int]) -> list[int] =
    ...   fold(xs, [], fn (x, acc) => insert(x, acc))
    ... ''')
    >>> m["sort"]([3, 1, 2])
    [1, 2, 3]
"""

from dsl._ast import (
    OPERATORS,
    UNARY_OPERATORS,
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
    Param,
    Var,
    children,
    depth,
    size,
)
from dsl._dreamcoder import DREAMCODER
from dsl._errors import (
    AbstraxError,
    DivisionByZeroError,
    EmptyListError,
    EvalBudgetError,
    EvalError,
    IndexOutOfRangeError,
    LibraryError,
    ParseProgramError,
    PrimitiveError,
    TypeCheckError,
    UnknownNameError,
)
from dsl._export import to_python
from dsl._interpreter import (
    DEFAULT_LIMITS,
    CompiledDefinition,
    Limits,
    compile_definition,
    evaluate,
    to_external,
    to_internal,
)
from dsl._library import Library, Primitive, primitive
from dsl._parser import KEYWORDS, grammar_text, parse, parse_expr, parse_type
from dsl._primitives import CORE, EXTENDED
from dsl._printer import pretty
from dsl._typecheck import typecheck
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
    type_of_value,
    value_has_type,
)

__all__ = [
    "BOOL",
    "CORE",
    "DEFAULT_LIMITS",
    "DREAMCODER",
    "EXTENDED",
    "INT",
    "KEYWORDS",
    "OPERATORS",
    "UNARY_OPERATORS",
    "AbstraxError",
    "BoolLit",
    "Call",
    "CompiledDefinition",
    "Definition",
    "DivisionByZeroError",
    "EmptyListError",
    "EvalBudgetError",
    "EvalError",
    "Expr",
    "IndexOutOfRangeError",
    "IntLit",
    "Lambda",
    "Let",
    "Library",
    "LibraryError",
    "Limits",
    "ListLit",
    "Module",
    "Node",
    "Param",
    "ParseProgramError",
    "Primitive",
    "PrimitiveError",
    "TCon",
    "TFun",
    "TList",
    "TVar",
    "Type",
    "TypeCheckError",
    "UnificationError",
    "Unifier",
    "UnknownNameError",
    "Var",
    "children",
    "compile_definition",
    "depth",
    "evaluate",
    "grammar_text",
    "parse",
    "parse_expr",
    "parse_type",
    "pretty",
    "primitive",
    "size",
    "to_external",
    "to_internal",
    "to_python",
    "type_of_value",
    "typecheck",
    "value_has_type",
]
