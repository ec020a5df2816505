"""Translate definitions to Python source: the interpreter's fast form and the readable export.

The interpreter compiles each definition once into a Python function (``compile`` + ``exec``)
and runs that on every input, so no AST is walked per input. In the fast form every
definition call and lambda call costs one unit of fuel, every list a primitive builds costs
its length, definition calls are depth-counted, and int results are bounds-checked: that is
what makes evaluation total. The readable form is the same translation without the checks.
"""

from __future__ import annotations

import itertools
import keyword
from collections.abc import Iterator
from dataclasses import dataclass, field

from dsl._ast import BoolLit, Call, Definition, Expr, IntLit, Lambda, Let, ListLit, Module, Var
from dsl._library import Library, Primitive

# Readable Python for primitives that are clearer (and faster) inline. The interpreter adds
# its size checks around these exactly as around a call (see _Gen._call_prim).
INLINE: dict[str, str] = {
    "add": "({0} + {1})",
    "sub": "({0} - {1})",
    "mul": "({0} * {1})",
    "neg": "(-{0})",
    "lt": "({0} < {1})",
    "le": "({0} <= {1})",
    "gt": "({0} > {1})",
    "ge": "({0} >= {1})",
    "eq": "({0} == {1})",
    "ne": "({0} != {1})",
    "and": "({0} and {1})",
    "or": "({0} or {1})",
    "not": "(not {0})",
    "if": "({1} if {0} else {2})",
    "concat": "({0} + {1})",
    "cons": "(({0},) + {1})",
    "length": "len({0})",
}


def _inline_template(prim: Primitive) -> str | None:
    """The inline form of a CORE primitive, only when ``prim`` really is that primitive."""
    from dsl import _primitives

    template = INLINE.get(prim.name)
    if template is None:
        return None
    core = _primitives.CORE.get(prim.name)
    return template if isinstance(core, Primitive) and core.impl is prim.impl else None


FUEL_TICK = ("global _F", "_F -= 1", "if _F < 0: _nofuel()")

# Python names the exported source relies on; a program's names are renamed around them.
PY_NAMES = frozenset(
    {
        "len",
        "tuple",
        "list",
        "map",
        "filter",
        "range",
        "sorted",
        "sum",
        "min",
        "max",
        "abs",
        "isinstance",
        "super",
        "Exception",
        "EvalError",
        "EmptyListError",
        "IndexOutOfRangeError",
        "DivisionByZeroError",
        "EvalBudgetError",
        "annotations",
        "Any",
        "Fn",
    }
)

# Primitives whose argument is a length to allocate: checked against the list bound first.
SIZED = frozenset({"range", "replicate"})


@dataclass
class _Scope:
    """Python names of the variables in scope, plus names already used in the function."""

    names: dict[str, str]
    used: set[str]

    def bind(self, dsl_name: str, py_name: str) -> _Scope:
        return _Scope({**self.names, dsl_name: py_name}, self.used)


@dataclass
class _Gen:
    library: Library
    module: Module | None
    readable: bool
    # primitives and library definitions the generated code refers to (for the exporter)
    prims_used: dict[str, Primitive] = field(default_factory=dict)
    lib_defs_used: dict[str, Definition] = field(default_factory=dict)
    module_defs_used: set[str] = field(default_factory=set)
    prim_values_used: dict[str, Primitive] = field(default_factory=dict)
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _reserved: set[str] | None = None
    rename: dict[str, str] = field(default_factory=dict)

    # -- naming --------------------------------------------------------------------------
    def def_name(self, name: str, *, in_library: bool) -> str:
        if self.readable:
            safe = _safe(name)
            if safe in PY_NAMES or safe.startswith("_"):
                safe = f"{safe}_def"
            return self.rename.get(name, safe) if not in_library else safe
        return f"{'l' if in_library else 'm'}_{name}"

    def prim_name(self, prim: Primitive) -> str:
        if self.readable:
            return prim.impl.__name__ if prim.impl.__name__.isidentifier() else _safe(prim.name)
        return f"p_{prim.name}"

    def var_name(self, name: str, scope: _Scope) -> str:
        if not self.readable:
            candidate = f"v_{name}"
            while candidate in scope.used:
                candidate = f"v_{name}_{next(self._counter)}"
        else:
            candidate = _safe(name)
            while candidate in scope.used or candidate in self.reserved():
                candidate = f"{_safe(name)}_{next(self._counter)}"
        scope.used.add(candidate)
        return candidate

    def reserved(self) -> set[str]:
        if self._reserved is None:
            names = {self.prim_name(p) for p in self.library.primitives}
            names |= {_safe(d.name) for d in self.library.definitions}
            if self.module is not None:
                names |= {_safe(n) for n in self.module.names}
            self._reserved = names | PY_NAMES
        return self._reserved

    # -- definitions ---------------------------------------------------------------------
    def definition(self, d: Definition, *, in_library: bool) -> list[str]:
        scope = _Scope({}, set())
        params = [self.var_name(p.name, scope) for p in d.params]
        for p, py in zip(d.params, params, strict=True):
            scope.names[p.name] = py
        hoisted: list[str] = []
        body = self.expr(d.body, scope, hoisted, in_library=in_library)
        head = f"def {self.def_name(d.name, in_library=in_library)}({', '.join(params)}):"
        if self.readable:
            return [head, *_indent(hoisted), f"    return {body}"]
        prologue = [
            "global _F, _D",
            "_F -= 1",
            "if _F < 0: _nofuel()",
            "_D += 1",
            "if _D > _MAXD: _toodeep()",
        ]
        epilogue = [f"_r = {body}", "_D -= 1", "return _r"]
        return [head, *_indent(prologue + hoisted + epilogue)]

    # -- expressions ---------------------------------------------------------------------
    def expr(self, e: Expr, scope: _Scope, hoisted: list[str], *, in_library: bool) -> str:
        if isinstance(e, IntLit):
            text = repr(e.value) if e.value >= 0 else f"({e.value!r})"
            # literals beyond a byte are checked against the run's integer bound
            return f"_ci({text})" if not self.readable and abs(e.value) > 255 else text
        if isinstance(e, BoolLit):
            return "True" if e.value else "False"
        if isinstance(e, Var):
            return self.var(e.name, scope, in_library=in_library)
        if isinstance(e, ListLit):
            items = [self.expr(i, scope, hoisted, in_library=in_library) for i in e.items]
            return "()" if not items else "(" + ", ".join(items) + ",)"
        if isinstance(e, Let):
            value = self.expr(e.value, scope, hoisted, in_library=in_library)
            py = self.var_name(e.name, scope)
            body = self.expr(e.body, scope.bind(e.name, py), hoisted, in_library=in_library)
            return f"({py} := {value}, {body})[1]"
        if isinstance(e, Lambda):
            return self.lam(e, scope, hoisted, in_library=in_library)
        return self.call(e, scope, hoisted, in_library=in_library)

    def var(self, name: str, scope: _Scope, *, in_library: bool) -> str:
        if name in scope.names:
            return scope.names[name]
        target = self.resolve(name, in_library=in_library)
        if isinstance(target, Primitive):
            if self.readable:
                self.prims_used[target.name] = target
                return self.prim_name(target)
            self.prim_values_used[target.name] = target
            return f"w_{target.name}"
        return self.def_ref(target, in_library=in_library)

    def resolve(self, name: str, *, in_library: bool) -> Primitive | Definition:
        if not in_library and self.module is not None and name in self.module:
            return next(d for d in self.module.definitions if d.name == name)
        item = self.library.get(name)
        if item is None:  # the type checker rejects this first; kept for direct use
            from dsl._errors import UnknownNameError

            raise UnknownNameError(name, candidates=self.library.names)
        return item

    def def_ref(self, d: Definition, *, in_library: bool) -> str:
        is_module_def = not in_library and self.module is not None and d.name in self.module
        if is_module_def:
            self.module_defs_used.add(d.name)
        else:
            self.lib_defs_used[d.name] = d
        return self.def_name(d.name, in_library=not is_module_def)

    def lam(self, e: Lambda, scope: _Scope, hoisted: list[str], *, in_library: bool) -> str:
        inner = scope
        params = []
        for p in e.params:
            py = self.var_name(p, scope)
            params.append(py)
            inner = inner.bind(p, py)
        if self.readable:
            body = self.expr(e.body, inner, hoisted, in_library=in_library)
            return f"(lambda {', '.join(params)}: {body})"
        inner_hoisted: list[str] = []
        body = self.expr(e.body, inner, inner_hoisted, in_library=in_library)
        name = f"_l{next(self._counter)}"
        hoisted.append(f"def {name}({', '.join(params)}):")
        hoisted.extend(_indent([*FUEL_TICK, *inner_hoisted, f"return {body}"]))
        return name

    def call(self, e: Call, scope: _Scope, hoisted: list[str], *, in_library: bool) -> str:
        args = [self.expr(a, scope, hoisted, in_library=in_library) for a in e.args]
        if e.func in scope.names:
            return f"{scope.names[e.func]}({', '.join(args)})"
        target = self.resolve(e.func, in_library=in_library)
        if isinstance(target, Definition):
            return f"{self.def_ref(target, in_library=in_library)}({', '.join(args)})"
        return self._call_prim(target, args)

    def _call_prim(self, prim: Primitive, args: list[str]) -> str:
        template = _inline_template(prim)
        if template is not None:
            text = template.format(*args)
        else:
            self.prims_used[prim.name] = prim
            if not self.readable and prim.name in SIZED and _is_builtin(prim):
                args = [f"_cn({args[0]})", *args[1:]]
            text = f"{self.prim_name(prim)}({', '.join(args)})"
        if self.readable:
            return text
        if prim.needs_int_check():
            return f"_ci({text})"
        if prim.needs_list_check():
            return f"_cl({text})"
        return text


def _is_builtin(prim: Primitive) -> bool:
    from dsl import _primitives

    builtin = _primitives.EXTENDED.get(prim.name)
    return isinstance(builtin, Primitive) and builtin.impl is prim.impl


def _safe(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) or keyword.issoftkeyword(name) else name


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


RUNTIME = """
def _nofuel():
    raise EvalBudgetError("fuel", _FUEL0)

def _toodeep():
    raise EvalBudgetError("depth", _MAXD)

def _ci(x):
    if -_MAXI <= x <= _MAXI:
        return x
    raise EvalBudgetError("integer size", _MAXI)

def _cn(n):
    if n > _MAXL:
        raise EvalBudgetError("list length", _MAXL)
    return n

def _cl(r):
    global _F
    n = len(r)
    if n > _MAXL:
        raise EvalBudgetError("list length", _MAXL)
    _F -= n
    if _F < 0:
        _nofuel()
    return r
"""
"""Helpers of the fast form; ``_F`` (fuel left) and ``_D`` (depth) are module globals."""


def prim_value_wrapper(prim: Primitive) -> list[str]:
    """Fast-form wrapper used when a primitive is passed as a value (``map(xs, neg)``);
    like a lambda, each call costs one unit of fuel."""
    params = [f"a{i}" for i in range(prim.arity)]
    call = f"p_{prim.name}({', '.join(params)})"
    if prim.needs_int_check():
        call = f"_ci({call})"
    elif prim.needs_list_check():
        call = f"_cl({call})"
    return [
        f"def w_{prim.name}({', '.join(params)}):",
        *_indent([*FUEL_TICK, f"return {call}"]),
    ]


def generate(
    definitions: list[tuple[Definition, bool]],
    library: Library,
    module: Module | None,
    *,
    readable: bool,
    rename: dict[str, str] | None = None,
) -> tuple[list[str], _Gen]:
    """Python source lines for ``definitions`` (each with "is it a library definition").

    ``rename`` gives other Python names to module definitions (readable form only).
    """
    gen = _Gen(library, module, readable=readable, rename=dict(rename or {}))
    lines: list[str] = []
    for d, in_library in definitions:
        lines.extend(gen.definition(d, in_library=in_library))
        lines.append("")
    return lines, gen
