"""Costs of productions for bottom-up search, from a PCFG's per-context probabilities.

Bottom-up search prices a production by an integer cost, a discretised ``-log`` of its
probability. The PCFG gives a probability per nonterminal (a type, the bound variables in
scope, a context and a depth); bottom-up search prices holes coarser than that: per *kind*
(:func:`costs_from_pcfg`, every context of a type and scope together) or per *hole*, a kind
in one context (:func:`context_costs_from_pcfg`, every depth together).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import TypeVar

from dsl import Type
from synth._grammar import PCFG, Context, NonTerminal, Production

Kind = tuple[Type, tuple[Type, ...]]
"""(type, bound-variable types): the unit of observational equivalence."""

Node = tuple[Kind, Context]
"""A hole as bottom-up search with per-context costs sees it: its kind and its context."""

_K = TypeVar("_K", bound=Hashable)


def costs_from_pcfg(
    pcfg: PCFG, *, unit: float = 1.0, weighting: str = "mean"
) -> dict[Kind, dict[Production, int]]:
    """Integer costs per kind and production from a PCFG's marginal probabilities.

    Bottom-up search keeps one bank of programs per *kind* of hole (a type and the
    variables in scope), shared by every context where such a hole occurs, so a
    production's probability is marginalised over the kind's nonterminals: with
    ``weighting="mean"`` their plain mean; with ``"usage"``, weighted by each
    nonterminal's expected number of uses in a program drawn from the PCFG (1 for the
    start, then each parent's uses times the probability of its rules). Usage weighting
    keeps what a guide says about the contexts a program is likely to reach (the root
    above all) instead of diluting it among the many deep contexts that rarely occur.
    A kind that the PCFG never reaches falls back to the mean.
    """
    return _marginal_costs(pcfg, lambda nt: (nt.type, nt.env), unit, weighting)


def _marginal_costs(
    pcfg: PCFG, key: Callable[[NonTerminal], _K], unit: float, weighting: str
) -> dict[_K, dict[Production, int]]:
    """Integer costs per production over the nonterminals that ``key`` puts together,
    marginalised as :func:`costs_from_pcfg` says."""
    if weighting not in ("mean", "usage"):
        raise ValueError(f"weighting must be 'mean' or 'usage', got {weighting!r}")
    usage = _usage(pcfg) if weighting == "usage" else None
    # Per group, two weighted sums of each production's probability: weight 1 per
    # nonterminal (the plain mean) and its usage; and the sums of the weights.
    sums: dict[_K, dict[Production, list[float]]] = {}
    weights: dict[_K, list[float]] = {}
    for nt, rules in pcfg.grammar.rules.items():
        kind = key(nt)
        w = usage[nt] if usage is not None else 0.0
        total = weights.setdefault(kind, [0.0, 0.0])
        total[0] += 1.0
        total[1] += w
        table = sums.setdefault(kind, {})
        for rule, lp in zip(rules, pcfg.logprobs[nt], strict=True):
            p = math.exp(lp)
            acc = table.setdefault(rule.production, [0.0, 0.0])
            acc[0] += p
            acc[1] += w * p
    out: dict[_K, dict[Production, int]] = {}
    for kind, table in sums.items():
        # usage weights where the PCFG reaches the kind; else (or unguided) the mean
        i = 1 if weights[kind][1] > 0 else 0
        out[kind] = {}
        for prod, acc in table.items():
            mean = acc[i] / weights[kind][i]
            if mean <= 0:
                continue
            out[kind][prod] = 0 if prod.kind == "lambda" else max(1, round(-math.log(mean) / unit))
    return out


def _usage(pcfg: PCFG) -> dict[NonTerminal, float]:
    """Each nonterminal's expected number of uses in a program drawn from ``pcfg``
    (children are one level deeper than their parent, so one pass by depth is exact)."""
    grammar = pcfg.grammar
    usage = dict.fromkeys(grammar.rules, 0.0)
    usage[grammar.start] = 1.0
    for nt in sorted(grammar.rules, key=lambda n: n.depth):
        u = usage[nt]
        if u == 0.0:
            continue
        for rule, lp in zip(grammar.rules[nt], pcfg.logprobs[nt], strict=True):
            if rule.children:
                share = u * math.exp(lp)
                for child in rule.children:
                    usage[child] += share
    return usage


def context_costs_from_pcfg(
    pcfg: PCFG, *, unit: float = 1.0, weighting: str = "usage"
) -> dict[Node, dict[Production, int]]:
    """Integer costs per hole (kind and context) and production, from a PCFG.

    The grammar's nonterminals differ from a hole only by their depth (which bounds the
    rules they have); a production's probability in a hole is the mean over its depths,
    weighted by usage or plain as in :func:`synth.costs_from_pcfg`.
    """
    return _marginal_costs(pcfg, lambda nt: ((nt.type, nt.env), nt.context), unit, weighting)
