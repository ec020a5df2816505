"""The search space: a typed, depth-bounded grammar and its probabilistic weighting (PCFG).

A nonterminal is a type in a context: the lambda-bound variables in scope, the parent
production and argument position, and the depth. Productions are instantiated primitives
and library definitions, the spec's parameters, bound variables, small constants, singleton
lists, lambdas (for function-typed holes) and, optionally, a recursive call. Weights are
per nonterminal, so they are per context; :meth:`Grammar.uniform` gives the unguided PCFG
and a :class:`Guide` gives task-specific ones.

References:
    Fijalkow et al., "Scaling Neural Program Synthesis with Distribution-based Search",
    AAAI 2022 (the depth-bounded, context-indexed PCFG of DeepSynth).
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import math
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import dsl
from dsl import BOOL, INT, Library, Primitive, TFun, TList, Type

if TYPE_CHECKING:
    from synth._derivation import Derivation
    from synth._spec import Spec

Kind = Literal["prim", "def", "param", "var", "const", "singleton", "lambda", "self", "lift"]

Context = tuple[str, int]
"""(parent production name, argument position); ``("start", 0)`` at the root."""

START: Context = ("start", 0)


@dataclass(frozen=True, slots=True)
class Production:
    """One way to fill a hole of type ``type``.

    Attributes:
        name: the key that weights use: a primitive's or definition's name, ``param<i>``
            for the i-th parameter (by position, whatever the spec calls it, so that names
            do not depend on the task), ``var<i>`` for the i-th bound variable, the
            constant's source text
            (``0``, ``[]``), ``[_]`` (singleton list), ``lambda`` or ``self``; bottom-up
            search adds ``lift`` (a closed program used under a lambda).
        kind: what the production builds.
        type: the type of what it builds.
        args: the types of its arguments (holes), in order.
        payload: the primitive, definition, parameter index, variable index or constant value.
    """

    name: str
    kind: Kind
    type: Type
    args: tuple[Type, ...] = ()
    payload: Any = field(default=None, compare=True)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Productions key the search's cost tables; their fields hash recursively (types,
        # primitives), so the hash is computed once.
        object.__setattr__(
            self, "_hash", hash((self.name, self.kind, self.type, self.args, self.payload))
        )

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its fields, so that another process computes its own hash
        return (Production, (self.name, self.kind, self.type, self.args, self.payload))

    @property
    def arity(self) -> int:
        """Number of holes."""
        return len(self.args)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class NonTerminal:
    """A typed hole: its type, the bound-variable types in scope, its context and depth."""

    type: Type
    env: tuple[Type, ...]
    context: Context
    depth: int
    lambdas: int = 0  # lambdas enclosing the hole
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # nonterminals key every table of a PCFG: the hash is computed once (see Production)
        object.__setattr__(
            self, "_hash", hash((self.type, self.env, self.context, self.depth, self.lambdas))
        )

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (NonTerminal, (self.type, self.env, self.context, self.depth, self.lambdas))

    def __str__(self) -> str:
        env = ", ".join(map(str, self.env))
        return f"{self.type} [{env}] @{self.context[0]}.{self.context[1]} d{self.depth}"


@dataclass(frozen=True, slots=True)
class Rule:
    """A production of a nonterminal together with the nonterminals of its holes."""

    production: Production
    children: tuple[NonTerminal, ...]


def _type_universe(signature: TFun) -> tuple[Type, ...]:
    """Ground types the search may use: the signature's types and their parts, int, bool
    and list[int]."""
    found: dict[Type, None] = {INT: None, BOOL: None}

    def add(t: Type) -> None:
        found[t] = None
        if isinstance(t, TList):
            add(t.elem)
        elif isinstance(t, TFun):
            for p in t.params:
                add(p)
            add(t.ret)

    for t in (*signature.params, signature.ret):
        add(t)
    found[TList(INT)] = None
    return tuple(t for t in found if not isinstance(t, TFun))


def _instances(t: Type, universe: tuple[Type, ...]) -> Iterator[Type]:
    """Every instantiation of the type variables of ``t`` by types of ``universe``
    such that every argument and result type (inside function types too) is in it."""
    names = list(dict.fromkeys(dsl._types.type_vars(t)))
    allowed = set(universe)

    def ok(x: Type) -> bool:
        if isinstance(x, TFun):
            return all(ok(p) for p in x.params) and ok(x.ret)
        return x in allowed

    for combo in itertools.product(universe, repeat=len(names)):
        inst = dsl._types.substitute(t, dict(zip(names, combo, strict=True)))
        parts = inst.params + (inst.ret,) if isinstance(inst, TFun) else (inst,)
        if all(ok(p) for p in parts):
            yield inst


DEFAULT_CONSTANTS: tuple[Any, ...] = dsl.CORE.constants
"""CORE's constants: small ints and the empty list (``true``/``false`` are left out: a
comparison gives either, and constant conditions only slow the search)."""


def _const_type(value: Any, universe: tuple[Type, ...]) -> list[Type]:
    if isinstance(value, bool):
        return [BOOL]
    if isinstance(value, int):
        return [INT]
    if value == ():
        return [t for t in universe if isinstance(t, TList)]
    t = dsl.type_of_value(value)
    return [t] if t in universe else []


def _const_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(dsl.to_external(value)).replace(" ", "")


class Grammar:
    """The typed search space for one signature over one library.

    Build it with :meth:`from_library`; weight it with :meth:`uniform` or a guide.

    Attributes:
        signature: the type of the programs.
        library: where primitives and definitions come from.
        start: the root nonterminal.
        rules: for each nonterminal, its rules (production + child nonterminals).
        max_depth: the deepest a program may be (a leaf at the root has depth 1).
    """

    def __init__(
        self,
        signature: TFun,
        library: Library,
        rules: dict[NonTerminal, tuple[Rule, ...]],
        start: NonTerminal,
        *,
        max_depth: int,
        param_names: tuple[str, ...],
        allow_recursion: bool,
    ) -> None:
        self.signature = signature
        self.library = library
        self.rules = rules
        self.start = start
        self.max_depth = max_depth
        self.param_names = param_names
        self.allow_recursion = allow_recursion

    @classmethod
    def from_library(
        cls,
        library: Library,
        signature: TFun | str,
        *,
        max_depth: int = 6,
        constants: Iterable[Any] | None = None,
        allow_recursion: bool = False,
        param_names: Iterable[str] | None = None,
        exclude: Iterable[str] = (),
        max_bound_vars: int = 3,
        max_lambda_nesting: int = 1,
    ) -> Grammar:
        """Build the search space for programs of type ``signature``.

        Args:
            library: primitives and definitions to use.
            signature: e.g. ``"(list[int], int) -> int"``.
            max_depth: deepest program (lambdas count as a level).
            constants: literal values (interpreter form: tuples for lists); None: the
                library's own (``library.constants``).
            allow_recursion: add a production ``self`` that calls the program itself.
            param_names: names of the parameters (default by type: ``xs``, ``n``, ...).
            exclude: names of primitives and definitions to leave out.
            max_bound_vars: most lambda-bound variables in scope at once.
            max_lambda_nesting: most lambdas inside one another (1: no lambda in a lambda).

        Raises:
            SpecError: the signature is not a function type, or no program has the type.

        Grammars are cached: the same arguments give the same (immutable) grammar.
        """
        from synth._spec import _as_signature, default_param_names

        sig = _as_signature(signature)
        if max_depth < 1:
            raise ValueError(f"max_depth must be >= 1, got {max_depth}")
        names = tuple(param_names) if param_names is not None else default_param_names(sig.params)
        return _build(
            library,
            sig,
            max_depth,
            tuple(
                dsl.to_internal(c) for c in (library.constants if constants is None else constants)
            ),
            allow_recursion,
            names,
            frozenset(exclude),
            max_bound_vars,
            max_lambda_nesting,
        )

    @classmethod
    def _build(
        cls,
        library: Library,
        sig: TFun,
        max_depth: int,
        constants: tuple[Any, ...],
        allow_recursion: bool,
        names: tuple[str, ...],
        excluded: frozenset[str],
        max_bound_vars: int,
        max_lambda_nesting: int,
    ) -> Grammar:
        from synth._spec import SpecError

        universe = _type_universe(sig)

        # Instantiated primitives and definitions, grouped by result type.
        by_type: dict[Type, list[Production]] = {}
        for name in library.names:
            if name in excluded:
                continue
            item = library[name]
            t = item.type if isinstance(item, Primitive) else item.signature
            if not isinstance(t, TFun):
                continue
            kind: Kind = "prim" if isinstance(item, Primitive) else "def"
            for inst in _instances(t, universe):
                assert isinstance(inst, TFun)
                by_type.setdefault(inst.ret, []).append(
                    Production(name, kind, inst.ret, inst.params, item)
                )
        leaves: dict[Type, list[Production]] = {}
        for i, ptype in enumerate(sig.params):
            # named by position, not by the spec's names: weights (and a guide's vocabulary)
            # then mean the same in every task of a signature
            leaves.setdefault(ptype, []).append(Production(f"param{i}", "param", ptype, (), i))
        for value in constants:
            internal = dsl.to_internal(value)
            for t in _const_type(internal, universe):
                leaves.setdefault(t, []).append(
                    Production(_const_name(internal), "const", t, (), internal)
                )
        recursion = Production("self", "self", sig.ret, sig.params) if allow_recursion else None

        def productions(nt: NonTerminal) -> list[tuple[Production, tuple[NonTerminal, ...]]]:
            t = nt.type
            inner = nt.depth + 1
            if isinstance(t, TFun):
                if (
                    inner >= max_depth
                    or len(nt.env) + len(t.params) > max_bound_vars
                    or nt.lambdas >= max_lambda_nesting
                ):
                    return []
                body = NonTerminal(t.ret, nt.env + t.params, nt.context, inner, nt.lambdas + 1)
                return [(Production("lambda", "lambda", t, (t.ret,), t.params), (body,))]
            out: list[tuple[Production, tuple[NonTerminal, ...]]] = []
            out += [(p, ()) for p in leaves.get(t, ())]
            out += [
                (Production(f"var{j}", "var", t, (), j), ())
                for j, et in enumerate(nt.env)
                if et == t
            ]
            if inner >= max_depth:
                return out
            candidates = list(by_type.get(t, ()))
            if isinstance(t, TList):
                candidates.append(Production("[_]", "singleton", t, (t.elem,)))
            if recursion is not None and t == recursion.type:
                candidates.append(recursion)
            for p in candidates:
                kids = tuple(
                    NonTerminal(a, nt.env, (p.name, k), inner, nt.lambdas)
                    for k, a in enumerate(p.args)
                )
                out.append((p, kids))
            return out

        start = NonTerminal(sig.ret, (), START, 0)
        raw: dict[NonTerminal, list[tuple[Production, tuple[NonTerminal, ...]]]] = {}
        queue = deque([start])
        deadline = BUILD_DEADLINE.get()
        while queue:
            if len(raw) & 127 == 0:
                _check(deadline)
            nt = queue.popleft()
            if nt in raw:
                continue
            raw[nt] = productions(nt)
            for _, kids in raw[nt]:
                queue.extend(k for k in kids if k not in raw)

        # Keep only productive nonterminals (those that derive at least one program).
        productive: set[NonTerminal] = set()
        changed = True
        while changed:
            changed = False
            _check(deadline)
            for nt, prods in raw.items():
                if nt not in productive and any(
                    all(k in productive for k in kids) for _, kids in prods
                ):
                    productive.add(nt)
                    changed = True
        if start not in productive:
            raise SpecError(f"no program of type {sig} can be built from library {library.name}")
        # ... and reachable from the start through productive rules.
        rules: dict[NonTerminal, tuple[Rule, ...]] = {}
        queue = deque([start])
        while queue:
            nt = queue.popleft()
            if nt in rules:
                continue
            kept = tuple(Rule(p, kids) for p, kids in raw[nt] if all(k in productive for k in kids))
            rules[nt] = kept
            for r in kept:
                queue.extend(k for k in r.children if k not in rules)
        return cls(
            sig,
            library,
            rules,
            start,
            max_depth=max_depth,
            param_names=names,
            allow_recursion=allow_recursion,
        )

    # -- inspection ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.rules)

    def nonterminals(self) -> tuple[NonTerminal, ...]:
        """Every nonterminal reachable from the start."""
        return tuple(self.rules)

    def contexts(self) -> dict[Context, tuple[str, ...]]:
        """For each context, the production names that can occur there.

        This is the output space of a guide: one distribution over these names per context.
        """
        out: dict[Context, dict[str, None]] = {}
        for nt, rules in self.rules.items():
            names = out.setdefault(nt.context, {})
            for r in rules:
                names[r.production.name] = None
        return {c: tuple(names) for c, names in out.items()}

    def uniform(self) -> PCFG:
        """The unguided PCFG: in each nonterminal every rule is equally likely."""
        return PCFG.from_weights(self, {})

    def derive(self, program: dsl.Definition | dsl.Expr) -> Derivation:
        """The derivation of ``program`` in this grammar: the rule chosen at each
        nonterminal (see :func:`synth.Derivation`).

        Raises:
            DerivationError: the grammar cannot derive the program.
        """
        from synth._derivation import derive

        return derive(self, program)

    def __repr__(self) -> str:
        n_rules = sum(len(r) for r in self.rules.values())
        return (
            f"Grammar({self.signature}, library={self.library.name!r}, "
            f"nonterminals={len(self.rules)}, rules={n_rules}, max_depth={self.max_depth})"
        )


def _check(deadline: float) -> None:
    if time.perf_counter() > deadline:
        from synth._terms import BudgetExhausted

        raise BudgetExhausted  # a search's time ran out while building its grammar


BUILD_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar(
    "BUILD_DEADLINE", default=math.inf
)
"""When the search building a grammar must stop (see ``synthesize``)."""


_build = functools.lru_cache(maxsize=8)(Grammar._build)
"""Grammar construction, cached: grammars are immutable and built often for one signature."""


WeightSource = Mapping[tuple[Context, str], float] | Callable[[NonTerminal, Production], float]


class PCFG:
    """A grammar with a probability for each rule of each nonterminal.

    ``logprobs[nt][i]`` is the natural log of the probability of ``grammar.rules[nt][i]``;
    each nonterminal's probabilities sum to one.
    """

    def __init__(self, grammar: Grammar, logprobs: dict[NonTerminal, tuple[float, ...]]) -> None:
        self.grammar = grammar
        self.logprobs = logprobs

    @classmethod
    def from_weights(cls, grammar: Grammar, weights: WeightSource) -> PCFG:
        """Normalise non-negative weights per nonterminal into a PCFG.

        Args:
            grammar: the search space.
            weights: either a mapping ``{(context, production name): weight}`` (a missing
                entry weighs 1) or a function ``(nonterminal, production) -> weight``.
                A weight of 0 removes a rule; a nonterminal whose weights are all 0 falls
                back to uniform.
        """
        logprobs: dict[NonTerminal, tuple[float, ...]] = {}
        for nt, rules in grammar.rules.items():
            if callable(weights):
                ws = [float(weights(nt, r.production)) for r in rules]
            else:
                ws = [float(weights.get((nt.context, r.production.name), 1.0)) for r in rules]
            if any(w < 0 or math.isnan(w) for w in ws):
                raise ValueError(f"weights must be non-negative numbers, got {ws} at {nt}")
            total = sum(ws)
            if total <= 0:
                ws, total = [1.0] * len(rules), float(len(rules))
            logprobs[nt] = tuple(math.log(w / total) if w > 0 else -math.inf for w in ws)
        return cls(grammar, logprobs)

    @classmethod
    def from_log_weights(
        cls, grammar: Grammar, log_weight: Callable[[NonTerminal, Production], float]
    ) -> PCFG:
        """Normalise log-weights (a network's logits) per nonterminal into a PCFG: each
        rule's probability is the softmax of the log-weights of its nonterminal's rules.
        A log-weight of ``-inf`` removes a rule; a nonterminal whose log-weights are all
        ``-inf`` falls back to uniform.
        """
        logprobs: dict[NonTerminal, tuple[float, ...]] = {}
        for nt, rules in grammar.rules.items():
            ws = [float(log_weight(nt, r.production)) for r in rules]
            if any(math.isnan(w) or w == math.inf for w in ws):
                raise ValueError(f"log-weights must be numbers below +inf, got {ws} at {nt}")
            top = max(ws, default=-math.inf)
            if top == -math.inf:
                ws, top = [0.0] * len(rules), 0.0
            log_total = top + math.log(math.fsum(math.exp(w - top) for w in ws))
            logprobs[nt] = tuple(w - log_total for w in ws)
        return cls(grammar, logprobs)

    def sample(self, rng: random.Random | int | None = None) -> Derivation:
        """A random program of the grammar, drawn from this PCFG: each nonterminal's rule
        with its probability, from the start down.

        Args:
            rng: a ``random.Random``, or a seed for one.

        Example:
            >>> import dsl, synth
            >>> g = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=3)
            >>> d = g.uniform().sample(0)
            >>> d.log_probability(g.uniform()) < 0
            True
        """
        from synth._derivation import sample

        if not isinstance(rng, random.Random):
            rng = random.Random(rng)
        return sample(self, rng)

    def log_probability(self, program: dsl.Definition | dsl.Expr | Derivation) -> float:
        """The natural log of the probability of a derivation of this grammar under this
        PCFG; of a program, that of the derivation :meth:`Grammar.derive` finds (a program
        whose subexpressions type in several ways has one derivation per typing).

        Raises:
            DerivationError: the grammar cannot derive the program.
        """
        from synth._derivation import Derivation

        d = program if isinstance(program, Derivation) else self.grammar.derive(program)
        return d.log_probability(self)

    def probability(self, nt: NonTerminal, production_name: str) -> float:
        """Probability of the production called ``production_name`` at ``nt`` (0 if absent)."""
        for r, lp in zip(self.grammar.rules[nt], self.logprobs[nt], strict=True):
            if r.production.name == production_name:
                return math.exp(lp)
        return 0.0

    def __repr__(self) -> str:
        return f"PCFG({self.grammar!r})"


@runtime_checkable
class Guide(Protocol):
    """Anything that maps a spec and a grammar to task-specific weights.

    The neural policy implements this; ``synth`` never imports ``neural``.
    """

    def weights(self, spec: Spec, grammar: Grammar) -> PCFG:
        """A PCFG over ``grammar`` for ``spec``."""
        ...
