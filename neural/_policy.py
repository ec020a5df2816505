"""The neural policy: a spec's input/output examples -> logits for a library's vocabulary.

Encoding. Every example becomes a row of *tokens*, each four small ints: a value id, a
slot id (which argument, or the output, and what kind of token), and its position in its
list from the start and from the end. An int or bool is one token; a list is a *header*
token, whose value id is its length, then one token per element. A row holds the
arguments (the first :data:`MAX_ARGS`; more are dropped) and then the output, packed at
the front and padded to ``(MAX_ARGS + 1) * (1 + max_list_len)`` tokens. Nothing is ever
refused:

- ints in ``[-value_range, value_range]`` have an id each; beyond, ``|v|`` in
  ``(2^b R, 2^(b+1) R]`` shares the id of bucket ``b`` (per sign, ``b`` < :data:`BUCKETS`,
  the last bucket open-ended): order of magnitude kept, digits lost;
- lists longer than ``max_list_len`` keep their first ``max_list_len`` elements (the
  header still says the length, up to :data:`MAX_LENGTH_ID`, beyond which lengths share
  one id);
- a value that is neither an int, a bool nor a list of them (a nested list) is one
  ``other`` token;
- at most ``max_examples`` examples are read (the first ones); fewer leave rows masked.

Model. Each example's tokens go through a small pre-norm Transformer, with attention only
within the example, so an output element can look at the input elements it may come from
(a copy, a reversal, a filter): relations between the input and the output are what
separate ``reverse`` from ``sort``, and DeepSets (a sum of per-token features) cannot see
them. The tokens are pooled (masked mean and max) into an example vector, and the examples
into a spec vector with the same symmetric, masked pooling, so that the policy is
invariant to the order of the examples. The output is factorised: for each context ``c``
a query ``q_c = W gelu(norm(s + e_c))`` from the spec vector ``s`` and a learned context
embedding ``e_c``; the logit of production ``p`` is ``q_c . f_p / sqrt(rank) + b[c, p]``
with learned production embeddings ``f_p`` and a learned bias table ``b`` (the spec-free
prior). At the default size this is about 0.2 M parameters (under 1 MB of float32) for
any of the built-in libraries. With ``PolicyConfig(constants=True)`` the constant head
(:mod:`neural._constants`) adds to each int constant's logits, in every context, what
relational facts between that constant and the examples say (about 0.1 M parameters
more).

References:
    Balog et al., "DeepCoder: Learning to Write Programs", ICLR 2017 (examples encoded
    separately, pooled over the set).
    Fijalkow et al., "Scaling Neural Program Synthesis with Distribution-based Search",
    AAAI 2022 (a network's output as the weights of a context-indexed grammar).

The network as a :class:`synth.Guide` is :class:`neural._guide.NeuralGuide`; its files
and checkpoints are :mod:`neural._checkpoint`'s.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import numpy.typing as npt
from flax import nnx

import dsl
import synth
from neural._constants import ConstantHead, constant_features
from neural._layout import (
    _BOOL,
    _ELEM_BOOL,
    _ELEM_INT,
    _INT,
    _INT_BASE,
    _KINDS,
    _LENGTH_BASE,
    _LIST_BOOL,
    _LIST_INT,
    _OTHER,
    _ROLES,
    BUCKETS,
    CHANNELS,
    FALSE,
    MAX_ARGS,
    MAX_LENGTH_ID,
    OTHER,
    PAD,
    TRUE,
    pool,
)
from neural._transformer import Block

IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """The policy's sizes and how it encodes examples.

    Attributes:
        width: width of the token encoder. Default 64.
        depth: Transformer layers per example. Default 2.
        heads: attention heads (must divide ``width``). Default 4.
        hidden: width of the example and spec vectors and of each context's query.
            Default 128.
        rank: width of the production embeddings, the rank of the spec-dependent part
            of the logits. Default 64.
        max_examples: examples read per spec (the first ones). Default 10.
        max_list_len: list elements read per list (the first ones). Default 12.
        value_range: ints in ``[-value_range, value_range]`` have their own embedding;
            larger ones share one per power of two (see the module docstring). Default 100
            (the training inputs' ints are within it).
        numeric: also read each int and list length as a quantity (:func:`numeric_table`),
            not only by its learned embedding. Default False (the policies made before
            it was added were made without it and load as such).
        constants: add the constant head (:mod:`neural._constants`), which scores each
            int constant of the vocabulary by relational facts between it and the
            examples. Default False (as ``numeric``, for the policies made before it).
    """

    width: int = 64
    depth: int = 2
    heads: int = 4
    hidden: int = 128
    rank: int = 64
    max_examples: int = 10
    max_list_len: int = 12
    value_range: int = 100
    numeric: bool = False
    constants: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "bool":
                if not isinstance(value, bool):
                    raise synth.ConfigError(
                        f"PolicyConfig.{f.name}: expected a bool, got {value!r}"
                    )
                continue
            low = 0 if f.name == "depth" else 1
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise synth.ConfigError(
                    f"PolicyConfig.{f.name}: expected an int >= {low}, got {value!r}"
                )
        if self.width % self.heads:
            raise synth.ConfigError(
                f"PolicyConfig: heads ({self.heads}) must divide width ({self.width})"
            )

    @property
    def tokens(self) -> int:
        """Tokens per example row: ``(MAX_ARGS + 1) * (1 + max_list_len)``."""
        return _ROLES * (1 + self.max_list_len)

    @property
    def num_values(self) -> int:
        """Rows of the value embedding."""
        return _num_values(self.value_range)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON- and TOML-ready)."""
        return asdict(self)


def _num_values(value_range: int) -> int:
    """Value ids: padding, bools, ``other``, lengths, the exact ints, then the buckets."""
    return _INT_BASE + 2 * value_range + 1 + 2 * BUCKETS


def value_id(v: int, value_range: int) -> int:
    """The embedding id of int ``v`` (exact within ``value_range``, else its bucket)."""
    if -value_range <= v <= value_range:
        return _INT_BASE + value_range + v
    bucket = min(((abs(v) - 1) // value_range).bit_length() - 1, BUCKETS - 1)
    base = _INT_BASE + 2 * value_range + 1
    return base + bucket + (BUCKETS if v < 0 else 0)


#: Periods of the sine and cosine features of a quantity (:func:`numeric_table`).
PERIODS = (2, 3, 4, 5, 7, 10, 16, 32, 64)
#: Features per value id in :func:`numeric_table`.
NUMERIC_FEATURES = 4 + 2 * len(PERIODS)


@functools.lru_cache(maxsize=16)
def numeric_table(value_range: int) -> npt.NDArray[np.float32]:
    """Each value id's features as a quantity: ``float32 [num_values, NUMERIC_FEATURES]``.

    A learned embedding per int says nothing of how ints relate: that 7 is 4 + 3, or that
    an output element is its input element plus 3, must be learned pair by pair. These
    fixed features make such relations easy to compute: for an int ``v`` or a list length
    ``n`` (the quantity ``q``), whether it is an int or a length, ``q / value_range``,
    ``sign(q) log(1 + |q|) / log(1 + value_range)``, and ``sin`` and ``cos`` of
    ``2 pi q / p`` for each period ``p`` in :data:`PERIODS`. With them one attention
    product compares two quantities (``cos(a - b) = cos a cos b + sin a sin b``: equal,
    or a fixed offset apart) and their residues (``mod``, ``is_mod``). An int beyond
    ``value_range`` (a bucket) keeps its sign and magnitude (the bucket's middle) but no
    sines; lengths of ``MAX_LENGTH_ID`` and more read as ``MAX_LENGTH_ID``; padding, bools
    and ``other`` are all zero. The table is read-only (it is cached).
    """
    r = value_range
    num_values = _num_values(r)
    q = np.zeros(num_values, np.float64)
    exact = np.zeros(num_values, bool)
    is_int = np.zeros(num_values, bool)
    is_length = np.zeros(num_values, bool)
    lengths = np.arange(MAX_LENGTH_ID + 1)
    q[_LENGTH_BASE + lengths] = lengths
    exact[_LENGTH_BASE + lengths] = is_length[_LENGTH_BASE + lengths] = True
    ints = np.arange(-r, r + 1)
    q[_INT_BASE + r + ints] = ints
    exact[_INT_BASE + r + ints] = is_int[_INT_BASE + r + ints] = True
    base = _INT_BASE + 2 * r + 1
    for b in range(BUCKETS):
        middle = 1.5 * r * 2**b  # |v| in (2^b R, 2^(b+1) R]
        q[base + b], q[base + BUCKETS + b] = middle, -middle
        is_int[base + b] = is_int[base + BUCKETS + b] = True
    angles = 2 * np.pi * q[:, None] / np.asarray(PERIODS, np.float64)[None, :]
    table = np.concatenate(
        [
            is_int[:, None],
            is_length[:, None],
            (q / r)[:, None],
            (np.sign(q) * np.log1p(np.abs(q)) / np.log1p(r))[:, None],
            np.where(exact[:, None], np.sin(angles), 0.0),
            np.where(exact[:, None], np.cos(angles), 0.0),
        ],
        axis=1,
    )
    table = table.astype(np.float32)
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=256)
def _param_types(signature: str | dsl.TFun) -> tuple[tuple[dsl.Type, ...], dsl.Type]:
    t = dsl.parse_type(signature) if isinstance(signature, str) else signature
    if not isinstance(t, dsl.TFun):
        raise synth.SpecError(f"a signature is a function type, got {t}")
    return t.params, t.ret


def _scalar(v: Any, value_range: int) -> tuple[int, int]:
    """(value id, kind) of a value that is not a list."""
    if isinstance(v, bool | np.bool_):
        return (TRUE if v else FALSE), _BOOL
    if isinstance(v, int | np.integer):
        return value_id(int(v), value_range), _INT
    return OTHER, _OTHER


def encode_examples(
    signature: str | dsl.TFun,
    examples: Sequence[tuple[Sequence[Any], Any]],
    *,
    config: PolicyConfig,
) -> IntArray:
    """The tokens of a spec's examples (see the module docstring).

    Args:
        signature: the spec's type (text or ``dsl.TFun``); says the element type of empty
            lists.
        examples: ``(args, output)`` pairs; lists as lists or tuples.
        config: the encoding's sizes.

    Returns:
        ``int32 [max_examples, tokens, CHANNELS]``: per token its value id (0: padding),
        slot id, position and reverse position. Never raises for a value: see the module
        docstring for how out-of-range values, long lists and odd values are read.

    Raises:
        SpecError: ``signature`` is not a function type.
    """
    params, ret = _param_types(signature)
    slot_types = (*params[:MAX_ARGS], *([None] * (MAX_ARGS - min(len(params), MAX_ARGS))), ret)
    m, r = config.max_list_len, config.value_range
    out = np.zeros((config.max_examples, config.tokens, CHANNELS), np.int32)
    for row, (args, output) in enumerate(examples[: config.max_examples]):
        values = (*tuple(args)[:MAX_ARGS], *([None] * MAX_ARGS))[:MAX_ARGS] + (output,)
        tokens: list[tuple[int, int, int, int]] = []
        for role, (t, v) in enumerate(zip(slot_types, values, strict=True)):
            if t is None:
                continue
            base = role * _KINDS
            if isinstance(v, list | tuple):
                n = len(v)
                bools = (isinstance(t, dsl.TList) and t.elem == dsl.BOOL) or (
                    n > 0 and isinstance(v[0], bool)
                )
                header = _LIST_BOOL if bools else _LIST_INT
                tokens.append((_LENGTH_BASE + min(n, MAX_LENGTH_ID), base + header, 0, 0))
                for i, x in enumerate(v[:m]):
                    vid, kind = _scalar(x, r)
                    kind = {_INT: _ELEM_INT, _BOOL: _ELEM_BOOL}.get(kind, _OTHER)
                    tokens.append((vid, base + kind, i, min(n - 1 - i, m - 1)))
            else:
                vid, kind = _scalar(v, r)
                tokens.append((vid, base + kind, 0, 0))
        out[row, : len(tokens)] = tokens
    return out


def spec_examples(spec: synth.Spec) -> list[tuple[tuple[Any, ...], Any]]:
    """A spec's examples as ``(args, output)`` pairs, for :func:`encode_examples`."""
    return [(e.args, e.output) for e in spec.examples]


class Policy(nnx.Module):
    """Examples -> a ``[contexts, productions]`` table of logits (module docstring).

    Args:
        config: sizes and encoding.
        shape: ``(contexts, productions)``: the vocabulary's shape.
        rngs: initialisation randomness.
        constants: ``(column, value)`` of each int constant among the productions
            (:func:`neural.constant_columns` of the vocabulary), which the constant head
            scores when ``config.constants``; without them it has nothing to score and
            is left out.
    """

    def __init__(
        self,
        config: PolicyConfig,
        shape: tuple[int, int],
        *,
        rngs: nnx.Rngs,
        constants: Sequence[tuple[int, int]] = (),
    ) -> None:
        w, h, d = config.width, config.hidden, config.rank
        contexts, productions = shape
        self.config = config
        self.shape = shape
        self.value = nnx.Embed(config.num_values, w, rngs=rngs)
        self.slot = nnx.Embed(_ROLES * _KINDS, w, rngs=rngs)
        self.pos = nnx.Embed(config.max_list_len, w, rngs=rngs)
        self.rpos = nnx.Embed(config.max_list_len, w, rngs=rngs)
        self.numeric = nnx.Linear(NUMERIC_FEATURES, w, rngs=rngs) if config.numeric else None
        self.blocks = nnx.List([Block(w, config.heads, rngs=rngs) for _ in range(config.depth)])
        self.norm = nnx.LayerNorm(w, rngs=rngs)
        self.example = nnx.Linear(2 * w, h, rngs=rngs)
        self.spec = nnx.Linear(2 * h, h, rngs=rngs)
        self.context = nnx.Embed(contexts, h, rngs=rngs)
        self.context_norm = nnx.LayerNorm(h, rngs=rngs)
        self.query = nnx.Linear(h, d, rngs=rngs)
        self.production = nnx.Embed(productions, d, rngs=rngs)
        self.bias = nnx.Param(jnp.zeros(shape, jnp.float32))
        use = config.constants and bool(constants)
        self.constant_columns = tuple(int(c) for c, _ in constants) if use else ()
        self.constant_values = tuple(int(v) for _, v in constants) if use else ()
        self.constant_head = ConstantHead(h, rngs=rngs) if use else None

    def __call__(self, tokens: jax.Array) -> jax.Array:
        """``tokens`` int ``[batch, examples, tokens, CHANNELS]`` (from
        :func:`encode_examples`) -> logits float32 ``[batch, contexts, productions]``."""
        b, e, t, _ = tokens.shape
        mask = tokens[..., 0] != PAD  # [b, e, t]
        x = (
            self.value(tokens[..., 0])
            + self.slot(tokens[..., 1])
            + self.pos(tokens[..., 2])
            + self.rpos(tokens[..., 3])
        )
        if self.numeric is not None:
            table = jnp.asarray(numeric_table(self.config.value_range))
            x = x + self.numeric(table[tokens[..., 0]])
        x = x.reshape(b * e, t, -1)
        flat = mask.reshape(b * e, t)
        bias = jnp.where(flat, 0.0, -1e9)[:, None, None, :]  # [b*e, 1, 1, t]: keys only
        for block in self.blocks:
            x = block(x, bias)
        x = self.norm(x).reshape(b, e, t, -1)
        per_example = jax.nn.gelu(self.example(pool(x, mask, axis=2)))  # [b, e, hidden]
        spec = jax.nn.gelu(self.spec(pool(per_example, mask.any(-1), axis=1)))  # [b, hidden]
        hidden = self.context_norm(spec[:, None, :] + self.context.embedding[...][None])
        query = self.query(jax.nn.gelu(hidden))  # [b, contexts, rank]
        logits = jnp.einsum("bcd,pd->bcp", query, self.production.embedding[...])
        logits = logits / math.sqrt(query.shape[-1]) + self.bias[...]
        if self.constant_head is not None:
            facts, counted = constant_features(
                tokens, self.constant_values, self.config.value_range, self.config.max_list_len
            )
            contexts = self.context.embedding[...]
            bonus = self.constant_head(facts, counted, mask.any(-1), contexts, spec)  # [b, C, K]
            logits = logits.at[:, :, jnp.asarray(self.constant_columns)].add(bonus)
        return logits


def count_params(policy: Policy) -> int:
    """The number of trained parameters of ``policy``."""
    return int(sum(np.size(x) for x in jax.tree.leaves(nnx.state(policy, nnx.Param))))
