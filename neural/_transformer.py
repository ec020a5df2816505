"""The Transformer baseline: attention over the list elements, and an output canvas.

The sequence is a start token, one token per input list element or int/bool argument, and
the output: one token for an int or bool, or for a list a *canvas* of query slots, each of
which says whether it is part of the output (a "present" bit; the list ends at the first
absent slot) and what its value is. The start and input tokens attend to one another,
each output slot to them and to itself; nothing is decoded token by token, so scoring a
thousand lists of fifty takes a few forward passes (seconds on one CPU core). The canvas
is one slot longer than the longest training output while training and ``max_len`` slots
at prediction, so outputs longer or shorter than the inputs (duplicate: 2n; interleave:
n + m; "repeat x n times") can be expressed.

Values. A value ``v`` enters as ``[v / scale, cos(w v), sin(w v)]`` for fixed frequencies
``w = 2 pi / p``, ``p`` in :data:`PERIODS` (Fourier features in the manner of Tancik et
al., 2020), through a learned linear map: no lookup table, so any int is representable.
The linear part keeps order and magnitude; the periodic part makes equality testable by a
dot product (``cos w(x - y)`` is largest at ``x == y`` for any ``x, y``, seen or not).

Outputs. An int is a mixture of *copying* an input token (a pointer head: a softmax over
the input tokens) and *regression* (a discretised logistic over the ints, as in
PixelCNN++), mixed by a learned gate: the pointer-generator of See et al. (2017). Copying
reproduces any input value exactly, however large; regression expresses new values (sums,
counts). Training maximises the mixture's likelihood; prediction takes the likelier of the
two modes. Bools are logits.

Positions. Attention gets a learned bias per head from the *relative* position of query
and key (Shaw et al., 2018; the clipped table shared across layers of T5, Raffel et al.,
2020), for each pair of token groups (start, each argument, output): one table for the
offset ``p_q - p_k`` counted from the start of the key's list and one for ``p_q - r_k``,
``r_k`` the key's position counted from the end of its list. With them "the same
position", "the next one", "the mirror position" (reverse) and "the last one" are each one
learned number that means the same at length 50 as at length 5. Relative schemes are the
ones that length-generalise best in the comparison of Kazemnejad et al. (2023); hence no
learned absolute embeddings, which are untrained rows beyond the training lengths.
Offsets beyond ``max_distance`` share the last bias. Its default, 4, is the largest offset
inside a training list (lengths 1..5), so that the shared "far" bias is itself trained:
at length 50 the 45 far elements get the bias learned for far elements, not an untrained
zero that would spread attention over them.

Relative offsets alone cannot say "element j // 2" (duplicate, interleave) or "slot j is
present iff j < n" ("repeat x n times"): with ``max_distance`` 4 and no other position
signal, held-out training accuracy was 61%, 84% and 80% on those three. So, with
``absolute_positions`` (the default), each token also gets its position from the start
and from the end as numbers (``pos / 10``, through a learned linear map): numbers, not
table rows, so a position never seen is still a point on the same line. With both, every
reference task is learnt on the training distribution.

Output slots attend to the inputs and to themselves, not to one another, so that what a
slot computes does not depend on the canvas length (a few slots in training, ``max_len`` at
prediction).

References:
    Vaswani et al., "Attention Is All You Need", NeurIPS 2017.
    Shaw, Uszkoreit, Vaswani, "Self-Attention with Relative Position Representations",
    NAACL 2018.
    Raffel et al., "Exploring the Limits of Transfer Learning with a Unified Text-to-Text
    Transformer" (T5), JMLR 2020.
    Kazemnejad et al., "The Impact of Positional Encoding on Length Generalization in
    Transformers", NeurIPS 2023.
    Tancik et al., "Fourier Features Let Networks Learn High Frequency Functions in Low
    Dimensional Domains", NeurIPS 2020.
    See, Liu, Manning, "Get To The Point: Summarization with Pointer-Generator Networks",
    ACL 2017.
    Salimans et al., "PixelCNN++", ICLR 2017 (the discretised logistic likelihood).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax  # type: ignore[import-untyped]  # optax ships no py.typed
from flax import nnx

from neural._config import BaselineConfig
from neural._encode import Layout

Batch = dict[str, jax.Array]

#: Periods of the Fourier features of a value.
PERIODS = (2.0, 3.0, 5.0, 7.0, 11.0, 13.0, 17.0, 23.0)
#: Positions enter as numbers divided by this (with ``absolute_positions``).
POSITION_SCALE = 10.0
_START, _OUTPUT = 0, 4  # token groups: 0 start, 1..3 the arguments, 4 the output
_GROUPS = 5
_NEG = -1e9


def value_features(value: jax.Array, scale: float) -> jax.Array:
    """[..., 1 + 2 * len(PERIODS)]: ``v / scale`` and the Fourier features of ``v``."""
    w = 2 * math.pi / np.asarray(PERIODS, np.float32)
    angle = value[..., None] * w
    return jnp.concatenate([value[..., None] / scale, jnp.cos(angle), jnp.sin(angle)], axis=-1)


class Block(nnx.Module):
    """A pre-norm Transformer block whose attention takes an additive bias."""

    def __init__(self, width: int, heads: int, *, rngs: nnx.Rngs) -> None:
        self.heads = heads
        self.norm1 = nnx.LayerNorm(width, rngs=rngs)
        self.qkv = nnx.Linear(width, 3 * width, rngs=rngs)
        self.out = nnx.Linear(width, width, rngs=rngs)
        self.norm2 = nnx.LayerNorm(width, rngs=rngs)
        self.up = nnx.Linear(width, 4 * width, rngs=rngs)
        self.down = nnx.Linear(4 * width, width, rngs=rngs)

    def __call__(self, x: jax.Array, bias: jax.Array) -> jax.Array:
        """x [batch, seq, width], bias [batch, heads, seq, seq] -> [batch, seq, width]."""
        b, s, d = x.shape
        q, k, v = jnp.split(self.qkv(self.norm1(x)).reshape(b, s, 3, self.heads, -1), 3, axis=2)
        q, k, v = q[:, :, 0], k[:, :, 0], v[:, :, 0]
        logits = jnp.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d // self.heads) + bias
        att = jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(logits, axis=-1), v)
        x = x + self.out(att.reshape(b, s, d))
        return x + self.down(jax.nn.gelu(self.up(self.norm2(x))))


class Transformer(nnx.Module):
    """Input tokens and an output canvas -> the output heads (see the module docstring)."""

    def __init__(self, layout: Layout, config: BaselineConfig, *, rngs: nnx.Rngs) -> None:
        d, h, k = config.width, config.heads, config.max_distance
        self.layout = layout
        self.scale = config.value_scale
        self.max_distance = k
        self.absolute = config.absolute_positions
        self.embed_value = nnx.Linear(1 + 2 * len(PERIODS), d, rngs=rngs)
        self.embed_position = nnx.Linear(2, d, rngs=rngs)
        self.group = nnx.Embed(_GROUPS, d, rngs=rngs)
        init = nnx.initializers.zeros
        self.from_start = nnx.Param(init(rngs.params(), (_GROUPS * _GROUPS, 2 * k + 1, h)))
        self.from_end = nnx.Param(init(rngs.params(), (_GROUPS * _GROUPS, 2 * k + 1, h)))
        self.blocks = nnx.List([Block(d, h, rngs=rngs) for _ in range(config.depth)])
        self.norm = nnx.LayerNorm(d, rngs=rngs)
        # present bit, bool logit, copy gate, regressed mean, regressed log-scale
        self.head = nnx.Linear(d, 5, rngs=rngs)
        self.query = nnx.Linear(d, d, rngs=rngs)
        self.key = nnx.Linear(d, d, rngs=rngs)

    def __call__(self, batch: Batch) -> tuple[jax.Array, jax.Array, jax.Array]:
        """Heads [batch, slots, 5], pointer logits [batch, slots, tokens] (masked) and the
        input token mask [batch, tokens]."""
        value, mask = batch["value"], batch["mask"]
        b, t = value.shape
        c = batch["canvas"].shape[0]
        canvas = jnp.broadcast_to(batch["canvas"], (b, c))
        group = jnp.concatenate(
            [
                jnp.full((b, 1), _START),
                batch["arg"],
                jnp.full((b, c), _OUTPUT),
            ],
            axis=1,
        )
        zero = jnp.zeros((b, 1), jnp.int32)
        pos = jnp.concatenate([zero, batch["pos"], canvas], axis=1)
        rpos = jnp.concatenate([zero, batch["rpos"], jnp.zeros((b, c), jnp.int32)], axis=1)
        keep = jnp.concatenate([jnp.ones((b, 1), bool), mask, jnp.ones((b, c), bool)], axis=1)

        inputs = self.embed_value(value_features(value, self.scale))
        # The start token and the output slots are their group's embedding alone.
        x = jnp.pad(inputs, ((0, 0), (1, c), (0, 0))) + self.group(group)
        if self.absolute:
            numbers = jnp.stack([pos, jnp.where(group == _OUTPUT, 0, rpos)], axis=-1)
            x = x + self.embed_position(numbers.astype(jnp.float32) / POSITION_SCALE)

        pair = group[:, :, None] * _GROUPS + group[:, None, :]
        k = self.max_distance
        start = jnp.clip(pos[:, :, None] - pos[:, None, :], -k, k) + k
        end = jnp.clip(pos[:, :, None] - rpos[:, None, :], -k, k) + k
        bias = self.from_start[pair, start] + self.from_end[pair, end]  # [b, q, k, heads]
        # Output slots read the inputs and themselves, not one another (module docstring).
        slot = jnp.arange(1 + t + c) >= 1 + t
        allowed = keep[:, None, :] & (~slot[None, :] | jnp.eye(1 + t + c, dtype=bool))[None]
        bias = jnp.where(allowed[..., None], bias, _NEG).transpose(0, 3, 1, 2)
        for block in self.blocks:
            x = block(x, bias)
        x = self.norm(x)
        out, tok = x[:, 1 + t :], x[:, 1 : 1 + t]
        pointer = jnp.einsum("bcd,btd->bct", self.query(out), self.key(tok))
        pointer = jnp.where(mask[:, None, :], pointer / math.sqrt(x.shape[-1]), _NEG)
        return self.head(out), pointer, mask

    def loss(self, batch: Batch) -> jax.Array:
        """Negative log-likelihood of the outputs: present bits and bools (Bernoulli),
        ints (copy/regression mixture), averaged over present slots."""
        heads, pointer, mask = self(batch)
        y, present = batch["y"], batch["present"].astype(jnp.float32)
        if self.layout.bool_output:
            per_slot = optax.sigmoid_binary_cross_entropy(heads[..., 1], y)
        else:
            match = (batch["value"][:, None, :] == y[..., None]) & mask[:, None, :]
            log_pointer = jax.nn.log_softmax(pointer, axis=-1)
            log_copy = jax.nn.logsumexp(jnp.where(match, log_pointer, _NEG), axis=-1)
            gate = heads[..., 2]
            mixture = jnp.logaddexp(
                jax.nn.log_sigmoid(gate) + log_copy,
                jax.nn.log_sigmoid(-gate) + self._log_regression(heads, y),
            )
            per_slot = -mixture
        loss = jnp.sum(per_slot * present) / jnp.maximum(jnp.sum(present), 1.0)
        if self.layout.list_output:
            loss = loss + jnp.mean(optax.sigmoid_binary_cross_entropy(heads[..., 0], present))
        return loss

    def predict(self, batch: Batch) -> tuple[jax.Array, jax.Array]:
        """Predicted slot values [batch, slots] (raw units; bools as probabilities) and list
        lengths [batch] (the leading present slots)."""
        heads, pointer, mask = self(batch)
        b, c = heads.shape[:2]
        if self.layout.list_output:
            lengths = jnp.sum(jnp.cumprod(heads[..., 0] > 0, axis=-1), axis=-1)
        else:
            lengths = jnp.ones(b, jnp.int32)
        if self.layout.bool_output:
            return jax.nn.sigmoid(heads[..., 1]), lengths
        value = batch["value"]
        probs = jax.nn.softmax(pointer, axis=-1)
        best = jnp.argmax(pointer, axis=-1)  # [b, c]
        copied = jnp.take_along_axis(
            jnp.broadcast_to(value[:, None], (b, c, value.shape[1])), best[..., None], axis=-1
        )[..., 0]
        same = (value[:, None, :] == copied[..., None]) & mask[:, None, :]
        gate = heads[..., 2]
        log_copy = jax.nn.log_sigmoid(gate) + jnp.log(jnp.sum(probs * same, axis=-1) + 1e-30)
        guess = jnp.round(heads[..., 3] * self.scale)
        log_reg = jax.nn.log_sigmoid(-gate) + self._log_regression(heads, guess)
        return jnp.where(log_copy >= log_reg, copied, guess), lengths

    def _log_regression(self, heads: jax.Array, y: jax.Array) -> jax.Array:
        """log P(y) under the discretised logistic of the regression head (per slot)."""
        mean = heads[..., 3] * self.scale
        log_s = jnp.clip(heads[..., 4], -6.0, 6.0) + math.log(self.scale)
        centered = (y - mean) * jnp.exp(-log_s)
        half = 0.5 * jnp.exp(-log_s)
        mass = jax.nn.sigmoid(centered + half) - jax.nn.sigmoid(centered - half)
        # Far in a tail the difference underflows: use the density at the centre instead.
        log_density = centered - log_s - 2 * jax.nn.softplus(centered)
        return jnp.where(mass > 1e-5, jnp.log(jnp.maximum(mass, 1e-12)), log_density)
