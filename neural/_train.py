"""Training the policy on random programs: :func:`train_policy`.

:func:`train_policy` has the shape of flax's examples (``train_and_evaluate(config,
workdir)``). The data is random programs run on random inputs (:class:`neural.Sample`);
every derivation step is a target, and the loss is the mean negative log-likelihood of
the steps under the softmax over the rules allowed at each step (a polymorphic primitive
counts once per rule, as in the PCFG). One ``@nnx.jit`` train step updates
``nnx.Optimizer(model, tx, wrt=nnx.Param)``, ``tx`` being global-norm clipping chained
with AdamW under warm-up + cosine decay.

A run is a function of its config (:class:`neural.TrainConfig`) and data: parameters start
from ``jax.random.key(seed)``, held-out programs are drawn by ``default_rng([seed, 0])``,
and batch ``k`` is a fixed slice of per-epoch permutations from ``default_rng([seed, 1,
epoch])`` (a counter-based order, whose whole state is the step). Orbax checkpoints in
``workdir/checkpoints`` (:mod:`neural._checkpoint`) hold the parameters, the optimizer's
state, the step, the data order and the training losses since the last metrics line, so
a run killed and started again with the same config and workdir resumes exactly: the
same losses as if it had never stopped.

A run's files: ``run.json`` (config and vocabulary), ``metrics.jsonl`` (a JSON line per
evaluation), ``checkpoints/<step>/`` and, at the end, ``policy/`` (the parameters alone,
as :func:`neural.save_policy` writes them: what ships in ``neural/policies/<library>/``).
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax  # type: ignore[import-untyped]  # optax ships no py.typed
import orbax.checkpoint as ocp  # type: ignore[import-untyped]  # no py.typed either
from flax import nnx

import dsl
import synth
from neural._checkpoint import _claim, _items, _resume, save_policy, vocabulary_json
from neural._constants import constant_columns
from neural._guide import NeuralGuide
from neural._policy import Policy, PolicyConfig, encode_examples
from neural._sample import DatasetError, Sample
from neural._train_config import TrainConfig

log = logging.getLogger(__name__)

#: The libraries a config may name.
LIBRARIES = {lib.name: lib for lib in (dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER)}
#: ``progress(step, steps, latest metrics line)``, called after every step.
Progress = Callable[[int, int, Mapping[str, Any]], None]
Array = np.ndarray[Any, Any]


# ---- data -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Data:
    """Samples as arrays: ``tokens`` int16 [n, examples, tokens, 4]; per derivation step
    [n, steps] its context ``rows``, chosen ``cols`` and ``allowed``, a row of ``counts``
    int32 [sets, productions], the rules per column at that step (row 0: no step)."""

    tokens: Array
    rows: Array
    cols: Array
    allowed: Array
    counts: Array
    samples: list[Sample]


def _prepare(samples: Iterable[Sample], vocab: synth.Vocabulary, config: TrainConfig) -> _Data:
    items = list(samples)
    if not items:
        raise DatasetError("no training samples")
    n, s = len(items), max(min(len(x.targets), config.max_derivation) for x in items)
    (rows, cols), allowed = np.zeros((2, n, s), np.int16), np.zeros((n, s), np.int32)
    sets: dict[tuple[int, ...], int] = {(): 0}
    c, p = vocab.shape
    tokens = np.zeros((n, config.model.max_examples, config.model.tokens, 4), np.int16)
    for i, x in enumerate(items):
        for j, (row, col, choices) in enumerate(x.targets[:s]):
            if not (0 <= row < c and col in choices and all(0 <= k < p for k in choices)):
                raise DatasetError(
                    f"sample {i} ({x.program!r}): target {(row, col, choices)} does not fit "
                    f"the vocabulary of library {vocab.library!r} ({c} x {p})"
                )
            rows[i, j], cols[i, j] = row, col
            allowed[i, j] = sets.setdefault(tuple(choices), len(sets))
        examples = list(zip(x.inputs, x.outputs, strict=True))
        tokens[i] = encode_examples(x.signature, examples, config=config.model)
    counts = np.zeros((len(sets), p), np.int32)
    counts[0, 0] = 1  # a padding step "chooses" column 0 among itself: a loss of 0
    for choices, k in sets.items():
        np.add.at(counts[k], list(choices), 1)
    # Keep only the token columns some sample uses: attention costs their square.
    used = int((tokens[..., 0] != 0).sum(-1).max())
    return _Data(tokens[:, :, : -(-used // 8) * 8], rows, cols, allowed, counts, items)


def _split(data: _Data, fraction: float, seed: int) -> tuple[Array, Array]:
    """Indices of the training and held-out samples; whole programs are held out."""
    keys = [f"{x.signature}\n{x.program}" for x in data.samples]
    programs = list(dict.fromkeys(keys))
    held = math.ceil(fraction * len(programs)) if len(programs) > 1 else 0
    order = np.random.default_rng([seed, 0]).permutation(len(programs))
    out = {programs[i] for i in order[:held]}
    is_out = np.array([k in out for k in keys])
    return np.flatnonzero(~is_out).astype(np.int32), np.flatnonzero(is_out).astype(np.int32)


def _batch(seed: int, train: Array, size: int, step: int) -> Array:
    """The samples of batch ``step``: items ``step * size ...`` of the concatenation of
    per-epoch permutations of ``train``."""
    n, at = len(train), np.arange(step * size, (step + 1) * size)
    out = np.empty(size, np.int32)
    for epoch in np.unique(at // n):
        here = at // n == epoch
        out[here] = train[_permutation(seed, int(epoch), n)[at[here] % n]]
    return out


@functools.lru_cache(maxsize=2)
def _permutation(seed: int, epoch: int, n: int) -> Array:
    return np.random.default_rng([seed, 1, epoch]).permutation(n)


# ---- model, optimizer, steps ------------------------------------------------------------


def _schedule(config: TrainConfig) -> optax.Schedule:
    return optax.warmup_cosine_decay_schedule(
        0.0, config.learning_rate, config.warmup_steps, config.steps
    )


@nnx.jit(static_argnums=(0, 1, 2, 3))
def _create(
    model: PolicyConfig,
    shape: tuple[int, int],
    constants: tuple[tuple[int, int], ...],
    opt: tuple[float, ...],
    key: jax.Array,
) -> tuple[Policy, nnx.Optimizer[Policy]]:
    # One compiled initialiser rather than one per parameter (seconds on CPU).
    lr, warmup, steps, decay, clip = opt
    policy = Policy(model, shape, rngs=nnx.Rngs(key), constants=constants)
    schedule = optax.warmup_cosine_decay_schedule(0.0, lr, int(warmup), int(steps))
    tx = optax.chain(optax.clip_by_global_norm(clip), optax.adamw(schedule, weight_decay=decay))
    tx = optax.flatten(tx)
    return policy, nnx.Optimizer(policy, tx, wrt=nnx.Param)


def _scores(
    model: Policy, batch: dict[str, jax.Array], log_counts: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Per step [batch, steps]: the negative log-likelihood, the rank of the chosen
    production among those allowed (0: top-1), and whether it is a step."""
    logits = model(batch["tokens"])  # [b, contexts, productions]
    at_row = jax.vmap(lambda table, rows: table[rows])(logits, batch["rows"])  # [b, s, p]
    scores = at_row + log_counts[batch["allowed"]]
    cols = batch["cols"][..., None]
    nll = jax.nn.logsumexp(scores, axis=-1) - jnp.take_along_axis(at_row, cols, -1)[..., 0]
    rank = jnp.sum(scores > jnp.take_along_axis(scores, cols, -1), axis=-1)
    return nll, rank, batch["allowed"] != 0


def _loss(model: Policy, batch: dict[str, jax.Array], log_counts: jax.Array) -> jax.Array:
    nll, _, mask = _scores(model, batch, log_counts)
    return jnp.sum(nll * mask) / jnp.maximum(jnp.sum(mask), 1)


@nnx.jit
def _train_step(
    model: Policy,
    optimizer: nnx.Optimizer[Policy],
    data: dict[str, jax.Array],
    log_counts: jax.Array,
    index: jax.Array,
) -> jax.Array:
    batch = {k: v[index] for k, v in data.items()}
    loss: jax.Array
    loss, grads = nnx.value_and_grad(_loss)(model, batch, log_counts)
    optimizer.update(model, grads)
    return loss


@nnx.jit
def _eval_step(
    model: Policy,
    data: dict[str, jax.Array],
    log_counts: jax.Array,
    index: jax.Array,
    weight: jax.Array,
    k: jax.Array,
) -> jax.Array:
    """Sums over the steps of the batch's samples of ``weight`` 1: nll, top-1 and top-k
    hits, steps."""
    nll, rank, mask = _scores(model, {key: v[index] for key, v in data.items()}, log_counts)
    m = mask * weight[:, None]
    hits = [jnp.sum(nll * m), jnp.sum((rank == 0) * m), jnp.sum((rank < k) * m)]
    return jnp.stack([*hits, jnp.sum(m)])


def _evaluate(
    model: Policy,
    device: dict[str, jax.Array],
    log_counts: jax.Array,
    data: _Data,
    held: Array,
    config: TrainConfig,
) -> dict[str, float]:
    """Held-out per-step metrics, next to those of the unguided (uniform) PCFG."""
    held, b, total = held[: config.eval_samples], config.batch_size, np.zeros(4)
    for start in range(0, len(held), b):
        part = held[start : start + b]
        weight = jnp.asarray(np.arange(b) < len(part), jnp.float32)
        index = jnp.asarray(np.pad(part, (0, b - len(part))))
        k = jnp.asarray(config.top_k)
        total += np.asarray(_eval_step(model, device, log_counts, index, weight, k))
    steps = data.counts[data.allowed[held][data.allowed[held] != 0]]  # [steps, productions]
    n = max(total[3], 1.0)
    return {
        "heldout_nll": total[0] / n,
        "heldout_top1": total[1] / n,
        f"heldout_top{config.top_k}": total[2] / n,
        "heldout_uniform_nll": float(np.mean(np.log(steps.sum(-1)))),
        "chance_top1": float(np.mean(1.0 / (steps > 0).sum(-1))),
    }


def _solve_rate(
    samples: list[Sample], library: dsl.Library, guide: NeuralGuide | None, seconds: float
) -> float:
    solved = tried = 0
    for x in samples:
        try:
            spec = synth.Spec(x.signature, list(zip(x.inputs, x.outputs, strict=True)))
            budget = synth.Budget(seconds=seconds)
            solved += synth.synthesize(spec, library=library, guide=guide, budget=budget).solved
            tried += 1
        except synth.SpecError:
            continue  # e.g. a parameter name that the library also has
    return solved / tried if tried else math.nan


# ---- the run -----------------------------------------------------------------------------


def train_policy(
    config: TrainConfig,
    workdir: str | Path,
    *,
    samples: Iterable[Sample] | None = None,
    library: dsl.Library | None = None,
    progress: Progress | None = None,
) -> NeuralGuide:
    """Train a policy for ``config.library`` in ``workdir``, resuming from its latest
    checkpoint if it has one.

    Args:
        config: the run's settings.
        workdir: where the run keeps its data, metrics, checkpoints and final policy.
        samples: the training samples; None: ``neural.sample_dataset`` makes
            ``config.dataset_size`` of them in ``workdir/data`` (where a previous start
            made them, it reads them back).
        library: the library itself, when ``config.library`` is none of
            :data:`LIBRARIES` (a learned one); its name must be ``config.library``.
        progress: called after every step as ``progress(step, steps, metrics)``, with the
            latest metrics line (empty before the first), e.g. to advance a rich progress
            bar: ``lambda step, steps, m: bar.update(task, completed=step)``. Metrics
            lines are also logged (``logging``, at INFO).

    Returns:
        The trained policy as a guide; it is also saved in ``workdir/policy``.

    Raises:
        ConfigError: ``config`` is not a TrainConfig, or names an unknown library.
        CheckpointError: ``workdir`` holds a run of another config, or a checkpoint that
            cannot be read.
        DatasetError: a sample that does not fit the library's vocabulary.

    Example:
        >>> cfg = TrainConfig(library="core", steps=2000)  # doctest: +SKIP
        >>> guide = train_policy(cfg, "runs/core")  # doctest: +SKIP
    """
    if not isinstance(config, TrainConfig):
        raise synth.ConfigError(f"config must be a TrainConfig, got {config!r}")
    lib = _library(config.library, library)
    vocab = synth.Vocabulary.of(lib)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    run = {"config": config.to_dict(), "vocabulary": vocabulary_json(vocab)}
    _claim(workdir / "run.json", run)
    data = _prepare(_dataset(config, lib, workdir) if samples is None else samples, vocab, config)
    train, held = _split(data, config.heldout_fraction, config.seed)
    if not len(train):
        raise DatasetError("every sample is held out: lower heldout_fraction or add samples")
    c, metrics = config, workdir / "metrics.jsonl"
    opt = (c.learning_rate, c.warmup_steps, c.steps, c.weight_decay, c.clip_norm)
    constants = constant_columns(vocab)
    model, optimizer = _create(c.model, vocab.shape, constants, opt, jax.random.key(c.seed))
    options = ocp.CheckpointManagerOptions(max_to_keep=3, enable_async_checkpointing=False)
    manager = ocp.CheckpointManager((workdir / "checkpoints").absolute(), options=options)
    try:
        step, window = _resume(manager, model, optimizer, run, workdir)
        _truncate(metrics, step)
        device = {k: jnp.asarray(getattr(data, k)) for k in ("tokens", "rows", "cols", "allowed")}
        counts = data.counts
        log_counts = jnp.asarray(np.log(np.maximum(counts, 1)) - 1e9 * (counts == 0), jnp.float32)
        # Caches the traversal of the model's graph that nnx.jit would redo every step.
        update = nnx.cached_partial(_train_step, model, optimizer)
        pending: list[jax.Array] = []
        latest: dict[str, Any] = {}
        timer = {"began": math.nan, "paused": 0.0, "seen": 0}
        unguided: list[float] = []
        while step < c.steps:
            index = jnp.asarray(_batch(c.seed, train, c.batch_size, step))
            pending.append(update(device, log_counts, index))
            step += 1
            due = step % c.eval_every == 0 or step == c.steps
            saving = step % c.checkpoint_every == 0 or step == c.steps
            if due or saving or len(pending) == 100 or math.isnan(timer["began"]):
                # Fetched in groups, so that the host waits on the device rarely.
                window += np.asarray(jax.device_get(pending), np.float64).tolist()
                if math.isnan(timer["began"]):  # after the first step and its compilation
                    timer["began"] = time.perf_counter()
                else:
                    timer["seen"] += len(pending) * c.batch_size
                pending = []
            paused = time.perf_counter()
            if due:
                seconds = paused - timer["began"] - timer["paused"]
                latest = {"step": step, "train_loss": math.fsum(window) / len(window)}
                latest["learning_rate"] = float(_schedule(c)(step))
                latest["examples_per_second"] = timer["seen"] / seconds if seconds else 0.0
                if len(held):
                    latest |= _evaluate(model, device, log_counts, data, held, c)
                if c.solve_specs and len(held):
                    specs = [data.samples[i] for i in held[: c.solve_specs]]
                    unguided = unguided or [_solve_rate(specs, lib, None, c.solve_seconds)]
                    guide = NeuralGuide(model, vocab)
                    latest["solve_rate_guided"] = _solve_rate(specs, lib, guide, c.solve_seconds)
                    latest["solve_rate_unguided"] = unguided[0]
                with metrics.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(latest) + "\n")
                log.info("step %d: %s", step, latest)
                window = []
            if saving:
                meta = {**run, "step": step, "losses": window}
                meta["data_order"] = {"seed": c.seed, "epoch": step * c.batch_size // len(train)}
                manager.save(step, args=ocp.args.Composite(**_items(model, optimizer, meta)))
            timer["paused"] += time.perf_counter() - paused
            if progress is not None:
                progress(step, c.steps, latest)
    finally:
        manager.close()
    guide = NeuralGuide(model, vocab)
    save_policy(guide, workdir / "policy")
    return guide


def _library(name: str, library: dsl.Library | None) -> dsl.Library:
    if library is not None and library.name != name:
        raise synth.ConfigError(f"config.library is {name!r}, the library {library.name!r}")
    if library is None and name not in LIBRARIES:
        raise synth.ConfigError(
            f"TrainConfig.library: unknown library {name!r}; expected one of "
            f"{sorted(LIBRARIES)}, or pass the library (train_policy(..., library=...))"
        )
    return library if library is not None else LIBRARIES[name]


def _dataset(config: TrainConfig, library: dsl.Library, workdir: Path) -> Iterable[Sample]:
    data: Any = importlib.import_module("neural._data")  # late: optional until it is used
    dataset: Any = importlib.import_module("neural._dataset")
    signatures = config.signatures or data.default_signatures(library)
    out = workdir / "data"  # a dataset there with the same settings is reused
    settings = {"jobs": os.cpu_count() or 1, **config.data}
    made = dataset.sample_dataset(
        library, signatures, config.dataset_size, seed=config.seed, out=out, **settings
    )
    vocab = synth.Vocabulary.of(library)
    if tuple(getattr(made, "productions", vocab.productions)) != vocab.productions:
        raise DatasetError(
            f"{out}: a dataset of another vocabulary than library {library.name!r}'s"
        )
    return made  # type: ignore[no-any-return]


def _truncate(path: Path, step: int) -> None:
    """Drop the metrics lines after ``step`` (written before a crash, and redone)."""
    if path.exists():
        lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        kept = [x + "\n" for x in lines if json.loads(x)["step"] <= step]
        path.write_text("".join(kept), encoding="utf-8")
