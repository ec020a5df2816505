"""The layout of the policy's tokens (what each id and channel means), and the masked
pooling that its parts share; :mod:`neural._policy` documents the encoding."""

from __future__ import annotations

import jax
import jax.numpy as jnp

#: The most arguments encoded; the rest are dropped (the vocabulary has ``param0..2``).
MAX_ARGS = 3
#: Buckets per sign for ints beyond ``value_range``.
BUCKETS = 8
#: List lengths at or above this share one header id.
MAX_LENGTH_ID = 32

# value ids: padding, the two bools, "other", list lengths, then the ints
PAD, TRUE, FALSE, OTHER = 0, 1, 2, 3
_LENGTH_BASE = 4
_INT_BASE = _LENGTH_BASE + MAX_LENGTH_ID + 1
# kinds of token: scalar int, scalar bool, header of list[int], of list[bool], int element,
# bool element, other
_INT, _BOOL, _LIST_INT, _LIST_BOOL, _ELEM_INT, _ELEM_BOOL, _OTHER = range(7)
_KINDS = 7
_ROLES = MAX_ARGS + 1  # the arguments, then the output
#: Channels of a token: value id, slot id (role * kinds + kind), position, reverse position.
CHANNELS = 4


def pool(x: jax.Array, mask: jax.Array, *, axis: int) -> jax.Array:
    """Masked mean and max of ``x`` over ``axis`` (``mask`` has ``x``'s shape but its last
    axis), concatenated: ``[..., 2 * features]``; zeros where nothing is unmasked."""
    m = mask[..., None]
    count = jnp.maximum(jnp.sum(m, axis=axis), 1)
    mean = jnp.sum(jnp.where(m, x, 0.0), axis=axis) / count
    top = jnp.max(jnp.where(m, x, -jnp.inf), axis=axis)
    top = jnp.where(jnp.any(m, axis=axis), top, 0.0)
    return jnp.concatenate([mean, top], axis=-1)
