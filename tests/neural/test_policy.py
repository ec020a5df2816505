"""The policy: example encoding, the network's invariances and shapes, the guide.

Every network here is tiny and untrained (training is tested in ``test_train.py``): these
tests are about what the encoding reads, what the network is invariant to, and that the
guide's weights are a normalised PCFG that the search accepts.
"""

from __future__ import annotations

import math
import random

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import dsl
import synth
from neural._guide import NeuralGuide
from neural._policy import (
    BUCKETS,
    FALSE,
    MAX_LENGTH_ID,
    NUMERIC_FEATURES,
    OTHER,
    PAD,
    PERIODS,
    TRUE,
    Policy,
    PolicyConfig,
    count_params,
    encode_examples,
    numeric_table,
    value_id,
)

TINY = PolicyConfig(width=16, depth=1, heads=2, hidden=16, rank=8, max_examples=4, max_list_len=5)
VOCAB = synth.Vocabulary.of(dsl.CORE)
GUIDE = NeuralGuide(Policy(TINY, VOCAB.shape, rngs=nnx.Rngs(0)), VOCAB)
NUMERIC = PolicyConfig(
    width=16, depth=1, heads=2, hidden=16, rank=8, max_examples=4, max_list_len=5, numeric=True
)
NUMERIC_GUIDE = NeuralGuide(Policy(NUMERIC, VOCAB.shape, rngs=nnx.Rngs(0)), VOCAB)
APPLY = nnx.jit(lambda policy, tokens: policy(tokens))
REVERSE = synth.Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4]), (([],), [])])


# ---- encoding ---------------------------------------------------------------------------


def _slot(role: int, kind: int) -> int:
    return role * 7 + kind  # roles 0..2 the arguments, 3 the output; 7 kinds of token


def test_encoding_reads_every_kind_of_value() -> None:
    sig = "(list[int], bool, int) -> list[bool]"
    tokens = encode_examples(sig, [(([7, -2], True, 3), [False, True])], config=TINY)
    assert tokens.shape == (TINY.max_examples, TINY.tokens, 4)
    assert tokens.dtype == np.int32
    row = tokens[0]
    n = int((row[:, 0] != PAD).sum())
    assert n == 3 + 1 + 1 + 3  # list header + 2 elements, bool, int, header + 2 elements
    values, slots = row[:n, 0].tolist(), row[:n, 1].tolist()
    assert values[1:3] == [value_id(7, TINY.value_range), value_id(-2, TINY.value_range)]
    assert values[3] == TRUE
    assert values[4] == value_id(3, TINY.value_range)
    assert values[6:] == [FALSE, TRUE]
    assert slots == [
        _slot(0, 2),
        _slot(0, 4),
        _slot(0, 4),
        _slot(1, 1),
        _slot(2, 0),
        _slot(3, 3),
        _slot(3, 5),
        _slot(3, 5),
    ]
    assert row[1:3, 2].tolist() == [0, 1]  # positions from the start
    assert row[1:3, 3].tolist() == [1, 0]  # ... and from the end
    assert not tokens[1:].any()  # fewer examples than max_examples: the rest is padding


def test_encoding_of_empty_lists_and_odd_values() -> None:
    tokens = encode_examples("(list[bool]) -> int", [(((),), 0)], config=TINY)
    assert tokens[0, 0, 1] == _slot(0, 3)  # the signature says the empty list is of bools
    nested = encode_examples("(list[list[int]]) -> int", [(([[1], []],), 0)], config=TINY)
    assert nested[0, 1:3, 0].tolist() == [OTHER, OTHER]


def test_out_of_range_values_are_bucketed_never_refused() -> None:
    r = TINY.value_range
    ids = [value_id(v, r) for v in (r, r + 1, 2 * r, 2 * r + 1, 10**30, -(10**30))]
    assert ids[0] < ids[1] == ids[2] < ids[3] < ids[4]
    assert ids[4] == value_id(r * 2**BUCKETS * 50, r)  # the last bucket is open-ended
    assert max(ids) < TINY.num_values
    tokens = encode_examples("(int) -> int", [((10**30,), -(10**30))], config=TINY)
    assert tokens[0, :2, 0].tolist() == [ids[4], ids[5]]


@given(st.integers(), st.integers())
def test_value_ids_are_in_range_and_keep_order(a: int, b: int) -> None:
    r = TINY.value_range
    ia, ib = value_id(a, r), value_id(b, r)
    assert 0 < ia < TINY.num_values

    def inside(v: int) -> bool:
        return -r <= v <= r

    if inside(a) and inside(b):
        assert (ia < ib) == (a < b)
    elif inside(a) != inside(b):
        assert ia != ib
    elif (a > 0) == (b > 0) and abs(a) <= abs(b):
        assert ia <= ib  # beyond the range, buckets by magnitude per sign


VALUES = st.recursive(
    st.integers() | st.booleans(), lambda inner: st.lists(inner, max_size=30), max_leaves=40
)


@given(st.integers(-100, 100), st.integers(-100, 100))
def test_numeric_features_tell_the_difference_of_two_ints(a: int, b: int) -> None:
    # What an attention product can read off two tokens: their difference modulo each
    # period (cos(x - y) = cos x cos y + sin x sin y), and each one's scaled value.
    table, n = numeric_table(100), len(PERIODS)
    fa, fb = table[value_id(a, 100)], table[value_id(b, 100)]
    assert fa[0] == 1 and fa[1] == 0  # an int, not a length
    assert math.isclose(fa[2] * 100, a, abs_tol=1e-4)
    for k, p in enumerate(PERIODS):
        product = fa[4 + k] * fb[4 + k] + fa[4 + n + k] * fb[4 + n + k]
        assert math.isclose(product, math.cos(2 * math.pi * (a - b) / p), abs_tol=1e-5)
    if a != b:
        assert not np.allclose(fa, fb)


def test_numeric_features_of_lengths_buckets_and_the_rest() -> None:
    table = numeric_table(10)
    assert table.shape == (PolicyConfig(value_range=10).num_values, NUMERIC_FEATURES)
    header = encode_examples("(list[int]) -> int", [(([7, 7, 7],), 1)], config=TINY)[0, 0, 0]
    np.testing.assert_allclose(table[header][:3], [0, 1, 3 / 10])  # a length, of 3
    big, small = table[value_id(-5000, 10)], table[value_id(-50, 10)]
    assert big[0] == 1 and big[2] < small[2] < 0  # sign and magnitude kept
    assert not big[4:].any()  # but no residues: the digits are lost
    for vid in (PAD, TRUE, FALSE, OTHER):
        assert not table[vid].any()
    assert np.isfinite(table).all()


@given(st.lists(st.tuples(st.lists(VALUES, max_size=5), VALUES), max_size=12))
def test_encoding_never_refuses_a_value(examples: list[tuple[list[object], object]]) -> None:
    # whatever the values, however many arguments and examples: a fixed shape, ids in range
    tokens = encode_examples("(list[int], int) -> list[int]", examples, config=TINY)
    assert tokens.shape == (TINY.max_examples, TINY.tokens, 4)
    assert tokens[..., 0].min() >= 0 and tokens[..., 0].max() < TINY.num_values
    assert tokens[..., 1].max() < 4 * 7
    assert tokens[..., 2:].max() < TINY.max_list_len


def test_long_lists_are_truncated_and_keep_their_length() -> None:
    xs = list(range(100))
    tokens = encode_examples("(list[int]) -> int", [((xs,), 5)], config=TINY)
    row = tokens[0]
    assert row[0, 0] == 4 + min(100, MAX_LENGTH_ID)  # the header: the length, capped
    assert int((row[:, 1] == _slot(0, 4)).sum()) == TINY.max_list_len
    assert row[1 : 1 + TINY.max_list_len, 3].max() == TINY.max_list_len - 1  # clipped


def test_extra_examples_and_arguments_are_dropped() -> None:
    examples = [((i, i, i, i), i) for i in range(10)]
    tokens = encode_examples("(int, int, int, int) -> int", examples, config=TINY)
    assert tokens.shape[0] == TINY.max_examples
    assert [int((r[:, 0] != PAD).sum()) for r in tokens] == [4] * TINY.max_examples
    assert tokens[0, 3, 1] == _slot(3, 0)  # the fourth argument was dropped, not the output


# ---- the network -------------------------------------------------------------------------


def test_logits_have_the_vocabulary_shape() -> None:
    policy = GUIDE.policy
    tokens = jnp.zeros((3, TINY.max_examples, TINY.tokens, 4), jnp.int32)
    assert APPLY(policy, tokens).shape == (3, *VOCAB.shape)
    assert GUIDE.logits(REVERSE).shape == VOCAB.shape
    assert count_params(policy) > 0


def test_default_size_is_small() -> None:
    for library in (dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER):
        shape = synth.Vocabulary.of(library).shape
        abstract = nnx.eval_shape(lambda s=shape: Policy(PolicyConfig(), s, rngs=nnx.Rngs(0)))
        assert count_params(abstract) * 4 < 3_000_000  # float32 bytes


@given(st.permutations(range(4)), st.sampled_from([GUIDE, NUMERIC_GUIDE]))
def test_policy_is_invariant_to_the_order_of_examples(order: list[int], guide: NeuralGuide) -> None:
    pairs = [(([1, 2, 3],), 6), (([4],), 4), (([],), 0), (([5, 5],), 10)]
    spec = synth.Spec.from_examples(pairs)
    permuted = synth.Spec.from_examples([pairs[i] for i in order])
    np.testing.assert_allclose(guide.logits(spec), guide.logits(permuted), atol=1e-5)


@pytest.mark.parametrize("guide", [GUIDE, NUMERIC_GUIDE], ids=["embedded", "numeric"])
def test_padding_does_not_change_the_logits(guide: NeuralGuide) -> None:
    # Training trims the token axis to what the data uses; the guide reads all of it.
    tokens = encode_examples(
        REVERSE.signature, [(e.args, e.output) for e in REVERSE.examples], config=guide.config
    )[None]
    full = APPLY(guide.policy, jnp.asarray(tokens))
    trimmed = APPLY(guide.policy, jnp.asarray(tokens[:, :, :8]))
    np.testing.assert_allclose(full, trimmed, atol=1e-5)


def test_numeric_features_reach_the_logits() -> None:
    # Zeroing the numeric layer changes the logits (it is read), and with it zeroed and
    # the rest of the parameters a plain policy's, the logits are the plain policy's: the
    # features enter through that layer alone.
    plus = synth.Spec.from_examples([(([1, 2],), [4, 5]), (([7],), [10])])
    policy = Policy(NUMERIC, VOCAB.shape, rngs=nnx.Rngs(1))
    plain = Policy(TINY, VOCAB.shape, rngs=nnx.Rngs(2))
    extra = (NUMERIC_FEATURES + 1) * NUMERIC.width
    assert count_params(policy) == count_params(plain) + extra
    assert policy.numeric is not None
    pairs = [(e.args, e.output) for e in plus.examples]
    tokens = jnp.asarray(encode_examples(plus.signature, pairs, config=TINY))[None]
    before = APPLY(policy, tokens)
    policy.numeric.kernel[...] = jnp.zeros_like(policy.numeric.kernel[...])
    policy.numeric.bias[...] = jnp.zeros_like(policy.numeric.bias[...])
    assert not np.allclose(APPLY(policy, tokens), before, atol=1e-4)  # the layer was read
    nnx.update(policy, nnx.state(plain, nnx.Param))
    np.testing.assert_allclose(APPLY(policy, tokens), APPLY(plain, tokens), atol=1e-5)


def test_a_spec_without_examples_gets_finite_logits() -> None:
    spec = synth.Spec("(list[int]) -> int", reference=len)
    assert np.isfinite(GUIDE.logits(spec)).all()


# ---- the guide ---------------------------------------------------------------------------


def test_guide_gives_a_normalised_pcfg_equal_to_the_vocabulary_s() -> None:
    assert isinstance(GUIDE, synth.Guide)
    grammar = synth.Grammar.from_library(dsl.CORE, REVERSE.signature, max_depth=4)
    pcfg = GUIDE.weights(REVERSE, grammar)
    assert pcfg.grammar is grammar
    reference = VOCAB.pcfg(grammar, GUIDE.logits(REVERSE))
    for nt, lps in pcfg.logprobs.items():
        assert math.isclose(math.fsum(math.exp(lp) for lp in lps), 1.0, rel_tol=1e-9)
        np.testing.assert_allclose(lps, reference.logprobs[nt], atol=1e-9)
    d = pcfg.sample(random.Random(0))
    assert d.log_probability(pcfg) <= 0


def test_guide_refuses_a_grammar_of_another_library() -> None:
    grammar = synth.Grammar.from_library(dsl.DREAMCODER, REVERSE.signature, max_depth=3)
    with pytest.raises(synth.VocabularyError, match="core"):
        GUIDE.weights(REVERSE, grammar)
    four = synth.Grammar.from_library(dsl.CORE, "(int, int, int, int) -> int", max_depth=2)
    spec = synth.Spec.from_examples([((1, 2, 3, 4), 1)])
    with pytest.raises(synth.VocabularyError, match="param3"):
        GUIDE.weights(spec, four)


def test_guide_works_in_synthesize() -> None:
    result = synth.synthesize(
        REVERSE, library=dsl.CORE, guide=GUIDE, budget=synth.Budget(seconds=1)
    )
    assert result.solved
    assert result.program is not None
    assert result.program([7, 8]) == [8, 7]


def test_guide_needs_a_policy_of_the_vocabulary_s_shape() -> None:
    other = synth.Vocabulary.of(dsl.DREAMCODER)
    with pytest.raises(synth.VocabularyError, match="shape"):
        NeuralGuide(GUIDE.policy, other)
