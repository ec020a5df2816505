"""Bottom-up search with per-context costs (``synth.bottom_up(costs="context")``).

Laws: programs come by non-decreasing cost, one per behaviour, each type-checks within the
depth bound; without lambdas, a program's cost is exactly the sum of its choices' costs in
their contexts (``synth.context_costs_from_pcfg``), so a search returns the cheapest
program that fits under any per-context weights; the search is complete.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import dsl
import synth
from synth import PCFG, Budget, Grammar, Spec
from synth._config import CONTEXT_UNIT

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

SMALL = dsl.Library("small", tuple(dsl.CORE[n] for n in ["add", "head", "length", "reverse"]))
"""No lambdas: every subprogram is priced in its own context, so costs are exact."""

SIGNATURES = ["(list[int]) -> int", "(int) -> int", "(list[int]) -> list[int]", "(int, int) -> int"]
NAMES = ["add", "head", "length", "reverse", "param0", "param1", "0", "1", "2", "[_]"]
CONTEXTS = [("start", 0), ("add", 0), ("add", 1), ("head", 0), ("length", 0), ("reverse", 0)]

weightings = st.dictionaries(
    st.tuples(st.sampled_from(CONTEXTS), st.sampled_from(NAMES)),
    st.sampled_from([0.05, 0.3, 1.0, 3.0, 20.0]),
    max_size=12,
)
"""Per-context weights, as a guide gives them: (context, production name) -> weight."""


def _pcfg(library: dsl.Library, signature: str, weights: dict[Any, float], depth: int) -> PCFG:
    grammar = Grammar.from_library(library, signature, max_depth=depth)
    return PCFG.from_weights(grammar, lambda nt, p: weights.get((nt.context, p.name), 1.0))


def _examples(sig: dsl.TFun) -> st.SearchStrategy[list[tuple[Any, Any]]]:
    inputs = synth.strategies.for_signature(sig, max_len=4, min_value=-5, max_value=5)
    return st.lists(
        st.tuples(inputs, synth.strategies.for_type(sig.ret, max_len=3)), min_size=1, max_size=3
    )


def _cost(pcfg: PCFG, program: dsl.Definition, unit: float = CONTEXT_UNIT) -> int:
    """The sum of the program's choices' costs in their contexts, in steps of ``unit``
    nats (per-context search's own unless given)."""
    table = synth.context_costs_from_pcfg(pcfg, unit=unit)
    return sum(
        table[((s.nonterminal.type, s.nonterminal.env), s.nonterminal.context)][s.production]
        for s in pcfg.grammar.derive(program)
    )


def _run(program: dsl.Definition, args: tuple[Any, ...], library: dsl.Library) -> Any:
    try:
        return dsl.compile_definition(program, library=library).run(dsl.to_internal(args))
    except dsl.EvalError:
        return "error"


def _examples_of(
    target: dsl.Definition, library: dsl.Library, data: st.DataObject
) -> list[tuple[Any, Any]]:
    """Examples of ``target`` on a few drawn inputs (those it fails on left out)."""
    sig = dsl.typecheck(target, library=library)
    inputs = data.draw(
        st.lists(
            synth.strategies.for_signature(sig, max_len=4, min_value=-5, max_value=5),
            min_size=2,
            max_size=4,
        )
    )
    examples = [(a, out) for a in inputs if (out := _run(target, a, library)) != "error"]
    assume(examples)
    return examples


@given(
    signature=st.sampled_from(SIGNATURES),
    depth=st.integers(1, 3),
    weights=weightings,
    unit=st.sampled_from([None, 0.25, 1.0]),
    data=st.data(),
)
def test_costs_are_exact_ordered_and_one_per_behaviour(
    signature: str,
    depth: int,
    weights: dict[Any, float],
    unit: float | None,
    data: st.DataObject,
) -> None:
    pcfg = _pcfg(SMALL, signature, weights, depth)
    spec = Spec(pcfg.grammar.signature, data.draw(_examples(pcfg.grammar.signature)))
    search = synth.bottom_up(costs="context", unit=unit)
    programs = list(itertools.islice(synth.enumerate(pcfg, spec=spec, enumerator=search), 200))
    assert programs
    costs = [e.cost for e in programs]
    assert costs == sorted(costs)
    seen: dict[tuple[Any, ...], str] = {}
    for e in programs:
        text = dsl.pretty(e.program.body)
        assert dsl.typecheck(e.program, library=SMALL) == pcfg.grammar.signature, text
        assert dsl.depth(e.program.body) <= depth, text
        assert e.cost == _cost(pcfg, e.program, unit or CONTEXT_UNIT), text
        outs = tuple(_run(e.program, ex.args, SMALL) for ex in spec.examples)
        assert outs not in seen, f"{text} behaves like {seen.get(outs)}"
        seen[outs] = text


@given(
    signature=st.sampled_from(SIGNATURES),
    weights=weightings,
    k=st.integers(0, 150),
    data=st.data(),
)
def test_the_cheapest_program_that_fits_is_found(
    signature: str, weights: dict[Any, float], k: int, data: st.DataObject
) -> None:
    pcfg = _pcfg(SMALL, signature, weights, 3)
    sig = pcfg.grammar.signature
    target = list(itertools.islice(synth.enumerate(pcfg), k + 1))[-1].program
    examples = _examples_of(target, SMALL, data)
    result = synth.synthesize(
        Spec(sig, examples),
        library=SMALL,
        enumerator=synth.bottom_up(costs="context", prune=False),
        budget=Budget(seconds=20),
        space=synth.SearchSpace(max_depth=3),
        guide=_Fixed(weights),
    )
    assert result.program is not None, (dsl.pretty(target), examples)
    assert all(_run(result.program, a, SMALL) == dsl.to_internal(out) for a, out in examples)
    assert result.cost is not None
    assert result.cost <= _cost(pcfg, target), (dsl.pretty(result.program), dsl.pretty(target))


class _Fixed:
    """A guide that gives the same per-context weights to every spec."""

    def __init__(self, weights: dict[Any, float]) -> None:
        self.weights_by_context = weights

    def weights(self, spec: Spec, grammar: Grammar) -> PCFG:
        w = self.weights_by_context
        return PCFG.from_weights(grammar, lambda nt, p: w.get((nt.context, p.name), 1.0))


@pytest.mark.parametrize(
    ("source", "inputs"),
    [
        ("def f(xs: list[int]) -> list[int] = map(xs, fn x => x + 2)", [[1, 2, 3], [], [5, -1]]),
        ("def f(xs: list[int]) -> int = fold(xs, 0, fn (x, acc) => x + acc)", [[1, 2], [4]]),
        (
            "def f(xs: list[int]) -> list[int] = filter(xs, fn x => x > 1)",
            [[1, 2, 3], [0, 5, -1], [2]],
        ),
        ("def f(xs: list[int], n: int) -> list[int] = map(xs, fn x => x * n)", None),
    ],
)
def test_lambdas_are_found_with_per_context_costs(source: str, inputs: list[Any] | None) -> None:
    program = dsl.parse(source)["f"]
    if inputs is None:
        cases: list[tuple[Any, ...]] = [([1, 2], 3), ([0, 4, -2], 2), ([5], -1)]
    else:
        cases = [(xs,) for xs in inputs]
    compiled = dsl.compile_definition(program, library=dsl.CORE)
    examples = [(args, compiled.run(dsl.to_internal(args))) for args in cases]
    spec = Spec(dsl.typecheck(program, library=dsl.CORE), examples)
    result = synth.synthesize(
        spec, enumerator=synth.bottom_up(costs="context"), budget=Budget(seconds=20)
    )
    assert result.program is not None, source
    outputs = [
        dsl.compile_definition(result.program, library=dsl.CORE).run(dsl.to_internal(a))
        for a, _ in examples
    ]
    assert outputs == [dsl.to_internal(out) for _, out in examples]


def test_a_guide_that_says_where_a_constant_goes_is_heard() -> None:
    """Two guides like 2 equally, one as the second argument of ``-`` (where the solution
    has it), the other as the first: with costs per kind of hole they are alike; with
    per-context costs the first finds ``x - 2`` sooner, at its exact cost."""
    spec = Spec.from_examples(
        [(([1, 2, 3],), [-1, 0, 1]), (([],), []), (([5, -1, 0],), [3, -3, -2])]
    )
    grammar = synth.SearchSpace().grammar(dsl.CORE, spec)
    explored = {}
    for where in (1, 0):
        guide = _Fixed({(("sub", where), "2"): 50.0})
        result = synth.synthesize(
            spec,
            guide=guide,
            enumerator=synth.bottom_up(costs="context"),
            budget=Budget(seconds=20),
        )
        assert result.program is not None
        assert dsl.pretty(result.program.body) == "map(xs, fn x => x - 2)"
        assert result.cost == _cost(guide.weights(spec, grammar), result.program)
        explored[where] = result.programs_explored
    assert explored[1] < explored[0]


AP3 = dsl.Primitive("ap3", dsl.parse_type("((int) -> int) -> int"), lambda f: f(3))
"""A primitive whose one argument is a function: its lambda costs nothing in its hole, so
the lambda's level must be built before the parent's of the same inner cost."""


def test_a_primitive_whose_only_argument_is_a_function_is_built() -> None:
    library = dsl.Library("ap", (dsl.CORE["add"], dsl.CORE["mul"], AP3))
    pcfg = Grammar.from_library(library, "(int) -> int", max_depth=4).uniform()
    spec = Spec(pcfg.grammar.signature, [((1,), 10), ((2,), 20), ((5,), 7)])
    found = {}
    for costs in ("mean", "context"):
        programs = itertools.islice(
            synth.enumerate(pcfg, spec=spec, enumerator=synth.bottom_up(costs=costs)), 400
        )
        found[costs] = {dsl.pretty(e.program.body) for e in programs}
    assert "ap3(fn x => x)" in found["context"]
    assert sum("ap3" in p for p in found["context"]) >= sum("ap3" in p for p in found["mean"])


@pytest.mark.parametrize("at_start", [0.05, 0.0])
def test_a_program_cheaper_in_some_hole_than_one_with_its_values_is_kept(at_start: float) -> None:
    """``1`` is cheap inside ``+`` and dear (or impossible) at the root, so it is built
    first; ``length(xs)`` has its values on these examples and is cheaper at the root. It
    must be kept beside ``1``, not dropped as a duplicate."""
    weights = {
        (("add", 0), "1"): 20.0,
        (("add", 1), "1"): 20.0,
        (("start", 0), "1"): at_start,
        (("start", 0), "add"): 20.0,
    }
    spec = Spec("(list[int]) -> int", [(([7],), 1), (([3],), 1)])
    guide = _Fixed(weights)
    result = synth.synthesize(
        spec,
        library=SMALL,
        guide=guide,
        enumerator=synth.bottom_up(costs="context", prune=False),
        budget=Budget(seconds=20),
        space=synth.SearchSpace(max_depth=3),
    )
    assert result.program is not None
    assert dsl.pretty(result.program.body) == "length(xs)"
    grammar = synth.SearchSpace(max_depth=3).grammar(SMALL, spec)
    assert result.cost == _cost(guide.weights(spec, grammar), result.program)


LAMBDA_NAMES = ["map", "filter", "fold", "add", "gt", "param0", "var0", "var1", "0", "1", "2"]
LAMBDA_CONTEXTS = [("start", 0), ("map", 1), ("filter", 1), ("fold", 2), ("add", 1), ("gt", 1)]
LAMBDA_SIGNATURES = ["(list[int]) -> list[int]", "(list[int]) -> int"]

lambda_weightings = st.dictionaries(
    st.tuples(st.sampled_from(LAMBDA_CONTEXTS), st.sampled_from(LAMBDA_NAMES)),
    st.sampled_from([0.0, 0.05, 1.0, 20.0]),
    max_size=10,
)
"""Per-context weights over CORE's loops, zero weights included."""


@given(
    signature=st.sampled_from(LAMBDA_SIGNATURES),
    weights=lambda_weightings,
    k=st.integers(0, 120),
    data=st.data(),
)
def test_search_with_lambdas_is_complete_under_any_weights(
    signature: str, weights: dict[Any, float], k: int, data: st.DataObject
) -> None:
    """Whatever a guide says in each context (zero weights included), bottom-up search
    with per-context costs finds a program for every spec that heap search's k-th
    program of the same PCFG meets, lambdas and closed programs in them included."""
    grammar = Grammar.from_library(dsl.CORE, signature, max_depth=3)
    guide = _Fixed(weights)
    pcfg = guide.weights(Spec(grammar.signature), grammar)
    target = list(itertools.islice(synth.enumerate(pcfg), k + 1))[-1].program
    examples = _examples_of(target, dsl.CORE, data)
    result = synth.synthesize(
        Spec(grammar.signature, examples),
        guide=guide,
        enumerator=synth.bottom_up(costs="context", prune=False),
        budget=Budget(seconds=20),
        space=synth.SearchSpace(max_depth=3),
    )
    assert result.program is not None, (dsl.pretty(target), examples)
    assert all(_run(result.program, a, dsl.CORE) == dsl.to_internal(out) for a, out in examples)


@given(
    signature=st.sampled_from(LAMBDA_SIGNATURES),
    weights=lambda_weightings,
    data=st.data(),
)
def test_a_hole_keeps_only_complete_levels(
    signature: str, weights: dict[Any, float], data: st.DataObject
) -> None:
    """The schedule's promise: a hole's programs of a cost, once kept, are all there will
    ever be (each equals the same level assembled again from the groups at the end), and
    every group is built no later than its cheapest hole needs it."""
    grammar = Grammar.from_library(dsl.CORE, signature, max_depth=3)
    spec = Spec(grammar.signature, data.draw(_examples(grammar.signature)))
    pcfg = _Fixed(weights).weights(spec, grammar)
    store = synth.TermStore([e.args for e in spec.examples], [e.output for e in spec.examples])
    search = synth.BottomUp(pcfg, store, costs="context", max_candidates=5_000)
    for _ in search:
        pass
    plan = search.schedule
    assert plan is not None
    for (node, cost), kept in search._levels.items():
        again = [
            t
            for gid, price in plan.prices[node]
            if price <= cost
            for t in search.group_bank[gid].get(cost - price, ())
        ]
        assert kept == again, (node, cost)
    for node, row in plan.prices.items():
        over = plan.overheads.get(node)
        if over is not None:
            assert all(plan.offsets[gid] <= price + over for gid, price in row)
    for gid, g in enumerate(plan.groups):
        if g.lifted is not None and plan.offsets[gid] < float("inf"):
            assert plan.offsets[g.lifted] <= plan.offsets[gid] + g.penalty


def test_bad_costs_are_refused() -> None:
    with pytest.raises(synth.ConfigError, match="'context'"):
        synth.bottom_up(costs="contexts")  # type: ignore[arg-type]
    for unit in (0, -0.5, float("inf"), float("nan"), True, "1"):
        with pytest.raises(synth.ConfigError, match="unit must be a number of nats > 0"):
            synth.bottom_up(unit=unit)  # type: ignore[arg-type]


@pytest.mark.parametrize("costs", ["mean", "context"])
def test_max_cost_and_the_lift_penalty_are_in_nats(costs: str) -> None:
    spec = Spec.from_examples([(([1, 2],), [2, 3]), (([5],), [6])])
    pcfg = Grammar.from_library(dsl.CORE, spec.signature, max_depth=3).uniform()
    store = synth.TermStore([e.args for e in spec.examples], [e.output for e in spec.examples])
    found = {}
    for unit in (1.0, 0.5):
        search = synth.BottomUp(pcfg, store, costs=costs, max_cost=9, lift_penalty=3, unit=unit)
        assert (search.max_cost, search.lift_penalty) == (round(9 / unit), round(3 / unit))
        costs_seen = [cost for _, cost in search]
        assert costs_seen and max(costs_seen) <= 9 / unit  # no program dearer than 9 nats
        found[unit] = len(costs_seen)
    # the same nats bound the search either way: finer steps reorder, not widen, it
    assert abs(found[0.5] - found[1.0]) <= 0.5 * found[1.0]
    with pytest.raises(ValueError, match="unit"):
        synth.BottomUp(pcfg, store, costs=costs, unit=0.0)
