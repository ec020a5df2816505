"""Specifications (what a program must do) and budgets (how long a search may take)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import dsl
from dsl import TFun, Type

Property = Callable[[tuple[Any, ...], Any], bool]
"""A predicate over ``(args, output)``, e.g. "the output is ordered"."""


class SpecError(dsl.AbstraxError, ValueError):
    """A specification is malformed: no examples, inconsistent types, a bad signature."""


@dataclass(frozen=True, slots=True)
class Example:
    """One input/output pair. ``args`` and ``output`` are in the interpreter's form (tuples)."""

    args: tuple[Any, ...]
    output: Any

    def __repr__(self) -> str:
        args = ", ".join(repr(dsl.to_external(a)) for a in self.args)
        return f"Example(({args}) -> {dsl.to_external(self.output)!r})"


_NAME_POOLS: dict[str, tuple[str, ...]] = {
    "list": ("xs", "ys", "zs", "ws"),
    "int": ("n", "k", "m", "j"),
    "bool": ("b", "c", "d", "e"),
}


def default_param_names(types: Sequence[Type]) -> tuple[str, ...]:
    """Readable parameter names by type: lists ``xs, ys``, ints ``n, k``, bools ``b, c``."""
    used: dict[str, int] = {}
    names = []
    for t in types:
        kind = "list" if isinstance(t, dsl.TList) else str(t) if t in (dsl.INT, dsl.BOOL) else ""
        pool = _NAME_POOLS.get(kind, ("f", "g", "h"))
        i = used.get(kind, 0)
        used[kind] = i + 1
        names.append(pool[i] if i < len(pool) else f"{pool[0]}{i}")
    return tuple(names)


def _as_signature(signature: TFun | str) -> TFun:
    parsed: Type
    if isinstance(signature, str):
        try:
            parsed = dsl.parse_type(signature)
        except dsl.ParseProgramError as err:
            raise SpecError(f"bad signature {signature!r}: {err.reason}") from err
    else:
        parsed = signature
    if not isinstance(parsed, TFun):
        raise SpecError(f"a signature is a function type like '(list[int]) -> int', got {parsed}")
    return parsed


@dataclass(frozen=True)
class Spec:
    """What a program must satisfy: a signature plus examples, properties and/or a reference.

    Args:
        signature: ``TFun`` or text such as ``"(list[int], int) -> list[int]"``.
        examples: ``[(args_tuple, output), ...]`` (lists may be Python lists).
        properties: predicates over ``(args, output)`` (lists as Python lists).
        reference: a Python function computing the right output from the arguments.
        precondition: a predicate over the arguments; inputs it rejects are outside the domain.
        param_names: names of the program's parameters (default by type: ``xs``, ``n``, ...).
        name: name of the definition that synthesis returns.

    Raises:
        SpecError: a malformed signature or an example that does not fit it.

    Example:
        >>> spec = Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([5],), [5])])
        >>> str(spec.signature)
        '(list[int]) -> list[int]'
    """

    signature: TFun
    examples: tuple[Example, ...] = ()
    properties: tuple[Property, ...] = ()
    reference: Callable[..., Any] | None = None
    precondition: Callable[..., bool] | None = None
    param_names: tuple[str, ...] = ()
    name: str = "f"

    def __init__(
        self,
        signature: TFun | str,
        examples: Iterable[Example | tuple[Sequence[Any], Any]] = (),
        properties: Iterable[Property] = (),
        reference: Callable[..., Any] | None = None,
        precondition: Callable[..., bool] | None = None,
        *,
        param_names: Sequence[str] | None = None,
        name: str = "f",
    ) -> None:
        sig = _as_signature(signature)
        exs = tuple(_example(e, sig, i) for i, e in enumerate(examples))
        names = tuple(param_names) if param_names is not None else default_param_names(sig.params)
        if len(names) != len(sig.params):
            raise SpecError(f"{len(names)} parameter names for {len(sig.params)} parameters")
        if len(set(names)) != len(names):
            raise SpecError(f"parameter names must differ, got {names}")
        for n in (*names, name):
            if not n.isidentifier() or n in dsl.KEYWORDS:
                raise SpecError(f"{n!r} cannot name a parameter or definition")
        props = tuple(properties)
        for p in props:
            if not callable(p):
                raise SpecError(f"a property must be callable, got {p!r}")
        object.__setattr__(self, "signature", sig)
        object.__setattr__(self, "examples", exs)
        object.__setattr__(self, "properties", props)
        object.__setattr__(self, "reference", reference)
        object.__setattr__(self, "precondition", precondition)
        object.__setattr__(self, "param_names", names)
        object.__setattr__(self, "name", name)

    @classmethod
    def from_examples(cls, examples: Iterable[tuple[Sequence[Any], Any]], **kwargs: Any) -> Spec:
        """A spec whose signature is inferred from the example values.

        Element types that no example pins down (every list empty) default to ``int``.

        Raises:
            SpecError: no examples, different numbers of arguments, or values whose types
                disagree between examples.
        """
        pairs = []
        for i, e in enumerate(examples):
            try:
                args, out = e
            except (TypeError, ValueError):
                raise SpecError(f"example {i} must be a pair (args, output), got {e!r}") from None
            if not isinstance(args, list | tuple):
                raise SpecError(f"example {i}: args must be a tuple of arguments, got {args!r}")
            pairs.append((tuple(args), out))
        if not pairs:
            raise SpecError("from_examples needs at least one example")
        arity = len(pairs[0][0])
        u = dsl.Unifier()
        params: list[Type] = [u.fresh() for _ in range(arity)]
        ret: Type = u.fresh()
        for i, (args, out) in enumerate(pairs):
            if len(args) != arity:
                raise SpecError(f"example {i} has {len(args)} argument(s), example 0 has {arity}")
            for j, value in enumerate([*args, out]):
                where = f"argument {j + 1}" if j < arity else "the output"
                try:
                    t = dsl.type_of_value(value)
                except TypeError as err:
                    raise SpecError(f"example {i}, {where}: {err}") from None
                target = params[j] if j < arity else ret
                try:
                    u.unify(target, u.instantiate(t))
                except dsl.UnificationError:
                    raise SpecError(
                        f"example {i}, {where}: a {t} where earlier examples have "
                        f"{dsl._types.rename_pretty(u.resolve(target))}"
                    ) from None
        defaults = {}
        sig = TFun(tuple(u.resolve(p) for p in params), u.resolve(ret))
        for v in dsl._types.type_vars(sig):
            defaults[v] = dsl.INT
        sig_ground = dsl._types.substitute(sig, defaults)
        assert isinstance(sig_ground, TFun)
        return cls(sig_ground, pairs, **kwargs)

    @property
    def arity(self) -> int:
        """Number of parameters."""
        return len(self.signature.params)

    def with_examples(self, extra: Iterable[Example | tuple[Sequence[Any], Any]]) -> Spec:
        """The same spec with more examples (as CEGIS adds counterexamples)."""
        return Spec(
            self.signature,
            (*self.examples, *extra),
            self.properties,
            self.reference,
            self.precondition,
            param_names=self.param_names,
            name=self.name,
        )

    def check_output(self, args: tuple[Any, ...], output: Any) -> bool:
        """Whether ``output`` is right for ``args`` by the reference and the properties."""
        ext_args = tuple(dsl.to_external(a) for a in args)
        ext_out = dsl.to_external(output)
        if self.reference is not None:
            expected = self.reference(*ext_args)
            if dsl.to_internal(expected) != dsl.to_internal(ext_out):
                return False
        return all(p(ext_args, ext_out) for p in self.properties)


def _example(e: Example | tuple[Sequence[Any], Any], sig: TFun, i: int) -> Example:
    args: Sequence[Any]
    if isinstance(e, Example):
        args, output = e.args, e.output
    else:
        try:
            args, output = e
        except (TypeError, ValueError):
            raise SpecError(f"example {i} must be a pair (args, output), got {e!r}") from None
        if not isinstance(args, list | tuple):
            raise SpecError(f"example {i}: args must be a tuple of arguments, got {args!r}")
    if len(args) != len(sig.params):
        raise SpecError(
            f"example {i} has {len(args)} argument(s); the signature {sig} takes {len(sig.params)}"
        )
    for j, (a, t) in enumerate(zip(args, sig.params, strict=True)):
        if not dsl.value_has_type(a, t):
            raise SpecError(f"example {i}, argument {j + 1}: {a!r} is not of type {t}")
        _check_bounds(a, f"example {i}, argument {j + 1}")
    if not dsl.value_has_type(output, sig.ret):
        raise SpecError(f"example {i}: output {output!r} is not of type {sig.ret}")
    _check_bounds(output, f"example {i}, output")
    return Example(tuple(dsl.to_internal(a) for a in args), dsl.to_internal(output))


def _check_bounds(value: Any, where: str) -> None:
    limit = dsl.DEFAULT_LIMITS.max_int
    if isinstance(value, list | tuple):
        for v in value:
            _check_bounds(v, where)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
        raise SpecError(f"{where}: {value} is beyond the language's integer bound {limit}")


@dataclass(frozen=True, slots=True)
class Budget:
    """How long a search may run: wall-clock seconds and/or candidates evaluated.

    ``programs`` bounds the candidates a search evaluates (``SynthesisResult.candidates``):
    for heap search the complete programs, for bottom-up search every subprogram it builds.
    Every search checks the clock often enough to stop within 10% or 50 ms of the time limit,
    whichever is larger (building the grammar counts; it is cached per signature).
    """

    seconds: float = math.inf
    programs: int | None = None

    def __post_init__(self) -> None:
        if not (self.seconds > 0):
            raise ValueError(f"Budget.seconds must be > 0, got {self.seconds!r}")
        programs = self.programs
        if programs is not None and (
            not isinstance(programs, int) or isinstance(programs, bool) or programs < 1
        ):
            raise ValueError(f"Budget.programs must be a positive int, got {self.programs!r}")
