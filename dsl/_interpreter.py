"""The interpreter: compile a definition once, run it on many inputs, always terminate.

``compile_definition`` type-checks a definition (with its module and library), translates it
to Python (``dsl._codegen``) and returns a :class:`CompiledDefinition`. Running it never
raises anything but a value or an :class:`~dsl.EvalError`: fuel bounds the work (each
definition call, lambda call and list element built costs one unit), and depth, list length
and integer size are capped by :class:`Limits`.
"""

from __future__ import annotations

import functools
import linecache
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dsl import _errors
from dsl._ast import Definition, Module
from dsl._codegen import RUNTIME, generate, prim_value_wrapper
from dsl._errors import EvalBudgetError, EvalError, PrimitiveError, TypeCheckError
from dsl._library import Library
from dsl._types import value_has_type


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource bounds of one run. The defaults suit interactive use (well under a second).

    Attributes:
        fuel: units of work: one per definition or lambda call, one per list element built.
        max_depth: nested definition calls (recursion depth).
        max_list_len: longest list a run may build.
        max_int: largest integer magnitude (default: the int64 range); integer literals
            up to 255 in magnitude are not checked against it.
    """

    fuel: int = 1_000_000
    max_depth: int = 1_000
    max_list_len: int = 100_000
    max_int: int = 2**63 - 1

    def __post_init__(self) -> None:
        for name in ("fuel", "max_depth", "max_list_len", "max_int"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive int, got {value!r}")


DEFAULT_LIMITS = Limits()


def to_internal(value: Any) -> Any:
    """Python value -> the interpreter's form (lists become tuples, recursively)."""
    if isinstance(value, list | tuple):
        return tuple(to_internal(v) for v in value)
    return value


def to_external(value: Any) -> Any:
    """The interpreter's form -> Python value (tuples become lists, recursively)."""
    if isinstance(value, tuple):
        return [to_external(v) for v in value]
    return value


class CompiledDefinition:
    """A definition compiled to Python. Call it on Python values, or :meth:`run` on tuples."""

    __slots__ = ("_fn", "_ns", "definition", "library", "limits")

    def __init__(
        self, definition: Definition, library: Library, ns: dict[str, Any], limits: Limits
    ) -> None:
        self.definition = definition
        self.library = library
        self.limits = limits
        self._ns = ns
        self._fn = ns[f"m_{definition.name}"]

    def run(self, args: Sequence[Any], *, limits: Limits | None = None) -> Any:
        """Run on arguments already in the interpreter's form (tuples); no argument checks.

        This is the fast path the search uses. Raises only :class:`EvalError`.
        """
        lim = limits or self.limits
        ns = self._ns
        ns["_F"] = ns["_FUEL0"] = lim.fuel
        ns["_D"] = 0
        ns["_MAXD"] = lim.max_depth
        ns["_MAXL"] = lim.max_list_len
        ns["_MAXI"] = lim.max_int
        try:
            return self._fn(*args)
        except EvalError:
            raise
        except RecursionError:
            raise EvalBudgetError("depth", lim.max_depth) from None
        except MemoryError:
            raise EvalBudgetError("list length", lim.max_list_len) from None
        except Exception as err:  # a user primitive misbehaved; report, never crash
            raise PrimitiveError(f"{type(err).__name__}: {err}") from err

    def __call__(self, *args: Any, limits: Limits | None = None) -> Any:
        """Check the arguments against the signature, run, and return lists as lists."""
        d = self.definition
        if len(args) != len(d.params):
            raise TypeCheckError(
                f"{d.name!r} takes {len(d.params)} argument(s), got {len(args)}",
                expected=str(d.signature),
                found=f"{len(args)} argument(s)",
            )
        lim = limits or self.limits
        for p, a in zip(d.params, args, strict=True):
            if not value_has_type(a, p.type):
                raise TypeCheckError(
                    f"argument {p.name!r} of {d.name!r}", expected=str(p.type), found=repr(a)
                )
            _check_bounds(a, lim)
        return to_external(self.run(tuple(to_internal(a) for a in args), limits=lim))


def _check_bounds(value: Any, limits: Limits) -> None:
    """Arguments obey the same bounds as the values a run computes."""
    if isinstance(value, list | tuple):
        if len(value) > limits.max_list_len:
            raise EvalBudgetError("list length", limits.max_list_len)
        for v in value:
            _check_bounds(v, limits)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > limits.max_int:
        raise EvalBudgetError("integer size", limits.max_int)


def _ensure_recursion_limit(max_depth: int) -> None:
    # Each level of the language's recursion uses a few Python frames (definition, lambda,
    # the loop primitive calling it); make sure Python's own limit is not what stops a run.
    needed = 8 * max_depth + 500
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)


@functools.lru_cache(maxsize=256)
def _compile_module(module: Module, library: Library) -> dict[str, Any]:
    from dsl._typecheck import typecheck

    typecheck(module, library=library)
    lines, gen = generate([(d, False) for d in module.definitions], library, module, readable=False)
    # library definitions the module calls, and the ones those call
    done: set[str] = set()
    while pending := [d for name, d in gen.lib_defs_used.items() if name not in done]:
        for d in pending:
            done.add(d.name)
            lines.extend(gen.definition(d, in_library=True))
            lines.append("")
    for prim in list(gen.prim_values_used.values()):
        lines.extend(prim_value_wrapper(prim))
        gen.prims_used[prim.name] = prim
    source = RUNTIME + "\n" + "\n".join(lines)
    ns: dict[str, Any] = {
        "__builtins__": __builtins__,
        "EvalBudgetError": _errors.EvalBudgetError,
        "_F": 0,
        "_D": 0,
        "_FUEL0": 0,
        "_MAXD": 0,
        "_MAXL": 0,
        "_MAXI": 0,
    }
    for prim in gen.prims_used.values():
        ns[f"p_{prim.name}"] = prim.impl
    filename = f"<abstrax:{','.join(module.names)}>"
    # Register the generated source so that tracebacks through it show real lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    exec(code, ns)
    ns["__source__"] = source
    return ns


def compile_definition(
    definition: Definition,
    *,
    library: Library | None = None,
    module: Module | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> CompiledDefinition:
    """Type-check and compile a definition once, to run it on many inputs.

    Args:
        definition: what to compile; it may call the definitions of ``module`` (default: the
            module it was taken from, else itself alone) and of the library.
        library: primitives and library definitions (default: the definition's own
            ``library``, else ``dsl.CORE``).
        limits: default resource bounds of each run.

    Raises:
        TypeCheckError: the definition (or its module) is ill-typed.

    Example:
        >>> from dsl import parse
        >>> m = parse("def inc(xs: list[int]) -> list[int] = map(xs, fn x => x + 1)")
        >>> f = compile_definition(m["inc"])
        >>> f([1, 2]), f.run(((5,),))
        ([2, 3], (6,))
    """
    if library is None:
        from dsl._primitives import CORE

        library = definition.library or CORE
    if module is None:
        module = definition.module or Module((definition,))
    bare = Definition(definition.name, definition.params, definition.ret, definition.body)
    if bare not in module.definitions:
        raise ValueError(f"definition {definition.name!r} is not in the module given")
    _ensure_recursion_limit(limits.max_depth)
    ns = _compile_module(module, library)
    return CompiledDefinition(definition, library, ns, limits)


def evaluate(
    definition: Definition,
    args: Sequence[Any],
    *,
    library: Library | None = None,
    fuel: int = DEFAULT_LIMITS.fuel,
    limits: Limits | None = None,
) -> Any:
    """Run a definition on Python values (ints, bools, lists) and return its result.

    Compilation is cached, so repeated calls are cheap.

    Args:
        definition: e.g. ``module["sort"]``; it may call the other definitions of its module.
        args: one value per parameter.
        library: primitives and library definitions (default: the definition's own
            ``library``, else ``dsl.CORE``).
        fuel: work budget (ignored when ``limits`` is given).
        limits: every resource bound at once.

    Returns:
        The result, lists as Python lists.

    Raises:
        EvalError: ``EvalBudgetError``, ``EmptyListError``, ``IndexOutOfRangeError``,
            ``DivisionByZeroError`` or ``PrimitiveError``; nothing else escapes a run.
        TypeCheckError: the program is ill-typed, or an argument has the wrong type.

    Example:
        >>> from dsl import parse
        >>> m = parse("def last(xs: list[int]) -> int = xs[length(xs) - 1]")
        >>> evaluate(m["last"], [[1, 2, 3]])
        3
    """
    lim = limits or (DEFAULT_LIMITS if fuel == DEFAULT_LIMITS.fuel else Limits(fuel=fuel))
    compiled = compile_definition(definition, library=library, limits=lim)
    return compiled(*args)
