"""The constant head: the facts it reads of each constant, where it writes, that it learns.

A fact is checked where its truth is known: examples made by the relation it names, with
the constant ``k`` that made them, must show it at ``k`` on every example.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax  # type: ignore[import-untyped]  # optax ships no py.typed
import pytest
from flax import nnx
from hypothesis import assume, given
from hypothesis import strategies as st

import dsl
import synth
from neural._constants import FACTS, FEATURES, ConstantHead, constant_columns, constant_features
from neural._guide import NeuralGuide
from neural._policy import Policy, PolicyConfig, encode_examples

CONFIG = PolicyConfig(width=16, depth=1, heads=2, hidden=16, rank=8, constants=True)
VOCAB = synth.Vocabulary.of(dsl.DREAMCODER)
COLUMNS = constant_columns(VOCAB)
VALUES = [v for _, v in COLUMNS]
LIST = "(list[int]) -> list[int]"
BOOLS = "(list[int]) -> list[bool]"

# (fact, signature, output from the input and k, whether the example fits the relation)
Case = tuple[str, str, Callable[[Any, int], Any], Callable[[Any, int], bool]]
ANY: Callable[[Any, int], bool] = lambda xs, k: True  # noqa: E731
CASES: list[Case] = [
    ("out[i] - in[i] == c", LIST, lambda xs, k: [x + k for x in xs], lambda xs, k: bool(xs)),
    ("in[i] - out[i] == c", LIST, lambda xs, k: [x - k for x in xs], lambda xs, k: bool(xs)),
    ("out[i] == in[i] * c", LIST, lambda xs, k: [x * k for x in xs], lambda xs, k: bool(xs)),
    ("out[i] == in[i] mod c", LIST, lambda xs, k: [x % k for x in xs], lambda xs, k: k > 0),
    ("out[i] == in[i + c]", LIST, lambda xs, k: xs[k:], lambda xs, k: len(xs) > k),
    ("out[-1-i] == in[-1-i-c]", LIST, lambda xs, k: xs[: len(xs) - k], lambda xs, k: len(xs) > k),
    ("out == in[c]", "(list[int]) -> int", lambda xs, k: xs[k], lambda xs, k: len(xs) > k),
    ("out == in[-1-c]", "(list[int]) -> int", lambda xs, k: xs[-1 - k], lambda xs, k: len(xs) > k),
    ("len(out) == c", LIST, lambda xs, k: xs[:k], lambda xs, k: len(xs) >= k),
    ("len(out) - len(in) == c", LIST, lambda xs, k: xs + [7] * k, ANY),
    ("len(in) - len(out) == c", LIST, lambda xs, k: xs[k:], lambda xs, k: len(xs) >= k),
    ("out == count(in == c)", "(list[int]) -> int", lambda xs, k: xs.count(k), ANY),
    ("out == count(in > c)", "(list[int]) -> int", lambda xs, k: sum(x > k for x in xs), ANY),
    ("out == c", "(list[int]) -> int", lambda xs, k: k, ANY),
    ("c in output", LIST, lambda xs, k: [k, *xs], ANY),
    ("share of output elements == c", LIST, lambda xs, k: [k] * len(xs), lambda xs, k: bool(xs)),
    ("out[i] == (in[i] > c)", BOOLS, lambda xs, k: [x > k for x in xs], ANY),
    (
        "out[i] == (in[i] == c)",
        BOOLS,
        lambda xs, k: [x == k for x in xs],
        ANY,
    ),
    (
        "out[i] == (in[i] divisible by c)",
        BOOLS,
        lambda xs, k: [x % k == 0 for x in xs],
        lambda xs, k: k > 0,
    ),
    (
        "share of kept > c",
        LIST,
        lambda xs, k: [x for x in xs if x > k],
        lambda xs, k: any(x > k for x in xs),
    ),
    ("out - int argument == c", "(int) -> int", lambda n, k: n + k, ANY),
    ("int argument - out == c", "(int) -> int", lambda n, k: n - k, ANY),
    ("out == int argument * c", "(int) -> int", lambda n, k: n * k, ANY),
]
Array = np.ndarray[Any, Any]


def _both(signature: str, pairs: list[tuple[tuple[Any, ...], Any]]) -> tuple[Array, Array]:
    """The facts of the examples, and whether each had anything to count."""
    tokens = jnp.asarray(encode_examples(signature, pairs, config=CONFIG)[None])
    facts, counted = constant_features(tokens, VALUES, CONFIG.value_range, CONFIG.max_list_len)
    return np.asarray(facts, np.float32)[0], np.asarray(counted)[0]


def _facts(signature: str, pairs: list[tuple[tuple[Any, ...], Any]]) -> Array:
    return _both(signature, pairs)[0]


def test_every_fact_has_a_name() -> None:
    assert len(set(FACTS)) == len(FACTS)  # each named once
    assert _facts(LIST, [(([1],), [2])]).shape == (CONFIG.max_examples, 6, FEATURES)
    assert tuple((VOCAB.production_index(str(v)), v) for v in range(6)) == COLUMNS


@given(
    st.sampled_from(CASES),
    st.integers(0, 5),
    # lists the encoding keeps whole (longer ones are cut: see the test after this one)
    st.lists(st.lists(st.integers(0, 20), max_size=CONFIG.max_list_len), min_size=1, max_size=4),
    st.integers(-15, 15),
)
def test_a_fact_holds_at_the_constant_that_made_the_examples(
    case: Case, k: int, lists: list[list[int]], n: int
) -> None:
    fact, signature, make, fits = case
    inputs: list[Any] = [n + i for i in range(len(lists))] if "int argument" in fact else lists
    assume(all(fits(x, k) for x in inputs))
    pairs = [((x,), make(x, k)) for x in inputs]
    facts, counted = _both(signature, pairs)  # [examples, K, FEATURES] each
    at = (slice(0, len(pairs)), VALUES.index(k), FACTS.index(fact))
    here, counts = facts[at], counted[at]
    # where it has anything to count (not an empty list), it holds; elsewhere it is 0
    np.testing.assert_array_equal(here, np.where(counts, 1.0, 0.0))
    for out, c in zip((out for _, out in pairs), counts, strict=True):
        assert c or out == []
    assert np.all(facts[len(pairs) :] == 0)  # examples that are not there show nothing


def test_facts_read_only_what_the_encoding_keeps_exactly() -> None:
    # 500 and 503 are beyond value_range (bucketed): they relate to nothing and are not
    # counted, so the one pair left shows 3 on every output element there is to count
    facts = _facts(LIST, [(([500, 1],), [503, 4])])[0]
    shift = facts[:, FACTS.index("out[i] - in[i] == c")]
    np.testing.assert_array_equal(shift, [0, 0, 0, 1, 0, 0])
    assert facts.min() >= -1 and facts.max() <= 1
    # positions from the end are exact only below the cap: the last 19 of 20 elements
    # show 1 place from the end where they can be told, never 0 places
    xs = list(range(20))
    tail = _facts(LIST, [((xs,), xs[:-1])])[0][:, FACTS.index("out[-1-i] == in[-1-i-c]")]
    assert tail[1] > 0 and tail[0] == 0 and tail[1] == tail.max()


def test_facts_that_do_not_apply_are_zero() -> None:
    # nothing is divisible by 0; an int output keeps and drops no elements
    tests = _facts(BOOLS, [(([3, 5],), [False, False])])[:, :, FACTS.index(FACTS[32])]
    assert FACTS[32] == "out[i] == (in[i] divisible by c)"
    assert tests[0, 0] == 0 and tests[0, 2] == 1  # 3 and 5 are not even
    facts, counted = _both("(list[int]) -> int", [(([1, 2, 9],), 3)])
    for name in ("share of dropped > c", "share of dropped == c", "share of kept > c"):
        assert not facts[0, :, FACTS.index(name)].any()
        assert not counted[0, :, FACTS.index(name)].any()


def test_an_empty_list_does_not_stand_against_what_every_other_example_shows() -> None:
    # The head's direct path reads the facts that hold on every example that has
    # something to count: adding "[] -> []" to a spec of "add 3" changes nothing there.
    head = ConstantHead(16, rngs=nnx.Rngs(0))
    head.weights.kernel[...] = jax.random.normal(jax.random.key(0), head.weights.kernel[...].shape)
    pairs = [(([1, 2],), [4, 5]), (([7],), [10])]
    contexts = jax.random.normal(jax.random.key(1), (3, 16))

    def direct(pairs: list[tuple[tuple[Any, ...], Any]]) -> Array:
        facts, counted = _both(LIST, pairs)
        examples = jnp.arange(CONFIG.max_examples)[None] < len(pairs)
        spec = jnp.zeros((1, 16))
        bonus = head(jnp.asarray(facts)[None], jnp.asarray(counted)[None], examples, contexts, spec)
        return np.asarray(bonus)

    np.testing.assert_allclose(direct(pairs), direct([*pairs, (([],), [])]), atol=1e-6)
    assert not np.allclose(direct(pairs), 0)


def _policy(seed: int) -> Policy:
    policy = Policy(CONFIG, VOCAB.shape, rngs=nnx.Rngs(seed), constants=COLUMNS)
    assert policy.constant_head is not None
    out = policy.constant_head.out
    out.kernel[...] = jax.random.normal(jax.random.key(seed), out.kernel[...].shape)
    return policy


def test_the_head_moves_the_constants_logits_and_nothing_else() -> None:
    fresh = Policy(CONFIG, VOCAB.shape, rngs=nnx.Rngs(0), constants=COLUMNS)
    policy = _policy(0)  # the same parameters, but the head's last layer is not zero
    spec = synth.Spec.from_examples([(([1, 2],), [4, 5]), (([7],), [10])])
    moved = NeuralGuide(policy, VOCAB).logits(spec) - NeuralGuide(fresh, VOCAB).logits(spec)
    columns = [c for c, _ in COLUMNS]
    others = np.delete(moved, columns, axis=1)
    np.testing.assert_array_equal(others, 0)  # a new head changes nothing else
    assert np.all(np.abs(moved[:, columns]) > 0)
    plain = Policy(PolicyConfig(width=16, depth=1, heads=2, hidden=16, rank=8), VOCAB.shape,
                   rngs=nnx.Rngs(0), constants=COLUMNS)  # fmt: skip
    assert plain.constant_head is None  # only when the config asks for it
    assert Policy(CONFIG, VOCAB.shape, rngs=nnx.Rngs(0)).constant_head is None  # nothing to score


@given(st.permutations(range(4)))
def test_the_head_is_invariant_to_the_order_of_examples(order: list[int]) -> None:
    guide = NeuralGuide(_policy(1), VOCAB)
    pairs = [(([1, 2, 3],), [3, 4, 5]), (([4],), [6]), (([],), []), (([5, 5],), [7, 7])]
    spec = synth.Spec.from_examples(pairs)
    permuted = synth.Spec.from_examples([pairs[i] for i in order])
    np.testing.assert_allclose(guide.logits(spec), guide.logits(permuted), atol=1e-5)


def test_the_head_learns_which_constant_the_examples_ask_for() -> None:
    # Specs of "add k to each element" and "take the first k": from the facts alone the
    # head learns to name k in the context given (one context per relation), on specs it
    # has not seen, well above chance (1/6).
    rng = np.random.default_rng(0)

    def specs(n: int) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
        facts, contexts, ks = [], [], []
        for i in range(n):
            k, relation = int(rng.integers(0, 6)), i % 2
            lists = [list(rng.integers(0, 20, size=int(rng.integers(6, 9)))) for _ in range(3)]
            pairs = [((xs,), [x + k for x in xs] if relation == 0 else xs[:k]) for xs in lists]
            facts.append(_both(LIST, pairs))
            contexts.append(relation)
            ks.append(k)
        values = jnp.asarray(np.stack([f for f, _ in facts]))
        counted = jnp.asarray(np.stack([n for _, n in facts]))
        return values, counted, jnp.asarray(contexts), jnp.asarray(ks)

    head = ConstantHead(16, rngs=nnx.Rngs(0))
    embeddings = jax.random.normal(jax.random.key(1), (2, 16))
    examples = jnp.arange(CONFIG.max_examples) < 3

    def loss(
        head: ConstantHead, facts: jax.Array, counted: jax.Array, ctx: jax.Array, ks: jax.Array
    ) -> jax.Array:
        spec = jnp.zeros((len(ks), 16))
        real = jnp.broadcast_to(examples, facts.shape[:2])
        bonus = head(facts, counted, real, embeddings, spec)
        logits = bonus[jnp.arange(len(ks)), ctx]  # [n, K]
        out: jax.Array = optax.softmax_cross_entropy_with_integer_labels(logits, ks).mean()
        return out

    optimizer = nnx.Optimizer(head, optax.adam(1e-2), wrt=nnx.Param)

    @nnx.jit
    def step(head: ConstantHead, opt: nnx.Optimizer[ConstantHead], *batch: jax.Array) -> None:
        opt.update(head, nnx.grad(loss)(head, *batch))

    train, test = specs(96), specs(48)
    before = float(loss(head, *test))
    for _ in range(150):
        step(head, optimizer, *train)
    facts, counted, ctx, ks = test
    spec = jnp.zeros((len(ks), 16))
    bonus = head(facts, counted, jnp.broadcast_to(examples, facts.shape[:2]), embeddings, spec)
    accuracy = float(jnp.mean(jnp.argmax(bonus[jnp.arange(len(ks)), ctx], -1) == ks))
    assert float(loss(head, *test)) < before / 3
    assert accuracy > 0.8


@pytest.mark.parametrize("seed", [0, 1])
def test_padding_does_not_change_what_the_head_adds(seed: int) -> None:
    policy = _policy(seed)
    pairs = [(([1, 2, 3],), [2, 3, 4]), (([5],), [6])]
    tokens = encode_examples(LIST, pairs, config=CONFIG)[None]
    apply = nnx.jit(lambda p, t: p(t))
    full = apply(policy, jnp.asarray(tokens))
    trimmed = apply(policy, jnp.asarray(tokens[:, :, :16]))
    np.testing.assert_allclose(full, trimmed, atol=1e-5)
