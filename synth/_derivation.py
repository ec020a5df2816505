"""Programs as derivations of a grammar: which rule was chosen at which nonterminal.

A :class:`Derivation` is what a guide is trained on and judged by: its steps name the
production chosen in each context, and its log-probability under a PCFG is the sum of
those choices' log-probabilities. :meth:`PCFG.sample` draws random programs of a signature
(the training data of the neural policy); :meth:`Grammar.derive` finds the derivation of a
program written by hand or found by a search.

References:
    Fijalkow et al., "Scaling Neural Program Synthesis with Distribution-based Search",
    AAAI 2022 (programs as derivations of a context-indexed PCFG; sampling from it).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

import dsl
from synth._express import to_expr
from synth._grammar import PCFG, Grammar, NonTerminal, Production, Rule
from synth._search import definition
from synth._spec import SpecError
from synth._terms import TermStore


class DerivationError(SpecError):
    """A program that the grammar cannot derive: a primitive it leaves out, a constant it
    does not have, a ``let``, a program deeper than its depth bound, or another signature.
    The message names the innermost subexpression that has no rule, and the hole it was
    to fill."""


@dataclass(frozen=True, slots=True)
class Step:
    """One choice of a derivation: rule ``rule`` (an index into
    ``grammar.rules[nonterminal]``) at ``nonterminal``."""

    nonterminal: NonTerminal
    rule: int


@dataclass(frozen=True, slots=True)
class Derivation:
    """A program of ``grammar`` as the rules chosen to build it, in preorder (a rule's
    children's steps follow it, first child first).

    Attributes:
        grammar: the grammar it derives from.
        steps: the choices, the start nonterminal's first.

    Example:
        >>> import dsl, synth
        >>> g = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> list[int]")
        >>> program = dsl.parse("def f(xs: list[int]) -> list[int] = reverse(xs)")
        >>> d = g.derive(program.definitions[0])
        >>> [s.production.name for s in d]
        ['reverse', 'param0']
        >>> str(d.program())
        'def f(xs: list[int]) -> list[int] =\\n  reverse(xs)'
    """

    grammar: Grammar
    steps: tuple[Step, ...]

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[StepView]:
        rules = self.grammar.rules
        for s in self.steps:
            yield StepView(s.nonterminal, rules[s.nonterminal][s.rule])

    def log_probability(self, pcfg: PCFG) -> float:
        """The natural log of the probability of this derivation under ``pcfg`` (a PCFG of
        the same grammar): the sum of its choices' log-probabilities."""
        if pcfg.grammar is not self.grammar:
            raise ValueError("the PCFG weights another grammar than the derivation's")
        logprobs = pcfg.logprobs
        return math.fsum(logprobs[s.nonterminal][s.rule] for s in self.steps)

    def program(self, name: str = "f") -> dsl.Definition:
        """The program derived, as a definition with the grammar's parameter names."""
        store = TermStore([], [])
        rules = self.grammar.rules
        steps = iter(self.steps)

        def build() -> int:
            s = next(steps)
            r = rules[s.nonterminal][s.rule]
            kids = tuple(build() for _ in r.children)
            return store.intern(store.rule_id(r.production, s.nonterminal.env), kids)

        tid = build()
        body = to_expr(store, tid, self.grammar.param_names, self_name=name)
        return definition(name, self.grammar, body)


@dataclass(frozen=True, slots=True)
class StepView:
    """A step with its rule looked up: the nonterminal and the rule chosen there."""

    nonterminal: NonTerminal
    rule: Rule

    @property
    def production(self) -> Production:
        """The production chosen."""
        return self.rule.production


def sample(pcfg: PCFG, rng: random.Random) -> Derivation:
    """A random derivation of ``pcfg``: each nonterminal's rule drawn with its probability,
    from the start down (the grammar's depth bound ends every derivation)."""
    grammar = pcfg.grammar
    # per nonterminal: the cumulative probabilities of its rules, and its last rule of
    # positive probability (drawn should rounding leave the total below the draw)
    tables: dict[NonTerminal, tuple[list[float], int]] = {}
    steps: list[Step] = []
    stack = [grammar.start]
    while stack:
        nt = stack.pop()
        table = tables.get(nt)
        if table is None:
            lps = pcfg.logprobs[nt]
            cum = list(itertools.accumulate(math.exp(lp) for lp in lps))
            last = max(i for i, lp in enumerate(lps) if lp > -math.inf)
            table = tables[nt] = (cum, last)
        cum, last = table
        i = min(bisect.bisect_right(cum, rng.random() * cum[-1]), last)
        steps.append(Step(nt, i))
        stack.extend(reversed(grammar.rules[nt][i].children))
    return Derivation(grammar, tuple(steps))


def derive(grammar: Grammar, program: dsl.Definition | dsl.Expr) -> Derivation:
    """The derivation of ``program`` in ``grammar``.

    Args:
        grammar: the search space.
        program: a definition of the grammar's signature (its parameters may have any
            names; a call of its own name is the recursive production ``self``), or a
            body over the grammar's parameter names.

    A program has one derivation unless a subexpression types in more than one way
    (``length([])``: ``[]`` a list of ints or of bools); then this is the first in the
    order of the grammar's rules.

    Raises:
        DerivationError: the grammar has no derivation of it.
    """
    if isinstance(program, dsl.Definition):
        if program.signature != grammar.signature:
            raise DerivationError(
                f"program {program.name!r} has type {program.signature}, the grammar "
                f"{grammar.signature}"
            )
        params = tuple(p.name for p in program.params)
        body, self_name = program.body, program.name
    elif isinstance(program, _EXPRESSIONS):
        params, body, self_name = grammar.param_names, program, None
    else:
        raise TypeError(
            f"derive takes a dsl.Definition or a dsl expression, got {type(program).__name__}"
            " (a dsl.Module: pass one of its definitions)"
        )
    found = _match(grammar, body, grammar.start, params, (), self_name)
    if isinstance(found, _Miss):
        raise DerivationError(
            f"no rule of the grammar ({grammar.library.name}, depth {grammar.max_depth}) "
            f"derives {dsl.pretty(found.expr)!r} as {found.nonterminal}"
        )
    return Derivation(grammar, tuple(found))


_EXPRESSIONS = (dsl.IntLit, dsl.BoolLit, dsl.Var, dsl.ListLit, dsl.Call, dsl.Lambda, dsl.Let)


@dataclass(frozen=True, slots=True)
class _Miss:
    """The innermost subexpression found with no rule (for the error message)."""

    expr: dsl.Expr
    nonterminal: NonTerminal


def _match(
    grammar: Grammar,
    expr: dsl.Expr,
    nt: NonTerminal,
    params: tuple[str, ...],
    scope: tuple[str, ...],
    self_name: str | None,
) -> list[Step] | _Miss:
    """The steps deriving ``expr`` from ``nt`` (``scope``: the names of the bound variables,
    parallel to ``nt.env``), or the deepest miss. A polymorphic primitive has one rule per
    instantiation: each is tried until one derives the arguments."""
    miss = _Miss(expr, nt)
    for i, rule in enumerate(grammar.rules.get(nt, ())):
        p = rule.production
        if not _head_matches(p, expr, params, scope, self_name):
            continue
        steps = [Step(nt, i)]
        if p.kind == "lambda":
            assert isinstance(expr, dsl.Lambda)
            kids: tuple[dsl.Expr, ...] = (expr.body,)
            inner = scope + expr.params
        else:
            kids = _arguments(expr, p)
            inner = scope
        for kid, child in zip(kids, rule.children, strict=True):
            got = _match(grammar, kid, child, params, inner, self_name)
            if isinstance(got, _Miss):
                miss = got
                break
            steps += got
        else:
            return steps
    return miss


def _head_matches(
    p: Production,
    expr: dsl.Expr,
    params: tuple[str, ...],
    scope: tuple[str, ...],
    self_name: str | None,
) -> bool:
    """Whether production ``p`` can be the root of ``expr`` (its arguments aside)."""
    kind = p.kind
    if kind == "const":
        return _is_literal(expr) and _same(_literal_value(expr), p.payload)
    if kind == "singleton":
        return isinstance(expr, dsl.ListLit) and len(expr.items) == 1
    if kind == "var":
        # the innermost binding of a name is the one in use
        return (
            isinstance(expr, dsl.Var)
            and expr.name in scope
            and len(scope) - 1 - scope[::-1].index(expr.name) == p.payload
        )
    if kind == "param":
        return (
            isinstance(expr, dsl.Var)
            and expr.name not in scope
            and expr.name in params
            and params.index(expr.name) == p.payload
        )
    if kind == "lambda":
        return isinstance(expr, dsl.Lambda) and len(expr.params) == len(p.payload)
    if kind == "self":
        return isinstance(expr, dsl.Call) and expr.func == self_name and len(expr.args) == p.arity
    if kind in ("prim", "def"):
        return (
            isinstance(expr, dsl.Call)
            and expr.func == p.name
            and expr.func != self_name
            and len(expr.args) == p.arity
        )
    return False


def _arguments(expr: dsl.Expr, p: Production) -> tuple[dsl.Expr, ...]:
    if p.kind == "singleton":
        assert isinstance(expr, dsl.ListLit)
        return expr.items
    if isinstance(expr, dsl.Call):
        return expr.args
    return ()


def _is_literal(expr: dsl.Expr) -> bool:
    if isinstance(expr, (dsl.IntLit, dsl.BoolLit)):
        return True
    return isinstance(expr, dsl.ListLit) and all(_is_literal(e) for e in expr.items)


def _literal_value(expr: dsl.Expr) -> object:
    """A literal's value in the interpreter's form (tuples for lists)."""
    if isinstance(expr, (dsl.IntLit, dsl.BoolLit)):
        return expr.value
    assert isinstance(expr, dsl.ListLit)
    return tuple(_literal_value(e) for e in expr.items)


def _same(a: object, b: object) -> bool:
    """Equal values of the same types (``True == 1`` in Python, not in the language)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        assert isinstance(b, tuple)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b
