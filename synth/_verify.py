"""Verification: check a program against its spec on inputs that Hypothesis generates.

A program that fits five examples is a hypothesis. :func:`verify` runs it, and the spec's
reference and/or properties, on many generated inputs, far longer and larger than the
examples, and reports the first failure after Hypothesis has shrunk it to a minimal one.
"""

from __future__ import annotations

import copy
import functools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, settings

import dsl
from synth import strategies
from synth._spec import Spec, SpecError

DEFAULT_VERIFY_LIMITS = dsl.Limits(fuel=10_000_000)
"""Generous bounds: verification inputs are much larger than the examples."""


@dataclass(frozen=True, slots=True)
class Counterexample:
    """An input on which the program does not meet its spec.

    Attributes:
        args: the arguments (Python values), shrunk by Hypothesis.
        output: what the program returned (None when it raised).
        expected: what the reference returned (None when the spec has no reference).
        failed_property: the name of the property that failed, if one did.
        error: the ``EvalError`` the program raised, if it did.
    """

    args: tuple[Any, ...]
    output: Any = None
    expected: Any = None
    failed_property: str | None = None
    error: dsl.EvalError | None = None

    def __str__(self) -> str:
        args = ", ".join(repr(a) for a in self.args)
        if self.error is not None:
            return f"on ({args}) the program raised {type(self.error).__name__}: {self.error}"
        if self.failed_property is not None:
            return (
                f"on ({args}) the program returned {self.output!r}, failing {self.failed_property}"
            )
        return f"on ({args}) the program returned {self.output!r}, expected {self.expected!r}"


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """What :func:`verify` found.

    Attributes:
        passed: no failing input was found.
        examples_tried: inputs inside the spec's domain that were checked.
        counterexample: the minimal failing input, or None.
        error: the ``EvalError`` of the counterexample, if the program raised one.
        seconds: time taken.
        outside_domain: generated inputs skipped as outside the spec's domain: the
            precondition rejects them, the reference fails on them, or the reference's
            output is not a value of the language (an int beyond the interpreter's bound,
            a list longer than its bound), so that no program could meet it.
        finished: False when the deadline stopped verification before ``max_examples``
            inputs were tried (``passed`` then speaks for the inputs tried).
    """

    passed: bool
    examples_tried: int
    counterexample: Counterexample | None = None
    error: dsl.EvalError | None = None
    seconds: float = 0.0
    outside_domain: int = 0
    finished: bool = True

    def __str__(self) -> str:
        if self.passed:
            cut = "" if self.finished else " (stopped by the deadline)"
            return f"passed {self.examples_tried} generated inputs in {self.seconds:.2f}s{cut}"
        return f"failed after {self.examples_tried} inputs: {self.counterexample}"


class _OutsideDomain(Exception):
    pass


class _PastDeadline(Exception):
    pass


class _Judge:
    """Decides, for one input, whether the program meets the spec there."""

    def __init__(
        self,
        program: dsl.Definition,
        spec: Spec,
        library: dsl.Library,
        limits: dsl.Limits,
        deadline: float = math.inf,
    ) -> None:
        if spec.reference is None and not spec.properties:
            raise SpecError("nothing to verify against: give the spec a reference or properties")
        self.spec = spec
        self.compiled = dsl.compile_definition(program, library=library, limits=limits)
        self.limits = limits
        self.deadline = deadline
        self.tried = 0
        self.outside = 0
        self.latest_failure: Counterexample | None = None

    def judge(self, args: tuple[Any, ...]) -> Counterexample | None:
        """None when the program is right on ``args`` (or ``args`` is outside the domain)."""
        cex = self._judge(args)
        if cex is not None:
            self.latest_failure = cex
        return cex

    def _judge(self, args: tuple[Any, ...]) -> Counterexample | None:
        if time.perf_counter() > self.deadline:
            raise _PastDeadline
        try:
            expected = _expected(self.spec, args)
            if expected is not None and not _representable(expected, self.limits):
                raise _OutsideDomain
        except _OutsideDomain:
            self.outside += 1
            return None
        self.tried += 1
        try:
            output = self.compiled(*args)
        except dsl.EvalError as err:
            return Counterexample(args, None, expected, None, err)
        if self.spec.reference is not None and not _same(output, expected):
            return Counterexample(args, output, expected)
        for prop in self.spec.properties:
            try:
                holds = prop(copy.deepcopy(args), copy.deepcopy(output))
            except Exception:
                holds = False
            if not holds:
                name = getattr(prop, "__name__", repr(prop))
                return Counterexample(args, output, expected, name)
        return None


@dataclass(frozen=True, slots=True)
class _Bounds:
    """What generated inputs keep to: shrinking stays inside it too."""

    min_len: int
    lo: int
    hi: int

    @property
    def anchor(self) -> int:
        """The value ints shrink towards: 0, or the bound nearest it."""
        return strategies.nearest_zero(self.lo, self.hi)


def _polish(
    args: tuple[Any, ...], fails: Callable[[tuple[Any, ...]], bool], bounds: _Bounds
) -> tuple[Any, ...]:
    """Finish Hypothesis's shrinking (lists of ints are drawn as bytes, which it shrinks less
    thoroughly than ints): drop list elements (down to ``bounds.min_len``) and move ints
    towards 0 (or the bound nearest it) while the input still fails, until nothing
    changes."""
    current = list(args)

    def still_fails(i: int, value: Any) -> bool:
        trial = tuple(current[:i] + [value] + current[i + 1 :])
        return fails(trial)

    for _ in range(20):  # each pass only shrinks; a few passes reach a fixed point
        changed = False
        for i, value in enumerate(current):
            better = _shrink_value(value, functools.partial(still_fails, i), bounds)
            if better != value:
                current[i] = better
                changed = True
        if not changed:
            break
    return tuple(current)


def _shrink_value(value: Any, fails: Callable[[Any], bool], bounds: _Bounds) -> Any:
    if isinstance(value, bool):
        return False if value and fails(False) else value
    if isinstance(value, int):
        anchor = bounds.anchor
        if value == anchor or fails(anchor):
            return anchor
        # fails at anchor + sign * hi, not at anchor + sign * lo
        sign, lo, hi = (1 if value > anchor else -1), 0, abs(value - anchor)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fails(anchor + sign * mid):
                hi = mid
            else:
                lo = mid
        return anchor + sign * hi
    if isinstance(value, list):
        items = list(value)
        j = 0
        while j < len(items):
            if len(items) > bounds.min_len and fails(items[:j] + items[j + 1 :]):
                del items[j]
            else:
                j += 1

        def fails_at(j: int, v: Any) -> bool:
            return fails(items[:j] + [v] + items[j + 1 :])

        for j, item in enumerate(items):
            items[j] = _shrink_value(item, functools.partial(fails_at, j), bounds)
        return items
    return value


def _random_value(t: dsl.Type, rng: random.Random, max_len: int, bound: int) -> Any:
    if t == dsl.BOOL:
        return rng.random() < 0.5
    if isinstance(t, dsl.TList):
        return [_random_value(t.elem, rng, max_len, bound) for _ in range(rng.randint(0, max_len))]
    return rng.randint(-bound, bound)


def sample_inputs(
    spec: Spec, n: int, *, seed: int = 0, max_len: int = 6, bound: int = 9, tries: int = 1000
) -> list[tuple[Any, ...]]:
    """``n`` distinct small inputs inside the spec's domain (the precondition holds and the
    reference, if any, does not raise), drawn reproducibly from ``seed``.

    Raises:
        SpecError: fewer than ``n`` such inputs were found in ``tries`` draws.
    """
    rng = random.Random(seed)
    out: list[tuple[Any, ...]] = []
    for _ in range(tries):
        args = tuple(_random_value(t, rng, max_len, bound) for t in spec.signature.params)
        if args in out:
            continue
        try:
            _expected(spec, args)
        except _OutsideDomain:
            continue
        out.append(args)
        if len(out) == n:
            return out
    raise SpecError(f"found only {len(out)} inputs in the spec's domain after {tries} draws")


def _expected(spec: Spec, args: tuple[Any, ...]) -> Any:
    """The reference's output on ``args`` (None without a reference); raises _OutsideDomain
    where the precondition rejects ``args`` or the reference itself fails."""
    if spec.precondition is not None:
        try:
            inside = spec.precondition(*copy.deepcopy(args))
        except Exception as err:  # a precondition that fails rejects the input
            raise _OutsideDomain from err
        if not inside:
            raise _OutsideDomain
    if spec.reference is None:
        return None
    try:
        return spec.reference(*copy.deepcopy(args))
    except Exception as err:  # where the reference fails is no input of the domain
        raise _OutsideDomain from err


def _representable(value: Any, limits: dsl.Limits) -> bool:
    """Whether ``value`` is a value the interpreter can make under ``limits``."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -limits.max_int <= value <= limits.max_int
    if isinstance(value, list | tuple):
        return len(value) <= limits.max_list_len and all(_representable(v, limits) for v in value)
    return True


def _same(output: Any, expected: Any) -> bool:
    """Equal as values of the language (``True`` is not ``1``; tuples and lists agree)."""
    if isinstance(output, bool) or isinstance(expected, bool):
        return type(output) is type(expected) and output == expected
    if isinstance(output, list | tuple) and isinstance(expected, list | tuple):
        return len(output) == len(expected) and all(
            _same(a, b) for a, b in zip(output, expected, strict=True)
        )
    return bool(output == expected)


def verify(
    program: dsl.Definition,
    spec: Spec,
    *,
    library: dsl.Library = dsl.CORE,
    max_examples: int = 1000,
    max_len: int = 50,
    value_range: tuple[int, int] = strategies.DEFAULT_VALUE_RANGE,
    min_len: int = 0,
    seed: int = 0,
    limits: dsl.Limits = DEFAULT_VERIFY_LIMITS,
    database: hypothesis.database.ExampleDatabase | None = None,
    deadline: float | None = None,
) -> VerificationReport:
    """Check ``program`` against the spec's reference and/or properties on generated inputs.

    Inputs come from :func:`synth.strategies.for_signature` (lists ``min_len`` to
    ``max_len`` long, ints in ``value_range``; the shrunk counterexample keeps to them
    too); those the precondition rejects, or on which the reference
    itself raises, are outside the domain and skipped. The first failing input is shrunk by
    Hypothesis to a minimal one. Deterministic for a given ``seed``; writes to no example
    database unless one is given.

    Args:
        program: the definition to check (it may call its module's other definitions).
        spec: the specification; it needs a reference or properties.
        library: what the program may call.
        max_examples: how many inputs to generate at most.
        max_len: longest generated list.
        value_range: smallest and largest generated int.
        min_len: shortest generated list (e.g. 1, where empty lists are outside the
            inputs the program will meet).
        seed: makes the run reproducible.
        limits: the interpreter's bounds for each run.
        database: a Hypothesis example database to replay and save failures, if wanted.
        deadline: a ``time.perf_counter()`` time at which to stop, if any: the report
            then says ``finished=False`` (CEGIS passes its search's deadline).

    Returns:
        A :class:`VerificationReport`.

    Raises:
        SpecError: the spec has neither a reference nor properties.

    Example:
        >>> import dsl
        >>> rev = dsl.parse("def f(xs: list[int]) -> list[int] = reverse(xs)")["f"]
        >>> spec = Spec("(list[int]) -> list[int]", reference=sorted)
        >>> verify(rev, spec).counterexample.args
        ([0, -1],)
    """
    if max_examples < 1:
        raise ValueError(f"max_examples must be >= 1, got {max_examples}")
    began = time.perf_counter()
    judge = _Judge(program, spec, library, limits, math.inf if deadline is None else deadline)
    lo, hi = value_range
    strategy = strategies.for_signature(
        spec.signature, max_len=max_len, min_value=lo, max_value=hi, min_len=min_len
    )
    config = settings(
        max_examples=max_examples,
        database=database,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink] + ([Phase.reuse] if database else []),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    fails: Callable[[tuple[Any, ...]], bool] = lambda args: judge.judge(args) is not None  # noqa: E731

    def report(cex: Counterexample | None, finished: bool = True) -> VerificationReport:
        return VerificationReport(
            cex is None,
            judge.tried,
            cex,
            cex.error if cex is not None else None,
            time.perf_counter() - began,
            judge.outside,
            finished,
        )

    try:
        minimal = hypothesis.find(strategy, fails, settings=config, random=random.Random(seed))
        minimal = _polish(minimal, fails, _Bounds(min_len, lo, hi))
        cex = judge.judge(minimal)
    except hypothesis.errors.NoSuchExample:
        return report(None)
    except _PastDeadline:  # the failing input judged last is the smallest found so far
        return report(judge.latest_failure, finished=False)
    assert cex is not None, "the shrunk input passes"
    return report(cex)
