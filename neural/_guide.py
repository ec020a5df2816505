"""A policy as a search guide: a spec's examples -> the PCFG weights of a grammar.

:class:`NeuralGuide` is a :class:`synth.Guide`: it encodes a spec's examples, runs the
policy (compiled once per architecture) and reads each rule's logit from the row of its
context and the column of its production, through a per-grammar index table, so that a
PCFG is a softmax per nonterminal done in a few numpy operations.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np
import numpy.typing as npt
from flax import nnx

import synth
from neural._policy import Policy, PolicyConfig, encode_examples, spec_examples


@functools.partial(jax.jit, static_argnums=0)
def _forward(graphdef: Any, state: Any, tokens: jax.Array) -> jax.Array:
    # Keyed on the graph definition, so every guide of one architecture shares a
    # compilation (the solve-rate check during training makes a guide per evaluation).
    logits: jax.Array = nnx.merge(graphdef, state)(tokens)
    return logits


@dataclass(frozen=True, slots=True, eq=False)
class NeuralGuide:
    """A trained policy as a :class:`synth.Guide`: a spec's examples -> PCFG weights.

    Attributes:
        policy: the network.
        vocabulary: the library's contexts and productions (the rows and columns of the
            policy's logits).

    Example:
        >>> import dsl, synth
        >>> vocab = synth.Vocabulary.of(dsl.CORE)
        >>> guide = NeuralGuide(Policy(PolicyConfig(width=16, depth=1, hidden=16, rank=8),
        ...                            vocab.shape, rngs=nnx.Rngs(0)), vocab)
        >>> spec = synth.Spec.from_examples([(([1, 2],), [2, 1])])
        >>> grammar = synth.Grammar.from_library(dsl.CORE, spec.signature, max_depth=3)
        >>> guide.weights(spec, grammar).grammar is grammar
        True
    """

    policy: Policy
    vocabulary: synth.Vocabulary
    _graphdef: Any = field(init=False, repr=False)
    _state: Any = field(init=False, repr=False)
    _tables: weakref.WeakKeyDictionary[synth.Grammar, _Table] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.policy.shape != self.vocabulary.shape:
            raise synth.VocabularyError(
                f"the policy's logits have shape {self.policy.shape}, but the vocabulary of "
                f"library {self.vocabulary.library!r} has shape {self.vocabulary.shape}"
            )
        graphdef, state = nnx.split(self.policy)
        object.__setattr__(self, "_graphdef", graphdef)
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_tables", weakref.WeakKeyDictionary())

    @property
    def config(self) -> PolicyConfig:
        """The policy's sizes and encoding."""
        return self.policy.config

    def logits(self, spec: synth.Spec) -> npt.NDArray[np.float32]:
        """The policy's logits for ``spec``: float32 ``[contexts, productions]``."""
        tokens = encode_examples(spec.signature, spec_examples(spec), config=self.config)
        batch = _forward(self._graphdef, self._state, tokens[None])  # [1, contexts, productions]
        return np.asarray(batch[0], np.float32)

    def weights(self, spec: synth.Spec, grammar: synth.Grammar) -> synth.PCFG:
        """The PCFG over ``grammar`` that the policy predicts for ``spec``: in each
        nonterminal the softmax of its rules' logits in its context.

        Raises:
            VocabularyError: ``grammar`` is of another library than the policy's, or has
                a context or production the vocabulary lacks (more parameters, another
                constant).
        """
        if grammar.library.name != self.vocabulary.library:
            raise synth.VocabularyError(
                f"this guide was trained for library {self.vocabulary.library!r}, but the "
                f"grammar is of library {grammar.library.name!r}"
            )
        table = self._tables.get(grammar)
        if table is None:
            table = self._tables[grammar] = _Table.of(self.vocabulary, grammar)
        return table.pcfg(grammar, self.logits(spec))


@dataclass(frozen=True, slots=True)
class _Table:
    """Where each rule of one grammar reads its logit, so that a PCFG is a few numpy
    operations rather than a Python call per rule: what ``Vocabulary.pcfg`` computes
    (a softmax per nonterminal), about ten times faster on a grammar of 9000 rules."""

    rows: npt.NDArray[np.intp]  # [rules]: the context row of each rule
    cols: npt.NDArray[np.intp]  # [rules]: the production column of each rule
    starts: npt.NDArray[np.intp]  # [nonterminals]: the first rule of each nonterminal
    sizes: npt.NDArray[np.intp]  # [nonterminals]: its number of rules (each >= 1)

    @classmethod
    def of(cls, vocabulary: synth.Vocabulary, grammar: synth.Grammar) -> _Table:
        vocabulary.check(grammar)  # raises VocabularyError naming what is missing
        rows, cols, sizes = [], [], []
        for nt, rules in grammar.rules.items():
            row = vocabulary.context_index(nt.context)
            rows += [row] * len(rules)
            cols += [vocabulary.production_index(r.production.name) for r in rules]
            sizes.append(len(rules))
        size = np.asarray(sizes, np.intp)
        starts = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.intp)
        return cls(np.asarray(rows, np.intp), np.asarray(cols, np.intp), starts, size)

    def pcfg(self, grammar: synth.Grammar, logits: npt.NDArray[np.float32]) -> synth.PCFG:
        if not np.all(np.isfinite(logits)):
            raise ValueError("the policy's logits are not all finite")
        w = logits.astype(np.float64)[self.rows, self.cols]
        top = np.maximum.reduceat(w, self.starts)
        shifted = w - np.repeat(top, self.sizes)
        log_total = np.log(np.add.reduceat(np.exp(shifted), self.starts))
        lp = (shifted - np.repeat(log_total, self.sizes)).tolist()
        ends = (self.starts + self.sizes).tolist()
        return synth.PCFG(
            grammar,
            {
                nt: tuple(lp[a:b])
                for nt, a, b in zip(grammar.rules, self.starts.tolist(), ends, strict=True)
            },
        )
