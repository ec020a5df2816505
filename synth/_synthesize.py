"""``synthesize``: find the most likely program that fits a spec, and ``enumerate`` programs."""

from __future__ import annotations

import functools
import gc
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, ParamSpec, TypeVar

import dsl
from synth._bottom_up import BottomUp
from synth._express import to_expr
from synth._grammar import BUILD_DEADLINE, DEFAULT_CONSTANTS, PCFG, Grammar, Guide
from synth._heap import HeapSearch
from synth._search import definition, search
from synth._spec import Budget, Example, Spec, SpecError
from synth._terms import BudgetExhausted, TermStore
from synth._verify import Counterexample, VerificationReport, sample_inputs
from synth._verify import verify as verify_program

P = ParamSpec("P")
R = TypeVar("R")

Enumerator = Literal["auto", "bottom_up", "heap"]

_ENUMERATORS = ("auto", "bottom_up", "heap")

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
        cost: the program's cost (bottom-up search), or None.
        stats: other per-run figures, summed over rounds: grammar size, terms kept,
            rejected by the interpreter; for bottom-up search, ``by_production``: for each
            production, the candidates built with it at their root and the seconds spent
            on them (where the search's time went).
        rounds: searches run (CEGIS: one more per counterexample).
        counterexamples: what verification found wrong, in order; each was added to the
            examples (or, for a spec with properties only, to the inputs) for the next round.
        verification: the report on the program returned, when ``verify=True``.
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
    enumerator: Literal["heap", "bottom_up"] = "heap",
    name: str = "f",
) -> Iterator[Enumerated]:
    """The programs of ``pcfg`` one at a time.

    Args:
        pcfg: the weighted search space (``grammar.uniform()`` or a guide's).
        spec: examples for bottom-up search (it keeps one program per behaviour on them).
        enumerator: ``"heap"``: every program, exact non-increasing probability, no
            duplicates. ``"bottom_up"``: by increasing cost, one per behaviour.
        name: name of the yielded definitions.

    Example:
        >>> import dsl
        >>> g = Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=2)
        >>> first = next(enumerate(g.uniform()))
        >>> dsl.pretty(first.program.body)
        '0'
    """
    grammar = pcfg.grammar
    store = _store_for(spec)
    if enumerator == "heap":
        for tid, lp in HeapSearch(pcfg, store):
            body = to_expr(store, tid, grammar.param_names, self_name=name)
            yield Enumerated(definition(name, grammar, body), lp, None)
    elif enumerator == "bottom_up":
        if spec is None:
            raise ValueError("bottom-up enumeration needs a spec with examples")
        for tid, cost in BottomUp(pcfg, store):
            body = to_expr(store, tid, grammar.param_names, self_name=name)
            yield Enumerated(definition(name, grammar, body), None, cost)
    else:
        raise ValueError(f"enumerator must be 'heap' or 'bottom_up', got {enumerator!r}")


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
    enumerator: Enumerator = "auto",
    max_depth: int = 6,
    constants: Iterable[Any] = DEFAULT_CONSTANTS,
    allow_recursion: bool = False,
    exclude: Iterable[str] = (),
    verify: bool = False,
    verify_examples: int = 500,
    verify_max_len: int = 50,
    seed: int = 0,
    prune: bool = True,
) -> SynthesisResult:
    """Find the most likely (or cheapest) program that fits ``spec``.

    With ``verify=True`` this is counterexample-guided synthesis (CEGIS): a program that
    fits the examples is checked by :func:`synth.verify` on generated inputs; a
    counterexample joins the examples (its output from the reference), and the search runs
    again, until a program passes verification or the budget ends. Each new round searches
    afresh, since observational equivalence must see the new example (programs that failed
    before fail again at once).

    Args:
        spec: signature plus examples, and/or a reference, and/or properties. A spec with no
            examples gets ``6`` sampled inputs: with a reference they become examples; with
            properties only, candidates must satisfy the properties on them.
        library: primitives and definitions the program may use.
        guide: gives task-specific weights; None searches the uniform (unguided) PCFG.
        budget: seconds and/or programs, for all rounds together.
        enumerator: ``"bottom_up"`` (by cost, with observational equivalence: the default),
            ``"heap"`` (exact probability order), or ``"auto"`` (heap when recursive).
        max_depth: deepest program.
        constants: literals the program may use.
        allow_recursion: let the program call itself (heap search; fuel bounds each run).
        exclude: names of library entries to leave out.
        verify: check each answer on generated inputs and learn from counterexamples.
        verify_examples: inputs per verification.
        verify_max_len: longest generated list in verification.
        seed: makes sampling and verification reproducible.
        prune: let bottom-up search skip degenerate loops (see :class:`BottomUp`); False
            makes it complete relative to heap search, and slower.

    Returns:
        A :class:`SynthesisResult`. A candidate that fails at run time on an example does
        not fit it; it never stops the search. Every program returned has been run by the
        interpreter on every example.

    Raises:
        SpecError: nothing to search for (no examples, reference or properties), ``verify``
            without a reference or properties, or a program name that is a library name.

    Example:
        >>> spec = Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4])])
        >>> synthesize(spec).program.body
        Call(func='reverse', args=(Var(name='xs'),))
    """
    if enumerator not in _ENUMERATORS:
        raise ValueError(f"enumerator must be one of {_ENUMERATORS}, got {enumerator!r}")
    if not isinstance(budget, Budget):
        raise TypeError(f"budget must be a synth.Budget, got {budget!r}")
    checkable = spec.reference is not None or bool(spec.properties)
    if not spec.examples and not checkable:
        raise SpecError(
            "nothing to synthesise from: give the spec examples, a reference or properties"
        )
    if verify and not checkable:
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
    began = time.perf_counter()
    deadline = began + budget.seconds
    token = BUILD_DEADLINE.set(deadline)
    try:
        grammar = Grammar.from_library(
            library,
            spec.signature,
            max_depth=max_depth,
            constants=constants,
            allow_recursion=allow_recursion,
            param_names=spec.param_names,
            exclude=exclude,
        )
    except BudgetExhausted:
        return _timed_out(spec, began, enumerator)
    finally:
        BUILD_DEADLINE.reset(token)
    pcfg = guide.weights(spec, grammar) if guide is not None else grammar.uniform()
    if pcfg.grammar is not grammar:
        raise ValueError(
            "the guide returned a PCFG over another grammar; weight the grammar it was given "
            "(PCFG.from_weights(grammar, ...))"
        )
    chosen: Literal["bottom_up", "heap"] = (
        ("heap" if allow_recursion else "bottom_up") if enumerator == "auto" else enumerator
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
            enumerator=chosen,
            examples=examples,
            inputs=inputs,
            deadline=deadline,
            max_programs=max_programs - explored,
            prune=prune,
        )
        explored += outcome.programs_explored
        candidates += outcome.candidates
        _add_stats(stats, outcome.stats)
        report = None
        if outcome.program is not None and verify:
            report = verify_program(
                outcome.program,
                spec,
                library=library,
                max_examples=verify_examples,
                max_len=verify_max_len,
                seed=seed,
            )
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
        enumerator=chosen,
        stop_reason=stop,
        log_probability=outcome.log_probability if solved else None,
        cost=outcome.cost if solved else None,
        stats=stats,
        rounds=rounds,
        counterexamples=tuple(counterexamples),
        verification=report,
    )


def _timed_out(spec: Spec, began: float, enumerator: str) -> SynthesisResult:
    """The result of a search whose time ran out before it could start."""
    return SynthesisResult(
        spec=spec,
        program=None,
        solved=False,
        programs_explored=0,
        candidates=0,
        seconds=time.perf_counter() - began,
        enumerator="bottom_up" if enumerator == "auto" else enumerator,
        stop_reason="time",
        rounds=0,
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
