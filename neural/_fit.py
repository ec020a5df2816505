"""Training a baseline on input/output pairs, and the trained baseline that predicts.

:func:`fit_baseline` encodes the pairs once, builds the model the config names, and runs
the flax nnx loop: ``nnx.Optimizer(model, tx, wrt=nnx.Param)`` with ``tx`` an
``optax.chain`` of global-norm clipping and AdamW under a warm-up + cosine schedule, and
one ``@nnx.jit`` train step. The initial parameters come from a jax key made from
``config.seed``, and the batches from per-epoch permutations of the data drawn by a NumPy
generator with the same seed, so a fit is a function of its arguments (on one machine).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax  # type: ignore[import-untyped]  # optax ships no py.typed
from flax import nnx

import dsl
from neural._config import BaselineConfig
from neural._encode import (
    EncodingError,
    Layout,
    Tokens,
    decode_outputs,
    encode_inputs,
    encode_outputs,
    encode_packed,
    longest,
    packed_width,
)
from neural._mlp import MLP
from neural._transformer import Transformer

Model = MLP | Transformer

#: Train steps per compiled call, by model kind (see :func:`fit_baseline`).
STEPS_PER_CALL = {"mlp": 10, "transformer": 1}

#: The most rows scored per call at prediction (fewer are padded to a power of two, so
#: that shapes, and compilations, repeat).
PREDICT_CHUNK = 128


@dataclass(frozen=True, slots=True, eq=False)
class Baseline:
    """A trained baseline network for one signature.

    Attributes:
        config: the settings it was trained with.
        signature: the signature's text.
        max_len: the longest list it accepts or produces (the MLP cuts longer inputs).
        num_params: the number of trained parameters.
        train_seconds: wall-clock seconds of the whole fit (encoding, compilation and every
            step).
        compile_seconds: seconds of the first compiled call (a train step, or the MLP's
            first :data:`STEPS_PER_CALL` steps), which includes its compilation.
        examples_per_second: training examples processed per second over the steps after
            the first call (so compilation is excluded).
        final_loss: the training loss averaged over the last 10% of steps (the model's
            own loss: squared error in raw units plus cross-entropies for the MLP,
            negative log-likelihood for the Transformer).
    """

    config: BaselineConfig
    signature: str
    max_len: int
    num_params: int
    train_seconds: float
    compile_seconds: float
    examples_per_second: float
    final_loss: float
    _model: Model = field(repr=False)
    _layout: Layout = field(repr=False)

    def predict(self, inputs: Sequence[Sequence[Any]]) -> list[Any]:
        """The network's outputs on ``inputs`` (argument tuples), as Python values.

        Values outside the training range are accepted (ints beyond
        ``neural.VALUE_LIMIT`` are clipped); so are lists of any length, though the MLP
        reads only the first ``max_len`` elements.

        Returns:
            One value per input: an int, a bool or a list of them, as the signature says.

        Raises:
            EncodingError: an input with the wrong number or kind of arguments.
        """
        if not inputs:
            return []
        layout = self._layout
        if isinstance(self._model, MLP):
            tokens = encode_inputs(layout, inputs, list_len=self.max_len)
            return self._predict_tokens(tokens, self.max_len if layout.list_output else 1)
        # The Transformer reads a token by its value, argument and positions, so each row
        # is packed (no padding between its arguments) and the rows go in order of their
        # token counts: a chunk is padded to its own width, not to the longest of all.
        # (A malformed row is reported by its position in ``inputs``.)
        sizes = [packed_width(layout, args) for args in inputs]
        order = sorted(range(len(inputs)), key=sizes.__getitem__)
        out: list[Any] = [None] * len(inputs)
        # An output slot attends to the inputs and to itself only, so slot j computes the
        # same whatever the canvas length. A list output is first written on a canvas one
        # slot wider than the chunk's tokens (room for any output no longer than its
        # inputs, and a fraction of max_len for short lists); the rows that fill it (their
        # list has not ended) are written again, together, on the whole canvas.
        unfinished = self._packed_pass(inputs, order, sizes, out, whole=False)
        self._packed_pass(inputs, unfinished, sizes, out, whole=True)
        return out

    def _packed_pass(
        self,
        inputs: Sequence[Sequence[Any]],
        order: list[int],
        sizes: list[int],
        out: list[Any],
        *,
        whole: bool,
    ) -> list[int]:
        """The Transformer's outputs on ``inputs[i]`` for ``i`` in ``order`` (ascending
        sizes), packed, into ``out[i]``; on the whole canvas, or a short one. Returns the
        rows whose list filled the short canvas (in ``order``)."""
        layout = self._layout
        unfinished: list[int] = []
        for start in range(0, len(order), PREDICT_CHUNK):
            rows = order[start : start + PREDICT_CHUNK]
            width = _bucket(max(sizes[rows[-1]], 8))  # short inputs share one shape
            slots = 1
            if layout.list_output:
                slots = self.max_len if whole else min(self.max_len, width + 1)
            tokens = encode_packed(layout, [inputs[i] for i in rows], width=width, rows=rows)
            for i, value in zip(rows, self._predict_tokens(tokens, slots), strict=True):
                out[i] = value
                if layout.list_output and len(value) == slots < self.max_len:
                    unfinished.append(i)
        return unfinished

    def _predict_tokens(self, tokens: Tokens, slots: int) -> list[Any]:
        """Outputs on ``tokens`` with ``slots`` output slots, in chunks of at most
        :data:`PREDICT_CHUNK` rows."""
        out: list[Any] = []
        for start in range(0, len(tokens), PREDICT_CHUNK):
            chunk = tokens.take(slice(start, start + PREDICT_CHUNK))
            n = len(chunk)
            batch = _padded_batch(chunk, min(_bucket(n), PREDICT_CHUNK), slots)
            values, lengths = _predict_step(self._model, batch)
            out += decode_outputs(self._layout, np.asarray(values)[:n], np.asarray(lengths)[:n])
        return out


def fit_baseline(
    signature: str | dsl.TFun,
    inputs: Sequence[Sequence[Any]],
    outputs: Sequence[Any],
    *,
    config: BaselineConfig,
    max_len: int,
) -> Baseline:
    """Train the baseline ``config`` names on input/output pairs of ``signature``.

    Args:
        signature: the task's type, e.g. ``"(list[int], int) -> int"``.
        inputs: argument tuples (at most 3 arguments: ints, bools, lists of them).
        outputs: the outputs, one per input.
        config: the model and its training (:func:`mlp_config`, :func:`transformer_config`).
        max_len: the longest list (input or output) the model must accept or produce at
            prediction time; the MLP's padded width and the Transformer's output canvas.

    Returns:
        The trained :class:`Baseline`.

    Raises:
        EncodingError: a signature the baselines cannot model, or a value that does not fit.
        ConfigError: ``config`` is not a :class:`BaselineConfig`.

    Example:
        >>> from neural import mlp_config
        >>> cfg = mlp_config(width=32, depth=1, steps=50, warmup_steps=5)
        >>> net = fit_baseline("(int) -> int", [(i,) for i in range(10)], list(range(10)),
        ...                    config=cfg, max_len=1)
        >>> len(net.predict([(3,), (1000,)]))
        2
    """
    from synth import ConfigError

    began = time.perf_counter()
    if not isinstance(config, BaselineConfig):
        raise ConfigError(f"config must be a BaselineConfig, got {config!r}")
    if not isinstance(max_len, int) or isinstance(max_len, bool) or max_len < 1:
        raise EncodingError(f"max_len must be an int >= 1, got {max_len!r}")
    if len(inputs) != len(outputs) or not inputs:
        raise EncodingError(
            f"expected as many outputs as inputs (at least one), got {len(inputs)} inputs "
            f"and {len(outputs)} outputs"
        )
    layout = Layout.from_signature(signature)
    if config.kind == "mlp":
        list_len, slots = max_len, max_len
    else:
        list_len = max(longest(layout, inputs), 1)
        longest_out = max((len(o) for o in outputs if isinstance(o, list | tuple)), default=0)
        # One slot past the longest output, so that the model learns where lists stop.
        slots = min(longest_out + 1, max_len)
    if not layout.list_output:
        slots = 1
    tokens = encode_inputs(layout, inputs, list_len=list_len)
    y, present = encode_outputs(layout, outputs, length=slots)
    data = {**_token_arrays(tokens), "y": jnp.asarray(y), "present": jnp.asarray(present)}
    data["canvas"] = jnp.arange(slots, dtype=jnp.int32)

    # The seed is an argument rather than part of the (static) config, so that fits that
    # differ only in their seed share one compiled initialiser.
    key = jax.random.key(config.seed)
    # The Transformer does not depend on max_len: leaving it out of the static arguments
    # lets tasks of one signature share the compiled initialiser.
    size = max_len if config.kind == "mlp" else 0
    model, optimizer = _create(layout, replace(config, seed=0), size, key)
    order = _batches(len(tokens), config.batch_size, config.steps, config.seed)

    # Steps per compiled call: a step of the MLP is short enough that dispatching it costs
    # a fifth of its time, and ten steps in one compiled loop give the same parameters, bit
    # for bit. (The Transformer's steps are long, and ran no faster in a loop.)
    group = STEPS_PER_CALL[config.kind]
    if config.steps % group:
        group = 1
    calls = order.reshape(config.steps // group, group, config.batch_size)
    # Caches the traversal of the model's graph that nnx.jit would redo at every call.
    run = nnx.cached_partial(_train_step if group == 1 else _train_steps, model, optimizer)

    def call(i: int) -> jax.Array:
        return run(data, jnp.asarray(calls[i, 0] if group == 1 else calls[i]))

    losses = np.zeros(config.steps, np.float32)
    first = time.perf_counter()
    losses[:group] = np.asarray(call(0))
    after_first = time.perf_counter()
    recent: list[jax.Array] = []
    for i in range(1, len(calls)):
        recent.append(call(i))
        if len(recent) * group >= 100 or i == len(calls) - 1:
            # Fetching losses in groups keeps the host from waiting on every step.
            end = (i + 1) * group
            losses[end - len(recent) * group : end] = np.ravel(jax.device_get(recent))
            recent = []
    done = time.perf_counter()
    tail = max(config.steps // 10, 1)
    steady = done - after_first
    return Baseline(
        config=config,
        signature=layout.signature,
        max_len=max_len,
        num_params=_count_params(model),
        train_seconds=done - began,
        compile_seconds=after_first - first,
        examples_per_second=(config.steps - group) * config.batch_size / steady
        if steady > 0 and config.steps > group
        else math.nan,
        final_loss=float(np.mean(losses[-tail:])),
        _model=model,
        _layout=layout,
    )


def _optimizer(config: BaselineConfig) -> optax.GradientTransformation:
    """AdamW under warm-up + cosine decay, after clipping the global gradient norm."""
    schedule = optax.warmup_cosine_decay_schedule(
        0.0, config.learning_rate, config.warmup_steps, config.steps
    )
    tx = optax.chain(
        optax.clip_by_global_norm(config.clip_norm),
        optax.adamw(schedule, weight_decay=config.weight_decay),
    )
    # One flat vector instead of a leaf per parameter: the same updates in far fewer
    # kernels, which compiles faster (about a second less for the Transformer on CPU).
    return optax.flatten(tx)


@nnx.jit(static_argnums=(0, 1, 2))
def _create(
    layout: Layout, config: BaselineConfig, max_len: int, key: jax.Array
) -> tuple[Model, nnx.Optimizer[Model]]:
    # Initialising under jit compiles one program rather than one per initialiser and shape
    # (seconds on CPU); the parameters are the same.
    rngs = nnx.Rngs(key)
    model: Model
    if config.kind == "mlp":
        model = MLP(layout, config, max_len=max_len, rngs=rngs)
    else:
        model = Transformer(layout, config, rngs=rngs)
    return model, nnx.Optimizer(model, _optimizer(config), wrt=nnx.Param)


@nnx.jit
def _train_step(
    model: Model, optimizer: nnx.Optimizer[Model], data: dict[str, jax.Array], index: jax.Array
) -> jax.Array:
    batch = {k: v if k == "canvas" else v[index] for k, v in data.items()}
    loss: jax.Array
    loss, grads = nnx.value_and_grad(lambda m: m.loss(batch))(model)
    optimizer.update(model, grads)
    return loss


@nnx.jit
def _train_steps(
    model: Model, optimizer: nnx.Optimizer[Model], data: dict[str, jax.Array], index: jax.Array
) -> jax.Array:
    """``index.shape[0]`` train steps in one compiled loop; their losses."""

    def body(i: jax.Array, carry: tuple[Model, nnx.Optimizer[Model], jax.Array]) -> Any:
        model, optimizer, losses = carry
        batch = {k: v if k == "canvas" else v[index[i]] for k, v in data.items()}
        loss, grads = nnx.value_and_grad(lambda m: m.loss(batch))(model)
        optimizer.update(model, grads)
        return model, optimizer, losses.at[i].set(loss)

    losses: jax.Array = jnp.zeros(index.shape[0], jnp.float32)
    _, _, losses = nnx.fori_loop(0, index.shape[0], body, (model, optimizer, losses))
    return losses


@nnx.jit
def _predict_step(model: Model, batch: dict[str, Any]) -> tuple[jax.Array, jax.Array]:
    return model.predict(batch)


def _batches(n: int, batch_size: int, steps: int, seed: int) -> np.ndarray[Any, Any]:
    """Row indices [steps, batch_size]: consecutive per-epoch permutations of range(n)."""
    rng = np.random.default_rng(seed)
    need = steps * batch_size
    epochs = -(-need // n)
    flat = np.concatenate([rng.permutation(n) for _ in range(epochs)])[:need]
    return flat.reshape(steps, batch_size).astype(np.int32)


def _token_arrays(tokens: Tokens) -> dict[str, jax.Array]:
    return {
        "value": jnp.asarray(tokens.value),
        "arg": jnp.asarray(tokens.arg),
        "pos": jnp.asarray(tokens.pos),
        "rpos": jnp.asarray(tokens.rpos),
        "mask": jnp.asarray(tokens.mask),
    }


def _padded_batch(tokens: Tokens, rows: int, slots: int) -> dict[str, np.ndarray[Any, Any]]:
    """``tokens`` padded with empty rows to ``rows``, so that every chunk has one shape.

    NumPy arrays, which the jitted step takes as they are: made into jax arrays here, each
    new shape would compile a small transfer program of its own."""
    pad = rows - len(tokens)
    batch = {
        name: np.pad(getattr(tokens, name), ((0, pad), (0, 0)))
        for name in ("value", "arg", "pos", "rpos", "mask")
    }
    batch["canvas"] = np.arange(slots, dtype=np.int32)
    return batch


def _bucket(n: int) -> int:
    """The next power of two >= n (at least 4): few shapes, so few compilations."""
    return max(4, 1 << (n - 1).bit_length())


def _count_params(model: Model) -> int:
    state = nnx.state(model, nnx.Param)
    return int(sum(np.size(x) for x in jax.tree.leaves(state)))
