"""The loops of CORE (EXTENDED's ``count``, ``zipwith`` and ``scanl1``, DREAMCODER's
``foldr``, ``iter`` and ``unfold``), run over lambda body functions (:mod:`synth._lambdas`).

``map``, ``filter``, ``fold``, ``loop``, ``while_``, ``count``, ``zipwith``, ``scanl1``,
``foldr``, ``iter`` and ``unfold`` call a body function per element directly, without a
lambda wrapper per call. Their values are exactly
those of the closures of :mod:`synth._closures`: the same fuel (one unit per lambda call, a
list's length for each list an unchecked primitive builds), the same bounds, the same
errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import dsl
from synth._kernels import ERR
from synth._lambdas import BodyFn, builtin

if TYPE_CHECKING:
    from synth._terms import TermStore

LOOP_NAMES = frozenset(
    {
        *("map", "filter", "fold", "loop", "while_"),
        *("count", "zipwith", "scanl1"),
        *("foldr", "iter", "unfold"),
    }
)
"""The loops run here (CORE's, EXTENDED's ``count``, ``zipwith`` and ``scanl1``,
DREAMCODER's ``foldr``, ``iter`` and ``unfold``)."""

EXACT_LOOPS = frozenset({"while_", "unfold"})
"""The loops whose number of lambda calls is not known before they run: their runners run
every point exactly, a call at a time."""


def loop_name(p: Any) -> str | None:
    """The name of the loop primitive production ``p`` is, if it is one of those run here."""
    if (
        p.kind == "prim"
        and p.name in LOOP_NAMES
        and (builtin(p.payload, dsl.EXTENDED) or builtin(p.payload, dsl.DREAMCODER))
    ):
        return str(p.name)
    return None


Runner = Callable[[Sequence[Sequence[Any]], Sequence[tuple[Any, ...]]], tuple[Any, ...]]
"""``run(columns, points)``: a loop application's values at ``points``, given its non-lambda
arguments' values there."""


def make_runner(store: TermStore, name: str, bodies: list[BodyFn]) -> Runner:
    """The runner of loop ``name`` with these body functions.

    At each point the loop's lambda calls are charged up front and the loop runs without
    counting; only a point where fuel runs out that way is run again exactly, a call at a
    time (:func:`_exact`), so that whether it runs out, and of what error it fails first,
    is as on the closure path. (Charging early can only make fuel run out earlier: a point
    that finishes, or fails otherwise, does the same when charged a call at a time.) A point
    where the run fails is ERR; one that runs out of fuel makes the whole candidate ERR.
    The runners are written out in full: a function call per point costs as much as a
    short loop.
    """
    f = bodies[0]
    fuel = store.fuel
    budget = store.fuel_budget
    m = store.limits.max_int
    low = -m  # bound once: -m builds a new big int each time
    max_len = store.limits.max_list_len
    err = ERR
    budget_error = dsl.EvalBudgetError
    # while_ and unfold run exactly at every point; the others only where fuel runs out, so
    # their exact loop is made then (a runner is made for every lambda a search tries)
    exact = _exact(name, bodies, fuel, max_len) if name in EXACT_LOOPS else None

    def settle(charged: int, e: tuple[Any, ...], *args: Any) -> Any:
        """The value at one point that ran out of fuel with ``charged`` lambda calls charged
        up front, run exactly: a value, ERR, or _OUT_OF_FUEL (at once when the exact run
        must run out too, see :func:`_surely_out`)."""
        if _surely_out(fuel.left, charged):
            return _OUT_OF_FUEL
        fuel.left = budget
        try:
            v = (exact or _exact(name, bodies, fuel, max_len))(e, *args)
        except budget_error as exc:
            return _OUT_OF_FUEL if exc.resource == "fuel" else err
        except Exception:
            return err
        if (type(v) is int and not low <= v <= m) or (type(v) is tuple and len(v) > max_len):
            return err
        return v

    if name in ("fold", "loop", "foldr", "iter"):
        counted = name in ("loop", "iter")  # over 0 .. n - 1, not over a list
        backwards = name == "foldr"
        alone = name == "iter"  # the lambda takes the accumulator alone

        def run_fold(
            columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]
        ) -> tuple[Any, ...]:
            c0, c1 = columns
            out = []
            for e, xs, init in zip(pts, c0, c1, strict=True):
                if xs is err or init is err:
                    out.append(err)
                    continue
                acc = init
                try:
                    if counted:
                        fuel.left = budget - (xs if xs > 0 else 0)
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        if alone:
                            for _ in range(xs):
                                acc = f(e, acc, None)
                        else:
                            for x in range(xs):
                                acc = f(e, x, acc)
                    else:
                        fuel.left = budget - len(xs)
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        for x in reversed(xs) if backwards else xs:
                            acc = f(e, x, acc)
                except budget_error as exc:
                    if exc.resource == "fuel":
                        charged = (xs if xs > 0 else 0) if counted else len(xs)
                        acc = settle(charged, e, xs, init)
                        if acc is _OUT_OF_FUEL:
                            return (err,) * len(pts)
                    else:
                        acc = err
                except Exception:
                    acc = err
                else:
                    if (type(acc) is int and not low <= acc <= m) or (
                        type(acc) is tuple and len(acc) > max_len
                    ):
                        acc = err
                out.append(acc)
            return tuple(out)

        return run_fold
    if name in ("map", "filter", "count", "zipwith"):
        keep = name in ("filter", "count")
        zipped = name == "zipwith"

        def run_map(
            columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]
        ) -> tuple[Any, ...]:
            c0 = columns[0]
            c1 = columns[1] if zipped else c0
            out = []
            for e, xs, ys in zip(pts, c0, c1, strict=True):
                if xs is err or ys is err:
                    out.append(err)
                    continue
                v: Any
                try:
                    if zipped:
                        fuel.left = budget - min(len(xs), len(ys))
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        v = tuple([f(e, x, y) for x, y in zip(xs, ys, strict=False)])
                    else:
                        fuel.left = budget - len(xs)
                        if fuel.left < 0:
                            raise budget_error("fuel", budget)
                        if keep:
                            kept = [x for x in xs if f(e, x, None)]
                            v = tuple(kept) if name == "filter" else len(kept)
                        else:
                            v = tuple([f(e, x, None) for x in xs])
                except budget_error as exc:
                    if exc.resource == "fuel":
                        if zipped:
                            v = settle(min(len(xs), len(ys)), e, xs, ys)
                        else:
                            v = settle(len(xs), e, xs)
                        if v is _OUT_OF_FUEL:
                            return (err,) * len(pts)
                    else:
                        v = err
                except Exception:
                    v = err
                else:
                    if (type(v) is int and not low <= v <= m) or (
                        type(v) is tuple and len(v) > max_len
                    ):
                        v = err
                out.append(v)
            return tuple(out)

        return run_map
    if name == "scanl1":

        def run_scan(
            columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]
        ) -> tuple[Any, ...]:
            out = []
            for e, xs in zip(pts, columns[0], strict=True):
                if xs is err:
                    out.append(err)
                    continue
                v: Any = xs
                calls = len(xs) - 1 if xs else 0
                try:
                    fuel.left = budget - calls
                    if fuel.left < 0:
                        raise budget_error("fuel", budget)
                    if calls > 0:
                        acc = xs[0]
                        scanned = [acc]
                        for x in xs[1:]:
                            acc = f(e, acc, x)
                            scanned.append(acc)
                        v = tuple(scanned)
                except budget_error as exc:
                    if exc.resource == "fuel":
                        v = settle(calls, e, xs)
                        if v is _OUT_OF_FUEL:
                            return (err,) * len(pts)
                    else:
                        v = err
                except Exception:
                    v = err
                out.append(v)  # as long as xs, each element checked by the body
            return tuple(out)

        return run_scan
    if name in EXACT_LOOPS:  # the number of calls is not known before: exact at every point

        def run_while(
            columns: Sequence[Sequence[Any]], pts: Sequence[tuple[Any, ...]]
        ) -> tuple[Any, ...]:
            out = []
            for e, state in zip(pts, columns[0], strict=True):
                v = err if state is err else settle(0, e, state)  # nothing charged early
                if v is _OUT_OF_FUEL:
                    return (err,) * len(pts)
                out.append(v)
            return tuple(out)

        return run_while
    raise ValueError(f"{name!r} is not a loop run here")


def _surely_out(left: int, charged: int) -> bool:
    """Whether a point that ran out of fuel, with ``left`` fuel after the charge that failed,
    when ``charged`` lambda calls were charged up front, runs out when run exactly too.

    The exact run does the same work in the same order and charges the calls one at a
    time, at least one of them made by then: at that moment it has at most ``charged - 1``
    more fuel than this run had. If that is still below zero it ran out there or before,
    with no other error first (this run, which did the same work, met none), so there is
    nothing to run again."""
    return charged > 0 and left + charged - 1 < 0  # no calls: nothing was charged early


class _OutOfFuelMarker:
    __slots__ = ()


_OUT_OF_FUEL = _OutOfFuelMarker()


def _exact(name: str, bodies: list[BodyFn], fuel: Any, max_len: int) -> Callable[..., Any]:
    """Loop ``name`` at one point, charging fuel a call at a time as the closures do."""
    f = bodies[0]

    def tick() -> None:
        fuel.left -= 1
        if fuel.left < 0:
            raise dsl.EvalBudgetError("fuel", 0)

    if name in ("fold", "loop", "foldr"):
        counted = name == "loop"
        backwards = name == "foldr"

        def fold(e: tuple[Any, ...], xs: Any, acc: Any) -> Any:
            for x in range(xs) if counted else reversed(xs) if backwards else xs:
                tick()
                acc = f(e, x, acc)
            return acc

        return fold
    if name == "iter":

        def iterate(e: tuple[Any, ...], n: int, acc: Any) -> Any:
            for _ in range(n):
                tick()
                acc = f(e, acc, None)
            return acc

        return iterate
    if name == "zipwith":

        def zipwith(e: tuple[Any, ...], xs: tuple[Any, ...], ys: tuple[Any, ...]) -> Any:
            out = []
            for x, y in zip(xs, ys, strict=False):
                tick()
                out.append(f(e, x, y))
            return tuple(out)

        return zipwith
    if name == "scanl1":

        def scan(e: tuple[Any, ...], xs: tuple[Any, ...]) -> Any:
            if not xs:
                return ()
            out = [xs[0]]
            for x in xs[1:]:
                tick()
                out.append(f(e, out[-1], x))
            return tuple(out)

        return scan
    if name in ("map", "filter", "count"):

        def map_(e: tuple[Any, ...], xs: tuple[Any, ...]) -> Any:
            out = []
            for x in xs:
                tick()
                y = f(e, x, None)
                if name == "map":
                    out.append(y)
                elif y:
                    out.append(x)
            return len(out) if name == "count" else tuple(out)

        return map_
    if name == "while_":
        step = bodies[1]

        def while_(e: tuple[Any, ...], state: Any) -> Any:
            # always run this way (the number of calls is not known before): the ticks are
            # written in place
            while True:
                fuel.left -= 1
                if fuel.left < 0:
                    raise dsl.EvalBudgetError("fuel", 0)
                if not f(e, state, None):
                    return state
                fuel.left -= 1
                if fuel.left < 0:
                    raise dsl.EvalBudgetError("fuel", 0)
                new = step(e, state, None)
                if new == state:
                    # a fixed point of the step where the condition holds: the loop never
                    # ends, so it runs out of fuel (without running until it does)
                    raise dsl.EvalBudgetError("fuel", 0)
                state = new

        return while_
    if name == "unfold":
        emit, step = bodies[1], bodies[2]
        too_long = dsl.EvalBudgetError("list length", max_len)

        def unfold_(e: tuple[Any, ...], x: Any) -> Any:
            # as bounded_unfold with closures that tick before each call; the ticks are
            # written in place
            out: list[Any] = []
            while True:
                fuel.left -= 1
                if fuel.left < 0:
                    raise dsl.EvalBudgetError("fuel", 0)
                if stop(e, x, None):
                    return tuple(out)
                if len(out) >= max_len:
                    raise too_long
                fuel.left -= 1
                if fuel.left < 0:
                    raise dsl.EvalBudgetError("fuel", 0)
                out.append(emit(e, x, None))
                fuel.left -= 1
                if fuel.left < 0:
                    raise dsl.EvalBudgetError("fuel", 0)
                new = step(e, x, None)
                if new == x:
                    # a fixed point of the step where stop is false: the same element is
                    # emitted until the list passes the bound, 3 calls each and a last
                    # stop; or fuel runs out first (without running until it does)
                    if fuel.left >= 3 * (max_len - len(out)) + 1:
                        raise too_long
                    raise dsl.EvalBudgetError("fuel", 0)
                x = new

        stop = f
        return unfold_
    raise ValueError(f"{name!r} is not a loop run here")


def bounded_unfold(max_len: int) -> Callable[..., tuple[Any, ...]]:
    """DREAMCODER's ``unfold`` as the search runs it: a list that would grow beyond
    ``max_len`` fails (``EvalBudgetError``) before its next element is computed, so that an
    unfold that never stops costs ``max_len`` steps, not all the fuel of its point
    (:class:`~synth.SearchLimits`). Otherwise exactly ``dsl.DREAMCODER``'s ``unfold``: the
    answer a search returns runs in the interpreter, with its own limits."""

    def unfold(x: Any, stop: Any, emit: Any, step: Any) -> tuple[Any, ...]:
        out: list[Any] = []
        while not stop(x):
            if len(out) >= max_len:
                raise dsl.EvalBudgetError("list length", max_len)
            out.append(emit(x))
            x = step(x)
        return tuple(out)

    return unfold
