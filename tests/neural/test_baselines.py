"""The baseline networks: config validation, encoding laws, prediction types, learning.

Every model here is tiny and trained for a few hundred steps at most, so the file runs in
well under a minute; the tuned defaults are measured by ``bench/train.py``, not here.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import neural
import synth
from neural._encode import (
    Layout,
    decode_outputs,
    encode_inputs,
    encode_outputs,
    encode_packed,
    packed_width,
)

TINY_MLP = neural.mlp_config(width=32, depth=1, steps=30, warmup_steps=3, batch_size=16)
TINY_TRANSFORMER = neural.transformer_config(
    width=16, depth=1, heads=2, steps=30, warmup_steps=3, batch_size=16
)


def _values(t: str, rng: random.Random, n: int = 5) -> Any:
    if t == "int":
        return rng.randint(0, 9)
    if t == "bool":
        return rng.random() < 0.5
    if t == "list[int]":
        return [rng.randint(0, 9) for _ in range(rng.randint(0, n))]
    return [rng.random() < 0.5 for _ in range(rng.randint(0, n))]


def _data(signature: str, n: int, *, seed: int = 0) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """Random inputs of ``signature`` and outputs of the same kind as its result."""
    layout = Layout.from_signature(signature)
    rng = random.Random(seed)
    inputs = [tuple(_values(k, rng) for k in layout.params) for _ in range(n)]
    return inputs, [_values(layout.ret, rng, 8) for _ in range(n)]


# ---- config ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"width": 0}, "width"),
        ({"depth": -1}, "depth"),
        ({"steps": 1.5}, "steps"),
        ({"batch_size": True}, "batch_size"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"clip_norm": float("nan")}, "clip_norm"),
        ({"value_scale": "10"}, "value_scale"),
        ({"absolute_positions": 1}, "absolute_positions"),
        ({"warmup_steps": 500, "steps": 100}, "warmup_steps"),
        ({"seed": -1}, "seed"),
        ({"colour": "red"}, "unknown setting"),
    ],
)
def test_config_rejects_bad_values(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(synth.ConfigError, match=message):
        neural.mlp_config(**overrides)


def test_config_checks_kind_and_heads() -> None:
    with pytest.raises(synth.ConfigError, match="kind"):
        neural.BaselineConfig(kind="rnn")  # type: ignore[arg-type]
    with pytest.raises(synth.ConfigError, match="divide"):
        neural.transformer_config(width=30, heads=4)
    with pytest.raises(synth.ConfigError, match="kind"):
        neural.mlp_config(kind="transformer")
    assert isinstance(synth.ConfigError("x"), ValueError)


@pytest.mark.parametrize("make", [neural.mlp_config, neural.transformer_config])
def test_config_dict_round_trip(make: Any) -> None:
    config = make(steps=123, seed=7)
    assert neural.BaselineConfig.from_dict(config.to_dict()) == config
    # Missing keys take the defaults of the kind the data names.
    assert neural.BaselineConfig.from_dict({"kind": config.kind}) == make()


def test_config_from_dict_errors() -> None:
    with pytest.raises(synth.ConfigError, match=r"baseline: unknown key\(s\) \['size'\]"):
        neural.BaselineConfig.from_dict({"size": 3}, where="baseline")
    with pytest.raises(synth.ConfigError, match=r"config\.kind"):
        neural.BaselineConfig.from_dict({"kind": "cnn"})
    with pytest.raises(synth.ConfigError, match="width"):
        neural.BaselineConfig.from_dict({"kind": "mlp", "width": -3})
    with pytest.raises(synth.ConfigError, match="table"):
        neural.BaselineConfig.from_dict([("kind", "mlp")])  # type: ignore[arg-type]


def test_kinds_have_their_own_defaults() -> None:
    assert neural.BaselineConfig() == neural.mlp_config()
    assert neural.transformer_config().kind == "transformer"
    assert neural.transformer_config().width != neural.mlp_config().width


# ---- encoding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    ["(list[int], int, int, int) -> int", "(list[list[int]]) -> int", "(int) -> list[list[int]]"],
)
def test_layout_rejects_what_it_cannot_model(signature: str) -> None:
    with pytest.raises(neural.EncodingError):
        Layout.from_signature(signature)
    with pytest.raises(ValueError, match="expected"):
        Layout.from_signature(signature)


def test_layout_rejects_text_that_is_not_a_signature() -> None:
    with pytest.raises(neural.EncodingError, match="bad signature"):
        Layout.from_signature("(list[int] -> ")
    with pytest.raises(neural.EncodingError, match="function type"):
        Layout.from_signature("list[int]")


ints = st.integers(-neural.VALUE_LIMIT, neural.VALUE_LIMIT)


@given(st.lists(st.lists(ints, max_size=8), min_size=1, max_size=5))
def test_list_outputs_round_trip(outputs: list[list[int]]) -> None:
    layout = Layout.from_signature("(list[int]) -> list[int]")
    values, present = encode_outputs(layout, outputs, length=8)
    assert decode_outputs(layout, values, present.sum(axis=1)) == outputs


@given(st.lists(st.one_of(ints, st.booleans()), min_size=1, max_size=5), st.booleans())
def test_scalar_outputs_round_trip(outputs: list[Any], as_bool: bool) -> None:
    outputs = [bool(v) for v in outputs] if as_bool else [int(v) for v in outputs]
    layout = Layout.from_signature("(list[int]) -> bool" if as_bool else "(list[int]) -> int")
    values, present = encode_outputs(layout, outputs, length=8)
    assert present.all()
    assert decode_outputs(layout, values, present.sum(axis=1)) == outputs


@given(st.lists(st.tuples(st.lists(ints, max_size=6), ints), min_size=1, max_size=4))
def test_input_tokens_hold_the_values(inputs: list[tuple[list[int], int]]) -> None:
    layout = Layout.from_signature("(list[int], int) -> int")
    tokens = encode_inputs(layout, inputs, list_len=6)
    assert tokens.value.shape == (len(inputs), 7)
    for row, (xs, x) in enumerate(inputs):
        mask = tokens.mask[row]
        assert tokens.value[row, :6][mask[:6]].astype(int).tolist() == xs
        assert tokens.pos[row, : len(xs)].tolist() == list(range(len(xs)))
        assert tokens.rpos[row, : len(xs)].tolist() == list(range(len(xs)))[::-1]
        assert mask[6]
        assert int(tokens.value[row, 6]) == x
        assert tokens.arg[row, 6] == 2


@given(st.lists(st.tuples(st.lists(ints, max_size=6), ints, st.lists(ints, max_size=6))))
def test_packed_tokens_are_the_same_tokens_without_the_gaps(
    inputs: list[tuple[list[int], int, list[int]]],
) -> None:
    # The set of (value, argument, position, position from the end) of a row is the same
    # packed or padded: a model that reads tokens by those sees one input either way.
    layout = Layout.from_signature("(list[int], int, list[int]) -> int")
    width = max([packed_width(layout, args) for args in inputs], default=0)
    padded = encode_inputs(layout, inputs, list_len=6)
    packed = encode_packed(layout, inputs, width=width)
    assert packed.value.shape == (len(inputs), width)
    for row, args in enumerate(inputs):
        n = packed_width(layout, args)
        assert n == len(args[0]) + 1 + len(args[2])
        assert packed.mask[row].tolist() == [True] * n + [False] * (width - n)

        def real(t: Any, r: int = row) -> list[tuple[float, int, int, int]]:
            m = t.mask[r]
            return sorted(zip(t.value[r][m], t.arg[r][m], t.pos[r][m], t.rpos[r][m], strict=True))

        assert real(packed) == real(padded)


def test_packed_inputs_must_fit_and_errors_name_the_callers_row() -> None:
    layout = Layout.from_signature("(list[int], int) -> int")
    assert packed_width(layout, ([1, 2, 3], 4)) == 4
    assert packed_width(layout, 7) == 0
    with pytest.raises(neural.EncodingError, match="input 0: 4 tokens do not fit in 3"):
        encode_packed(layout, [([1, 2, 3], 4)], width=3)
    with pytest.raises(neural.EncodingError, match="input 12, argument 1: expected an int"):
        encode_packed(layout, [([1], 2), ([1], [2])], width=4, rows=[3, 12])


def test_out_of_range_values_are_clipped_not_refused() -> None:
    layout = Layout.from_signature("(list[int]) -> int")
    tokens = encode_inputs(layout, [([10**12, -(10**12), 3],)], list_len=2)
    assert tokens.value[0].tolist() == [neural.VALUE_LIMIT, -neural.VALUE_LIMIT]
    assert decode_outputs(layout, [[float("nan")]], [1]) == [0]
    assert decode_outputs(layout, [[1e30]], [1]) == [neural.VALUE_LIMIT]


def test_wrong_inputs_are_errors() -> None:
    layout = Layout.from_signature("(list[int], int) -> int")
    with pytest.raises(neural.EncodingError, match="2 argument"):
        encode_inputs(layout, [([1, 2],)], list_len=4)
    with pytest.raises(neural.EncodingError, match="argument 1: expected an int"):
        encode_inputs(layout, [([1, 2], [3])], list_len=4)
    with pytest.raises(neural.EncodingError, match="argument 0: expected a list"):
        encode_inputs(layout, [(1, 2)], list_len=4)


def test_fit_checks_its_arguments() -> None:
    inputs, outputs = _data("(list[int]) -> int", 4)
    with pytest.raises(neural.EncodingError, match="as many outputs"):
        neural.fit_baseline("(list[int]) -> int", inputs, outputs[:2], config=TINY_MLP, max_len=5)
    with pytest.raises(neural.EncodingError, match="max_len"):
        neural.fit_baseline("(list[int]) -> int", inputs, outputs, config=TINY_MLP, max_len=0)
    with pytest.raises(synth.ConfigError, match="BaselineConfig"):
        neural.fit_baseline(
            "(list[int]) -> int",
            inputs,
            outputs,
            config={"kind": "mlp"},  # type: ignore[arg-type]
            max_len=5,
        )


# ---- prediction ---------------------------------------------------------------------------

SIGNATURES = [
    "(list[int]) -> list[int]",
    "(list[int], int) -> int",
    "(list[int], list[int]) -> list[int]",
    "(list[int]) -> bool",
    "(int, int) -> list[int]",
    "(list[bool], bool) -> list[bool]",
]


def _check_types(signature: str, predicted: list[Any], n: int, max_len: int) -> None:
    layout = Layout.from_signature(signature)
    assert len(predicted) == n
    for value in predicted:
        if layout.ret == "int":
            assert type(value) is int
        elif layout.ret == "bool":
            assert type(value) is bool
        else:
            assert type(value) is list
            assert len(value) <= max_len
            elem = bool if layout.ret == "list[bool]" else int
            assert all(type(v) is elem for v in value)


@pytest.mark.parametrize("signature", SIGNATURES)
def test_mlp_predicts_python_values(signature: str) -> None:
    inputs, outputs = _data(signature, 64)
    net = neural.fit_baseline(signature, inputs, outputs, config=TINY_MLP, max_len=12)
    assert net.signature == signature
    assert net.num_params > 0
    assert net.examples_per_second > 0
    assert net.train_seconds >= net.compile_seconds > 0
    # With values and lengths far out of the training range (clipped or cut, never an
    # error), in one call, so that one shape is compiled.
    big = [tuple(_stretch(a) for a in args) for args in inputs[:8]]
    _check_types(signature, net.predict(inputs[:8] + big), 16, 12)
    assert net.predict([]) == []


def _stretch(value: Any) -> Any:
    """A value far outside training: lists of 50, ints of +-1000 and beyond."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return -1000 * value - 7
    if value and isinstance(value[0], bool):
        return (value * 50)[:50]
    return [10**9, -1000] + [1000 * (i % 7) for i in range(48)]


def test_transformer_predicts_python_values() -> None:
    # Its int head is exercised by the identity and repeat tests below.
    signature = "(list[int], int) -> bool"
    inputs, outputs = _data(signature, 64)
    net = neural.fit_baseline(signature, inputs, outputs, config=TINY_TRANSFORMER, max_len=60)
    big = [tuple(_stretch(a) for a in args) for args in inputs[:8]]
    _check_types(signature, net.predict(inputs[:8] + big), 16, 60)


def test_transformer_writes_lists_longer_than_its_inputs() -> None:
    signature = "(int, int) -> list[int]"
    inputs = [(x, n) for x in range(10) for n in range(1, 6)]
    outputs = [[x] * n for x, n in inputs]
    net = neural.fit_baseline(signature, inputs, outputs, config=TINY_TRANSFORMER, max_len=7)
    _check_types(signature, net.predict(inputs), len(inputs), 7)


def test_transformer_predictions_do_not_depend_on_how_inputs_are_batched() -> None:
    # Prediction packs rows, sorts them by length, pads each chunk to its own width and
    # writes lists on a short canvas first: the outputs must be those of every input
    # padded to the longest and written on the whole canvas, in any order.
    signature = "(list[int], int) -> list[int]"
    rng = random.Random(3)
    train = [
        ([rng.randint(0, 9) for _ in range(rng.randint(0, 5))], rng.randint(1, 12))
        for _ in range(400)
    ]
    # x n times after the list: outputs longer than the short canvas of short inputs
    outputs = [xs + [x] * x for xs, x in train]
    config = dataclasses.replace(TINY_TRANSFORMER, steps=150, warmup_steps=10)
    net = neural.fit_baseline(signature, train, outputs, config=config, max_len=60)
    inputs = [([rng.randint(-50, 50) for _ in range(n)], rng.randint(0, 12)) for n in range(41)]
    inputs += train[:60]
    layout = Layout.from_signature(signature)
    plain = net._predict_tokens(encode_inputs(layout, inputs, list_len=40), net.max_len)
    # The same computation over other token and canvas lengths: equal up to float
    # rounding, which can flip a row sitting on a decision threshold (none does here).
    packed = net.predict(inputs)
    assert sum(p != q for p, q in zip(packed, plain, strict=True)) <= 1
    assert net.predict(inputs[::-1]) == packed[::-1]
    # the second pass ran: some outputs are longer than their inputs' first canvas
    assert any(len(out) > 9 for out in plain[41:])
    with pytest.raises(neural.EncodingError, match="input 2: expected 2 argument"):
        net.predict([([1], 2), ([3, 4, 5, 6, 7], 1), ([1],)])


def test_fits_are_deterministic_per_seed() -> None:
    signature = "(list[int]) -> int"
    inputs, outputs = _data(signature, 64)

    def fit(seed: int) -> neural.Baseline:
        config = dataclasses.replace(TINY_MLP, seed=seed)
        return neural.fit_baseline(signature, inputs, outputs, config=config, max_len=6)

    first, again, other = fit(1), fit(1), fit(2)
    assert first.final_loss == again.final_loss
    assert first.predict(inputs) == again.predict(inputs)
    assert first.final_loss != other.final_loss


@pytest.mark.parametrize("steps", [30, 35])
def test_mlp_steps_in_one_compiled_loop_train_the_same_model(
    steps: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten steps per call (or one, when the steps do not divide by ten): the same parameters.
    signature = "(list[int]) -> list[int]"
    inputs, outputs = _data(signature, 64)
    config = dataclasses.replace(TINY_MLP, steps=steps)

    def fit() -> neural.Baseline:
        return neural.fit_baseline(signature, inputs, outputs, config=config, max_len=8)

    grouped = fit()
    monkeypatch.setitem(neural._fit.STEPS_PER_CALL, "mlp", 1)
    single = fit()
    assert grouped.final_loss == single.final_loss
    assert grouped.predict(inputs) == single.predict(inputs)


# ---- learning -----------------------------------------------------------------------------


def _head_task(n: int, seed: int) -> tuple[list[tuple[Any, ...]], list[Any]]:
    rng = random.Random(seed)
    inputs = [([rng.randint(0, 9) for _ in range(rng.randint(1, 5))],) for _ in range(n)]
    return inputs, [xs[0] for (xs,) in inputs]


def _identity_task(n: int, seed: int) -> tuple[list[tuple[Any, ...]], list[Any]]:
    rng = random.Random(seed)
    inputs = [([rng.randint(0, 9) for _ in range(rng.randint(1, 5))],) for _ in range(n)]
    return inputs, [list(xs) for (xs,) in inputs]


def _accuracy(net: neural.Baseline, data: tuple[list[tuple[Any, ...]], list[Any]]) -> float:
    inputs, outputs = data
    return sum(p == o for p, o in zip(net.predict(inputs), outputs, strict=True)) / len(outputs)


def test_a_small_mlp_learns_the_head_of_a_list() -> None:
    config = neural.mlp_config(width=64, depth=2, steps=300, warmup_steps=20, value_scale=3.0)
    net = neural.fit_baseline("(list[int]) -> int", *_head_task(2000, 0), config=config, max_len=5)
    assert _accuracy(net, _head_task(256, 1)) >= 0.95


def test_a_small_mlp_learns_identity_on_lists() -> None:
    config = neural.mlp_config(width=64, depth=2, steps=300, warmup_steps=20, value_scale=3.0)
    sig = "(list[int]) -> list[int]"
    net = neural.fit_baseline(sig, *_identity_task(2000, 0), config=config, max_len=5)
    assert _accuracy(net, _identity_task(256, 1)) >= 0.95


def test_a_small_transformer_learns_identity_on_lists() -> None:
    config = neural.transformer_config(width=32, depth=1, steps=300, warmup_steps=20)
    sig = "(list[int]) -> list[int]"
    net = neural.fit_baseline(sig, *_identity_task(2000, 0), config=config, max_len=60)
    assert _accuracy(net, _identity_task(128, 1)) >= 0.95
    # Lists of 50 and values of 1000: any output of the right kind, and no error.
    stretched = [(_stretch([1]),) for _ in range(20)]
    _check_types(sig, net.predict(stretched), 20, 60)
