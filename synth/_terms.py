"""Terms of the search and their values: the inner loop of every enumerator.

A term is a production applied to child terms, interned as an integer id, so enumerators
keep compact tuples of ints and never rebuild trees. Each term lives in an *environment*
(the types of the lambda-bound variables in scope) and has a *value vector*: its values at
the environment's points. With no bound variables the points are the spec's examples; under
a lambda they are probe bindings of the bound variables for each example (LambdaBeam-style),
so lambda bodies can be compared by behaviour too.

A new term's values come from its children's stored values: one primitive application per
point, never a re-evaluation of the tree. A run that fails at a point (an ``EvalError``, a
size bound) leaves the marker :data:`ERR` there: errors are values of the search.
Higher-order primitives call their lambdas through closures built once per term.

References:
    Udupa et al., "TRANSIT", PLDI 2013 and Albarghouthi et al., "Recursive program
    synthesis", CAV 2013 (observational equivalence); Shi et al., "LambdaBeam", NeurIPS 2023
    (values of terms under lambdas).
"""

from __future__ import annotations

import itertools
import math
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import dsl
from dsl import BOOL, INT, TFun, TList, Type
from synth._closures import build_closure
from synth._grammar import Production
from synth._kernels import ERR, TOTAL2, Kernel, kernel_for, kernels
from synth._lambdas import BodyBuilder
from synth._loops import EXACT_LOOPS, Runner, bounded_unfold, loop_name, make_runner


class _Fuel:
    """Work budget shared by the lambdas of one evaluation (one point)."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = 0


class BudgetExhausted(Exception):
    """Raised inside a search when its deadline passes in the middle of a step."""


@dataclass(frozen=True, slots=True)
class SearchLimits:
    """Bounds on the values a search builds, in proportion to the examples.

    A candidate whose value at some point is out of proportion to the examples (a list
    far longer than any list in them, an int far larger than any int in them) fails there
    when it is made: its value at that point is an error, from which nothing else is
    computed. So no primitive can make the cost of one candidate grow with the size of
    the values it builds: a list is checked against the bound before it is allocated
    where its length is known in advance (``range``, ``replicate``, ``++``), and after a
    bounded amount of work otherwise. An answer is still run by the interpreter, with its
    own, far larger limits.

    Attributes:
        fuel: work per point (one unit per lambda call and per list element built); None:
            enough for quadratic work over the examples' values (100 to 5,000).
        max_list_len: longest list; None: ``list_factor`` times the longest list in the
            examples (inputs and outputs, nested lists included) plus ``list_margin``.
        max_int: largest int magnitude; None: ``int_factor`` times the largest int
            magnitude in the examples times the longest list (at least 1), or ``min_int``,
            whichever is larger (a sum or product of a few example values fits).
        list_factor: see ``max_list_len``.
        list_margin: see ``max_list_len``.
        int_factor: see ``max_int``.
        min_int: see ``max_int``.

    Example:
        >>> SearchLimits().resolve([((3, 1, 2),)], [(1, 2, 3)])
        Bounds(fuel=194, max_int=1024, max_list_len=14)
    """

    fuel: int | None = None
    max_list_len: int | None = None
    max_int: int | None = None
    list_factor: int = 2
    list_margin: int = 8
    int_factor: int = 16
    min_int: int = 1024

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise TypeError(f"SearchLimits.{name} must be an int or None, got {value!r}")
        for name in ("max_list_len", "max_int", "list_factor", "int_factor", "min_int"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"SearchLimits.{name} must be >= 1, got {value!r}")
        if self.list_margin < 0:
            raise ValueError(f"SearchLimits.list_margin must be >= 0, got {self.list_margin}")

    def resolve(self, args: Sequence[tuple[Any, ...]], outs: Sequence[Any] = ()) -> Bounds:
        """The bounds for a search on these examples (``args``: per example, the argument
        tuple; ``outs``: the outputs, where known)."""
        longest, largest = _extent([v for a in args for v in a] + list(outs))
        max_len = self.max_list_len
        if max_len is None:
            max_len = self.list_factor * longest + self.list_margin
        max_int = self.max_int
        if max_int is None:
            max_int = max(self.min_int, self.int_factor * largest * max(1, longest))
        fuel = self.fuel if self.fuel is not None else _default_fuel(args, outs)
        return Bounds(fuel, max_int, max_len)


class Bounds(NamedTuple):
    """The limits in force in one search (:meth:`SearchLimits.resolve`)."""

    fuel: int
    max_int: int
    max_list_len: int


def _extent(values: Sequence[Any]) -> tuple[int, int]:
    """The longest list and the largest int magnitude in ``values``, nested included."""
    longest = largest = 0
    stack = list(values)
    while stack:
        v = stack.pop()
        if type(v) is tuple:
            longest = max(longest, len(v))
            stack.extend(v)
        elif type(v) is int:
            largest = max(largest, abs(v))
    return longest, largest


def _probe_values(t: Type, values: Sequence[Any]) -> list[Any]:
    """Values a variable of type ``t`` is tried at, drawn from one example's values."""
    ints: set[int] = {0, 1}
    lists: dict[Any, None] = {(): None}

    def walk(v: Any) -> None:
        if isinstance(v, bool):
            return
        if isinstance(v, int):
            ints.add(v)
        elif isinstance(v, tuple):
            if dsl.value_has_type(v, t):
                lists[v] = None
            for x in v:
                walk(x)

    for v in values:
        walk(v)
    if t == BOOL:
        return [False, True]
    if t == INT:
        ordered = sorted(ints)
        if len(ordered) > 7:  # spread over the range: smallest, largest and between
            step = (len(ordered) - 1) / 6
            ordered = sorted({ordered[round(i * step)] for i in range(7)} | {0, 1})
        return ordered
    if isinstance(t, TList):
        return list(lists)[:4]
    return []


class TermStore:
    """Interned terms with their value vectors, for one spec's examples.

    Args:
        examples_args: per example, the argument tuple (interpreter form).
        limits: bounds applied while evaluating terms.
        max_points: most probe points per example under a lambda.
        max_total_points: most probe points over all examples under a lambda (at least two
            per example are kept).
        fast_loops: run CORE's loops (``map``, ``fold``, ...) through body functions
            (:mod:`synth._lambdas`); with False, through closures, which is slower and gives
            exactly the same values.
    """

    def __init__(
        self,
        examples_args: Sequence[tuple[Any, ...]],
        examples_out: Sequence[Any] = (),
        *,
        limits: SearchLimits | None = None,
        max_points: int = 12,
        max_total_points: int = 96,
        fast_loops: bool = True,
    ) -> None:
        self.args = [tuple(a) for a in examples_args]
        self.outs = list(examples_out)
        self.nparams = len(self.args[0]) if self.args else 0
        # Fuel per point: unless given, enough for quadratic work over the examples'
        # values, little enough that a loop that never ends costs the search only a moment.
        self.limits: Bounds = (limits or SearchLimits()).resolve(self.args, self.outs)
        self.fuel_budget: int = self.limits.fuel
        self.max_points = max_points
        self.max_total_points = max_total_points
        self.fuel = _Fuel()
        self.deadline = math.inf
        # rules: a production in an environment, numbered
        self.rule_prod: list[Production] = []
        self.rule_env: list[tuple[Type, ...]] = []
        self._rule_index: dict[tuple[Production, tuple[Type, ...]], int] = {}
        self.has_self = False  # a recursive call is among the rules
        self.higher_order: list[bool] = []  # per rule: a primitive taking a lambda
        self.is_lambda: list[bool] = []  # per rule: a lambda (its terms have no values)
        # parallel arrays indexed by term id
        self.rule: list[int] = []
        self.kids: list[tuple[int, ...]] = []
        self.vec: list[tuple[Any, ...] | None] = []
        self.has_err: list[bool] = []
        self.dynamic: list[bool] = []  # contains a recursive call: no values bottom-up
        self.mask: list[int] = []  # bit j set: the term uses bound variable j
        self.depth: list[int] = []  # height of the term as a tree
        self._fn: dict[int, Callable[[tuple[Any, ...]], Any]] = {}
        self._index: list[dict[tuple[int, ...], int]] = []  # per rule: children -> term
        self._points: dict[tuple[Type, ...], list[tuple[Any, ...]]] = {}
        self._point_example: dict[tuple[Type, ...], list[int]] = {}
        self._defs: dict[str, Callable[..., Any]] = {}
        self._appliers: list[Callable[[tuple[int, ...]], tuple[Any, ...]] | None] = []
        # rule -> the value of its application at the first point alone (None: not made
        # for this rule; see _make_first_applier)
        self._first_appliers: dict[int, Callable[[tuple[int, ...]], Any] | None] = {}
        # higher-order rule -> (how many lambdas it takes, whether its first example runs
        # through its runner rather than closures); see matches
        self._loop_shapes: dict[int, tuple[int, bool]] = {}
        self._kernels: dict[str, Kernel] = kernels(self.limits.max_list_len)
        self.fast_loops = fast_loops
        self._bounded_unfold = bounded_unfold(self.limits.max_list_len)
        self.bodies = BodyBuilder(self)
        # rule -> (its lambda terms -> the loop that runs the application; None: closures)
        self._runners: dict[int, dict[tuple[int, ...], Runner | None]] = {}
        self.intern: Callable[[int, tuple[int, ...]], int] = self._interner()
        """``intern(rule, kids)``: the id of ``rule(kids)``, creating the term (without
        values) if it is new. This is heap search's path: it keeps no variable masks or
        depths, which only bottom-up search (through :meth:`add`) uses."""

    def __len__(self) -> int:
        return len(self.rule)

    def release(self) -> None:
        """Drop every term and value, once the search that made them is over.

        The store's closures (loop runners, appliers, lambda bodies) point back at its
        tables, so what it holds sits in reference cycles: emptied here, it is freed at
        once by reference counting rather than in a pause of the cyclic collector (over a
        second after a 10-second search) in whatever code runs next. The store is
        unusable afterwards."""
        tables: tuple[list[Any] | dict[Any, Any], ...] = (
            *(self.rule, self.kids, self.vec, self.has_err, self.dynamic, self.mask),
            *(self.depth, self._index, self._appliers),
            *(self._fn, self._first_appliers, self._runners, self._points),
        )
        for table in tables:
            table.clear()
        self.bodies.release()

    def rule_id(self, prod: Production, env: tuple[Type, ...]) -> int:
        """A small integer naming ``prod`` used in environment ``env``."""
        key = (prod, env)
        rid = self._rule_index.get(key)
        if rid is None:
            rid = len(self.rule_prod)
            self._rule_index[key] = rid
            self.rule_prod.append(prod)
            self.rule_env.append(env)
            self.has_self = self.has_self or prod.kind == "self"
            self.higher_order.append(
                prod.kind == "prim" and any(isinstance(a, TFun) for a in prod.args)
            )
            self.is_lambda.append(prod.kind == "lambda")
            self._index.append({})
        return rid

    def prod(self, tid: int) -> Production:
        """The production at the root of term ``tid``."""
        return self.rule_prod[self.rule[tid]]

    def env(self, tid: int) -> tuple[Type, ...]:
        """The bound-variable types in scope of term ``tid``."""
        return self.rule_env[self.rule[tid]]

    # -- points --------------------------------------------------------------------------
    def points(self, env: tuple[Type, ...]) -> list[tuple[Any, ...]]:
        """The full environments (example args + bound values) where terms of ``env`` are
        evaluated."""
        pts = self._points.get(env)
        if pts is None:
            pts, owners = self._make_points(env)
            self._points[env] = pts
            self._point_example[env] = owners
        return pts

    def owners(self, env: tuple[Type, ...]) -> list[int]:
        """For each point of ``env``, the index of the example it belongs to."""
        self.points(env)
        return self._point_example[env]

    def _make_points(self, env: tuple[Type, ...]) -> tuple[list[tuple[Any, ...]], list[int]]:
        if not env:
            return list(self.args), list(range(len(self.args)))
        pts: list[tuple[Any, ...]] = []
        owners: list[int] = []
        for i, args in enumerate(self.args):
            seen = [*args, *([self.outs[i]] if i < len(self.outs) else [])]
            choices = [_probe_values(t, seen) for t in env]
            combos = list(itertools.product(*choices))
            per_example = max(2, min(self.max_points, self.max_total_points // len(self.args)))
            if len(combos) > per_example:  # an even spread, deterministic
                step = len(combos) / per_example
                combos = [combos[int(k * step)] for k in range(per_example)]
            for c in combos:
                pts.append(args + c)
                owners.append(i)
        return pts, owners

    # -- interning -----------------------------------------------------------------------
    def add(self, rid: int, kids: tuple[int, ...], vec: tuple[Any, ...] | None = None) -> int:
        """A new term ``rule(kids)``, not checked against existing ones (bottom-up search
        never builds the same term twice)."""
        tid = len(self.rule)
        p = self.rule_prod[rid]
        kind = p.kind
        if kind == "var":
            mask = 1 << p.payload
            dyn = False
            depth = 1
        elif kind == "lift":
            mask = 0
            dyn = False
            depth = self.depth[kids[0]]
        else:
            mask = 0
            dyn = kind == "self"
            masks = self.mask
            dynamic = self.dynamic
            depths = self.depth
            depth = 0
            for k in kids:
                mask |= masks[k]
                dyn = dyn or dynamic[k]
                if depths[k] > depth:
                    depth = depths[k]
            depth += 1
            if kind == "lambda":  # the lambda's own variables are not free outside it
                mask &= (1 << len(self.rule_env[rid])) - 1
        self.rule.append(rid)
        self.kids.append(kids)
        self.vec.append(vec)
        self.has_err.append(vec is not None and ERR in vec)
        self.mask.append(mask)
        self.depth.append(depth)
        self.dynamic.append(dyn)
        return tid

    def _interner(self) -> Callable[[int, tuple[int, ...]], int]:
        """The function behind :attr:`intern`, over this store's tables (bound once: heap
        search interns a program or more for every one it enumerates)."""
        index = self._index
        rule = self.rule
        add_rule = rule.append
        add_kids = self.kids.append
        add_vec = self.vec.append
        add_err = self.has_err.append
        add_mask = self.mask.append
        add_depth = self.depth.append
        dynamic = self.dynamic
        add_dynamic = dynamic.append
        rule_prod = self.rule_prod
        store = self

        def intern(rid: int, kids: tuple[int, ...]) -> int:
            n = len(rule)
            tid = index[rid].setdefault(kids, n)  # one hash of the key, new or not
            if tid == n:
                add_rule(rid)
                add_kids(kids)
                add_vec(None)
                add_err(False)
                add_mask(0)
                add_depth(0)
                add_dynamic(
                    store.has_self
                    and (rule_prod[rid].kind == "self" or any(dynamic[k] for k in kids))
                )
            return tid

        return intern

    def values(self, tid: int) -> tuple[Any, ...] | None:
        """The value vector of term ``tid`` (computed once); None for dynamic terms."""
        vec = self.vec
        v = vec[tid]
        if v is None and not self.dynamic[tid]:
            # the children's values first (a lambda has none), then this rule's applier
            rid = self.rule[tid]
            kids = self.kids[tid]
            rule = self.rule
            is_lambda = self.is_lambda
            for k in kids:
                if vec[k] is None and not is_lambda[rule[k]]:
                    self.values(k)
            appliers = self._appliers
            ap = appliers[rid] if rid < len(appliers) else None
            v = (ap or self.applier(rid))(kids)
            vec[tid] = v
            self.has_err[tid] = ERR in v
        return v

    def matches(self, tid: int, target: tuple[Any, ...]) -> bool:
        """Whether term ``tid``'s values start with ``target`` (one value per example).

        A higher-order application not yet evaluated is run example by example and stops
        at the first mismatch, as most candidates fail on their first example; its values
        are kept only when they were all computed."""
        v = self.vec[tid]
        if v is None:
            if self.dynamic[tid]:
                return False
            rid = self.rule[tid]
            kids = self.kids[tid]
            for k in kids:
                if self.vec[k] is None and not self.is_lambda[self.rule[k]]:
                    self.values(k)
            if not self.higher_order[rid]:
                first = self._first_appliers.get(rid, _UNMADE)
                if first is _UNMADE:
                    first = self._first_appliers[rid] = self._make_first_applier(rid)
                # Most programs differ from the target at its first example: compute that
                # value alone, and the whole vector only if it matches. (A program not
                # computed here is computed in full when another uses it.)
                if first is not None and target and first(kids) != target[0]:
                    return False
                v = self.values(tid)
                assert v is not None
        if v is not None:
            return v == target if len(v) == len(target) else v[: len(target)] == target
        pts = self.points(self.rule_env[rid])
        # A lambda's body function pays off over many calls; most candidates fail on their
        # first example, run through closures (which give the same values). Not while_ or
        # unfold, whose runners run every point exactly anyway (and while_'s stops at a
        # fixed point of the step at once, where closures would run until fuel runs out).
        shape = self._loop_shapes.get(rid)
        if shape is None:
            p = self.rule_prod[rid]
            n_fn = sum(isinstance(a, TFun) for a in p.args)
            shape = self._loop_shapes[rid] = (
                n_fn,
                loop_name(p) in EXACT_LOOPS and self.fast_loops,
            )
        n_fn, by_runner = shape
        built = by_runner or kids[len(kids) - n_fn :] in self._runners.get(rid, ())
        if target and not built and self._first_by_closures(rid, kids, pts[0]) != target[0]:
            return False
        for i in range(1 if target and not built else 0, len(target)):
            if self._apply_higher_order(rid, kids, pts[i : i + 1], i)[0] != target[i]:
                return False
        return self.values(tid)[: len(target)] == target  # type: ignore[index]

    # -- evaluation ----------------------------------------------------------------------
    def _make_first_applier(self, rid: int) -> Callable[[tuple[int, ...]], Any] | None:
        """A function from child term ids (whose vectors are computed) to the value of
        ``rule(children)`` at the first point alone, with the same kernel or
        implementation as :meth:`applier`, or None where computing the whole vector costs
        no more (leaves, one-element lists, loops)."""
        p = self.rule_prod[rid]
        if p.kind not in ("prim", "def") or not p.args or any(isinstance(a, TFun) for a in p.args):
            return None  # (a definition may take a function too: its lambda has no values)
        impl = self.implementation(p)
        check_int = p.kind == "prim" and p.payload.needs_int_check()
        m = self.limits.max_int
        kern = kernel_for(p.payload, self._kernels) if p.kind == "prim" else None
        vec = self.vec
        pointwise = self._pointwise
        op = TOTAL2.get(p.name) if kern is not None else None
        if op is not None:  # as the kernel does at one point, without building columns
            low = -m

            def first_by_operator(kids: tuple[int, ...]) -> Any:
                a, b = kids
                x = vec[a][0]  # type: ignore[index]
                y = vec[b][0]  # type: ignore[index]
                if x is ERR or y is ERR:
                    return ERR
                v = op(x, y)
                return ERR if check_int and not low <= v <= m else v

            return first_by_operator
        if kern is not None:

            def first_by_kernel(kids: tuple[int, ...]) -> Any:
                column = [(vec[k][0],) for k in kids]  # type: ignore[index]
                out = kern(column, [c[0] is ERR for c in column])
                return (_bound_ints(out, m) if check_int else out)[0]

            return first_by_kernel

        def first_by_call(kids: tuple[int, ...]) -> Any:
            return pointwise(impl, [(vec[k][0],) for k in kids], check_int)[0]  # type: ignore[index]

        return first_by_call

    def applier(self, rid: int) -> Callable[[tuple[int, ...]], tuple[Any, ...]]:
        """A function from child term ids (whose vectors are computed) to the vector of
        ``rule(children)``; made once per rule so that the per-candidate work is small."""
        while len(self._appliers) <= rid:
            self._appliers.append(None)
        ap = self._appliers[rid]
        if ap is None:
            ap = self._make_applier(rid)
            self._appliers[rid] = ap
        return ap

    def _make_applier(self, rid: int) -> Callable[[tuple[int, ...]], tuple[Any, ...]]:
        p = self.rule_prod[rid]
        pts = self.points(self.rule_env[rid])
        vec = self.vec
        has_err = self.has_err
        kind = p.kind
        if kind == "const":
            const = (p.payload,) * len(pts)
            return lambda kids: const
        if kind in ("param", "var"):
            offset = 0 if kind == "param" else self.nparams
            column = tuple(map(operator.itemgetter(offset + p.payload), pts))
            return lambda kids: column
        if kind == "singleton":
            return lambda kids: tuple(ERR if v is ERR else (v,) for v in vec[kids[0]])  # type: ignore[union-attr]
        if kind in ("lambda", "lift"):
            raise ValueError(f"a {kind} term gets its values from its enumerator")
        if kind == "self":
            raise ValueError("recursive terms are evaluated by the interpreter")
        if any(isinstance(a, TFun) for a in p.args):
            return self._loop_applier(rid, pts) or (
                lambda kids: self._apply_higher_order(rid, kids, pts)
            )
        impl = self.implementation(p)
        check_int = kind == "prim" and p.payload.needs_int_check()
        m = self.limits.max_int
        kern = kernel_for(p.payload, self._kernels) if kind == "prim" else None
        if kern is not None:
            op = TOTAL2.get(p.name)
            if op is not None:
                # the common case in one call: no errors below, the operator runs in C

                def total2(kids: tuple[int, ...]) -> tuple[Any, ...]:
                    a, b = kids
                    if has_err[a] or has_err[b]:
                        out = kern((vec[a], vec[b]), (has_err[a], has_err[b]))  # type: ignore[arg-type]
                        return _bound_ints(out, m) if check_int else out
                    out = tuple(map(op, vec[a], vec[b]))  # type: ignore[arg-type]
                    if check_int and out and (max(out) > m or min(out) < -m):
                        return _bound_ints(out, m)
                    return out

                return total2
            if len(p.args) == 1:

                def kernel1(kids: tuple[int, ...]) -> tuple[Any, ...]:
                    (a,) = kids
                    out = kern((vec[a],), (has_err[a],))  # type: ignore[arg-type]
                    return _bound_ints(out, m) if check_int else out

                return kernel1
            if len(p.args) == 2:

                def kernel2(kids: tuple[int, ...]) -> tuple[Any, ...]:
                    a, b = kids
                    out = kern((vec[a], vec[b]), (has_err[a], has_err[b]))  # type: ignore[arg-type]
                    return _bound_ints(out, m) if check_int else out

                return kernel2

            def kernel_n(kids: tuple[int, ...]) -> tuple[Any, ...]:
                out = kern([vec[k] for k in kids], [has_err[k] for k in kids])  # type: ignore[misc]
                return _bound_ints(out, m) if check_int else out

            return kernel_n
        pointwise = self._pointwise
        if kind == "prim" and not built_in(p.payload):
            # a user's primitive may take any time per call: the clock is read at each point
            timed = self._timed_pointwise
            check = p.payload.needs_int_check(), p.payload.needs_list_check()
            return lambda kids: timed(impl, [vec[k] for k in kids], *check)  # type: ignore[misc]
        # a list a primitive builds is checked against the bound once built (its cost is the
        # primitive's own); CORE's have kernels
        check_list = kind == "prim" and p.payload.needs_list_check()
        max_len = self.limits.max_list_len

        def settled(out: tuple[Any, ...]) -> tuple[Any, ...]:
            """``out`` (computed with no error) with its bounds checked."""
            if check_int and out and (max(out) > m or min(out) < -m):
                return tuple(ERR if not -m <= v <= m else v for v in out)
            if check_list and out and max(map(len, out)) > max_len:
                return tuple(ERR if len(v) > max_len else v for v in out)
            return out

        if len(p.args) == 1:

            def apply1(kids: tuple[int, ...]) -> tuple[Any, ...]:
                (a,) = kids
                if not has_err[a]:
                    try:
                        out = tuple(map(impl, vec[a]))  # type: ignore[arg-type]
                    except Exception:
                        pass
                    else:
                        return settled(out) if check_int or check_list else out
                return pointwise(impl, [vec[a]], check_int, check_list)  # type: ignore[list-item]

            return apply1
        if len(p.args) == 2:

            def apply2(kids: tuple[int, ...]) -> tuple[Any, ...]:
                a, b = kids
                if not (has_err[a] or has_err[b]):
                    try:
                        out = tuple(map(impl, vec[a], vec[b]))  # type: ignore[arg-type]
                    except Exception:
                        pass
                    else:
                        return settled(out) if check_int or check_list else out
                return pointwise(impl, [vec[a], vec[b]], check_int, check_list)  # type: ignore[list-item]

            return apply2

        def apply_n(kids: tuple[int, ...]) -> tuple[Any, ...]:
            vecs = [vec[k] for k in kids]
            if not any(has_err[k] for k in kids):
                try:
                    out = tuple(map(impl, *vecs))  # type: ignore[arg-type]
                except Exception:
                    pass
                else:
                    return settled(out) if check_int or check_list else out
            return pointwise(impl, vecs, check_int, check_list)  # type: ignore[arg-type]

        return apply_n

    def _timed_pointwise(
        self,
        impl: Callable[..., Any],
        vecs: list[tuple[Any, ...]],
        check_int: bool,
        check_list: bool,
    ) -> tuple[Any, ...]:
        """:meth:`_pointwise`, reading the clock before each point."""
        clock = time.perf_counter
        deadline = self.deadline
        out = []
        for args in zip(*vecs, strict=True):
            if clock() > deadline:
                raise BudgetExhausted
            out.append(self._pointwise(impl, [(a,) for a in args], check_int, check_list)[0])
        return tuple(out)

    def _pointwise(
        self,
        impl: Callable[..., Any],
        vecs: list[tuple[Any, ...]],
        check_int: bool,
        check_list: bool = False,
    ) -> tuple[Any, ...]:
        out = []
        m = self.limits.max_int
        max_len = self.limits.max_list_len
        for args in zip(*vecs, strict=True):
            if ERR in args:
                out.append(ERR)
                continue
            try:
                v = impl(*args)
            except Exception:
                out.append(ERR)
                continue
            if (check_int and not -m <= v <= m) or (check_list and len(v) > max_len):
                v = ERR
            out.append(v)
        return tuple(out)

    def _apply_higher_order(
        self, rid: int, kids: tuple[int, ...], pts: list[Any], first: int = 0
    ) -> tuple[Any, ...]:
        """The application's values at ``pts``, which are the points from ``first`` on."""
        if time.perf_counter() > self.deadline:
            raise BudgetExhausted
        p = self.rule_prod[rid]
        columns: list[Sequence[Any]] = []
        for a, k in zip(p.args, kids, strict=True):
            if not isinstance(a, TFun):
                kv = self.values(k)
                assert kv is not None
                columns.append(kv[first : first + len(pts)] if first or len(kv) != len(pts) else kv)
        run = self._runner(rid, kids[len(columns) :])  # lambdas follow the other arguments
        if run is not None:
            return run(columns, pts)
        return self._run_closures(p, kids, columns, pts)

    def _loop_applier(
        self, rid: int, pts: list[Any]
    ) -> Callable[[tuple[int, ...]], tuple[Any, ...]] | None:
        """The applier of a CORE loop rule whose lambdas come last, or None: the per-call
        work of :meth:`_apply_higher_order`, with what a rule decides done once."""
        p = self.rule_prod[rid]
        if loop_name(p) is None or not self.fast_loops:
            return None
        n = sum(not isinstance(a, TFun) for a in p.args)
        if any(isinstance(a, TFun) for a in p.args[:n]):
            return None
        vec = self.vec
        runners = self._runners.setdefault(rid, {})
        clock = time.perf_counter
        store = self

        def apply_loop(kids: tuple[int, ...]) -> tuple[Any, ...]:
            if clock() > store.deadline:
                raise BudgetExhausted
            lambdas = kids[n:]
            try:
                run = runners[lambdas]
            except KeyError:
                run = store._runner(rid, lambdas)
            columns: list[Any] = [vec[k] for k in kids[:n]]
            if run is not None:
                return run(columns, pts)
            return store._run_closures(p, kids, columns, pts)

        return apply_loop

    def row_applier(
        self, rid: int
    ) -> Callable[[tuple[int, ...]], Callable[[tuple[int, ...]], tuple[Any, ...]]] | None:
        """For a CORE loop rule whose one lambda comes last (``fold``, ``loop``, ``map``,
        ...): ``row(prefix)``, an applier (as :meth:`applier`) for the applications whose
        other children are ``prefix``; None for any other rule. Bottom-up search tries many
        lambdas after the same other children, so their columns are read once per row, not
        once per candidate."""
        p = self.rule_prod[rid]
        if loop_name(p) is None or not self.fast_loops:
            return None
        if sum(isinstance(a, TFun) for a in p.args) != 1 or not isinstance(p.args[-1], TFun):
            return None
        pts = self.points(self.rule_env[rid])
        vec = self.vec
        runners = self._runners.setdefault(rid, {})
        clock = time.perf_counter
        store = self

        def row(prefix: tuple[int, ...]) -> Callable[[tuple[int, ...]], tuple[Any, ...]]:
            columns: list[Any] = [vec[k] for k in prefix]

            def apply_in_row(kids: tuple[int, ...]) -> tuple[Any, ...]:
                if clock() > store.deadline:
                    raise BudgetExhausted
                lambdas = kids[-1:]
                try:
                    run = runners[lambdas]
                except KeyError:
                    run = store._runner(rid, lambdas)
                if run is not None:
                    return run(columns, pts)
                return store._run_closures(p, kids, columns, pts)

            return apply_in_row

        return row

    def _runner(self, rid: int, lambdas: tuple[int, ...]) -> Runner | None:
        """The fast runner of loop rule ``rid`` with these lambdas (made once), or None when
        the rule is no CORE loop or a body cannot take the fast form."""
        runners = self._runners.setdefault(rid, {})
        if lambdas not in runners:
            name = loop_name(self.rule_prod[rid]) if self.fast_loops else None
            made = [self.bodies.lambda_body(lam) for lam in lambdas] if name else []
            bodies = [f for f in made if f is not None]
            fast = name is not None and len(bodies) == len(lambdas)
            runners[lambdas] = make_runner(self, name, bodies) if name and fast else None
        return runners[lambdas]

    def _run_closures(
        self, p: Production, kids: tuple[int, ...], args: list[Sequence[Any]], pts: list[Any]
    ) -> tuple[Any, ...]:
        """The application's values at ``pts``, its lambdas run through closures."""
        impl = self.implementation(p)
        columns: list[Sequence[Any]] = []
        rest = iter(args)
        for a, k in zip(p.args, kids, strict=True):
            columns.append(self._lambda_column(k, pts) if isinstance(a, TFun) else next(rest))
        out = []
        fuel = self.fuel
        budget = self.fuel_budget
        max_len = self.limits.max_list_len
        m = self.limits.max_int
        for point in zip(*columns, strict=True):
            if ERR in point:
                out.append(ERR)
                continue
            fuel.left = budget
            try:
                v = impl(*point)
            except dsl.EvalBudgetError as err:
                if err.resource == "fuel":
                    # Out of fuel at one point: it would very likely be at the others too,
                    # and running them is what makes non-terminating loops expensive. Give
                    # up on this candidate (the search is incomplete only for programs that
                    # need more than the search's fuel).
                    return (ERR,) * len(pts)
                out.append(ERR)
                continue
            except Exception:
                out.append(ERR)
                continue
            if (type(v) is int and not -m <= v <= m) or (type(v) is tuple and len(v) > max_len):
                v = ERR
            out.append(v)
        return tuple(out)

    def _first_by_closures(self, rid: int, kids: tuple[int, ...], point: tuple[Any, ...]) -> Any:
        """The value of ``rule(kids)`` at the first point, its lambdas run through closures:
        :meth:`_run_closures` at that one point, without building columns."""
        if time.perf_counter() > self.deadline:
            raise BudgetExhausted
        p = self.rule_prod[rid]
        vec = self.vec
        args = []
        for a, k in zip(p.args, kids, strict=True):
            if isinstance(a, TFun):
                args.append(self.closure(k)(point))
            else:
                v = vec[k][0]  # type: ignore[index]
                if v is ERR:
                    return ERR
                args.append(v)
        self.fuel.left = self.fuel_budget
        try:
            v = self.implementation(p)(*args)
        except Exception:  # out of fuel, as any other failure, fails the one point
            return ERR
        if type(v) is int:
            m = self.limits.max_int
            return v if -m <= v <= m else ERR
        if type(v) is tuple and len(v) > self.limits.max_list_len:
            return ERR
        return v

    def _lambda_column(self, lam: int, pts: list[tuple[Any, ...]]) -> list[Callable[..., Any]]:
        """The Python function that lambda term ``lam`` denotes at each point."""
        make = self.closure(lam)
        return [make(e) for e in pts]

    def implementation(self, p: Production) -> Callable[..., Any]:
        """The Python function of a primitive or library-definition production (a
        definition runs in the interpreter, with the search's fuel)."""
        if p.kind == "prim":
            impl: Callable[..., Any] = p.payload.impl
            if p.name == "unfold" and impl is _DREAMCODER_UNFOLD:
                # bounded as it builds, so that one that never stops is cheap to drop
                impl = self._bounded_unfold
            return impl
        if p.kind == "def":
            fn = self._defs.get(p.name)
            if fn is None:
                d: dsl.Definition = p.payload
                compiled = dsl.compile_definition(d, module=dsl.Module((d,)))
                limits = dsl.Limits(fuel=self.fuel_budget)

                def fn(*args: Any) -> Any:
                    return compiled.run(args, limits=limits)

                self._defs[p.name] = fn
            return fn
        raise ValueError(f"production {p.name!r} ({p.kind}) has no implementation")

    # -- closures (for evaluation inside lambdas) -----------------------------------------
    def closure(self, tid: int) -> Callable[[tuple[Any, ...]], Any]:
        """A function from a full environment tuple to the term's value (raises on error)."""
        fn = self._fn.get(tid)
        if fn is None:
            fn = build_closure(self, tid)
            self._fn[tid] = fn
        return fn


_UNMADE: Any = object()  # a first-point applier not made yet
_DREAMCODER_UNFOLD: Any = dsl.DREAMCODER["unfold"].impl  # type: ignore[union-attr]


def built_in(prim: dsl.Primitive) -> bool:
    """Whether ``prim`` is a primitive of a built-in library (whose cost per call is small
    and bounded by the search's limits), not a user's own."""
    for library in (dsl.EXTENDED, dsl.DREAMCODER):
        builtin = library.get(prim.name)
        if isinstance(builtin, dsl.Primitive) and builtin.impl is prim.impl:
            return True
    return False


def _bound_ints(out: tuple[Any, ...], m: int) -> tuple[Any, ...]:
    """``out`` with every int beyond the search's bound replaced by ERR."""
    try:
        if not out or (max(out) <= m and min(out) >= -m):
            return out
    except TypeError:  # ERR among the values
        pass
    return tuple([v if v is ERR or -m <= v <= m else ERR for v in out])


def _default_fuel(args: Sequence[tuple[Any, ...]], outs: Sequence[Any]) -> int:
    size = max((_scalars(a) + _scalars(o) for a, o in zip(args, outs, strict=False)), default=1)
    return max(100, min(5_000, 50 + 4 * size * size))


def _scalars(value: Any) -> int:
    """Number of ints and bools in a value."""
    if isinstance(value, tuple):
        return sum(_scalars(v) for v in value)
    return 1
