"""One search: enumerate a PCFG's programs until one fits the examples (and properties)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dsl
from synth._bottom_up import BottomUp
from synth._express import to_expr
from synth._grammar import PCFG, Grammar
from synth._kernels import ERR
from synth._spec import Example, Spec
from synth._terms import BudgetExhausted, SearchLimits, TermStore

if TYPE_CHECKING:
    from synth._config import Enumerator


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """What one search did (``synthesize`` may run several: one per CEGIS round)."""

    program: dsl.Definition | None
    programs_explored: int
    candidates: int
    stop_reason: str
    log_probability: float | None
    cost: int | None
    stats: dict[str, Any]


def definition(name: str, grammar: Grammar, body: dsl.Expr) -> dsl.Definition:
    """The definition called ``name`` with the grammar's parameters and ``body``."""
    params = tuple(
        dsl.Param(n, t) for n, t in zip(grammar.param_names, grammar.signature.params, strict=True)
    )
    return dsl.Definition(name, params, grammar.signature.ret, body, library=grammar.library)


def search(
    spec: Spec,
    pcfg: PCFG,
    *,
    library: dsl.Library,
    enumerator: Enumerator,
    limits: SearchLimits,
    examples: Sequence[Example],
    inputs: Sequence[tuple[Any, ...]] = (),
    deadline: float,
    max_programs: float = math.inf,
) -> SearchOutcome:
    """Enumerate until a program fits ``examples`` and, on ``inputs`` (no outputs known),
    satisfies the spec's properties; every answer is re-run by the interpreter."""
    grammar = pcfg.grammar
    points = [e.args for e in examples] + [tuple(a) for a in inputs]
    store = TermStore(points, [e.output for e in examples], limits=limits)
    store.deadline = deadline
    n_examples = len(examples)
    target = tuple(e.output for e in examples)
    checker = _Checker(spec, library, grammar, examples, inputs)
    explored = 0
    stop = "exhausted"
    found: tuple[int, float | None, int | None] | None = None
    engine = enumerator.start(
        pcfg,
        store,
        deadline=deadline,
        max_candidates=max_programs,
        target=target if not inputs else None,
    )
    heap_order = enumerator.name == "heap"

    def body(tid: int) -> dsl.Expr:
        return to_expr(store, tid, grammar.param_names, self_name=spec.name)

    try:
        dynamic = store.dynamic
        matches = store.matches
        clock = time.perf_counter
        for tid, score in engine:
            explored += 1
            if dynamic[tid]:
                fits = checker.fits(body(tid))
            elif matches(tid, target):
                fits = True
                if inputs:
                    values = store.values(tid)
                    assert values is not None
                    fits = checker.properties_hold(values[n_examples:])
                fits = fits and checker.fits(body(tid))
            else:
                fits = False
            if fits:
                lp = score if heap_order else None
                cost = None if heap_order else int(score)
                found = (tid, lp, cost)
                stop = "solved"
                break
            if explored >= max_programs:
                stop = "programs"
                break
            if clock() >= deadline:  # each program: one may be slow (a primitive's own cost)
                stop = "time"
                break
        else:
            if isinstance(engine, BottomUp) and engine.stopped is not None:
                stop = engine.stopped
    except BudgetExhausted:
        stop = "time"
    program = definition(spec.name, grammar, body(found[0])) if found is not None else None
    candidates = engine.candidates if isinstance(engine, BottomUp) else explored
    stats: dict[str, Any] = {
        "nonterminals": len(grammar),
        "terms": len(store),
        "rejected_by_interpreter": checker.rejected,
    }
    if isinstance(engine, BottomUp):
        stats.update(kept=engine.kept, lifted=engine.lifted, max_cost_reached=engine.cost)
        stats["by_production"] = {
            name: {"candidates": int(n), "seconds": seconds}
            for name, (n, seconds) in sorted(engine.by_production.items())
        }
    else:
        stats.update(heap_pushes=engine.pushed)
    # Frees what the search made now, not in a collector pause later (TermStore.release).
    engine.release()
    store.release()
    return SearchOutcome(
        program=program,
        programs_explored=explored,
        candidates=candidates,
        stop_reason=stop,
        log_probability=found[1] if found else None,
        cost=found[2] if found else None,
        stats=stats,
    )


class _Checker:
    """Runs a candidate with the real interpreter on every example and input."""

    def __init__(
        self,
        spec: Spec,
        library: dsl.Library,
        grammar: Grammar,
        examples: Sequence[Example],
        inputs: Iterable[tuple[Any, ...]],
    ) -> None:
        self.spec = spec
        self.library = library
        self.grammar = grammar
        self.examples = tuple(examples)
        self.inputs = tuple(tuple(a) for a in inputs)
        self.rejected = 0
        self.limits = dsl.Limits(fuel=100_000)

    def properties_hold(self, outputs: Sequence[Any]) -> bool:
        """Whether the spec's properties hold for these outputs on the inputs."""
        for args, out in zip(self.inputs, outputs, strict=True):
            if out is ERR or not self.spec.check_output(args, out):
                return False
        return True

    def fits(self, body: dsl.Expr) -> bool:
        program = definition(self.spec.name, self.grammar, body)
        try:
            compiled = dsl.compile_definition(program, library=self.library, limits=self.limits)
            for ex in self.examples:
                if compiled.run(ex.args) != ex.output:
                    self.rejected += 1
                    return False
            for args in self.inputs:
                if not self.spec.check_output(args, compiled.run(args)):
                    self.rejected += 1
                    return False
        except (dsl.TypeCheckError, dsl.EvalError):
            self.rejected += 1
            return False
        return True
