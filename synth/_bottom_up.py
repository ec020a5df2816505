"""Bottom-up enumeration by cost with observational equivalence.

Programs are built from smaller ones in order of cost (a discretised ``-log`` probability);
of all programs of a kind (type and bound variables in scope) that have the same values at
that kind's points, only the first, cheapest, is kept. A candidate's values come from its
children's stored values, and a candidate that duplicates a kept program's values is
dropped before any term is created for it.

By default the costs are context-free: a production's cost in a kind is ``-log`` of its
probability averaged over the grammar's nonterminals of that kind. With uniform weights this
is nearly exact; with a guide's per-context weights it is the contextual PCFG seen through
its marginals. With per-context costs (``costs="context"``, :mod:`synth._contexts`) every
hole is priced in its own context, as the guide says.

References:
    Udupa et al., "TRANSIT: specifying protocols with concolic snippets", PLDI 2013;
    Barke, Peleg, Polikarpova, "Just-in-time learning for bottom-up enumerative
    synthesis" (Probe), OOPSLA 2020; Shi et al., "LambdaBeam", NeurIPS 2023.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dsl
from dsl import TFun, Type
from synth._contexts import Group, Schedule, schedule
from synth._costs import Kind, Node, context_costs_from_pcfg, costs_from_pcfg
from synth._grammar import PCFG, Context, Production
from synth._terms import BudgetExhausted, TermStore, built_in


@dataclass(frozen=True, slots=True)
class _KindRule:
    rid: int
    production: Production
    children: tuple[Kind, ...]
    cost: int
    symmetric: bool = False
    # per child: bound-variable bits its lambda body must use (0: no requirement)
    body_needs: tuple[int, ...] = ()
    # children whose values must differ between examples (what a loop runs over)
    must_vary: tuple[int, ...] = ()


_SYMMETRIC = frozenset({"add", "mul", "eq", "ne"})


def _is_symmetric(prod: Production) -> bool:
    """Whether ``prod`` is a CORE primitive with f(a, b) == f(b, a) at every point, errors
    included (``and``/``or`` short-circuit, so they are not)."""
    if prod.kind != "prim" or prod.name not in _SYMMETRIC:
        return False
    core = dsl.CORE.get(prod.name)
    return isinstance(core, dsl.Primitive) and core.impl is prod.payload.impl


def _body_needs(prod: Production, n_env: int) -> tuple[int, ...]:
    """What the lambdas of ``prod`` must use: a fold's lambda (left or right) must use the
    element as well as the accumulator (one that ignores the element is a loop over the
    list's length)."""
    needs = [0] * len(prod.args)
    if prod.kind == "prim" and prod.name in ("fold", "foldr") and built_in(prod.payload):
        needs[2] = (1 << n_env) | (1 << (n_env + 1))
    return tuple(needs)


_LOOPS = frozenset(
    {"fold", "map", "filter", "loop", "count", "zipwith", "scanl1", "foldr", "iter", "unfold"}
)


def _must_vary(prod: Production) -> tuple[int, ...]:
    """A loop over the same list (or count) in every example is an unrolled computation
    that a loop-free program does too; the search skips it (outside lambdas, with two or
    more examples)."""
    if prod.kind != "prim" or prod.name not in _LOOPS or not built_in(prod.payload):
        return ()
    return (0,)


_LiftBatch = tuple[int, Callable[[Any], tuple[Any, ...]], list[int], bool]
_Work = tuple[_KindRule, int, tuple[Any, ...]]
"""A rule to build at a level: the rule, the cost left for its children, and the holes
its children fill (a kind, or a kind and context with per-context costs)."""
_CHUNK = 256
_SLICE = 0.005
"""Seconds of work between two readings of the clock, at most (about): with a primitive
that is slow or builds large values, the clock is read after fewer candidates, so that a
search stops within its budget whatever its primitives cost."""


_PROBE = 4
"""Candidates of a production evaluated before the clock is read again: a new production
may cost far more per candidate than the ones before it."""


def _projection(owners: list[int]) -> Callable[[Any], tuple[Any, ...]]:
    """From a closed program's values (one per example) to its values at the points of a
    lambda-body kind (``owners[i]``: the example of point ``i``)."""
    if len(owners) == 1:
        (only,) = owners
        return lambda values: (values[only],)
    return operator.itemgetter(*owners)


class _Found(Exception):
    """A program of the start kind has the target's values."""


class BottomUp:
    """Enumerate programs by increasing cost, one per behaviour.

    Iterating yields ``(term_id, cost)`` for programs of the start kind (the signature's
    result type, no bound variables), cheapest first. ``candidates`` counts every candidate
    evaluated, of every kind (``lifted`` of them are closed programs lifted into a lambda
    body kind: their values there are their closed values, projected onto the body's
    points); ``kept`` the ones that survived observational equivalence.

    With ``prune=True`` (the default) degenerate loops are skipped: a lambda that ignores
    its last parameter (a constant map, a fold that keeps only the last step), a fold whose
    lambda ignores the element, and a loop over a value that is the same in every example.
    Each has an equivalent without the loop, but not always within the depth bound, so
    pruning can miss a program; ``prune=False`` gives up that speed (about half, on the
    basic suite's hardest tasks) for completeness relative to heap search.

    A production's cost at a kind of hole comes from the PCFG by :func:`costs_from_pcfg`
    with ``costs`` as its ``weighting`` (``"mean"`` or ``"usage"``). With
    ``costs="context"`` each hole is priced in its own context instead
    (:func:`synth.context_costs_from_pcfg`, usage-weighted over depths): programs are kept
    per kind and root rule by their *inner* cost (their children's costs in the contexts
    the root gives them), and a hole takes each rule's programs at the rule's cost in its
    context plus their inner cost. Observational equivalence stays per kind, but a program
    with the values of one kept is kept too if it is cheaper than each of them in some
    hole (a root cheap in one context may be dear in another), so every hole sees the
    cheapest program of each behaviour; start programs come in order of cost, one per
    behaviour. Symmetric primitives are built both ways round (their arguments' contexts
    differ), and a closed program in a lambda's body is priced by its root's cost in the
    body's context plus its closed inner cost (and the lift penalty, beyond a leaf).

    Costs are counted in steps of ``unit`` nats: a production's cost is its ``-log p``
    rounded to a multiple of ``unit`` (at least one step); ``max_cost`` and
    ``lift_penalty`` are in nats.
    """

    def __init__(
        self,
        pcfg: PCFG,
        store: TermStore,
        *,
        max_cost: int = 60,
        deadline: float = math.inf,
        max_candidates: int | None = None,
        lift_penalty: int = 3,
        target: tuple[Any, ...] | None = None,
        prune: bool = True,
        costs: str = "mean",
        unit: float = 1.0,
    ) -> None:
        grammar = pcfg.grammar
        if grammar.allow_recursion:
            raise ValueError("bottom-up search cannot evaluate recursive calls; use heap search")
        if not store.args:
            raise ValueError("bottom-up search needs examples: it compares programs by values")
        self.store = store
        self.prune = prune
        if not (math.isfinite(unit) and unit > 0):
            raise ValueError(f"unit must be a finite number of nats > 0, got {unit!r}")
        self.max_cost = round(max_cost / unit)
        self.max_depth = grammar.max_depth
        self.deadline = deadline
        self.max_candidates = max_candidates if max_candidates is not None else math.inf
        self.stopped: str | None = None
        self.start: Kind = (grammar.start.type, grammar.start.env)
        if costs not in ("mean", "usage", "context"):
            raise ValueError(f"costs must be 'mean', 'usage' or 'context', got {costs!r}")
        by_context = costs == "context"
        if by_context:
            # the holes' own costs; per kind, the cheapest (only the rules matter here)
            by_hole = context_costs_from_pcfg(pcfg, unit=unit)
            table: dict[Kind, dict[Production, int]] = {}
            for (kind, _), hole_costs in by_hole.items():
                row = table.setdefault(kind, {})
                for prod, cost in hole_costs.items():
                    row[prod] = min(cost, row.get(prod, cost))
        else:
            table = costs_from_pcfg(pcfg, weighting=costs, unit=unit)
        self.rules: dict[Kind, list[_KindRule]] = {}
        for kind, kind_costs in table.items():
            kind_rules = []
            for prod, cost in kind_costs.items():
                t, env = kind
                if env and prod.kind in ("param", "const"):
                    continue  # closed leaves reach lambda bodies by lifting
                if prod.kind == "lambda":
                    assert isinstance(t, TFun)
                    children: tuple[Kind, ...] = ((t.ret, env + t.params),)
                else:
                    children = tuple((a, env) for a in prod.args)
                kind_rules.append(
                    _KindRule(
                        store.rule_id(prod, env),
                        prod,
                        children,
                        cost,
                        _is_symmetric(prod),
                        _body_needs(prod, len(env)) if prune else (0,) * len(prod.args),
                        _must_vary(prod) if prune else (),
                    )
                )
            self.rules[kind] = sorted(kind_rules, key=lambda r: (r.cost, r.production.name))
        # per type, the lambda-body kinds its closed programs lift into: (kind, lift rule,
        # closed values -> values at the kind's points)
        self.lifts: dict[Type, list[tuple[Kind, int, Callable[[Any], tuple[Any, ...]]]]] = {}
        for kind in self.rules:
            t, env = kind
            if env and not isinstance(t, TFun) and (t, ()) in self.rules:
                rid = store.rule_id(Production("lift", "lift", t), env)
                self.lifts.setdefault(t, []).append((kind, rid, _projection(store.owners(env))))
        # one-parameter lambda kinds that may ignore their parameter: map(xs, fn x => c) is
        # replicate(length(xs), c), which a library without replicate cannot say otherwise
        self.constant_ok: frozenset[Kind] = frozenset(
            k
            for k in self.rules
            if isinstance(k[0], TFun)
            and len(k[0].params) == 1
            and k[0].ret != dsl.BOOL
            and "replicate" not in grammar.library
        )
        self.bank: dict[Kind, dict[int, list[int]]] = {k: {} for k in self.rules}
        # closed programs waiting to be lifted, in batches: (kind, cost) -> [(lift rule,
        # projection, closed programs, whether the leaves or the others of them)]
        self.pending: dict[tuple[Kind, int], list[_LiftBatch]] = {}
        self.lift_penalty = max(1, round(lift_penalty / unit)) if lift_penalty else 0
        self.seen: dict[Kind, dict[tuple[Any, ...], int]] = {k: {} for k in self.rules}
        self.overhead = {} if by_context else self._overheads()
        # with per-context costs: the groups' schedule, their banks (by inner cost), and
        # each hole's programs by cost, assembled from them when first asked for
        self.schedule = self._schedule(by_hole) if by_context else None
        self.group_bank: list[dict[int, list[int]]] = [
            {} for _ in (self.schedule.groups if self.schedule else ())
        ]
        self._levels: dict[tuple[Node, int], list[int]] = {}
        # observational equivalence with per-context costs (see _rival_for): the rival
        # check of the level being built, the group and inner cost of each kept program,
        # the other programs kept per kind and values, each group's price per hole that a
        # start program can reach, and the margins between two groups' prices
        self._rival: Callable[[Any], bool] | None = None
        self._made: dict[int, tuple[int, int]] = {}
        self._variants: dict[Kind, dict[Any, list[tuple[int, int]]]] = {}
        self._price_of: list[dict[Node, int]] = [{} for _ in self.group_bank]
        if self.schedule is not None:
            for hole, priced in self.schedule.prices.items():
                if self.schedule.overheads.get(hole, math.inf) < math.inf:
                    for group, price in priced:
                        self._price_of[group][hole] = price
        self._margins: dict[tuple[int, int], float] = {}
        # values the consumer is looking for: a program with them is handed out at once
        self.target = target
        self._resume: dict[Any, list[int]] = {}  # level key -> what it had built
        self._varies: dict[int, bool] = {}
        self.candidates = 0
        self.chunk = _CHUNK  # candidates between two readings of the clock (see _tick)
        self._checked_at = 0
        self._checked_time = time.perf_counter()
        self._next_check = _CHUNK
        self.lifted = 0  # of the candidates, closed programs lifted into lambda bodies
        self.kept = 0
        self.cost = 0
        # production name -> [candidates, seconds] spent on its applications (lifting
        # and lambdas are not counted: they are cheap)
        self.by_production: dict[str, list[float]] = {}

    def _schedule(self, costs: dict[Node, dict[Production, int]]) -> Schedule:
        """The groups of programs for per-context costs (see :mod:`synth._contexts`): per
        kind, one per rule (a lambda kind: one per context, its body being in that
        context), and per lambda-body kind, one per closed group lifted into it."""
        store = self.store
        kinds: dict[Kind, list[Context]] = {}
        for kind, ctx in costs:
            kinds.setdefault(kind, []).append(ctx)
        groups: list[Group] = []
        for kind, contexts in kinds.items():
            t, env = kind
            if isinstance(t, TFun):
                body: Kind = (t.ret, env + t.params)
                for ctx in contexts:
                    for prod in costs[(kind, ctx)]:
                        rule = _KindRule(store.rule_id(prod, env), prod, (body,), 0)
                        groups.append(Group(kind, rule, ((body, ctx),)))
                continue
            prods = dict.fromkeys(p for ctx in contexts for p in costs[(kind, ctx)])
            for prod in prods:
                if env and prod.kind in ("param", "const"):
                    continue  # closed leaves reach lambda bodies by lifting
                children = tuple((a, env) for a in prod.args)
                nodes = tuple((k, (prod.name, j)) for j, k in enumerate(children))
                if any(n not in costs for n in nodes):
                    continue
                rule = _KindRule(
                    store.rule_id(prod, env),
                    prod,
                    children,
                    0,
                    False,  # f(a, b) and f(b, a) cost differently when contexts do
                    _body_needs(prod, len(env)) if self.prune else (0,) * len(prod.args),
                    _must_vary(prod) if self.prune else (),
                )
                groups.append(Group(kind, rule, nodes))
        for gid, g in enumerate(list(groups)):
            t, env = g.kind
            if env or isinstance(t, TFun):
                continue
            for kind, rid, project in self.lifts.get(t, ()):
                penalty = self.lift_penalty if g.rule.children else 0
                groups.append(Group(kind, g.rule, (), gid, penalty, rid, project))
        return schedule(groups, costs, self.start)

    def _min_costs(self) -> dict[Kind, float]:
        """The cheapest program of each kind (a lower bound: closed leaves under lambdas and
        the need to use a variable are ignored)."""
        best: dict[Kind, float] = dict.fromkeys(self.rules, math.inf)
        changed = True
        while changed:
            changed = False
            for kind, rules in self.rules.items():
                for r in rules:
                    c = r.cost + sum(best.get(k, math.inf) for k in r.children)
                    if c < best[kind]:
                        best[kind] = c
                        changed = True
                closed = (kind[0], ())
                if kind[1] and closed in best and best[closed] < best[kind]:
                    best[kind] = best[closed]  # a closed leaf lifts at no extra cost
                    changed = True
        return best

    def _overheads(self) -> dict[Kind, float]:
        """For each kind, the least cost a program of the start kind adds around one of its
        programs. A program of cost c of kind K can only be part of a start program of cost
        at least c + overhead(K), so level c of K is built when the start reaches that cost:
        the order of start programs is unchanged, and far fewer programs are built."""
        low = self._min_costs()
        over: dict[Kind, float] = dict.fromkeys(self.rules, math.inf)
        over[self.start] = 0
        queue = [(0.0, 0, self.start)]
        tiebreak = 0
        while queue:
            d, _, kind = heapq.heappop(queue)
            if d > over[kind]:
                continue
            edges: list[tuple[Kind, float]] = []
            for r in self.rules[kind]:
                total = r.cost + sum(low.get(k, math.inf) for k in r.children)
                for k in r.children:
                    edges.append((k, total - low.get(k, math.inf)))
            if kind[1] and (kind[0], ()) in self.rules:
                edges.append(((kind[0], ()), 0.0))  # leaves lift at no extra cost
            for k, w in edges:
                if k in over and d + w < over[k]:
                    over[k] = d + w
                    tiebreak += 1
                    heapq.heappush(queue, (d + w, tiebreak, k))
        return over

    def release(self) -> None:
        """Drop the banks of kept programs and their values, once the search is over (see
        :meth:`TermStore.release`)."""
        self.bank.clear()
        self.group_bank.clear()
        self._levels.clear()
        self._made.clear()
        self._variants.clear()
        self._rival = None
        self.seen.clear()
        self.pending.clear()
        self._resume.clear()
        self._varies.clear()

    def __iter__(self) -> Iterator[tuple[int, int]]:
        if self.schedule is not None:
            yield from self._by_context(self.schedule)
            return
        start = self.start
        for step in range(1, self.max_cost + 1):
            self.cost = step
            tasks = sorted(
                (step - int(ov), isinstance(kind[0], TFun), len(kind[1]), i, kind)
                for i, (kind, ov) in enumerate(self.overhead.items())
                if ov < math.inf and step - ov >= 1
            )
            for cost, _, _, _, kind in tasks:
                yielded = 0
                while True:
                    try:
                        new = self._level(kind, (kind, cost), self._work(kind, cost))
                    except BudgetExhausted:
                        self.stopped = self.stopped or "time"
                        return
                    except _Found:
                        # A program with the target's values: hand it out before the rest
                        # of its level is built; if the consumer goes on, the level is
                        # built again from where it was (what it built is kept).
                        partial = self._resume[(kind, cost)]
                        for tid in partial[yielded:]:
                            yield tid, cost
                        yielded = len(partial)
                        continue
                    break
                if new:
                    self.bank[kind][cost] = new
                    if not kind[1] and kind[0] in self.lifts:
                        self._lift(kind[0], new, cost)
                    if kind == start:
                        for tid in new[yielded:]:
                            yield tid, cost
        self.stopped = "exhausted"

    def _by_context(self, plan: Schedule) -> Iterator[tuple[int, int]]:
        """Enumerate with per-context costs: at each step, the levels that the schedule
        says, by inner cost; a start program is handed out at its cost in the start
        hole, which may be after the step that built it."""
        groups = plan.groups
        at_start = dict(plan.prices.get(plan.start, ()))
        # at equal inner cost: lambdas first (a lambda costs nothing in its hole, so a
        # parent whose one argument is a function needs the lambdas of its own inner
        # cost), lifted programs last (they are made from the closed ones of that cost)
        live = [
            (
                int(off),
                int(plan.inner[gid]),
                not isinstance(g.kind[0], TFun),
                g.lifted is not None,
                gid,
                not g.rule.children,
            )
            for gid, (g, off) in enumerate(zip(groups, plan.offsets, strict=True))
            if off < math.inf and plan.inner[gid] < math.inf
        ]
        outbox: dict[int, list[int]] = {}
        vec = self.store.vec
        done: set[Any] = set()  # behaviours handed out: the first is the cheapest

        def fresh(tids: list[int]) -> list[int]:
            out = []
            for t in tids:
                if vec[t] not in done:
                    done.add(vec[t])
                    out.append(t)
            return out

        made = self._made
        for step in range(1, self.max_cost + 1):
            self.cost = step
            for tid in fresh(outbox.pop(step, [])):
                yield tid, step
            tasks = sorted(
                (step - off, not_lambda, lifted, gid)
                for off, low, not_lambda, lifted, gid, leaf in live
                if step >= off + low and not (leaf and step > off)  # a leaf has one level: 0
            )
            for inner, _, _, gid in tasks:
                g = groups[gid]
                price = at_start.get(gid) if g.kind == self.start else None
                total = None if price is None else inner + price
                key = (gid, inner)
                yielded = 0
                self._rival = (
                    None if isinstance(g.kind[0], TFun) else self._rival_for(g.kind, gid, inner)
                )
                while True:
                    try:
                        if g.lifted is not None:
                            new = self._lift_group(g, inner)
                        else:
                            new = self._level(g.kind, key, [(g.rule, inner, g.nodes)])
                    except BudgetExhausted:
                        self.stopped = self.stopped or "time"
                        return
                    except _Found:
                        # as in __iter__, but only a program at this step's cost goes out
                        # at once; a dearer one waits for its step
                        if total == step:
                            partial = self._resume[key]
                            for tid in fresh(partial[yielded:]):
                                yield tid, step
                            yielded = len(partial)
                        continue
                    break
                if new:
                    self.group_bank[gid][inner] = new
                    for tid in new:
                        made[tid] = (gid, inner)
                    if total == step:
                        for tid in fresh(new[yielded:]):
                            yield tid, step
                    elif total is not None:
                        outbox.setdefault(total, []).extend(new)
        self.stopped = "exhausted"

    def _lift_group(self, g: Group, inner: int) -> list[int]:
        """The closed programs of ``g.lifted``'s level that ``g`` takes at ``inner``, each
        as a program of ``g``'s lambda-body kind, one per behaviour there."""
        assert g.lifted is not None and g.project is not None
        closed = self.group_bank[g.lifted].get(inner - g.penalty)
        if not closed:
            return []
        self._tick(len(closed))
        self.lifted += len(closed)
        store = self.store
        seen = self.seen[g.kind]
        project = g.project
        new = []
        rival = self._rival
        for c in closed:
            lifted = project(store.vec[c])
            if lifted not in seen or (rival is not None and rival(lifted)):
                seen[lifted] = tid = store.add(g.lift_rid, (c,), lifted)
                new.append(tid)
        self.kept += len(new)
        return new

    def _rival_for(self, kind: Kind, gid: int, inner: int) -> Callable[[Any], bool]:
        """For programs of group ``gid`` and ``inner`` cost: whether one whose values a
        kept program of ``kind`` has is kept too, because it is cheaper than each such
        program in some hole (observational equivalence with per-context costs: the first
        program built with some values need not be the cheapest in every hole)."""
        seen = self.seen[kind]
        variants = self._variants.setdefault(kind, {})
        made = self._made
        margin = self._margin

        def rival(vec: Any) -> bool:
            kept = variants.get(vec)
            if kept is None:
                # the one kept program; not yet recorded means made by this very level
                first = made.get(seen[vec], (gid, inner))
                if first[0] == gid or first[1] - inner <= margin(gid, first[0]):
                    return False
                variants[vec] = [first, (gid, inner)]
                return True
            for g2, i2 in kept:
                if g2 == gid or i2 - inner <= margin(gid, g2):
                    return False
            kept.append((gid, inner))
            return True

        return rival

    def _margin(self, gid: int, other: int) -> float:
        """How much cheaper group ``gid``'s root is than ``other``'s in every hole that
        takes ``gid`` and that a start program can reach (``-inf`` if ``other`` is not
        taken in one of them): a program of ``gid`` with inner cost ``i`` is no cheaper
        than one of ``other`` with inner cost ``j`` anywhere if ``j - i <= margin``."""
        key = (gid, other)
        got = self._margins.get(key)
        if got is None:
            mine, theirs = self._price_of[gid], self._price_of[other]
            got = min(
                (price - theirs.get(node, math.inf) for node, price in mine.items()),
                default=math.inf,
            )
            self._margins[key] = got
        return got

    def _lift(self, t: Type, terms: list[int], cost: int) -> None:
        """Make new closed programs of type ``t`` available inside lambda bodies.

        A parameter or constant costs the same inside a lambda as outside; a larger closed
        program costs ``lift_penalty`` more: a lambda body that ignores its variables in
        favour of a large closed program is unlikely, and without the penalty every closed
        program would be paired with every body."""
        pending = self.pending
        for kind, rid, project in self.lifts[t]:
            # projected only when the level is built: most levels never are
            pending.setdefault((kind, cost), []).append((rid, project, terms, True))
            later = (kind, cost + self.lift_penalty)
            pending.setdefault(later, []).append((rid, project, terms, False))

    def _work(self, kind: Kind, cost: int) -> list[_Work]:
        """What level ``cost`` of ``kind`` builds: each rule, with the cost left for its
        children and their banks (rules are sorted by cost)."""
        out = []
        for rule in self.rules[kind]:
            if rule.cost > cost:
                break
            out.append((rule, cost - rule.cost, rule.children))
        return out

    def _at(self, node: Any, cost: int) -> list[int] | tuple[()]:
        """The kept programs that a child hole ``node`` takes at ``cost``: with costs per
        kind, a kind's level; with per-context costs, every group's programs whose root
        in ``node``'s context plus their inner cost make ``cost`` (complete when first
        asked for after the step that completes it, and then kept)."""
        plan = self.schedule
        if plan is None:
            return self.bank.get(node, {}).get(cost, ())
        got = self._levels.get((node, cost))
        if got is None:
            got = []
            bank = self.group_bank
            for gid, price in plan.prices.get(node, ()):
                if price > cost:
                    break
                got.extend(bank[gid].get(cost - price, ()))
            # A level is complete after step cost + overhead. A rule asks for it earlier
            # only beside a sibling too cheap to exist, so nothing is built from it then,
            # but it must not be kept.
            if self.cost > cost + plan.overheads.get(node, math.inf):
                self._levels[(node, cost)] = got
        return got

    def _level(self, kind: Kind, key: Any, work: list[_Work]) -> list[int]:
        """Build the programs of ``kind`` that ``work`` describes (its rules, each with
        the cost left for its children and their holes), one per new behaviour. ``key``
        names the level: a match of the target interrupts it, and the next call with the
        same key goes on from the programs it had built."""
        store = self.store
        watch = self.target is not None and kind == self.start
        new: list[int] = self._resume.pop(key, [])
        if watch:
            self._resume[key] = new  # kept if a match interrupts the level
        seen = self.seen[kind]
        for rid, project, terms, leaves in self.pending.pop(key, ()):
            closed = [c for c in terms if (not store.kids[c]) is leaves]
            self._tick(len(closed))  # lifted programs are candidates of this kind too
            self.lifted += len(closed)
            for c in closed:
                lifted = project(store.vec[c])
                if lifted not in seen:
                    seen[lifted] = tid = store.add(rid, (c,), lifted)
                    new.append(tid)
        mask = store.mask
        n_env = len(kind[1])
        if isinstance(kind[0], TFun):
            # A lambda must use its last parameter (the accumulator of fold and loop, the
            # element of map and filter): otherwise it is a constant, or its loop keeps
            # only the last step, and a simpler program does the same; except a constant
            # map where the library has no replicate to say it more simply.
            last = n_env + len(kind[0].params) - 1
            needs_last = self.prune and kind not in self.constant_ok
            for rule, rest, nodes in work:
                for body in self._at(nodes[0], rest):
                    if (not needs_last or mask[body] >> last & 1) and store.depth[
                        body
                    ] < self.max_depth - 1:
                        new.append(store.add(rule.rid, (body,)))
            self.kept += len(new)
            return new
        # under a lambda, only programs that use a bound variable are built here; closed
        # ones arrive by lifting
        need_var = n_env > 0
        # per-context costs: whether a program with a kept program's values is kept too
        rival = self._rival
        target = self.target
        # the grammar's depth bound: a lambda and its parent sit above a lambda's body
        max_kid_depth = self.max_depth - 1 - (2 if n_env else 0)
        depth = store.depth
        add = store.add
        # what each production cost: candidates and seconds (see by_production)
        clock = time.perf_counter
        counted = self.candidates
        started = clock()
        name = None
        try:
            for rule, rest, nodes in work:
                self._account(name, counted, started)
                name = rule.production.name
                counted = self.candidates
                started = clock()
                self._probe()
                arity = len(rule.children)
                if arity == 0:
                    if rest == 0:
                        self._offer(rule.rid, (), seen, new, watch)
                    continue
                if rest < arity:
                    continue
                rid = rule.rid
                apply = store.applier(rid)
                # Candidates are counted as they are evaluated, in chunks (so that a search
                # stopped by its deadline mid-row counts at most a chunk it did not evaluate);
                # children ruled out before evaluation (depth, a closed term under a lambda,
                # the mirror image of a symmetric pair) are not candidates.
                kids: tuple[int, ...]
                if arity == 1:
                    level = [
                        a
                        for a in self._at(nodes[0], rest)
                        if depth[a] <= max_kid_depth and (not need_var or mask[a])
                    ]
                    for part in self._parts(level):
                        self._tick(len(part))
                        for a in part:
                            kids = (a,)
                            vec = apply(kids)
                            if vec not in seen or (rival is not None and rival(vec)):
                                seen[vec] = tid = add(rid, kids, vec)
                                new.append(tid)
                                if watch and vec == target:
                                    raise _Found
                elif arity == 2:
                    # symmetry: f(a, b) == f(b, a) for these, so build each pair once
                    symmetric = rule.symmetric
                    for ca in range(1, rest):
                        cb = rest - ca
                        if symmetric and ca > cb:
                            break
                        level_a = [a for a in self._at(nodes[0], ca) if depth[a] <= max_kid_depth]
                        level_b = [b for b in self._at(nodes[1], cb) if depth[b] <= max_kid_depth]
                        if not level_a or not level_b:
                            continue
                        open_b = [b for b in level_b if mask[b]] if need_var else level_b
                        same = symmetric and ca == cb
                        for a in level_a:
                            row = level_b if not need_var or mask[a] else open_b
                            if same:  # ids grow with creation, and the levels keep that order
                                row = row[bisect.bisect_left(row, a) :]
                            for part in self._parts(row):
                                self._tick(len(part))
                                for b in part:
                                    kids = (a, b)
                                    vec = apply(kids)
                                    if vec not in seen or (rival is not None and rival(vec)):
                                        seen[vec] = tid = add(rid, kids, vec)
                                        new.append(tid)
                                        if watch and vec == target:
                                            raise _Found
                else:
                    loop_row = store.row_applier(rid)
                    for block in self._blocks(rule, nodes, rest, max_kid_depth):
                        heads, final = block[:-1], block[-1]
                        # under a lambda a candidate must use a bound variable (see above)
                        final_open = [c for c in final if mask[c]] if need_var else final
                        for prefix in itertools.product(*heads):
                            open_prefix = not need_var or any(mask[k] for k in prefix)
                            # a loop's lambda comes last: its other columns are read once per row
                            apply_row = apply if loop_row is None else loop_row(prefix)
                            for part in self._parts(final if open_prefix else final_open):
                                self._tick(len(part))
                                for c in part:
                                    kids = (*prefix, c)
                                    vec = apply_row(kids)
                                    if vec not in seen or (rival is not None and rival(vec)):
                                        seen[vec] = tid = add(rid, kids, vec)
                                        new.append(tid)
                                        if watch and vec == target:
                                            raise _Found
        finally:
            self._account(name, counted, started)
        self.kept += len(new)
        self._resume.pop(key, None)
        return new

    def _account(self, name: str | None, counted: int, started: float) -> None:
        """Add what production ``name`` did since ``started`` (when ``counted`` candidates
        had been counted) to :attr:`by_production`."""
        if name is not None:
            entry = self.by_production.get(name)
            if entry is None:
                entry = self.by_production[name] = [0, 0.0]
            entry[0] += self.candidates - counted
            entry[1] += time.perf_counter() - started

    def _tick(self, n: int) -> None:
        """Count ``n`` candidates about to be evaluated; stop when the budget is spent (the
        program budget is never exceeded; the clock is read every :attr:`chunk` candidates,
        fewer when candidates are slow)."""
        after = self.candidates + n
        if after > self.max_candidates:
            self.stopped = "programs"
            raise BudgetExhausted
        self.candidates = after
        if after >= self._next_check:
            self._read_clock()

    def _parts(self, row: list[int]) -> Iterator[list[int]] | tuple[list[int], ...]:
        """``row`` in pieces of :attr:`chunk` candidates, counted a piece at a time (the
        size is read at each piece: it shrinks when candidates turn out slow)."""
        if len(row) <= self.chunk:
            return (row,)
        return self._pieces(row)

    def _pieces(self, row: list[int]) -> Iterator[list[int]]:
        i = 0
        while i < len(row):
            j = i + self.chunk
            yield row[i:j]
            i = j

    def _probe(self) -> None:
        """Read the clock, and again after the next few candidates: the production about to
        be tried may be much slower than the ones before it."""
        self._read_clock()
        self.chunk = min(self.chunk, _PROBE)
        self._next_check = self.candidates + self.chunk

    def _read_clock(self) -> None:
        """Stop at the deadline; otherwise set how many candidates to count before the next
        reading, from how long the ones since the last reading took."""
        now = time.perf_counter()
        if now >= self.deadline:
            self.stopped = "time"
            raise BudgetExhausted
        done = self.candidates - self._checked_at
        took = now - self._checked_time
        self.chunk = _CHUNK if took * _CHUNK <= _SLICE * done else max(1, int(_SLICE * done / took))
        self._checked_at = self.candidates
        self._checked_time = now
        self._next_check = self.candidates + self.chunk

    def _offer(
        self,
        rid: int,
        kids: tuple[int, ...],
        seen: dict[tuple[Any, ...], int],
        new: list[int],
        watch: bool = False,
    ) -> None:
        self._tick(1)
        vec = self.store.applier(rid)(kids)
        if vec in seen and (self._rival is None or not self._rival(vec)):
            return
        tid = self.store.add(rid, kids, vec)
        seen[vec] = tid
        new.append(tid)
        if watch and vec == self.target:
            raise _Found

    def _blocks(
        self, rule: _KindRule, nodes: tuple[Any, ...], total: int, max_depth: int
    ) -> Iterator[list[list[int]]]:
        """For each way to split ``total`` into the children's costs, the kept terms each
        child may take at its cost (all candidates of the block are their product).

        Each child's level is filtered once (depth, a loop over values that vary, a
        lambda body that uses the variables it must), not once per combination."""
        store = self.store
        depth = store.depth
        needs = rule.body_needs
        n = len(nodes)
        vary = rule.must_vary if len(store.args) > 1 and not rule.children[0][1] else ()
        filtered: dict[tuple[int, int], list[int]] = {}

        def level(j: int, c: int) -> list[int]:
            got = filtered.get((j, c))
            if got is None:
                got = [t for t in self._at(nodes[j], c) if depth[t] <= max_depth]
                if j in vary:
                    got = [t for t in got if self._varying(t)]
                if needs[j]:
                    need, mask, kids = needs[j], store.mask, store.kids
                    got = [t for t in got if mask[kids[t][0]] & need == need]
                filtered[(j, c)] = got
            return got

        def split(j: int, left: int, prefix: list[list[int]]) -> Iterator[list[list[int]]]:
            if j == n - 1:
                last = level(j, left)
                if last:
                    yield [*prefix, last]
                return
            for c in range(1, left - (n - 1 - j) + 1):
                here = level(j, c)
                if here:
                    yield from split(j + 1, left - c, [*prefix, here])

        yield from split(0, total, [])

    def _varying(self, t: int) -> bool:
        """Whether term ``t``'s values differ between examples (cached)."""
        v = self._varies.get(t)
        if v is None:
            vec = self.store.vec[t]
            v = self._varies[t] = vec is not None and any(x != vec[0] for x in vec)
        return v
