"""Fast loops (synth._lambdas) against the closures they replace.

Law: a search whose built-in loops (CORE's, EXTENDED's, DREAMCODER's)
run through body functions builds exactly the terms, with
exactly the values, that it builds when they run through closures — errors, bounds and
fuel (including running out of it) included.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsl
import synth
from synth._closures import list_charger
from synth._lambdas import _Template
from synth._loops import make_runner
from synth._terms import _Fuel

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

SIGNATURES = [
    dsl.parse_type(t)
    for t in (
        "(list[int]) -> int",
        "(list[int]) -> list[int]",
        "(list[int], int) -> list[int]",
        "(int, list[list[int]]) -> list[int]",  # head and index give lists: charged
    )
]


def _search(
    sig: dsl.TFun,
    library: dsl.Library,
    args: list[tuple[Any, ...]],
    limits: synth.SearchLimits,
    fast: bool,
    budget: int | None = None,
    max_depth: int = 5,
) -> synth.TermStore:
    outs = [0 if sig.ret == dsl.INT else () for _ in args]
    store = synth.TermStore(args, outs, limits=limits, fast_loops=fast)
    pcfg = synth.Grammar.from_library(library, sig, max_depth=max_depth).uniform()
    if budget is None:  # the others have more first-order rules than CORE
        budget = 2_500 if library is dsl.CORE else 4_000
    for _ in synth.BottomUp(pcfg, store, max_candidates=budget):
        pass
    return store


@settings(max_examples=12, deadline=None)
@given(
    data=st.data(),
    sig=st.sampled_from(SIGNATURES),
    library=st.sampled_from([dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER]),
    fuel=st.sampled_from([None, 12, 40]),
    max_int=st.sampled_from([2**63 - 1, 10]),
)
def test_fast_loops_build_the_same_terms_as_closures(
    data: st.DataObject, sig: dsl.TFun, library: dsl.Library, fuel: int | None, max_int: int
) -> None:
    # values beyond the small int bound below, so that bounds are met at once
    inputs = synth.strategies.for_signature(sig, max_len=5, min_value=-12, max_value=12)
    args = [dsl.to_internal(a) for a in data.draw(st.lists(inputs, min_size=1, max_size=3))]
    limits = synth.SearchLimits(fuel=fuel, max_int=max_int)
    fast = _search(sig, library, args, limits, True)
    slow = _search(sig, library, args, limits, False)
    assert fast.kids == slow.kids
    assert fast.rule == slow.rule
    assert fast.vec == slow.vec
    # not vacuous: with CORE's few first-order rules, loops are always among the terms
    # (unless every list is too short for a loop to differ from a loop-free program)
    varied = any(isinstance(v, tuple) and len(v) > 1 for a in args for v in a)
    assert library is not dsl.CORE or not varied or any(fast.higher_order[r] for r in fast.rule)


@pytest.mark.parametrize(
    ("loop", "signature", "library"),
    [
        ("foldr", "(list[int]) -> int", dsl.DREAMCODER),
        ("iter", "(list[int]) -> int", dsl.DREAMCODER),
        ("unfold", "(list[int]) -> list[int]", dsl.DREAMCODER),
        ("scanl1", "(list[int]) -> list[int]", dsl.EXTENDED),
    ],
)
def test_other_libraries_loops_run_through_body_functions(
    loop: str, signature: str, library: dsl.Library
) -> None:
    # not vacuous: DREAMCODER's foldr, iter and unfold and EXTENDED's scanl1 have runners,
    # which agree with the closures
    sig = dsl.parse_type(signature)
    args = [((3, 1, 2),), ((5, 0),), ((4,),)]
    limits = synth.SearchLimits(fuel=40)
    depth = 6 if loop == "unfold" else 5  # unfold's three lambdas sit a level deeper
    fast = _search(sig, library, args, limits, True, 60_000, depth)
    slow = _search(sig, library, args, limits, False, 60_000, depth)
    assert fast.kids == slow.kids
    assert fast.vec == slow.vec
    rules = {r for r, p in enumerate(fast.rule_prod) if p.name == loop}
    assert rules and any(fast._runners.get(r) for r in rules)
    assert any(fast.rule[t] in rules and fast.vec[t] is not None for t in range(len(fast)))


def test_a_point_charged_up_front_is_rerun_exactly_when_fuel_runs_out() -> None:
    # Charging a loop's calls up front runs out of fuel earlier than charging them one at
    # a time; a point that fails for another reason before fuel runs out exactly is ERR,
    # not the end of the whole candidate.
    xss = [(1, 1, 0, 1, 1), (1,)]
    store = synth.TermStore([(xs,) for xs in xss], [(), ()], limits=synth.SearchLimits(fuel=7))

    def body(e: tuple[Any, ...], x: int, acc: tuple[int, ...]) -> tuple[int, ...]:
        if x == 0:
            raise dsl.EmptyListError("head of an empty list")
        return store.bodies.charge_list((*acc, x))  # charges its length

    run = make_runner(store, "fold", [body])
    # first point, one call at a time: 3 calls and 1 + 2 fuel for lists before the error
    assert run([xss, [(), ()]], store.points(())) == (synth.ERR, (1,))


@pytest.mark.parametrize("built", [5, 6, 7])
def test_a_point_that_runs_out_when_charged_up_front_is_run_again_unless_sure(
    built: int,
) -> None:
    # Fuel 7, a fold over three elements whose first call builds a list of `built` and then
    # fails. Up front, 3 calls and the list overdraw fuel in each case. Run exactly, the
    # first call has 6 fuel after its tick: a list of 5 or 6 leaves 1 or 0, so the call's
    # own error (not fuel) is the point's value; a list of 7 leaves -1, so fuel runs out and
    # the whole candidate fails. The search may skip the exact rerun only in that last case.
    xss = [(built, 1, 1), (1,)]
    store = synth.TermStore([(xs,) for xs in xss], [0, 0], limits=synth.SearchLimits(fuel=7))

    def body(e: tuple[Any, ...], x: int, acc: int) -> int:
        store.bodies.charge_list(tuple(range(x)))  # charges x
        if x > 1:
            raise dsl.IndexOutOfRangeError("index out of range")
        return acc + x

    run = make_runner(store, "fold", [body])
    expected = (synth.ERR, 1) if built < 7 else (synth.ERR, synth.ERR)
    assert run([xss, [0, 0]], store.points(())) == expected


def test_a_loop_with_no_calls_is_not_out_of_fuel_whatever_the_budget() -> None:
    # nothing is charged up front for an empty list, so even a budget below zero is not
    # a reason to give up on the candidate (the exact run makes no call and finishes)
    xss: list[tuple[int, ...]] = [(), ()]
    store = synth.TermStore([(xs,) for xs in xss], [(), ()], limits=synth.SearchLimits(fuel=-1))
    assert make_runner(store, "map", [lambda e, x, _: x])([xss], store.points(())) == ((), ())
    run = make_runner(store, "fold", [lambda e, x, a: a])
    assert run([xss, [0, 0]], store.points(())) == (0, 0)


def test_a_loop_that_cannot_end_runs_out_of_fuel() -> None:
    store = synth.TermStore([(3,), (4,)], [0, 0])
    run = make_runner(
        store, "while_", [lambda e, s, _: s != 0, lambda e, s, _: s * 0 + s]
    )  # the step is the identity: a fixed point where the condition holds
    assert run([[3, 0]], store.points(())) == (synth.ERR, synth.ERR)
    run = make_runner(store, "while_", [lambda e, s, _: s > 0, lambda e, s, _: s - 1])
    assert run([[3, 4]], store.points(())) == (0, 0)


def test_a_list_that_overdraws_fuel_fails_at_once() -> None:
    # as in the interpreter: the charge that takes fuel below zero raises, even when no
    # lambda call follows it
    fuel = _Fuel()
    fuel.left = 5
    charge = list_charger(fuel, max_len=100)
    assert charge((1, 2, 3)) == (1, 2, 3)
    with pytest.raises(dsl.EvalBudgetError) as err:
        charge((1, 2, 3))
    assert err.value.resource == "fuel"
    with pytest.raises(dsl.EvalBudgetError) as err:
        list_charger(fuel, max_len=2)((1, 2, 3))
    assert err.value.resource == "list length"


def test_terms_of_a_store_without_points_have_empty_values() -> None:
    store = synth.TermStore([], [])
    pcfg = synth.Grammar.from_library(dsl.CORE, dsl.parse_type("(int) -> int"), max_depth=3)
    for n, (tid, _) in enumerate(synth.HeapSearch(pcfg.uniform(), store)):
        assert store.values(tid) == ()
        if n == 300:
            break


@pytest.mark.parametrize("fuel", [2, 8, 11, 12, 20])
def test_head_of_a_list_of_lists_is_charged_like_any_list(fuel: int) -> None:
    # map(xss, fn xs => length(xs) + length(head(xss))): head builds no list, but its
    # result is one, and the closures charge every list-typed result
    li, lli = dsl.TList(dsl.INT), dsl.TList(dsl.TList(dsl.INT))
    xss = ((1, 2, 3, 4, 5), (6,))

    def run(fast: bool) -> tuple[Any, ...] | None:
        store = synth.TermStore(
            [(xss,)], [()], limits=synth.SearchLimits(fuel=fuel), fast_loops=fast
        )

        def term(
            name: str,
            kind: str,
            t: dsl.Type,
            args: tuple[Any, ...],
            payload: Any,
            kids: tuple[int, ...],
            env: tuple[dsl.Type, ...] = (),
        ) -> int:
            rid = store.rule_id(synth.Production(name, kind, t, args, payload), env)
            return store.intern(rid, kids)

        p0 = term("xss", "param", lli, (), 0, ())
        head = term("head", "prim", li, (lli,), dsl.CORE["head"], (p0,))
        lifted = term("lift", "lift", li, (), None, (head,), (li,))
        n1 = term("length", "prim", dsl.INT, (li,), dsl.CORE["length"], (lifted,), (li,))
        var = term("var0", "var", li, (), 0, (), (li,))
        n2 = term("length", "prim", dsl.INT, (li,), dsl.CORE["length"], (var,), (li,))
        body = term("add", "prim", dsl.INT, (dsl.INT,) * 2, dsl.CORE["add"], (n2, n1), (li,))
        lam_t = dsl.TFun((li,), dsl.INT)
        lam = term("lambda", "lambda", lam_t, (dsl.INT,), (li,), (body,))
        top = term("map", "prim", li, (lli, lam_t), dsl.CORE["map"], (p0, lam))
        return store.values(top)

    assert run(True) == run(False)


def test_a_body_shape_decides_its_text_and_the_values_it_binds() -> None:
    # BodyBuilder finds a body's function by its shape and writes the text only for a shape
    # it has not seen: so every body of a shape must have that shape's text, and _shape
    # must bind the same values, in the same order, as _expr does.
    sig = dsl.parse_type("(list[int]) -> int")
    args = [((3, -1, 2),), ((5, 0),), ((),)]
    store = synth.TermStore(args, [0, 0, 0])
    pcfg = synth.Grammar.from_library(dsl.CORE, sig).uniform()
    for _ in synth.BottomUp(pcfg, store, max_candidates=30_000):
        pass
    bodies = store.bodies
    texts: dict[tuple[Any, ...], tuple[str, str]] = {}
    checked = 0
    for lam in range(len(store)):
        if not store.is_lambda[store.rule[lam]] or len(store.prod(lam).payload) > 2:
            continue
        body = store.kids[lam][0]
        n_outer = len(store.env(body)) - len(store.prod(lam).payload)
        by_shape, by_text = _Template(bodies), _Template(bodies)
        shape = bodies._shape(body, n_outer, by_shape)
        expr = bodies._expr(body, n_outer, by_text)
        assert by_shape.values == by_text.values
        assert texts.setdefault(shape, (", ".join(by_text.names), expr)) == (
            ", ".join(by_text.names),
            expr,
        )
        checked += 1
    assert checked > 100 and len(texts) < checked  # shapes recur


def test_an_unfold_that_never_stops_fails_at_the_list_bound_not_at_the_end_of_fuel() -> None:
    # unfold(n, x == 0, x, x - 1) counts down; from a negative seed it never stops. The
    # search drops it at that point once its list passes the bound (14 here), after 15
    # stops, 14 emits and 14 steps, not after all 10,000 units of the point's fuel, and the
    # other points keep their values.
    store = synth.TermStore(
        [(3,), (-1,)], [(), ()], limits=synth.SearchLimits(fuel=10_000, max_list_len=14)
    )
    calls = []

    def stop(e: tuple[Any, ...], x: int, a: None) -> bool:
        calls.append(x)
        return x == 0

    def emit(e: tuple[Any, ...], x: int, a: None) -> int:
        return x

    def step(e: tuple[Any, ...], x: int, a: None) -> int:
        return x - 1

    run = make_runner(store, "unfold", [stop, emit, step])
    assert run([[3, -1]], store.points(())) == ((3, 2, 1), synth.ERR)
    assert len(calls) == 4 + 15
    # the closures (dsl.DREAMCODER's unfold, bounded by the search) agree
    bounded = store.implementation(_unfold_production())
    assert bounded(3, lambda x: x == 0, lambda x: x, lambda x: x - 1) == (3, 2, 1)
    with pytest.raises(dsl.EvalBudgetError, match="list length"):
        bounded(-1, lambda x: x == 0, lambda x: x, lambda x: x - 1)


def _unfold_production() -> Any:
    grammar = synth.Grammar.from_library(dsl.DREAMCODER, dsl.parse_type("(int) -> list[int]"))
    return next(
        r.production for rs in grammar.rules.values() for r in rs if r.production.name == "unfold"
    )


@pytest.mark.parametrize(("fuel", "expected"), [(43, (synth.ERR, ())), (42, None)])
def test_an_unfold_at_a_fixed_point_fails_as_running_it_would(
    fuel: int, expected: tuple[Any, ...] | None
) -> None:
    # unfold(x, x == 1, x, 7): from 7 the step stays at 7. Run to the end, the list passes
    # the bound of 14 after 15 stops, 14 emits and 14 steps: 43 calls. With 43 units of
    # fuel, the point fails there (and the other keeps its value); with 42, fuel runs out
    # first, which drops the whole candidate. The runner knows it at the first repeat.
    store = synth.TermStore(
        [(7,), (1,)], [(), ()], limits=synth.SearchLimits(fuel=fuel, max_list_len=14)
    )
    run = make_runner(
        store,
        "unfold",
        [lambda e, x, a: x == 1, lambda e, x, a: x, lambda e, x, a: 7],
    )
    got = run([[7, 1]], store.points(()))
    assert got == (expected or (synth.ERR, synth.ERR))
    # the same with the closures' unfold, a tick per call
    ticks = 0

    def tick(f: Any) -> Any:
        def g(x: Any) -> Any:
            nonlocal ticks
            ticks += 1
            return f(x)

        return g

    bounded = store.implementation(_unfold_production())
    with pytest.raises(dsl.EvalBudgetError, match="list length"):
        bounded(7, tick(lambda x: x == 1), tick(lambda x: x), tick(lambda x: 7))
    assert ticks == 43
