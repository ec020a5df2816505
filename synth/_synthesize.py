"""``synthesize``: find the most likely program that fits a spec, and ``enumerate`` programs."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import dsl
from synth._bottom_up import BottomUp
from synth._grammar import DEFAULT_CONSTANTS, PCFG, Grammar, Guide
from synth._heap import HeapSearch
from synth._kernels import ERR
from synth._spec import Budget, Spec, SpecError
from synth._terms import BudgetExhausted, SearchLimits, TermStore, to_expr

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
        stats: other per-run figures (grammar size, terms kept, rejected by the interpreter).
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


def _definition(spec_name: str, grammar: Grammar, body: dsl.Expr) -> dsl.Definition:
    params = tuple(
        dsl.Param(n, t) for n, t in zip(grammar.param_names, grammar.signature.params, strict=True)
    )
    return dsl.Definition(spec_name, params, grammar.signature.ret, body)


def _store_for(spec: Spec | None, grammar: Grammar) -> TermStore:
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
    store = _store_for(spec, grammar)
    if enumerator == "heap":
        for tid, lp in HeapSearch(pcfg, store):
            body = to_expr(store, tid, grammar.param_names, self_name=name)
            yield Enumerated(_definition(name, grammar, body), lp, None)
    elif enumerator == "bottom_up":
        if spec is None:
            raise ValueError("bottom-up enumeration needs a spec with examples")
        for tid, cost in BottomUp(pcfg, store):
            body = to_expr(store, tid, grammar.param_names, self_name=name)
            yield Enumerated(_definition(name, grammar, body), None, cost)
    else:
        raise ValueError(f"enumerator must be 'heap' or 'bottom_up', got {enumerator!r}")


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
) -> SynthesisResult:
    """Find the most likely (or cheapest) program that fits every example of ``spec``.

    Args:
        spec: signature and examples.
        library: primitives and definitions the program may use.
        guide: gives task-specific weights; None searches the uniform (unguided) PCFG.
        budget: seconds and/or programs; the search stops within it.
        enumerator: ``"bottom_up"`` (by cost, with observational equivalence: the default
            for example specs), ``"heap"`` (exact probability order), or ``"auto"``.
        max_depth: deepest program.
        constants: literals the program may use.
        allow_recursion: let the program call itself (heap search; fuel bounds each run).
        exclude: names of library entries to leave out.

    Returns:
        A :class:`SynthesisResult`. A candidate that fails at run time on an example does
        not fit it; it never stops the search. Every program returned has been run by the
        interpreter on every example.

    Raises:
        SpecError: the spec has no examples (properties alone need verification-guided
            search).

    Example:
        >>> spec = Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4])])
        >>> synthesize(spec).program.body
        Call(func='reverse', args=(Var(name='xs'),))
    """
    if enumerator not in _ENUMERATORS:
        raise ValueError(f"enumerator must be one of {_ENUMERATORS}, got {enumerator!r}")
    if not isinstance(budget, Budget):
        raise TypeError(f"budget must be a synth.Budget, got {budget!r}")
    if not spec.examples:
        raise SpecError("synthesize needs input/output examples in the spec")
    if spec.name in library:
        raise SpecError(
            f"the program's name {spec.name!r} is also in library {library.name!r}, so the "
            "program would call itself; give the spec another name (Spec(..., name=...))"
        )
    began = time.perf_counter()
    deadline = began + budget.seconds
    grammar = Grammar.from_library(
        library,
        spec.signature,
        max_depth=max_depth,
        constants=constants,
        allow_recursion=allow_recursion,
        param_names=spec.param_names,
        exclude=exclude,
    )
    pcfg = guide.weights(spec, grammar) if guide is not None else grammar.uniform()
    if enumerator == "auto":
        enumerator = "heap" if allow_recursion else "bottom_up"
    store = TermStore(
        [e.args for e in spec.examples],
        [e.output for e in spec.examples],
        limits=SearchLimits(),
    )
    store.deadline = deadline
    target = tuple(e.output for e in spec.examples)
    max_programs = budget.programs if budget.programs is not None else math.inf
    checker = _Checker(spec, library, grammar)
    explored = 0
    stop = "exhausted"
    found: tuple[int, float | None, int | None] | None = None
    search: BottomUp | HeapSearch
    if enumerator == "bottom_up":
        search = BottomUp(
            pcfg, store, deadline=deadline, max_candidates=budget.programs, target=target
        )
    else:
        search = HeapSearch(pcfg, store)
    try:
        for tid, score in search:
            explored += 1
            if store.dynamic[tid]:
                fits = checker.fits(to_expr(store, tid, grammar.param_names, self_name=spec.name))
            else:
                fits = store.values(tid) == target and checker.fits(
                    to_expr(store, tid, grammar.param_names, self_name=spec.name)
                )
            if fits:
                lp = score if enumerator == "heap" else None
                cost = int(score) if enumerator == "bottom_up" else None
                found = (tid, lp, cost)
                stop = "solved"
                break
            if explored >= max_programs:
                stop = "programs"
                break
            if not explored & 63 and time.perf_counter() >= deadline:
                stop = "time"
                break
        else:
            if isinstance(search, BottomUp) and search.stopped is not None:
                stop = search.stopped
    except BudgetExhausted:
        stop = "time"
    seconds = time.perf_counter() - began
    program = None
    if found is not None:
        body = to_expr(store, found[0], grammar.param_names, self_name=spec.name)
        program = _definition(spec.name, grammar, body)
    candidates = search.candidates if isinstance(search, BottomUp) else explored
    stats: dict[str, Any] = {
        "nonterminals": len(grammar),
        "terms": len(store),
        "rejected_by_interpreter": checker.rejected,
    }
    if isinstance(search, BottomUp):
        stats.update(kept=search.kept, max_cost_reached=search.cost)
    else:
        stats.update(heap_pushes=search.pushed)
    return SynthesisResult(
        spec=spec,
        program=program,
        solved=program is not None,
        programs_explored=explored,
        candidates=candidates,
        seconds=seconds,
        enumerator=enumerator,
        stop_reason=stop,
        log_probability=found[1] if found else None,
        cost=found[2] if found else None,
        stats=stats,
    )


class _Checker:
    """Runs a candidate with the real interpreter on every example."""

    def __init__(self, spec: Spec, library: dsl.Library, grammar: Grammar) -> None:
        self.spec = spec
        self.library = library
        self.grammar = grammar
        self.rejected = 0
        self.limits = dsl.Limits(fuel=100_000)

    def fits(self, body: dsl.Expr) -> bool:
        definition = _definition(self.spec.name, self.grammar, body)
        try:
            compiled = dsl.compile_definition(definition, library=self.library, limits=self.limits)
        except dsl.TypeCheckError:
            self.rejected += 1
            return False
        for ex in self.spec.examples:
            try:
                out = compiled.run(ex.args)
            except dsl.EvalError:
                self.rejected += 1
                return False
            if out != ex.output or out is ERR:
                self.rejected += 1
                return False
        return True
