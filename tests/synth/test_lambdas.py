"""Fast loops (synth._lambdas) against the closures they replace.

Law: a search whose CORE loops run through body functions builds exactly the terms, with
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
from synth._lambdas import make_runner

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

ints = st.integers(min_value=-6, max_value=6)
int_lists = st.lists(ints, max_size=6).map(tuple)


def _search(
    sig: dsl.TFun, args: list[tuple[Any, ...]], outs: list[Any], fuel: int | None, fast: bool
) -> synth.TermStore:
    store = synth.TermStore(args, outs, limits=synth.SearchLimits(fuel=fuel), fast_loops=fast)
    pcfg = synth.Grammar.from_library(dsl.CORE, sig, max_depth=5).uniform()
    search = synth.BottomUp(pcfg, store, max_candidates=2_500)
    for _ in search:
        pass
    return store


@settings(max_examples=12, deadline=None)
@given(
    sig=st.sampled_from(
        [
            dsl.parse_type("(list[int]) -> int"),
            dsl.parse_type("(list[int]) -> list[int]"),
            dsl.parse_type("(list[int], int) -> list[int]"),
        ]
    ),
    xss=st.lists(int_lists, min_size=1, max_size=3),
    k=ints,
    fuel=st.sampled_from([None, 12, 40]),
)
def test_fast_loops_build_the_same_terms_as_closures(
    sig: dsl.TFun, xss: list[tuple[int, ...]], k: int, fuel: int | None
) -> None:
    args = [(xs, k)[: len(sig.params)] for xs in xss]
    outs = [() if sig.ret != dsl.INT else 0 for _ in xss]
    fast = _search(sig, args, outs, fuel, True)
    slow = _search(sig, args, outs, fuel, False)
    assert fast.kids == slow.kids
    assert fast.rule == slow.rule
    assert fast.vec == slow.vec
    # the law is not vacuous: loops ran, and some of them on the fast path
    loops = [t for t in range(len(fast)) if fast.higher_order[fast.rule[t]]]
    assert loops


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


def test_a_loop_that_cannot_end_runs_out_of_fuel() -> None:
    store = synth.TermStore([(3,), (4,)], [0, 0])
    run = make_runner(
        store, "while_", [lambda e, s, _: s != 0, lambda e, s, _: s * 0 + s]
    )  # the step is the identity: a fixed point where the condition holds
    assert run([[3, 0]], store.points(())) == (synth.ERR, synth.ERR)
    run = make_runner(store, "while_", [lambda e, s, _: s > 0, lambda e, s, _: s - 1])
    assert run([[3, 4]], store.points(())) == (0, 0)
