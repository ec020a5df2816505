"""Enumerators and synthesize(): laws of heap search and bottom-up search, and budgets.

Laws (DESIGN.md, synth/): every enumerated program type-checks; heap search yields every
program of the grammar exactly once, in non-increasing probability; bottom-up search yields
programs by non-decreasing cost, one per behaviour on the examples; a search finds a program
for every spec that some program of its grammar meets; a search stops within its budget.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import dsl
import synth
from synth import PCFG, Budget, Grammar, NonTerminal, Spec, SpecError

# dsl.compile_definition raises the recursion limit the first time it runs; Hypothesis warns
# that it cannot restore it. That is the interpreter's business, not these laws'.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

MAX_DEPTH = 3
"""Depth of the grammars the laws are checked on: small enough to exhaust quickly."""

GROUND_TYPES = (dsl.INT, dsl.BOOL, dsl.TList(dsl.INT))

SMALL = dsl.Library("small", tuple(dsl.CORE[n] for n in ["add", "head", "length", "reverse"]))

signatures = st.builds(
    lambda params, ret: dsl.TFun(tuple(params), ret),
    st.lists(st.sampled_from(GROUND_TYPES), min_size=1, max_size=2),
    st.sampled_from(GROUND_TYPES),
)
"""Signatures over int, bool and list[int] with one or two parameters."""


def _inputs(sig: dsl.TFun) -> st.SearchStrategy[tuple[Any, ...]]:
    return synth.strategies.for_signature(sig, max_len=4, min_value=-5, max_value=5)


@functools.cache
def _grammar(sig: dsl.TFun, max_depth: int = MAX_DEPTH) -> Grammar:
    return Grammar.from_library(dsl.CORE, sig, max_depth=max_depth)


@functools.cache
def _heap_programs(sig: dsl.TFun, n: int = 300) -> tuple[synth.Enumerated, ...]:
    """The first ``n`` programs of heap search over the uniform CORE grammar."""
    return tuple(itertools.islice(synth.enumerate(_grammar(sig).uniform()), n))


LIMITS = dsl.Limits(fuel=10_000)
"""Enough for every terminating program of depth 3 on small inputs; a ``while_`` that never
ends costs a moment instead of the default million steps."""


@functools.cache
def _compiled(program: dsl.Definition) -> dsl.CompiledDefinition:
    return dsl.compile_definition(program, library=dsl.CORE, limits=LIMITS)


_ERROR = object()
"""What a run that raised an EvalError gives, for comparing behaviours."""


def _run(program: dsl.Definition, args: tuple[Any, ...]) -> Any:
    try:
        return _compiled(program).run(args)
    except dsl.EvalError:
        return _ERROR


def _outputs(program: dsl.Definition, spec: Spec) -> tuple[Any, ...]:
    return tuple(_run(program, ex.args) for ex in spec.examples)


def _calls(e: dsl.Expr) -> Iterator[str]:
    if isinstance(e, dsl.Call):
        yield e.func
    for c in dsl.children(e):
        yield from _calls(c)


# ---- heap search -----------------------------------------------------------------------------


@given(sig=signatures, data=st.data())
def test_heap_programs_type_check_and_run(sig: dsl.TFun, data: st.DataObject) -> None:
    programs = _heap_programs(sig)
    assert programs, "a CORE grammar of depth 3 has programs of every signature here"
    args = dsl.to_internal(data.draw(_inputs(sig), label="args"))
    for e in programs:
        p = e.program
        assert dsl.typecheck(p, library=dsl.CORE) == sig, dsl.pretty(p)
        assert p.name == "f"
        assert tuple(param.type for param in p.params) == sig.params
        assert dsl.depth(p.body) <= MAX_DEPTH, dsl.pretty(p)
        out = _run(p, args)  # raises if the run fails with anything but an EvalError
        assert out is _ERROR or dsl.value_has_type(out, sig.ret), (dsl.pretty(p), out)


@given(sig=signatures)
def test_heap_order_is_non_increasing_without_duplicates(sig: dsl.TFun) -> None:
    programs = _heap_programs(sig)
    lps = [e.log_probability for e in programs]
    assert all(lp is not None and lp <= 0 for lp in lps)
    for i, (a, b) in enumerate(itertools.pairwise(lps)):
        assert b <= a + 1e-9, (
            i,
            dsl.pretty(programs[i].program),
            dsl.pretty(programs[i + 1].program),
        )
    assert all(e.cost is None for e in programs)
    texts = [dsl.pretty(e.program) for e in programs]
    assert len(set(texts)) == len(texts)
    bodies = [e.program.body for e in programs]
    assert len(set(bodies)) == len(bodies)
    # round trip: the printed program parses back to the same AST
    for e, text in zip(programs[:50], texts[:50], strict=True):
        assert dsl.parse(text)["f"] == e.program


@given(sig=signatures, data=st.data())
def test_matching_a_target_agrees_with_the_whole_values(sig: dsl.TFun, data: st.DataObject) -> None:
    # Heap search compares a program with the target at the first example first, computing
    # the rest only if it matches there: the answer must be that of the whole vector.
    # Targets are the values of other programs of the enumeration, so that many programs
    # match at the first example and differ later.
    drawn = data.draw(st.lists(_inputs(sig), min_size=1, max_size=4))
    inputs = [tuple(dsl.to_internal(a) for a in args) for args in drawn]
    max_int = data.draw(st.sampled_from([2**63 - 1, 6]))
    limits = synth.SearchLimits(fuel=60, max_int=max_int)
    fast = synth.TermStore(inputs, limits=limits)
    whole = synth.TermStore(inputs, limits=limits)
    pcfg = _grammar(sig).uniform()
    programs = [tid for tid, _ in itertools.islice(synth.HeapSearch(pcfg, fast), 300)]
    for tid, _ in itertools.islice(synth.HeapSearch(pcfg, whole), 300):
        whole.values(tid)
    targets = {whole.vec[t] for t in programs} - {None}
    for target in sorted(targets, key=repr)[:12]:
        if synth.ERR in target:
            continue
        for tid in programs:
            expected = whole.vec[tid] == target
            assert fast.matches(tid, target) == expected, (tid, target, whole.vec[tid])


def test_heap_search_runs_library_definitions_that_take_functions() -> None:
    # a definition's lambda argument has no values of its own: matching the first example
    # must not ask for them
    lib = dsl.CORE.extend(definitions="def twice(f: (int) -> int, x: int) -> int = f(f(x))")
    spec = Spec.from_examples([((1,), 3), ((2,), 4), ((5,), 7)])
    result = synth.synthesize(spec, library=lib, enumerator=synth.heap(), budget=Budget(seconds=5))
    assert result.solved and result.program is not None
    assert [dsl.evaluate(result.program, [n]) for n in (0, 10)] == [2, 12]


_log_probs = st.floats(allow_nan=False, allow_infinity=False)  # > 0 too: a network may round
_term_ids = st.integers(0, 2**32 - 1)


@given(a=_log_probs, b=_log_probs, i=_term_ids, j=_term_ids)
def test_heap_entries_order_by_log_probability_then_term_id(
    a: float, b: float, i: int, j: int
) -> None:
    # a heap entry is one int; it must sort exactly as (-log-probability, term id) does,
    # for any finite float (a PCFG from a network may hold log-probabilities just above 0)
    from synth._heap import _ID, _entry

    assert (_entry(a, i) < _entry(b, j)) == ((-a, i) < (-b, j))
    assert _entry(a, i) & _ID == i


def _count(pcfg: PCFG, nt: NonTerminal, memo: dict[NonTerminal, int]) -> int:
    """Programs derivable from ``nt`` using rules of non-zero probability (brute force)."""
    if nt not in memo:
        total = 0
        for rule, lp in zip(pcfg.grammar.rules[nt], pcfg.logprobs[nt], strict=True):
            if lp > -math.inf:
                total += math.prod(_count(pcfg, c, memo) for c in rule.children)
        memo[nt] = total
    return memo[nt]


def _all_log_probs(pcfg: PCFG, nt: NonTerminal, memo: dict) -> list[float]:
    """Log-probability of every program derivable from ``nt`` (brute force)."""
    if nt not in memo:
        out: list[float] = []
        for rule, lp in zip(pcfg.grammar.rules[nt], pcfg.logprobs[nt], strict=True):
            if lp == -math.inf:
                continue
            kids = [_all_log_probs(pcfg, c, memo) for c in rule.children]
            out.extend(lp + math.fsum(combo) for combo in itertools.product(*kids))
        memo[nt] = out
    return memo[nt]


@pytest.mark.parametrize("max_depth", [1, 2, 3])
@pytest.mark.parametrize(
    "signature",
    ["(list[int]) -> int", "(int) -> int", "(list[int], int) -> list[int]", "(int, bool) -> int"],
)
def test_heap_search_is_exhaustive_on_a_finite_grammar(signature: str, max_depth: int) -> None:
    g = Grammar.from_library(SMALL, signature, max_depth=max_depth)
    pcfg = g.uniform()
    programs = list(synth.enumerate(pcfg))
    assert len(programs) == _count(pcfg, g.start, {})
    assert len({e.program.body for e in programs}) == len(programs)
    assert math.fsum(math.exp(e.log_probability) for e in programs) == pytest.approx(1.0)
    expected = sorted(_all_log_probs(pcfg, g.start, {}), reverse=True)
    found = [e.log_probability for e in programs]
    assert found == pytest.approx(expected)


@given(
    signature=st.sampled_from(["(list[int]) -> int", "(int) -> int", "(list[int]) -> list[int]"]),
    max_depth=st.integers(1, 3),
    weights=st.dictionaries(
        st.sampled_from(
            ["add", "head", "length", "reverse", "param0", "param1", "0", "1", "2", "[_]"]
        ),
        st.sampled_from([0.0, 0.1, 0.5, 2.0, 10.0]),
    ),
)
def test_heap_search_is_exhaustive_and_ordered_under_any_weights(
    signature: str, max_depth: int, weights: dict[str, float]
) -> None:
    g = Grammar.from_library(SMALL, signature, max_depth=max_depth)
    pcfg = PCFG.from_weights(g, lambda nt, p: weights.get(p.name, 1.0))
    programs = list(synth.enumerate(pcfg))
    assert len(programs) == _count(pcfg, g.start, {})
    assert len({e.program.body for e in programs}) == len(programs)
    lps = [e.log_probability for e in programs]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(lps))
    assert lps == pytest.approx(sorted(_all_log_probs(pcfg, g.start, {}), reverse=True))
    if 0.0 not in weights.values():
        assert math.fsum(math.exp(lp) for lp in lps) == pytest.approx(1.0)
    else:
        assert math.fsum(math.exp(lp) for lp in lps) <= 1.0 + 1e-9


# ---- bottom-up search ------------------------------------------------------------------------


@given(sig=signatures, data=st.data())
def test_bottom_up_by_cost_one_program_per_behaviour(sig: dsl.TFun, data: st.DataObject) -> None:
    examples = data.draw(
        st.lists(
            st.tuples(_inputs(sig), synth.strategies.for_type(sig.ret, max_len=3)),
            min_size=1,
            max_size=3,
        ),
        label="examples",
    )
    spec = Spec(sig, examples)
    programs = list(
        itertools.islice(
            synth.enumerate(_grammar(sig).uniform(), spec=spec, enumerator=synth.bottom_up()), 150
        )
    )
    assert programs
    costs = [e.cost for e in programs]
    assert all(isinstance(c, int) and c >= 1 for c in costs)
    assert costs == sorted(costs)
    assert all(e.log_probability is None for e in programs)
    behaviours: dict[tuple[Any, ...], str] = {}
    for e in programs:
        p = e.program
        assert dsl.typecheck(p, library=dsl.CORE) == sig, dsl.pretty(p)
        assert dsl.depth(p.body) <= MAX_DEPTH, dsl.pretty(p)
        outs = _outputs(p, spec)
        text = dsl.pretty(p.body)
        assert outs not in behaviours, f"{text} behaves like {behaviours.get(outs)}"
        behaviours[outs] = text


def test_bottom_up_enumeration_needs_examples() -> None:
    pcfg = _grammar(dsl.TFun((dsl.INT,), dsl.INT)).uniform()
    with pytest.raises(ValueError, match="spec"):
        next(synth.enumerate(pcfg, enumerator=synth.bottom_up()))
    with pytest.raises(ValueError, match="examples"):
        next(synth.enumerate(pcfg, spec=Spec("(int) -> int"), enumerator=synth.bottom_up()))
    with pytest.raises(TypeError, match="enumerator"):
        next(synth.enumerate(pcfg, enumerator="depth_first"))  # type: ignore[arg-type]


# ---- completeness: a search finds a program for every spec that its grammar can meet --------


def _spec_from_target(sig: dsl.TFun, k: int, inputs: list[tuple[Any, ...]]) -> Spec:
    target = _heap_programs(sig)[k].program
    examples = []
    for args in inputs:
        out = _run(target, dsl.to_internal(args))
        if out is not _ERROR:
            examples.append((args, out))
    assume(examples)
    return Spec(sig, examples)


def _fits(program: dsl.Definition, spec: Spec) -> bool:
    return _outputs(program, spec) == tuple(ex.output for ex in spec.examples)


@given(sig=signatures, k=st.integers(0, 200), data=st.data())
def test_heap_synthesis_is_complete(sig: dsl.TFun, k: int, data: st.DataObject) -> None:
    inputs = data.draw(st.lists(_inputs(sig), min_size=3, max_size=4), label="inputs")
    spec = _spec_from_target(sig, k, inputs)
    result = synth.synthesize(
        spec,
        enumerator=synth.heap(),
        budget=Budget(seconds=20),
        space=synth.SearchSpace(max_depth=MAX_DEPTH),
    )
    assert result.solved, (dsl.pretty(_heap_programs(sig)[k].program), spec.examples, result)
    assert result.program is not None
    assert _fits(result.program, spec)
    # heap search returns the most likely program that fits: no less likely than the target
    programs = _heap_programs(sig)
    target_lp = programs[k].log_probability
    assert target_lp is not None
    assert result.log_probability is not None
    assert result.log_probability >= target_lp - 1e-9
    # ... and it tried no program less likely than the target first
    at_least_as_likely = sum(e.log_probability >= target_lp - 1e-9 for e in programs)
    if at_least_as_likely < len(programs):
        assert result.programs_explored <= at_least_as_likely


@given(sig=signatures, k=st.integers(0, 200), data=st.data())
def test_bottom_up_synthesis_is_complete(sig: dsl.TFun, k: int, data: st.DataObject) -> None:
    inputs = data.draw(st.lists(_inputs(sig), min_size=3, max_size=4), label="inputs")
    spec = _spec_from_target(sig, k, inputs)
    # prune=False: the default's pruning of degenerate loops may miss programs that only a
    # degenerate loop expresses within the depth bound (see synth.BottomUp)
    result = synth.synthesize(
        spec,
        enumerator=synth.bottom_up(prune=False),
        budget=Budget(seconds=20),
        space=synth.SearchSpace(max_depth=MAX_DEPTH),
    )
    assert result.solved, (dsl.pretty(_heap_programs(sig)[k].program), spec.examples, result)
    assert result.program is not None
    assert _fits(result.program, spec)
    assert dsl.depth(result.program.body) <= MAX_DEPTH


@pytest.mark.parametrize(
    ("source", "inputs"),
    [
        ("def f(xs: list[int]) -> list[int] = map(xs, fn x => 2)", [[1, 2, 3], [], [5, -1]]),
        (
            "def f(xs: list[int]) -> int = fold(tail(xs), 0, fn (x, acc) => x)",
            [[1, 2], [5], [7, 4, 3]],
        ),
        (
            "def f(xs: list[int]) -> int = loop(length(xs), 2, fn (i, acc) => i)",
            [[1, 2, 3], [], [7]],
        ),
    ],
)
def test_bottom_up_finds_lambdas_that_ignore_a_parameter(source: str, inputs: list) -> None:
    # Each target is in the depth-3 grammar and heap search finds it. Bottom-up search's
    # default pruning drops lambdas that ignore their last parameter (and fold lambdas that
    # ignore the element), assuming a simpler program does the same; within depth 3 none
    # does. Without pruning, bottom-up search finds them too.
    target = dsl.parse(source)["f"]
    spec = Spec(target.signature, [((xs,), target(xs)) for xs in inputs])
    heap = synth.synthesize(
        spec,
        enumerator=synth.heap(),
        budget=Budget(seconds=10),
        space=synth.SearchSpace(max_depth=3),
    )
    assert heap.solved
    bottom_up = synth.synthesize(
        spec,
        enumerator=synth.bottom_up(prune=False),
        budget=Budget(seconds=10),
        space=synth.SearchSpace(max_depth=3),
    )
    assert bottom_up.solved, bottom_up


# ---- budgets ---------------------------------------------------------------------------------

UNREACHABLE = Spec.from_examples(
    [(([1, 2, 3],), 987654321), (([4, 5],), 987654321), (([],), 987654321), (([7],), 987654321)]
)
"""No small program computes this constant."""


@pytest.mark.parametrize("enumerator", [synth.heap(), synth.bottom_up()])
def test_time_budget_is_honoured(enumerator: synth.Enumerator) -> None:
    limit = 0.3
    began = time.perf_counter()
    result = synth.synthesize(
        UNREACHABLE,
        enumerator=enumerator,
        budget=Budget(seconds=limit),
        space=synth.SearchSpace(max_depth=4),
    )
    wall = time.perf_counter() - began
    assert not result.solved
    assert result.program is None
    assert result.stop_reason in ("time", "exhausted")
    allowed = max(limit * 1.1, limit + 0.05) + 0.25  # slack for slow, shared CI machines
    assert 0 < result.seconds <= allowed
    assert wall <= allowed + 0.05


@pytest.mark.parametrize("enumerator", [synth.heap(), synth.bottom_up()])
def test_small_time_budget_is_honoured_at_the_default_depth(enumerator: synth.Enumerator) -> None:
    # Budget promises to stop "within 10% or 50 ms of the time limit, whichever is larger";
    # building the default depth-6 grammar (and the search's set-up) is part of the search.
    spec = Spec.from_examples(
        [(([1, 2, 3], 4), 987654321), (([4, 5], 1), 987654321), (([], 0), 987654321)]
    )
    limit = 0.02
    began = time.perf_counter()
    result = synth.synthesize(spec, enumerator=enumerator, budget=Budget(seconds=limit))
    wall = time.perf_counter() - began
    assert not result.solved
    assert result.stop_reason == "time"
    allowed = max(limit * 1.1, limit + 0.05) + 0.05  # slack for timer and scheduler noise
    assert wall <= allowed, f"asked for {limit}s, took {wall:.3f}s"


@pytest.mark.parametrize("enumerator", [synth.heap(), synth.bottom_up()])
def test_program_budget_is_honoured(enumerator: synth.Enumerator) -> None:
    n = 500
    result = synth.synthesize(
        UNREACHABLE,
        enumerator=enumerator,
        budget=Budget(programs=n),
        space=synth.SearchSpace(max_depth=4),
    )
    assert not result.solved
    assert result.stop_reason in ("programs", "exhausted")
    assert 1 <= result.programs_explored <= n
    if enumerator.name == "heap":
        # heap search: the budget bounds complete programs, and each is one candidate
        assert result.candidates == result.programs_explored == n
        assert result.stop_reason == "programs"
    else:
        # bottom-up: the budget bounds candidates (subprograms included), checked every
        # 256 candidates
        assert result.candidates >= result.programs_explored
        assert result.candidates <= n + 256


@given(
    programs=st.integers(1, 3000),
    enumerator=st.sampled_from([synth.heap(), synth.bottom_up()]),
)
def test_program_budget_law(programs: int, enumerator: synth.Enumerator) -> None:
    result = synth.synthesize(
        UNREACHABLE,
        enumerator=enumerator,
        budget=Budget(seconds=20, programs=programs),
        space=synth.SearchSpace(max_depth=MAX_DEPTH),
    )
    assert not result.solved
    assert result.stop_reason in ("programs", "exhausted")
    assert result.programs_explored <= programs
    if result.stop_reason == "programs" and enumerator.name == "heap":
        assert result.programs_explored == programs


# ---- SynthesisResult ------------------------------------------------------------------------

REVERSE = Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4]), (([],), [])])


@pytest.mark.parametrize("enumerator", [synth.heap(), synth.bottom_up(costs="mean", unit=1)])
def test_synthesis_result_fields(enumerator: synth.Enumerator) -> None:
    result = synth.synthesize(
        REVERSE,
        enumerator=enumerator,
        budget=Budget(seconds=10),
        space=synth.SearchSpace(max_depth=4),
    )
    assert result.solved
    assert result.spec is REVERSE
    assert result.program is not None
    assert dsl.pretty(result.program) == "def f(xs: list[int]) -> list[int] =\n  reverse(xs)"
    assert dsl.pretty(result.program) in str(result)
    assert str(result).startswith("solved (solved) by " + enumerator.name)
    assert result.stop_reason == "solved"
    assert result.enumerator == enumerator.name
    assert result.config.enumerator == enumerator
    assert result.config.space.max_depth == 4
    assert result.config.space.constants == dsl.CORE.constants
    assert result.library is dsl.CORE
    assert result.programs_explored >= 1
    assert result.candidates >= result.programs_explored
    assert result.seconds > 0
    assert result.programs_per_second > 0
    assert result.rounds == 1
    assert isinstance(result.stats, dict)
    assert {"nonterminals", "terms", "rejected_by_interpreter"} <= set(result.stats)
    assert result.stats["nonterminals"] == len(
        Grammar.from_library(dsl.CORE, REVERSE.signature, max_depth=4)
    )
    if enumerator.name == "heap":
        assert result.log_probability is not None
        assert result.log_probability <= 0
        assert result.cost is None
    else:
        assert isinstance(result.cost, int)
        assert result.log_probability is None
        _check_by_production(result)
    compiled = dsl.compile_definition(result.program)
    assert compiled([9, 8, 7]) == [7, 8, 9]  # the program is a real, runnable definition


def _check_by_production(result: synth.SynthesisResult) -> None:
    """Every candidate but the lifted ones is counted under the production at its root,
    and the time so counted is part of the search's."""
    table = result.stats["by_production"]
    assert sum(row["candidates"] for row in table.values()) + result.stats["lifted"] == (
        result.candidates
    )
    assert all(row["seconds"] >= 0 for row in table.values())
    assert sum(row["seconds"] for row in table.values()) <= result.seconds


def test_bottom_up_says_where_its_time_went() -> None:
    result = synth.synthesize(
        UNREACHABLE,
        enumerator=synth.bottom_up(),
        budget=Budget(seconds=20, programs=20_000),
    )
    _check_by_production(result)
    table = result.stats["by_production"]
    assert table["fold"]["candidates"] > 0  # the loops are built and timed like the rest
    assert {"add", "map", "param0"} <= set(table)


def test_unsolved_result_fields() -> None:
    result = synth.synthesize(
        UNREACHABLE, budget=Budget(seconds=5), space=synth.SearchSpace(max_depth=2)
    )
    assert not result.solved
    assert result.program is None
    assert result.log_probability is None
    assert result.cost is None
    assert str(result).startswith("not solved")


def test_auto_enumerator() -> None:
    plain = synth.synthesize(
        REVERSE, budget=Budget(seconds=5), space=synth.SearchSpace(max_depth=3)
    )
    assert plain.enumerator == "bottom_up"
    recursive = synth.synthesize(
        REVERSE,
        budget=Budget(seconds=5),
        space=synth.SearchSpace(max_depth=3, allow_recursion=True),
    )
    assert recursive.enumerator == "heap"
    assert recursive.solved


def test_synthesize_validates_its_arguments() -> None:
    with pytest.raises(TypeError, match="enumerator"):
        synth.synthesize(REVERSE, enumerator="nope")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Budget"):
        synth.synthesize(REVERSE, budget=5)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="library"):
        synth.synthesize(Spec("(list[int]) -> list[int]", REVERSE.examples, name="reverse"))
    with pytest.raises(ValueError, match="recursi"):
        synth.synthesize(
            REVERSE,
            enumerator=synth.bottom_up(),
            space=synth.SearchSpace(max_depth=3, allow_recursion=True),
        )


def test_found_program_calls_only_the_library() -> None:
    result = synth.synthesize(
        Spec.from_examples([(([3, 1, 2],), 6), (([],), 0), (([5],), 5)]),
        budget=Budget(seconds=10),
        space=synth.SearchSpace(max_depth=4),
    )
    assert result.solved
    assert result.program is not None
    assert set(_calls(result.program.body)) <= set(dsl.CORE.names)


def test_a_constant_map_is_searched_where_no_replicate_says_it() -> None:
    # map(xs, fn x => c) is replicate(length(xs), c): pruned where the library has
    # replicate, kept where it has not (DREAMCODER), so that such a task stays solvable
    spec = Spec.from_examples(
        [(([4, 1, 7],), [7, 7, 7]), (([2, 9, 5, 6],), [5, 5, 5, 5]), (([0, 3, 8],), [8, 8, 8])]
    )
    result = synth.synthesize(spec, library=dsl.DREAMCODER, budget=Budget(seconds=10))
    assert result.solved and result.program is not None
    assert result.program([1, 2, 3, 4, 5]) == [3] * 5
