"""``synthesize``: find the most likely program that fits a spec, and ``enumerate`` programs."""

from __future__ import annotations

import functools
import gc
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, ParamSpec, TypeVar

import dsl
from synth._config import (
    CONTEXT_UNIT,
    BottomUpEnumerator,
    ConfigError,
    Enumerator,
    SearchSpace,
    SynthesisConfig,
    Verification,
    bottom_up,
    heap,
)
from synth._express import to_expr
from synth._grammar import BUILD_DEADLINE, PCFG, Guide
from synth._search import definition, search
from synth._spec import Budget, Example, Spec, SpecError
from synth._terms import BudgetExhausted, TermStore
from synth._verify import Counterexample, VerificationReport, sample_inputs
from synth._verify import verify as verify_program

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_BUDGET = Budget(seconds=10)
"""Ten seconds, any number of programs."""


@dataclass(frozen=True, slots=True)
class SynthesisResult:
    """What a search found and what it did.

    Attributes:
        spec: the spec searched for.
        program: the definition found (it prints as readable source), or None.
        solved: whether ``program`` fits every example.
        programs_explored: complete programs (of the spec's type) the search tried.
        candidates: every candidate evaluated, subprograms included (bottom-up counts
            each subprogram it builds; heap search counts the same as programs_explored).
        seconds: wall-clock time of the search.
        enumerator: ``"bottom_up"`` or ``"heap"``.
        stop_reason: ``"solved"``, ``"time"``, ``"programs"`` or ``"exhausted"``.
        log_probability: of the program under the search's PCFG (heap search), or None.
        cost: the program's cost (bottom-up search), in steps of the enumerator's
            ``unit`` nats (``config.enumerator.unit``), or None.
        stats: other per-run figures, summed over rounds: grammar size, terms kept,
            rejected by the interpreter; for bottom-up search, ``by_production``: for each
            production, the candidates built with it at their root and the seconds spent
            on them (where the search's time went).
        rounds: searches run (CEGIS: one more per counterexample).
        counterexamples: what verification found wrong, in order; each was added to the
            examples (or, for a spec with properties only, to the inputs) for the next round.
        verification: the report on the program returned, when ``verify=True``.
        config: what the search ran with (:class:`SynthesisConfig`, resolved: the
            enumerator chosen, the constants used); with ``library`` and ``budget``,
            enough to run it again.
        library: the library the program was found in (the program runs with it).
        budget: the budget the search had.
    """

    spec: Spec
    program: dsl.Definition | None
    solved: bool
    programs_explored: int
    candidates: int
    seconds: float
    enumerator: str
    stop_reason: str
    log_probability: float | None = None
    cost: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    rounds: int = 1
    counterexamples: tuple[Counterexample, ...] = ()
    verification: VerificationReport | None = None
    config: SynthesisConfig = field(default_factory=SynthesisConfig)
    library: dsl.Library = dsl.CORE
    budget: Budget = field(default_factory=lambda: DEFAULT_BUDGET)

    @property
    def programs_per_second(self) -> float:
        """Candidates evaluated per second."""
        return self.candidates / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        head = (
            f"{'solved' if self.solved else 'not solved'} ({self.stop_reason}) by "
            f"{self.enumerator} in {self.seconds:.3f}s after {self.programs_explored} programs"
        )
        return head + (f"\n{dsl.pretty(self.program)}" if self.program is not None else "")


class Enumerated(NamedTuple):
    """A program from :func:`enumerate` with its score."""

    program: dsl.Definition
    log_probability: float | None
    cost: int | None


def _store_for(spec: Spec | None) -> TermStore:
    if spec is None:
        return TermStore([], [])
    return TermStore([e.args for e in spec.examples], [e.output for e in spec.examples])


def enumerate(
    pcfg: PCFG,
    *,
    spec: Spec | None = None,
    enumerator: Enumerator | None = None,
    name: str = "f",
) -> Iterator[Enumerated]:
    """The programs of ``pcfg`` one at a time.

    Args:
        pcfg: the weighted search space (``grammar.uniform()`` or a guide's).
        spec: examples for bottom-up search (it keeps one program per behaviour on them).
        enumerator: ``synth.heap()`` (the default): every program, exact non-increasing
            probability, no duplicates; ``synth.bottom_up(...)``: by increasing cost, one
            per behaviour.
        name: name of the yielded definitions.

    Example:
        >>> import dsl
        >>> g = Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=2)
        >>> first = next(enumerate(g.uniform()))
        >>> dsl.pretty(first.program.body)
        '0'
    """
    enumerator = enumerator if enumerator is not None else heap()
    if not hasattr(enumerator, "start"):
        raise TypeError(
            f"enumerator must be made by synth.heap() or synth.bottom_up(...), got {enumerator!r}"
        )
    grammar = pcfg.grammar
    if enumerator.name == "bottom_up" and (spec is None or not spec.examples):
        raise ValueError("bottom-up enumeration needs a spec with examples")
    store = _store_for(spec)
    engine = enumerator.start(pcfg, store, deadline=math.inf, max_candidates=math.inf, target=None)
    heap_order = enumerator.name == "heap"
    for tid, score in engine:
        body = to_expr(store, tid, grammar.param_names, self_name=name)
        program = definition(name, grammar, body)
        if heap_order:
            yield Enumerated(program, score, None)
        else:
            yield Enumerated(program, None, int(score))


def _without_cyclic_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with the cyclic garbage collector off. A search allocates millions of
    small acyclic objects (freed by reference counting): the collector finds nothing in
    them, its passes cost a fifth of the time, and its pauses would break small budgets."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


@_without_cyclic_gc
def synthesize(
    spec: Spec,
    *,
    library: dsl.Library = dsl.CORE,
    guide: Guide | None = None,
    budget: Budget = DEFAULT_BUDGET,
    space: SearchSpace | None = None,
    enumerator: Enumerator | None = None,
    verify: bool | Verification = False,
    seed: int = 0,
) -> SynthesisResult:
    """Find the most likely (or cheapest) program that fits ``spec``.

    With ``verify`` this is counterexample-guided synthesis (CEGIS): a program that fits
    the examples is checked by :func:`synth.verify` on generated inputs; a counterexample
    joins the examples (its output from the reference), and the search runs again, until a
    program passes verification or the budget ends. Each new round searches afresh, since
    observational equivalence must see the new example (programs that failed before fail
    again at once).

    Args:
        spec: signature plus examples, and/or a reference, and/or properties. A spec with no
            examples gets ``6`` sampled inputs: with a reference they become examples; with
            properties only, candidates must satisfy the properties on them.
        library: primitives and definitions the program may use (and its constants).
        guide: gives task-specific weights; None searches the uniform (unguided) PCFG.
        budget: seconds and/or programs, for all rounds together; the search stops within
            10% or 50 ms of its seconds, whichever is larger, verification included.
        space: the programs considered (:class:`SearchSpace`: depth, constants, recursion,
            exclusions, value limits); None: the defaults.
        enumerator: ``synth.bottom_up(...)`` or ``synth.heap()``; None: bottom-up search,
            or heap search when ``space.allow_recursion``.
        verify: True: CEGIS with the default :class:`Verification`; or the settings.
        seed: makes sampling and verification reproducible.

    Returns:
        A :class:`SynthesisResult`, which records the config it ran with. A candidate that
        fails at run time on an example does not fit it; it never stops the search. Every
        program returned has been run by the interpreter on every example, and runs with
        ``library`` as it is returned (``result.program(xs)``).

    Raises:
        SpecError: nothing to search for (no examples, reference or properties), ``verify``
            without a reference or properties, or a program name that is a library name.
        ConfigError: bottom-up search asked for a recursive program.

    Example:
        >>> spec = Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4])])
        >>> synthesize(spec).program.body
        Call(func='reverse', args=(Var(name='xs'),))
    """
    space = space if space is not None else SearchSpace()
    if not isinstance(space, SearchSpace):
        raise TypeError(f"space must be a synth.SearchSpace, got {space!r}")
    if not isinstance(budget, Budget):
        raise TypeError(f"budget must be a synth.Budget, got {budget!r}")
    if enumerator is None:
        enumerator = heap() if space.allow_recursion else bottom_up()
    elif not hasattr(enumerator, "start") or not hasattr(enumerator, "name"):
        raise TypeError(
            f"enumerator must be made by synth.bottom_up(...) or synth.heap(), got {enumerator!r}"
        )
    if isinstance(enumerator, BottomUpEnumerator) and enumerator.costs is None:
        # a guide's per-context weights are heard best by per-context costs; the uniform
        # grammar's by the plain mean (both measured on DreamCoder's list tasks)
        enumerator = replace(enumerator, costs="context" if guide is not None else "mean")
    if isinstance(enumerator, BottomUpEnumerator) and enumerator.unit is None:
        # half a nat follows a guide's per-context weights more closely; the uniform
        # grammar's costs per kind explore fewer programs at one (both measured there too)
        unit = CONTEXT_UNIT if enumerator.costs == "context" else 1.0
        enumerator = replace(enumerator, unit=unit)
    if space.allow_recursion and enumerator.name == "bottom_up":
        raise ConfigError(
            "bottom-up search cannot evaluate recursive calls: use enumerator=synth.heap() "
            "with SearchSpace(allow_recursion=True)"
        )
    checking = Verification() if verify is True else (verify or None)
    if checking is not None and not isinstance(checking, Verification):
        raise TypeError(f"verify must be a bool or a synth.Verification, got {verify!r}")
    checkable = spec.reference is not None or bool(spec.properties)
    if not spec.examples and not checkable:
        raise SpecError(
            "nothing to synthesise from: give the spec examples, a reference or properties"
        )
    if checking is not None and not checkable:
        raise SpecError("verify=True needs a spec with a reference or properties")
    if spec.name in library:
        raise SpecError(
            f"the program's name {spec.name!r} is also in library {library.name!r}, so the "
            "program would call itself; give the spec another name (Spec(..., name=...))"
        )
    clashes = [n for n in spec.param_names if n in library]
    if clashes:
        raise SpecError(
            f"parameter name(s) {clashes} are also in library {library.name!r} and would "
            "hide them; choose other names (Spec(..., param_names=...))"
        )
    config = SynthesisConfig(space, enumerator, checking, seed).resolved(library, enumerator)
    began = time.perf_counter()
    deadline = began + budget.seconds
    token = BUILD_DEADLINE.set(deadline)
    try:
        grammar = space.grammar(library, spec)
    except BudgetExhausted:
        return _timed_out(spec, began, config, library, budget)
    finally:
        BUILD_DEADLINE.reset(token)
    pcfg = guide.weights(spec, grammar) if guide is not None else grammar.uniform()
    if pcfg.grammar is not grammar:
        raise ValueError(
            "the guide returned a PCFG over another grammar; weight the grammar it was given "
            "(PCFG.from_weights(grammar, ...))"
        )
    examples: list[Example] = list(spec.examples)
    inputs: list[tuple[Any, ...]] = []
    if not examples:
        sampled = sample_inputs(spec, 6, seed=seed)
        if spec.reference is not None:
            examples = [
                Example(dsl.to_internal(a), dsl.to_internal(spec.reference(*a))) for a in sampled
            ]
        else:
            inputs = [dsl.to_internal(a) for a in sampled]
    max_programs = budget.programs if budget.programs is not None else math.inf
    counterexamples: list[Counterexample] = []
    explored = candidates = rounds = 0
    stats: dict[str, Any] = {}
    while True:
        rounds += 1
        outcome = search(
            spec,
            pcfg,
            library=library,
            enumerator=enumerator,
            limits=space.limits,
            examples=examples,
            inputs=inputs,
            deadline=deadline,
            max_programs=max_programs - explored,
        )
        explored += outcome.programs_explored
        candidates += outcome.candidates
        _add_stats(stats, outcome.stats)
        report = None
        if outcome.program is not None and checking is not None:
            report = verify_program(
                outcome.program,
                spec,
                library=library,
                max_examples=checking.max_examples,
                max_len=checking.max_len,
                value_range=checking.value_range,
                min_len=checking.min_len,
                seed=seed,
                deadline=deadline,
            )
            _add_stats(stats, {"verification_outside_domain": report.outside_domain})
            if not report.passed and time.perf_counter() < deadline and explored < max_programs:
                cex = report.counterexample
                assert cex is not None
                counterexamples.append(cex)
                if spec.reference is not None:  # the reference gives the right output
                    examples.append(
                        Example(dsl.to_internal(cex.args), dsl.to_internal(cex.expected))
                    )
                else:
                    inputs.append(dsl.to_internal(cex.args))
                continue
        break
    solved = outcome.program is not None and (report is None or report.passed)
    stop = outcome.stop_reason
    if outcome.program is not None and not solved:
        stop = "time" if time.perf_counter() >= deadline else "programs"
    return SynthesisResult(
        spec=spec,
        program=outcome.program if solved else None,
        solved=solved,
        programs_explored=explored,
        candidates=candidates,
        seconds=time.perf_counter() - began,
        enumerator=enumerator.name,
        stop_reason=stop,
        log_probability=outcome.log_probability if solved else None,
        cost=outcome.cost if solved else None,
        stats=stats,
        rounds=rounds,
        counterexamples=tuple(counterexamples),
        verification=report,
        config=config,
        library=library,
        budget=budget,
    )


def _timed_out(
    spec: Spec, began: float, config: SynthesisConfig, library: dsl.Library, budget: Budget
) -> SynthesisResult:
    """The result of a search whose time ran out before it could start."""
    assert config.enumerator is not None
    return SynthesisResult(
        spec=spec,
        program=None,
        solved=False,
        programs_explored=0,
        candidates=0,
        seconds=time.perf_counter() - began,
        enumerator=config.enumerator.name,
        stop_reason="time",
        rounds=0,
        config=config,
        library=library,
        budget=budget,
    )


def _add_stats(total: dict[str, Any], more: dict[str, Any]) -> None:
    """Add one round's statistics to ``total`` (the grammar size is the last round's;
    nested tables, such as ``by_production``, are added entry by entry)."""
    for key, value in more.items():
        if key == "nonterminals":
            total[key] = value
        elif isinstance(value, dict):
            _add_stats(total.setdefault(key, {}), value)
        else:
            total[key] = total.get(key, 0) + value
