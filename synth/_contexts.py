"""Per-context costs for bottom-up search: which programs a hole takes, at what cost.

A guide gives a production a probability per *context* (parent production and argument
position), and the cost of a program in a hole is its root production's cost in the hole's
context plus the costs of its children in *their* contexts, which depend only on the root
production. So a program's cost splits into a part that depends on where it is used (its
root's cost there) and an *inner* cost that does not. Bottom-up search with per-context
costs keeps, per kind of hole (a type and the variables in scope), one bank per *group* of
programs with the same root rule, by inner cost; a hole in context ``c`` takes, at cost
``k``, each group's programs of inner cost ``k - cost(root | c)``. Programs are built once,
observational equivalence stays per kind (a program with a kept program's values is kept
only where it is cheaper in some hole), and every hole sees the guide's costs for its own
context.

This module computes what that search needs before it starts: the groups, each hole's price
list, and when each group's levels are built (:class:`Schedule`).

References:
    Fijalkow et al., "Scaling Neural Program Synthesis with Distribution-based Search",
    AAAI 2022 (contexts of the PCFG); Barke, Peleg, Polikarpova, "Probe", OOPSLA 2020.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsl import TFun
from synth._costs import Kind, Node
from synth._grammar import START, Production

if TYPE_CHECKING:
    from synth._bottom_up import _KindRule


@dataclass(frozen=True, slots=True)
class Group:
    """Programs of one kind whose cost in a hole is one rule's cost there plus their inner
    cost.

    Attributes:
        kind: the kind of the programs.
        rule: the rule at their root; for lifted programs, the closed program's root rule
            (its production prices them in a lambda body's holes).
        nodes: the holes of the root's children (a lambda's: its body).
        lifted: for closed programs used in a lambda body, the index of the closed group
            they come from; None otherwise.
        penalty: what a lifted program adds to its closed inner cost (0 for a leaf).
        lift_rid: the store's rule that wraps a lifted program.
        project: a closed program's values to the lambda body's points.
    """

    kind: Kind
    rule: _KindRule
    nodes: tuple[Node, ...]
    lifted: int | None = None
    penalty: int = 0
    lift_rid: int = -1
    project: Callable[[Any], tuple[Any, ...]] | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    """When bottom-up search with per-context costs builds what.

    Attributes:
        groups: every group of programs.
        prices: per hole, ``(group index, cost of the group's root there)``, cheapest first.
        offsets: per group, the step of the search at which its level of inner cost 0 is
            built (level ``i`` at step ``offset + i``); ``inf`` for a group no start program
            can use. A program of inner cost ``i`` in hole ``h`` at cost ``k`` can only be
            part of a start program of cost at least ``k + overhead(h)``; the offset is the
            least of ``cost(root | h) + overhead(h)`` over the holes that take the group,
            so every level a group needs is built at an earlier step or earlier in the same
            step (by inner cost), and start programs come in order of their cost.
        start: the start hole.
        overheads: per hole, the least cost a start program adds around a program in it:
            its programs of cost ``k`` are all built by step ``k + overhead``.
        inner: per group, the least inner cost of its programs (a lower bound).
    """

    groups: tuple[Group, ...]
    prices: dict[Node, tuple[tuple[int, int], ...]]
    offsets: tuple[float, ...]
    start: Node
    overheads: dict[Node, float]
    inner: tuple[float, ...]


def schedule(
    groups: list[Group], costs: dict[Node, dict[Production, int]], start: Kind
) -> Schedule:
    """The prices and the schedule of ``groups`` under per-hole ``costs``."""
    by_kind: dict[Kind, list[int]] = {}
    for gid, g in enumerate(groups):
        by_kind.setdefault(g.kind, []).append(gid)
    prices: dict[Node, tuple[tuple[int, int], ...]] = {}
    for node, table in costs.items():
        kind, ctx = node
        row = []
        for gid in by_kind.get(kind, ()):
            g = groups[gid]
            if isinstance(kind[0], TFun) and g.nodes[0][1] != ctx:
                continue  # a lambda's body is in its own context: one group per context
            cost = table.get(g.rule.production)
            if cost is not None:
                row.append((gid, cost))
        prices[node] = tuple(sorted(row, key=lambda e: (e[1], e[0])))
    # the fixed points below run over holes numbered once (a hole's key hashes its types)
    number = {node: i for i, node in enumerate(prices)}
    none = len(number)  # a hole no grammar rule fills: nothing is built for it
    rows = [prices[node] for node in number]
    kids = [
        tuple(
            number.get(n, none)
            for n in (groups[g.lifted].nodes if g.lifted is not None else g.nodes)
        )
        for g in groups
    ]
    low, inner = _lowest(groups, rows, kids)
    start_node = (start, START)
    by_number = _overheads(rows, kids, low, inner, number.get(start_node, none))
    over = {node: by_number[i] for node, i in number.items() if by_number[i] < math.inf}
    offsets = [math.inf] * len(groups)
    for node, priced in prices.items():
        for gid, cost in priced:
            offsets[gid] = min(offsets[gid], cost + over.get(node, math.inf))
    # a closed program lifted into a lambda body is built from its closed level, which
    # must come first
    for gid, g in enumerate(groups):
        if g.lifted is not None and offsets[gid] < math.inf:
            offsets[g.lifted] = min(offsets[g.lifted], offsets[gid] + g.penalty)
    return Schedule(tuple(groups), prices, tuple(offsets), (start, START), over, tuple(inner))


def _lowest(
    groups: list[Group], rows: list[tuple[tuple[int, int], ...]], kids: list[tuple[int, ...]]
) -> tuple[list[float], list[float]]:
    """The cheapest program of each hole (by number; one more, ``inf``, for a hole no rule
    fills), and the least inner cost of each group (lower bounds: the need to use a bound
    variable under a lambda is ignored)."""
    low = [math.inf] * (len(rows) + 1)
    inner = [math.inf] * len(groups)
    lifted = [(g.lifted, g.penalty) for g in groups]
    changed = True
    while changed:
        changed = False
        for gid, (source, penalty) in enumerate(lifted):
            if source is not None:
                value = inner[source] + penalty
            else:
                value = sum(low[n] for n in kids[gid])
            if value < inner[gid]:
                inner[gid] = value
                changed = True
        for i, row in enumerate(rows):
            best = min((cost + inner[gid] for gid, cost in row), default=math.inf)
            if best < low[i]:
                low[i] = best
                changed = True
    return low, inner


def _overheads(
    rows: list[tuple[tuple[int, int], ...]],
    kids: list[tuple[int, ...]],
    low: list[float],
    inner: list[float],
    start: int,
) -> list[float]:
    """For each hole (by number), the least cost a start program adds around a program in
    it (Dijkstra from the start hole; the siblings of a child at their cheapest)."""
    over = [math.inf] * (len(rows) + 1)
    if start == len(rows):
        return over
    over[start] = 0.0
    queue = [(0.0, start)]
    while queue:
        d, node = heapq.heappop(queue)
        if d > over[node]:
            continue
        for gid, cost in rows[node]:
            around = d + cost + inner[gid]
            if around == math.inf:
                continue
            for child in kids[gid]:
                w = around - low[child]
                if w < over[child]:
                    over[child] = w
                    heapq.heappush(queue, (w, child))
    return over
