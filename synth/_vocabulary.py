"""The fixed output space of a guide for one library: its contexts and production names.

Every grammar built from a library (for any signature of up to ``max_params`` parameters)
names its contexts and productions from one finite set: the library's items, ``[_]``,
``lambda``, ``param0``..., ``var0``... and the constants. A network that predicts one
distribution over these names per context therefore serves every task of the library, and
its output is a ``[contexts, productions]`` table of logits that :meth:`Vocabulary.pcfg`
turns into a PCFG of any grammar of the library, normalised per nonterminal over the rules
that are type-correct there.

References:
    Fijalkow et al., "Scaling Neural Program Synthesis with Distribution-based Search",
    AAAI 2022 (a network's output as the weights of a context-indexed grammar).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dsl
from dsl import Primitive, TFun
from synth._derivation import Derivation
from synth._grammar import PCFG, START, Context, Grammar, _const_name
from synth._spec import SpecError


class VocabularyError(SpecError):
    """A grammar whose contexts or productions the vocabulary does not have: another
    library, more parameters or bound variables than it was made for, another constant."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The contexts and production names of every grammar of one library.

    Build it with :meth:`of`. ``contexts[i]`` and ``productions[j]`` name row ``i`` and
    column ``j`` of a guide's table of logits.

    Attributes:
        library: the library's name.
        contexts: ``("start", 0)`` and ``(item, k)`` for every argument ``k`` of every
            library item that takes arguments (and of ``[_]``, and of ``self`` when
            recursion is in).
        productions: the library's items, ``[_]``, ``lambda``, ``param0``..., ``var0``...,
            the constants (and ``self``).
        max_params: most parameters of a signature it serves.
        max_bound_vars: most lambda-bound variables in scope.

    Example:
        >>> import dsl, synth
        >>> v = synth.Vocabulary.of(dsl.CORE)
        >>> v.contexts[0], "param2" in v.productions, ("map", 1) in v.contexts
        (('start', 0), True, True)
    """

    library: str
    contexts: tuple[Context, ...]
    productions: tuple[str, ...]
    max_params: int
    max_bound_vars: int
    _context_index: dict[Context, int] = field(init=False, repr=False, compare=False)
    _production_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, items in (("contexts", self.contexts), ("productions", self.productions)):
            if len(set(items)) != len(items):
                raise ValueError(f"Vocabulary.{name} has a name twice")
        object.__setattr__(self, "_context_index", {c: i for i, c in enumerate(self.contexts)})
        object.__setattr__(
            self, "_production_index", {p: j for j, p in enumerate(self.productions)}
        )

    @classmethod
    def of(
        cls,
        library: dsl.Library,
        *,
        constants: Iterable[Any] | None = None,
        max_params: int = 3,
        max_bound_vars: int = 3,
        allow_recursion: bool = False,
    ) -> Vocabulary:
        """The vocabulary of every grammar of ``library`` built with these settings
        (those of :meth:`Grammar.from_library`; ``constants`` None: the library's)."""
        if max_params < 1 or max_bound_vars < 0:
            raise ValueError(
                f"max_params must be >= 1 and max_bound_vars >= 0, got {max_params} and "
                f"{max_bound_vars}"
            )
        arities: dict[str, int] = {}
        for name in library.names:
            item = library[name]
            t = item.type if isinstance(item, Primitive) else item.signature
            if isinstance(t, TFun):
                arities[name] = len(t.params)
        arities["[_]"] = 1
        productions = [*arities, "lambda"]
        productions += [f"param{i}" for i in range(max_params)]
        productions += [f"var{j}" for j in range(max_bound_vars)]
        values = library.constants if constants is None else tuple(constants)
        productions += list(dict.fromkeys(_const_name(dsl.to_internal(c)) for c in values))
        if allow_recursion:
            arities["self"] = max_params  # its contexts for every arity up to the most
            productions.append("self")
        contexts = [START] + [(name, k) for name, n in arities.items() for k in range(n)]
        return cls(library.name, tuple(contexts), tuple(productions), max_params, max_bound_vars)

    @property
    def shape(self) -> tuple[int, int]:
        """``(len(contexts), len(productions))``: the shape of a guide's logits."""
        return len(self.contexts), len(self.productions)

    def context_index(self, context: Context) -> int:
        """The row of ``context``.

        Raises:
            VocabularyError: a context of no grammar of this vocabulary.
        """
        i = self._context_index.get(context)
        if i is None:
            raise VocabularyError(
                f"context {context} is not in the vocabulary of library {self.library!r}"
            )
        return i

    def production_index(self, name: str) -> int:
        """The column of production ``name``.

        Raises:
            VocabularyError: a production of no grammar of this vocabulary.
        """
        j = self._production_index.get(name)
        if j is None:
            raise VocabularyError(
                f"production {name!r} is not in the vocabulary of library {self.library!r} "
                f"(up to {self.max_params} parameters and {self.max_bound_vars} bound "
                "variables)"
            )
        return j

    def check(self, grammar: Grammar) -> None:
        """Raise :class:`VocabularyError` unless every context and production of
        ``grammar`` is in this vocabulary."""
        for nt, rules in grammar.rules.items():
            self.context_index(nt.context)
            for r in rules:
                self.production_index(r.production.name)

    def mask(self, grammar: Grammar) -> list[list[bool]]:
        """``mask[i][j]``: whether production ``j`` occurs in context ``i`` somewhere in
        ``grammar``; a ``[contexts, productions]`` table."""
        rows, cols = self.shape
        out = [[False] * cols for _ in range(rows)]
        for nt, rules in grammar.rules.items():
            row = out[self.context_index(nt.context)]
            for r in rules:
                row[self.production_index(r.production.name)] = True
        return out

    def pcfg(self, grammar: Grammar, logits: Sequence[Sequence[float]]) -> PCFG:
        """The PCFG over ``grammar`` whose weights are ``logits`` (a ``[contexts,
        productions]`` table, e.g. a numpy array): in each nonterminal, the softmax of
        its rules' logits in its context.

        Raises:
            VocabularyError: the grammar has a context or production outside the vocabulary.
            ValueError: ``logits`` has another shape, or a NaN where the grammar reads it.
        """
        shape = (len(logits), len(logits[0]) if len(logits) else 0)
        if shape != self.shape:
            raise ValueError(f"logits must have shape {self.shape}, got {shape}")
        self.check(grammar)
        ci = self._context_index
        pi = self._production_index
        return PCFG.from_log_weights(
            grammar, lambda nt, p: float(logits[ci[nt.context]][pi[p.name]])
        )

    def targets(self, derivation: Derivation) -> list[tuple[int, int, tuple[int, ...]]]:
        """A derivation as training targets: per step, ``(context row, production column,
        the columns of the rules at that nonterminal)``. The last is what the step's
        softmax runs over in :meth:`pcfg`, a column once per rule (a polymorphic
        primitive has a rule per instantiation, each with its name's logit), so that
        ``logits[row, column] - log(sum(exp(logits[row, c]) for c in columns))`` is the
        step's log-probability under ``pcfg(grammar, logits)``."""
        out = []
        for step in derivation:
            nt = step.nonterminal
            rules = derivation.grammar.rules[nt]
            allowed = tuple(sorted(self.production_index(r.production.name) for r in rules))
            out.append(
                (
                    self.context_index(nt.context),
                    self.production_index(step.production.name),
                    allowed,
                )
            )
        return out
