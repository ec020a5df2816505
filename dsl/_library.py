"""Libraries: named sets of primitives (Python implementations) and definitions (source).

A library is data. ``CORE`` and ``EXTENDED`` are built in ``dsl._primitives``; users extend
them with :meth:`Library.extend`, and a learned library is saved and loaded as an ``.abx``
source file of definitions on top of a base library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsl._ast import Definition, Module
from dsl._errors import LibraryError, ParseProgramError, UnknownNameError
from dsl._types import INT, TFun, TList, Type


@dataclass(frozen=True, slots=True)
class Primitive:
    """A built-in function of the language.

    Attributes:
        name: how programs call it (``head``); operators use the names in ``dsl.OPERATORS``.
        type: its type, polymorphic in lowercase type variables, e.g.
            ``(list[a], (a) -> b) -> list[b]``; a constant has a non-function type.
        impl: the Python function. Lists are tuples; function arguments arrive as Python
            callables. It may raise a ``dsl.EvalError``; any other exception is reported as
            ``PrimitiveError``. It must not mutate its arguments.
        doc: one line for users and for documentation.
        bounded: True when the result never needs a size check (e.g. ``length``); by default
            int results are checked against the integer bound and list results against the
            list-length bound (each list element built costs one unit of fuel).
    """

    name: str
    type: Type
    impl: Callable[..., Any] = field(compare=False)
    doc: str = ""
    bounded: bool = False

    @property
    def arity(self) -> int:
        """Number of arguments (0 for a constant)."""
        return len(self.type.params) if isinstance(self.type, TFun) else 0

    @property
    def returns(self) -> Type:
        """The result type."""
        return self.type.ret if isinstance(self.type, TFun) else self.type

    def needs_int_check(self) -> bool:
        """Whether the interpreter checks this primitive's int results against the bound."""
        return not self.bounded and self.returns == INT

    def needs_list_check(self) -> bool:
        """Whether the interpreter checks (and charges fuel for) this primitive's list results."""
        return not self.bounded and isinstance(self.returns, TList)


def primitive(
    name: str, type: str | Type, impl: Callable[..., Any], doc: str = "", *, bounded: bool = False
) -> Primitive:
    """Make a :class:`Primitive`, parsing ``type`` when it is written as source text.

    Example:
        >>> double = primitive("double", "(int) -> int", lambda x: 2 * x, "2 * x")
        >>> double.arity
        1
    """
    from dsl._parser import parse_type

    if isinstance(type, str):
        try:
            type = parse_type(type)
        except ParseProgramError as err:
            raise LibraryError(f"primitive {name!r}: bad type {type!r}: {err.reason}") from err
    if not callable(impl):
        raise LibraryError(f"primitive {name!r}: impl must be callable, got {impl!r}")
    return Primitive(name, type, impl, doc, bounded)


@dataclass(frozen=True, eq=False)
class Library:
    """A named set of primitives, definitions and the constants a search may use.
    Compared by identity.

    Look-ups: ``library["head"]`` returns the :class:`Primitive` or :class:`Definition`;
    a definition shadows a primitive of the same name.
    """

    name: str
    primitives: tuple[Primitive, ...]
    definitions: tuple[Definition, ...] = ()
    constants: tuple[Any, ...] = (0, 1, 2, ())
    """Literals a search over this library may use (interpreter form: tuples for lists).
    CORE and EXTENDED keep 0, 1, 2 and ``[]``; DREAMCODER has 0 to 5 and ``[]``, as
    DreamCoder's list DSL does, so that comparisons with the field are like for like."""
    _index: dict[str, Primitive | Definition] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        prim_names: set[str] = set()
        for c in self.constants:
            if not isinstance(c, int | tuple):
                raise LibraryError(
                    f"library {self.name!r}: constant {c!r} is not an int, bool or list"
                )
        for p in self.primitives:
            if not isinstance(p, Primitive):
                raise LibraryError(f"library {self.name!r}: {p!r} is not a Primitive")
            if p.name in prim_names:
                raise LibraryError(f"library {self.name!r}: primitive {p.name!r} defined twice")
            prim_names.add(p.name)
            self._index[p.name] = p
        def_names: set[str] = set()
        for d in self.definitions:
            if d.name in def_names:
                raise LibraryError(f"library {self.name!r}: definition {d.name!r} defined twice")
            def_names.add(d.name)
            self._index[d.name] = d

    def __getitem__(self, name: str) -> Primitive | Definition:
        try:
            return self._index[name]
        except KeyError:
            raise UnknownNameError(name, candidates=self._index) from None

    def get(self, name: str) -> Primitive | Definition | None:
        """The primitive or definition called ``name``, or None."""
        return self._index.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the library binds."""
        return tuple(self._index)

    @property
    def module(self) -> Module:
        """The library's definitions as a module."""
        return Module(self.definitions)

    def extend(
        self,
        *,
        name: str | None = None,
        primitives: Iterable[Primitive] = (),
        definitions: str | Module | Iterable[Definition] = (),
        constants: Iterable[Any] | None = None,
    ) -> Library:
        """A new library with more primitives and/or definitions.

        Args:
            name: name of the new library (default: ``"<this name>+"``).
            primitives: extra primitives; a name already bound is an error.
            definitions: source text, a parsed module, or definitions; they may call this
                library and each other (earlier or later, recursively) and are type-checked.
            constants: the literals a search may use (default: this library's).

        Raises:
            LibraryError: a name defined twice. ParseProgramError, TypeCheckError: bad source.

        Example:
            >>> from dsl import CORE
            >>> lib = CORE.extend(definitions="def inc(x: int) -> int = x + 1")
            >>> lib["inc"].name
            'inc'
        """
        from dsl._parser import parse
        from dsl._typecheck import typecheck

        extra = tuple(primitives)
        for p in extra:
            if p.name in self._index:
                raise LibraryError(f"primitive {p.name!r} is already in library {self.name!r}")
        if isinstance(definitions, str):
            new_defs = parse(definitions).definitions
        elif isinstance(definitions, Module):
            new_defs = definitions.definitions
        else:
            new_defs = tuple(definitions)
        existing = self.definitions_by_name()
        for d in new_defs:
            if d.name in existing:
                raise LibraryError(f"definition {d.name!r} is already in library {self.name!r}")
        lib = Library(
            name or f"{self.name}+",
            self.primitives + extra,
            self.definitions + new_defs,
            self.constants if constants is None else _internal_constants(constants),
        )
        typecheck(Module(new_defs), library=lib)
        return lib

    def definitions_by_name(self) -> dict[str, Definition]:
        """The library's definitions, keyed by name."""
        return {d.name: d for d in self.definitions}

    def to_source(self) -> str:
        """The library's definitions as ``.abx`` source (primitives are Python and stay out)."""
        from dsl._printer import pretty

        header = f"# abstrax library {self.name}\n\n"
        return header + pretty(Module(self.definitions))

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_source` to ``path``; load it with :meth:`Library.load`."""
        Path(path).write_text(self.to_source(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, *, base: Library, name: str | None = None) -> Library:
        """Read a library file written by :meth:`save` on top of ``base``.

        Definitions already in ``base`` are not repeated. Raises ``ParseProgramError``
        (with the file name and position) or ``TypeCheckError`` for a bad file.
        """
        from dsl._parser import parse

        path = Path(path)
        text = path.read_text(encoding="utf-8")
        module = parse(text, filename=str(path))
        existing = base.definitions_by_name()
        new = tuple(d for d in module.definitions if existing.get(d.name) != d)
        return base.extend(name=name or path.stem, definitions=new)


def _internal_constants(values: Iterable[Any]) -> tuple[Any, ...]:
    """Constants in interpreter form (lists as tuples)."""
    from dsl._interpreter import to_internal

    return tuple(to_internal(v) for v in values)
