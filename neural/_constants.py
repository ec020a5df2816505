"""The constant head: how well each int constant of a library explains a spec's examples.

A policy that only embeds values must learn pair by pair that an output list whose every
element is its input's plus 3 asks for the constant 3 in ``add``; trained policies did
not (they paid about 1.45 nats per int constant where the examples determined it, against
0.05 for a policy that read them). This head reads the examples *against each constant*
``c``: :func:`constant_features` computes, per example, fixed relational facts between
``c`` and the example's values, and a small learned network (:class:`ConstantHead`) turns
them, pooled over the examples, into a logit bonus for ``c`` in each context. What the
facts mean in which context (that ``out_i - in_i == c`` matters under ``add``, that
``out == in[c]`` matters under ``index``) is learned, from the sampled programs alone.

The facts are families of the relations the libraries' primitives make between
constants and values, each computed the same way for every constant:

- *presence*: ``c`` is an input value or an output value, the output, a list's length, an
  int argument; the share of input and of output elements equal to ``c``;
- *arithmetic*, between an int argument and an int output, between aligned elements
  (same position) of an input list and the output list, and between an input list's
  length and the output's: ``b - a == c``, ``a - b == c``, ``b == a * c``, and for
  elements ``b == a mod c``;
- *position*: an output element is the input element ``c`` places later, or earlier, or
  ``c`` places later counted from the end; an int output is the input element at
  position ``c``, from the start or from the end;
- *selection*, where the output is a list of ints: of the input elements the output
  keeps (an equal value is in the output), the shares greater than ``c`` and divisible
  by ``c``, and of those it drops, the shares greater than, equal to, and divisible by
  ``c``; an int output is the number of input elements equal to, or greater than, ``c``;
- *tests*: a list of bools is, element by element, ``in_i > c``, ``in_i == c``, or
  ``in_i mod c == 0``;
- and, the same for every ``c``: a bool output's value, the share of input elements kept,
  whether there is an int output.

Only ints the encoding keeps exactly (within ``value_range``) and the first
``max_list_len`` elements of each list enter, and positions from the end only where the
encoding keeps them exactly: the facts read the tokens, so they see what the rest of the
policy sees. Shares are 0 where they have nothing to count, and say so, so that an empty
list does not stand against a fact that every other example shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

import synth
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
    _ROLES,
    MAX_LENGTH_ID,
    PAD,
    TRUE,
    pool,
)

#: The relational facts of a constant ``c`` in an example, in the order of the last axis of
#: :func:`constant_features` (``in``/``out``: the examples' input and output; an element
#: is of a list; ``kept``: the input elements whose value is in the output list).
FACTS = (
    "c in input",
    "share of input elements == c",
    "c in output",
    "share of output elements == c",
    "out == c",
    "len(out) == c",
    "len(in) == c",
    "len(out) - len(in) == c",
    "len(in) - len(out) == c",
    "len(out) == len(in) * c",
    "an int argument == c",
    "out - int argument == c",
    "int argument - out == c",
    "out == int argument * c",
    "out[i] - in[i] == c",
    "in[i] - out[i] == c",
    "out[i] == in[i] * c",
    "out[i] == in[i] mod c",
    "out[i] == in[i + c]",
    "out[i] == in[i - c]",
    "out[-1-i] == in[-1-i-c]",
    "out == in[c]",
    "out == in[-1-c]",
    "share of kept > c",
    "share of dropped > c",
    "share of dropped == c",
    "share of kept divisible by c",
    "share of dropped divisible by c",
    "out == count(in == c)",
    "out == count(in > c)",
    "out[i] == (in[i] > c)",
    "out[i] == (in[i] == c)",
    "out[i] == (in[i] divisible by c)",
    # the same for every constant
    "bool out (1, -1; 0 if none)",
    "share of input elements kept",
    "there is an int out",
)
#: Relational facts per example and constant (:func:`constant_features`).
FEATURES = len(FACTS)


def constant_columns(vocabulary: synth.Vocabulary) -> tuple[tuple[int, int], ...]:
    """``(column, value)`` of each production of ``vocabulary`` that is an int constant."""
    out = []
    for column, name in enumerate(vocabulary.productions):
        try:
            out.append((column, int(name)))
        except ValueError:
            continue
    return tuple(out)


Fact = tuple[jax.Array, jax.Array | bool]  # its value, and whether it had anything to count


def _share(hits: jax.Array, among: jax.Array, axis: int) -> Fact:
    """The share of ``among`` (a mask) where ``hits`` holds, over ``axis`` (0 if none),
    and whether there was any."""
    count = jnp.sum(among, axis=axis)
    return jnp.sum(hits & among, axis=axis) / jnp.maximum(count, 1), count > 0


def constant_features(
    tokens: jax.Array, constants: Sequence[int], value_range: int, max_list_len: int
) -> tuple[jax.Array, jax.Array]:
    """Per example, the relational facts of each constant (the module docstring).

    Args:
        tokens: int ``[batch, examples, tokens, CHANNELS]``, as
            :func:`neural.encode_examples` makes them.
        constants: the int constants' values, ``K`` of them.
        value_range: the encoding's ``value_range``.
        max_list_len: the encoding's ``max_list_len`` (positions counted from the end
            are exact below ``max_list_len - 1``; those at it stand for any beyond).

    Returns:
        ``(facts, counted)``, each ``[batch, examples, K, FEATURES]``: the facts
        :data:`FACTS` names, in its order, float32 in ``[-1, 1]``; and, bool, whether
        each had anything to count. A share (the facts of ``out[i]``, those named so)
        counts the output elements, or the input elements, where it holds, and is 0 and
        not counted where there are none (an empty list); the others always count.
    """
    vid, slot = tokens[..., 0], tokens[..., 1]
    pos, rpos = tokens[..., 2], tokens[..., 3]
    real = vid != PAD
    role, kind = slot // _KINDS, slot % _KINDS
    exact = real & (vid >= _INT_BASE) & (vid <= _INT_BASE + 2 * value_range)
    v = (vid - _INT_BASE - value_range)[..., None]  # [b, e, t, 1]: the int, where exact
    header = real & ((kind == _LIST_INT) | (kind == _LIST_BOOL))
    length = (vid - _LENGTH_BASE)[..., None]
    header &= length[..., 0] < MAX_LENGTH_ID  # a shared id is not an exact length
    out, inp = role == _ROLES - 1, role < _ROLES - 1
    in_elem = (inp & (kind == _ELEM_INT) & exact)[..., None]
    out_elem = (out & (kind == _ELEM_INT) & exact)[..., None]
    in_scalar = (inp & (kind == _INT) & exact)[..., None]
    out_scalar = out & (kind == _INT) & exact
    in_header, out_header = (inp & header)[..., None], (out & header)[..., None]
    out_bools = (out & (kind == _ELEM_BOOL) & real)[..., None]
    rexact = (rpos < max_list_len - 1)[..., None]  # at the cap: any position beyond
    out_ints = jnp.any(out & (kind == _LIST_INT) & real, axis=2)[..., None, None]
    c = jnp.asarray(constants, jnp.int32)  # [K]
    positive = c > 0
    safe = jnp.where(positive, c, 1)

    def some(x: jax.Array) -> jax.Array:  # [b, e, t, K] -> [b, e, K]
        return jnp.any(x, axis=2)

    # the example's int output and the output list's length, where there are ones
    has_os = jnp.any(out_scalar, axis=2)[..., None]  # [b, e, 1]
    os = jnp.sum(jnp.where(out_scalar, vid - _INT_BASE - value_range, 0), axis=2)[..., None]
    has_ol = jnp.any(out_header[..., 0], axis=2)[..., None]
    ol = jnp.sum(jnp.where(out_header[..., 0], length[..., 0], 0), axis=2)[..., None]
    os_t, ol_t = os[:, :, None], ol[:, :, None]  # [b, e, 1, 1]: against each token
    in_int = in_elem | in_scalar

    # pairs (input token i, output token j) of one example: [b, e, i, j, K]
    vi, vj = v[:, :, :, None], v[:, :, None, :]
    same = (pos[:, :, :, None] == pos[:, :, None, :])[..., None]
    pi, pj = pos[:, :, :, None, None], pos[:, :, None, :, None]
    ri, rj = rpos[:, :, :, None, None], rpos[:, :, None, :, None]
    pair = in_elem[:, :, :, None] & out_elem[:, :, None, :]

    def aligned(rel: jax.Array, where: jax.Array = same, among: jax.Array = out_elem) -> Fact:
        """Share of output elements with an input element where ``where`` and ``rel``."""
        hit = jnp.any(pair & where & rel, axis=2)  # [b, e, j, K]
        return _share(hit, among, axis=2)

    kept = jnp.any(pair & (vi == vj), axis=3)[..., 0]  # [b, e, i]: its value is output
    # kept and dropped only where the output is a list of ints to keep elements in
    kept_ = in_elem & kept[..., None] & out_ints
    dropped_ = in_elem & ~kept[..., None] & out_ints
    mod0 = positive & (jnp.mod(v, safe) == 0)
    bool_pair = in_elem[:, :, :, None] & out_bools[:, :, None, :] & same
    bj = (vid == TRUE)[:, :, None, :, None]

    def tested(rel: jax.Array) -> Fact:
        hit = jnp.any(bool_pair & (rel[:, :, :, None] == bj), axis=2)
        return _share(hit, out_bools, axis=2)

    def by_length(rel: jax.Array) -> jax.Array:
        return has_ol & some(in_header & rel)

    bool_out = out & (kind == _BOOL) & real
    out_bool = jnp.sum(jnp.where(bool_out, jnp.where(vid == TRUE, 1.0, -1.0), 0.0), axis=2)
    share_kept = _share(kept, in_elem[..., 0], axis=2)
    shared: list[Fact] = [  # the same for every constant: [b, e] each
        (out_bool, True),
        share_kept,
        (has_os[..., 0].astype(jnp.float32), True),
    ]
    ri_exact = rexact[:, :, :, None]
    tested_mod0 = tested(mod0)
    k = len(constants)
    features: list[Fact | jax.Array] = [
        some(in_int & (v == c)),
        _share(v == c, in_elem, axis=2),
        some((out_elem | out_scalar[..., None]) & (v == c)),
        _share(v == c, out_elem, axis=2),
        has_os & (os == c),
        has_ol & (ol == c),
        some(in_header & (length == c)),
        by_length(ol_t - length == c),
        by_length(length - ol_t == c),
        by_length(ol_t == length * c),
        some(in_scalar & (v == c)),
        has_os & some(in_scalar & (os_t - v == c)),
        has_os & some(in_scalar & (v - os_t == c)),
        has_os & some(in_scalar & (os_t == v * c)),
        aligned(vj - vi == c),
        aligned(vi - vj == c),
        aligned(vj == vi * c),
        aligned(positive & (vj == jnp.mod(vi, safe))),
        aligned(vi == vj, pi == pj + c),
        aligned(vi == vj, pj == pi + c),
        aligned(vi == vj, ri_exact & (ri == rj + c), out_elem & rexact),
        has_os & some(in_elem & (pos[..., None] == c) & (v == os_t)),
        has_os & some(in_elem & rexact & (rpos[..., None] == c) & (v == os_t)),
        _share(v > c, kept_, axis=2),
        _share(v > c, dropped_, axis=2),
        _share(v == c, dropped_, axis=2),
        _share(mod0, kept_, axis=2),
        _share(mod0, dropped_, axis=2),
        has_os & (os == jnp.sum(in_elem & (v == c), axis=2)),
        has_os & (os == jnp.sum(in_elem & (v > c), axis=2)),
        tested(v > c),
        tested(v == c),
        (jnp.where(positive, tested_mod0[0], 0.0), tested_mod0[1]),  # nothing divides by 0
    ]
    b, e = tokens.shape[:2]
    shape = (b, e, k)
    facts = [f if isinstance(f, tuple) else (f, True) for f in features]
    values = [jnp.broadcast_to(x.astype(jnp.float32), shape) for x, _ in facts]
    counted = [jnp.broadcast_to(jnp.asarray(n), shape) for _, n in facts]
    values += [jnp.broadcast_to(x[..., None], shape) for x, _ in shared]
    counted += [jnp.broadcast_to(jnp.asarray(n)[..., None], shape) for _, n in shared]
    return jnp.stack(values, axis=-1), jnp.stack(counted, axis=-1)


class ConstantHead(nnx.Module):
    """Relational facts of each constant -> a logit bonus per (context, constant).

    Two paths, summed. *Direct*: the facts that hold on every example (their minimum over
    the examples that have something to count for it) weighed by a per-context weight for
    each fact (a projection of the
    context's embedding), so that "``out[i] - in[i] == c`` on every example" can say
    ``c`` under ``add`` with one learned number. *Learned*: each example's facts go
    through a small MLP, pooled over the examples (masked mean and max, beside the
    minimum), and, added to projections of the context's embedding and of the spec
    vector, give a bonus through one more layer, for what no single fact says. Both are
    invariant to the order of the examples. The last layers start at zero, so a new head
    changes nothing until trained.

    Args:
        hidden: width of its layers, and of the contexts' embeddings and the spec vector
            that it reads.
        rngs: initialisation randomness.
    """

    def __init__(self, hidden: int, *, rngs: nnx.Rngs) -> None:
        zeros = nnx.initializers.zeros_init()
        self.weights = nnx.Linear(hidden, FEATURES, kernel_init=zeros, rngs=rngs)
        self.example = nnx.Linear(FEATURES, hidden, rngs=rngs)
        self.example2 = nnx.Linear(hidden, hidden, rngs=rngs)
        self.pooled = nnx.Linear(2 * hidden + FEATURES, hidden, rngs=rngs)
        self.context = nnx.Linear(hidden, hidden, rngs=rngs)
        self.spec = nnx.Linear(hidden, hidden, rngs=rngs)
        self.out = nnx.Linear(hidden, 1, kernel_init=zeros, rngs=rngs)

    def __call__(
        self,
        features: jax.Array,
        counted: jax.Array,
        examples: jax.Array,
        contexts: jax.Array,
        spec: jax.Array,
    ) -> jax.Array:
        """``features`` float and ``counted`` bool ``[b, e, K, FEATURES]`` (from
        :func:`constant_features`), ``examples`` bool ``[b, e]`` (which are real),
        ``contexts`` ``[C, hidden]``, ``spec`` ``[b, hidden]`` -> bonus float32
        ``[b, C, K]``."""
        # the least value over the examples where a fact had something to count (an
        # empty list says nothing of "out[i] - in[i] == c"); 0 where none had
        real = examples[:, :, None, None] & counted
        always = jnp.min(jnp.where(real, features, jnp.inf), axis=1)  # [b, K, F]
        always = jnp.where(jnp.any(real, axis=1), always, 0.0)
        direct = jnp.einsum("bkf,cf->bck", always, self.weights(contexts))
        x = jax.nn.gelu(self.example2(jax.nn.gelu(self.example(features))))  # [b, e, K, h]
        mask = jnp.broadcast_to(examples[:, :, None], x.shape[:3])
        pooled = jnp.concatenate([pool(x, mask, axis=1), always], axis=-1)  # [b, K, 2h + F]
        u = self.pooled(pooled)[:, None]  # [b, 1, K, h]
        ctx = self.context(contexts)[None, :, None]  # [1, C, 1, h]
        whole = self.spec(spec)[:, None, None]  # [b, 1, 1, h]
        learned = self.out(jax.nn.gelu(u + ctx + whole))[..., 0]
        bonus: jax.Array = direct + learned
        return bonus
