"""Search-time limits, budgets that hold, and programs that remember their library.

Laws: the bounds a search resolves cover every value of its examples, and explicit bounds
win; a value out of proportion to the examples is an error (``ERR``) where it would be
made, before it is built; a search stops within 10% or 50 ms of its time budget, whichever
is larger, whatever its primitives cost, verification included; a program found in a
library runs, compiles and exports with it.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsl
import synth
from synth import ERR, Bounds, Budget, SearchLimits, SearchSpace, Spec, TermStore

# dsl.compile_definition raises the recursion limit the first time it runs; Hypothesis warns
# that it cannot restore it. That is the interpreter's business, not these laws'.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

INT = dsl.INT
LIST = dsl.TList(dsl.INT)

# ---- resolving the bounds --------------------------------------------------------------------

scalars = st.integers(-(10**20), 10**20) | st.booleans()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=6).map(tuple), max_leaves=20)
"""Values in the interpreter's form (lists as tuples), nested lists included."""


def _extent(value: Any) -> tuple[int, int]:
    """The longest list and the largest int magnitude in ``value`` (a plain oracle)."""
    if isinstance(value, tuple):
        inner = [_extent(v) for v in value]
        return max([len(value), *(n for n, _ in inner)]), max([0, *(m for _, m in inner)])
    if isinstance(value, bool):
        return 0, 0
    return 0, abs(value)


limits = st.builds(
    SearchLimits,
    list_factor=st.integers(1, 4),
    list_margin=st.integers(0, 10),
    int_factor=st.integers(1, 32),
    min_int=st.integers(1, 4096),
)


@given(
    arity=st.integers(1, 3),
    data=st.data(),
    limits=limits,
    explicit=st.tuples(st.integers(1, 10**6), st.integers(1, 10**30), st.integers(1, 10**4)),
)
def test_bounds_cover_the_examples_and_explicit_bounds_win(
    arity: int,
    data: st.DataObject,
    limits: SearchLimits,
    explicit: tuple[int, int, int],
) -> None:
    args = data.draw(st.lists(st.tuples(*[values] * arity), min_size=1, max_size=4))
    outs = data.draw(st.lists(values, min_size=len(args), max_size=len(args)))
    bounds = limits.resolve(args, outs)
    assert isinstance(bounds, Bounds)
    for value in [*(a for example in args for a in example), *outs]:
        longest, largest = _extent(value)
        assert bounds.max_list_len >= longest
        assert bounds.max_int >= largest
    assert bounds.max_int >= limits.min_int
    assert 100 <= bounds.fuel <= 5_000
    fuel, max_int, max_list_len = explicit
    chosen = SearchLimits(fuel=fuel, max_int=max_int, max_list_len=max_list_len)
    assert chosen.resolve(args, outs) == Bounds(fuel, max_int, max_list_len)


def test_the_documented_formula() -> None:
    # lists up to list_factor * L + list_margin, ints up to
    # max(min_int, int_factor * M * max(1, L)): L the longest list, M the largest int
    assert SearchLimits().resolve([((3, 1, 2),)], [(1, 2, 3)]) == Bounds(194, 1024, 14)
    # nested lists count: the longest is the inner one, of 7
    nested = SearchLimits().resolve([(((1, 2, 3, 4, 5, 6, 7), (100,)),)], [0])
    assert nested.max_list_len == 2 * 7 + 8
    assert nested.max_int == 16 * 100 * 7
    lists = SearchLimits().resolve([((100, 1, 2, 3, 4), 9)], [-3])
    assert lists.max_list_len == 2 * 5 + 8
    assert lists.max_int == 16 * 100 * 5
    factors = SearchLimits(list_factor=3, list_margin=1, int_factor=2, min_int=10)
    assert factors.resolve([((4, -50),)], [(1, 2, 3, 4)])[1:] == (2 * 50 * 4, 3 * 4 + 1)
    # no list in the examples: L is 0, so lists up to the margin and ints up to
    # int_factor * M (the tuple of a call's arguments is no list of the examples)
    ints = SearchLimits().resolve([(1000, 2, 3, 4, 5)], [0])
    assert ints.max_list_len == 8
    assert ints.max_int == 16 * 1000


def test_search_limits_validate_their_settings() -> None:
    with pytest.raises(TypeError, match="fuel"):
        SearchLimits(fuel=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_list_len"):
        SearchLimits(max_list_len=0)
    with pytest.raises(ValueError, match="list_margin"):
        SearchLimits(list_margin=-1)


# ---- the kernels check before they build -----------------------------------------------------


def _term(
    store: TermStore,
    name: str,
    kind: str,
    t: dsl.Type,
    args: tuple[dsl.Type, ...] = (),
    payload: Any = None,
    kids: tuple[int, ...] = (),
) -> int:
    rid = store.rule_id(synth.Production(name, kind, t, args, payload), ())  # type: ignore[arg-type]
    return store.intern(rid, kids)


HUGE = 10**12


@pytest.mark.timeout(20)  # it would hang or run out of memory if it built the lists
def test_replicate_and_range_beyond_the_bound_are_errors_before_they_are_built() -> None:
    ns = [HUGE, 6, 7, 0, -3]
    store = TermStore([(n, 5) for n in ns], [()] * len(ns), limits=SearchLimits(max_list_len=6))
    n = _term(store, "n", "param", INT, payload=0)
    x = _term(store, "x", "param", INT, payload=1)
    replicate = dsl.EXTENDED["replicate"]
    rep = _term(store, "replicate", "prim", LIST, (INT, INT), replicate, (n, x))
    rng = _term(store, "range", "prim", LIST, (INT,), dsl.CORE["range"], (n,))
    began = time.perf_counter()
    assert store.values(rep) == (ERR, (5,) * 6, ERR, (), ())
    assert store.values(rng) == (ERR, tuple(range(6)), ERR, (), ())
    assert time.perf_counter() - began < 1.0
    # the same with the bound the examples give: 2 * 0 + 8 (no list in them)
    store = TermStore([(HUGE, 5), (3, 5)], [(), (5, 5, 5)])
    n = _term(store, "n", "param", INT, payload=0)
    x = _term(store, "x", "param", INT, payload=1)
    rep = _term(store, "replicate", "prim", LIST, (INT, INT), replicate, (n, x))
    rng = _term(store, "range", "prim", LIST, (INT,), dsl.CORE["range"], (n,))
    assert store.values(rep) == (ERR, (5, 5, 5))
    assert store.values(rng) == (ERR, (0, 1, 2))


@pytest.mark.timeout(20)
def test_concat_beyond_the_bound_is_an_error() -> None:
    # xs, xs ++ xs, (xs ++ xs) ++ (xs ++ xs), ...: doubling 40 times would need 2**40 elements
    xss = [(1, 2, 3), (4,), ()]
    store = TermStore([(xs,) for xs in xss], [()] * len(xss))
    bound = store.limits.max_list_len
    assert bound == 2 * 3 + 8
    xs = term = _term(store, "xs", "param", LIST, payload=0)
    concat = dsl.CORE["concat"]
    for level in range(1, 41):
        term = _term(store, "concat", "prim", LIST, (LIST, LIST), concat, (term, term))
        got = store.values(term)
        assert got is not None
        for example, value in zip(xss, got, strict=True):
            length = len(example) * 2**level
            assert value == (ERR if length > bound else example * 2**level), (level, example)
    # and with one side an error already (the kernel's other path)
    head = _term(store, "head", "prim", INT, (LIST,), dsl.CORE["head"], (xs,))
    single = _term(store, "[_]", "singleton", LIST, (INT,), None, (head,))
    big = xs
    for _ in range(3):
        big = _term(store, "concat", "prim", LIST, (LIST, LIST), concat, (big, big))
    mixed = _term(store, "concat", "prim", LIST, (LIST, LIST), concat, (single, big))
    assert store.values(single) == ((1,), (4,), ERR)
    # xs doubled three times is too long already; 1 + 8 fits; head of [] failed
    assert store.values(mixed) == (ERR, (4,) * 9, ERR)


def test_a_user_primitive_that_builds_a_longer_list_is_an_error_there() -> None:
    calls: list[int] = []

    def stretch(xs: tuple[int, ...]) -> tuple[int, ...]:
        calls.append(len(xs))
        return xs * 7

    prim = dsl.primitive("stretch", "(list[int]) -> list[int]", stretch)
    xss = [(1, 2, 3), (1,), ()]
    store = TermStore([(xs,) for xs in xss], [()] * 3, limits=SearchLimits(max_list_len=14))
    xs = _term(store, "xs", "param", LIST, payload=0)
    whole = _term(store, "stretch", "prim", LIST, (LIST,), prim, (xs,))
    assert store.values(whole) == (ERR, (1,) * 7, ())  # 21 > 14
    # with an error among the arguments (the point-by-point path): 14 is within the bound
    tail = _term(store, "tail", "prim", LIST, (LIST,), dsl.CORE["tail"], (xs,))
    rest = _term(store, "stretch", "prim", LIST, (LIST,), prim, (tail,))
    assert store.values(rest) == ((2, 3) * 7, (), ERR)
    assert calls  # the user's primitive ran (no kernel of that name replaced it)


def test_a_user_primitive_that_builds_a_larger_int_is_an_error_there() -> None:
    prim = dsl.primitive("boost", "(int) -> int", lambda n: n * 10**9)
    store = TermStore([(3,), (0,)], [0, 0])
    assert store.limits.max_int == 1024
    n = _term(store, "n", "param", INT, payload=0)
    boosted = _term(store, "boost", "prim", INT, (INT,), prim, (n,))
    assert store.values(boosted) == (ERR, 0)


# ---- budgets that hold -----------------------------------------------------------------------

UNREACHABLE = Spec.from_examples(
    [(([1, 2, 3],), 987654321), (([4, 5],), 987654321), (([],), 987654321), (([7],), 987654321)]
)
"""No small program computes this constant: every search runs until its budget ends."""

LIMIT = 0.5


def _allowed(limit: float) -> float:
    # Budget promises "within 10% or 50 ms of the time limit, whichever is larger"; the
    # rest is slack for timer and scheduler noise, as in test_enumerators' small budgets.
    return max(limit * 1.1, limit + 0.05) + 0.05


def _sleeps(x: int) -> int:
    time.sleep(0.002)
    return x + 1


def _builds_a_million(n: int) -> tuple[int, ...]:
    return tuple(range(1_000_000))


EXPENSIVE = {
    "sleeps": dsl.primitive("slow", "(int) -> int", _sleeps),
    "builds": dsl.primitive("huge", "(int) -> list[int]", _builds_a_million),
}


@pytest.mark.parametrize("cost", sorted(EXPENSIVE))
@pytest.mark.parametrize("enumerator", [synth.bottom_up(), synth.heap()], ids=["bottom_up", "heap"])
def test_time_budget_holds_whatever_the_primitives_cost(
    cost: str, enumerator: synth.Enumerator
) -> None:
    library = dsl.CORE.extend(primitives=[EXPENSIVE[cost]])
    began = time.perf_counter()
    result = synth.synthesize(
        UNREACHABLE, library=library, enumerator=enumerator, budget=Budget(seconds=LIMIT)
    )
    wall = time.perf_counter() - began
    assert not result.solved
    assert result.stop_reason == "time"
    assert wall <= _allowed(LIMIT), f"asked for {LIMIT}s, took {wall:.3f}s"
    assert result.seconds <= wall


def test_bottom_up_budget_holds_when_a_row_of_candidates_is_slow() -> None:
    # After a stretch of cheap candidates, bottom-up search may meet a long row of
    # candidates that each call the sleeping primitive at every example: the clock must
    # still be read often enough (the deadline falls in such a row at this budget).
    library = dsl.CORE.extend(primitives=[EXPENSIVE["sleeps"]])
    limit = 2.5
    began = time.perf_counter()
    result = synth.synthesize(
        UNREACHABLE, library=library, enumerator=synth.bottom_up(), budget=Budget(seconds=limit)
    )
    wall = time.perf_counter() - began
    assert result.stop_reason == "time"
    assert wall <= _allowed(limit), f"asked for {limit}s, took {wall:.3f}s"


def _slow_reverse(xs: list[int]) -> list[int]:
    time.sleep(0.005)  # 500 inputs would take 2.5 s
    return xs[::-1]


SLOW_REFERENCE = Spec(
    "(list[int]) -> list[int]",
    [(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4]), (([],), [])],
    reference=_slow_reverse,
)


@pytest.mark.parametrize(
    "verify", [True, synth.Verification(max_examples=400, max_len=10)], ids=["default", "given"]
)
@pytest.mark.parametrize("enumerator", [synth.bottom_up(), synth.heap()], ids=["bottom_up", "heap"])
def test_time_budget_holds_when_verification_is_slow(
    verify: bool | synth.Verification, enumerator: synth.Enumerator
) -> None:
    began = time.perf_counter()
    result = synth.synthesize(
        SLOW_REFERENCE,
        enumerator=enumerator,
        verify=verify,
        budget=Budget(seconds=LIMIT),
        space=SearchSpace(max_depth=3),
    )
    wall = time.perf_counter() - began
    assert wall <= _allowed(LIMIT), f"asked for {LIMIT}s, took {wall:.3f}s"
    report = result.verification
    assert report is not None
    assert not report.finished  # the deadline stopped it, and it says so
    assert report.passed  # reverse is right on every input it tried
    assert 0 < report.examples_tried < 400
    assert "deadline" in str(report)


def _slow_sorted(xs: list[int]) -> list[int]:
    time.sleep(0.005)
    return sorted(xs)


@pytest.mark.parametrize("enumerator", [synth.bottom_up(), synth.heap()], ids=["bottom_up", "heap"])
def test_time_budget_holds_across_cegis_rounds(enumerator: synth.Enumerator) -> None:
    # two examples that reverse also fits: verification finds counterexamples (and shrinks
    # them, calling the slow reference) and the search runs again, all within the budget
    spec = Spec(
        "(list[int]) -> list[int]", [(([2, 1],), [1, 2]), (([],), [])], reference=_slow_sorted
    )
    limit = 0.8  # a round (search, verification, shrinking) takes 0.2 to 0.3 s
    began = time.perf_counter()
    result = synth.synthesize(
        spec, enumerator=enumerator, verify=True, budget=Budget(seconds=limit)
    )
    wall = time.perf_counter() - began
    assert wall <= _allowed(limit), f"asked for {limit}s, took {wall:.3f}s"
    assert result.rounds >= 2
    assert result.counterexamples


# ---- a found program runs with its library ---------------------------------------------------

LIBRARY_TASKS: list[tuple[dsl.Library, Spec, str | None, tuple[Any, ...], Any]] = [
    # (library, spec, a name only that library has, an input, its output)
    (
        dsl.CORE,
        Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4]), (([],), [])]),
        None,
        ([6, 0, 9, 2],),
        [2, 9, 0, 6],
    ),
    (
        dsl.EXTENDED,
        Spec.from_examples(
            [(([3, 1, 2],), [1, 2, 3]), (([5, 4],), [4, 5]), (([2, 9, 1, 7],), [1, 2, 7, 9])]
        ),
        "sort",
        ([8, -1, 4, 4, 0],),
        [-1, 0, 4, 4, 8],
    ),
    (
        dsl.DREAMCODER,
        Spec.from_examples([(([1, 2], 5), [1, 2, 5]), (([], 3), [3]), (([7], 0), [7, 0])]),
        "snoc",
        ([4, 4, 1], 9),
        [4, 4, 1, 9],
    ),
    (
        dsl.DREAMCODER,
        Spec.from_examples([((3, 8), 8), ((9, 2), 9), ((-4, -6), -4), ((5, 5), 5)]),
        "max",
        (-20, -30),
        -20,
    ),
]


def _calls(expr: dsl.Expr) -> Iterator[str]:
    """Names of every function called in ``expr``."""
    if isinstance(expr, dsl.Call):
        yield expr.func
    for child in dsl.children(expr):
        yield from _calls(child)


@pytest.mark.parametrize(
    ("library", "spec", "only", "args", "expected"),
    LIBRARY_TASKS,
    ids=["core", "extended-sort", "dreamcoder-snoc", "dreamcoder-max"],
)
def test_a_found_program_runs_with_its_library(
    library: dsl.Library, spec: Spec, only: str | None, args: tuple[Any, ...], expected: Any
) -> None:
    result = synth.synthesize(spec, library=library, budget=Budget(seconds=10))
    assert result.solved
    program = result.program
    assert program is not None
    assert result.library is library
    assert program.library is library
    if only is not None:
        assert only not in dsl.CORE
        assert only in set(_calls(program.body)), dsl.pretty(program)
    # no library passed anywhere: the program knows its own
    assert program(*args) == expected
    assert dsl.compile_definition(program)(*args) == expected
    namespace: dict[str, Any] = {}
    exec(program.to_python(), namespace)
    run: Callable[..., Any] = namespace[program.name]
    assert run(*args) == expected
    # CORE alone cannot run it: the library really is what it runs with
    if only is not None:
        with pytest.raises(dsl.AbstraxError):
            dsl.compile_definition(program, library=dsl.CORE)(*args)


# ---- CEGIS and outputs the language cannot represent ------------------------------------------

PRODUCT = Spec(
    "(list[int]) -> int",
    [(([4, 1, 7],), 28), (([],), 1), (([3, -2],), -6), (([5],), 5)],
    reference=math.prod,
)
"""The product task of tasks/_basic.py, with Python's product as the reference: on long
lists of large ints its output is beyond the interpreter's int bound."""


def test_cegis_solves_product_and_skips_unrepresentable_outputs() -> None:
    result = synth.synthesize(PRODUCT, verify=True, budget=Budget(seconds=20))
    assert result.solved, result
    program = result.program
    assert program is not None
    report = result.verification
    assert report is not None
    assert report.passed
    assert report.finished
    assert report.outside_domain > 0
    assert result.stats["verification_outside_domain"] >= report.outside_domain
    assert program([2, 3, 4]) == 24
    assert program([-1, 5]) == -5
    assert program([]) == 1
    # the inputs skipped really are beyond the bound: the reference's product is
    bound = dsl.Limits().max_int
    assert abs(math.prod([1000] * 50)) > bound


@pytest.mark.parametrize("enumerator", [synth.bottom_up(), synth.heap()], ids=["bottom_up", "heap"])
def test_a_search_leaves_the_cyclic_collector_almost_nothing(enumerator: synth.Enumerator) -> None:
    # The store and the engine hold every value a search makes, in reference cycles; they
    # are emptied when the search ends, so that those values are freed at once instead of
    # in a collector pause (over a second after a 10-second search) in the caller's code.
    spec = Spec.from_examples([(([3, 1, 2],), 7), (([5, 4],), 1), (([2],), 9)])
    gc.collect()
    result = synth.synthesize(spec, enumerator=enumerator, budget=Budget(programs=20_000))
    assert not result.solved
    assert result.candidates > 19_000
    # Before the store was emptied: 38,000 objects (bottom-up) and 134,000 (heap) here.
    assert gc.collect() < result.candidates
