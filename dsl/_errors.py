"""The error tree of abstrax: one root, and below it names that say what went wrong.

Every error a user can provoke with bad input is an :class:`AbstraxError`. Each subclass
also inherits the builtin exception it narrows, so ``except ValueError`` keeps working for
code that does not know abstrax.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AbstraxError(Exception):
    """Root of every error raised by abstrax."""


class ParseProgramError(AbstraxError, ValueError):
    """Source text is not a program of the language.

    Attributes:
        line: 1-based line of the offending token (0 when unknown).
        column: 1-based column of the offending token (0 when unknown).
        expected: names of the tokens that would have been accepted there.
        source_line: the line of source, for display.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int = 0,
        column: int = 0,
        expected: Iterable[str] = (),
        source_line: str = "",
        filename: str = "<source>",
    ) -> None:
        self.line = line
        self.column = column
        self.expected = tuple(sorted(set(expected)))
        self.source_line = source_line
        self.filename = filename
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.filename}:{self.line}:{self.column}: " if self.line else ""
        text = f"{where}{self.reason}"
        if self.expected:
            text += "\n  expected one of: " + ", ".join(self.expected)
        if self.source_line:
            text += f"\n  {self.source_line}\n  {' ' * max(self.column - 1, 0)}^"
        return text


class TypeCheckError(AbstraxError, TypeError):
    """A program, or a value given to it, does not have the type it must have.

    Attributes:
        line, column: where in the source (0 when the node has no position).
        expected, found: the two types (or descriptions) that did not agree.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int = 0,
        column: int = 0,
        expected: str = "",
        found: str = "",
    ) -> None:
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
        self.reason = message
        where = f"line {line}, column {column}: " if line else ""
        detail = f" (expected {expected}, found {found})" if expected or found else ""
        super().__init__(f"{where}{message}{detail}")


class UnknownNameError(TypeCheckError, NameError):
    """A name is used that no parameter, ``let``, definition or primitive binds."""

    def __init__(
        self, name: str, *, candidates: Iterable[str] = (), line: int = 0, column: int = 0
    ) -> None:
        self.name = name
        close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
        self.suggestions = tuple(close)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(f"unknown name {name!r}{hint}", line=line, column=column)


class LibraryError(AbstraxError, ValueError):
    """A library is malformed: duplicate names, bad types, a bad library file."""


class EvalError(AbstraxError, RuntimeError):
    """Running a program failed; the interpreter raises nothing else."""


class EvalBudgetError(EvalError):
    """A run exceeded a resource bound: fuel, recursion depth, list length or integer size.

    Attributes:
        resource: which bound: ``"fuel"``, ``"depth"``, ``"list length"`` or ``"integer size"``.
        limit: the bound that was exceeded.
    """

    def __init__(self, resource: str, limit: int) -> None:
        self.resource = resource
        self.limit = limit
        super().__init__(f"evaluation exceeded its {resource} budget of {limit}")


class EmptyListError(EvalError, IndexError):
    """``head``, ``tail`` or another partial list primitive was applied to ``[]``."""


class IndexOutOfRangeError(EvalError, IndexError):
    """A list was indexed outside ``0 .. length - 1``."""


class DivisionByZeroError(EvalError, ZeroDivisionError):
    """Integer division or modulo by zero."""


class PrimitiveError(EvalError):
    """A user-supplied primitive raised an exception that is not an :class:`EvalError`."""
