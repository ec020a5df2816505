"""Training the policy on random programs, its checkpoints, and loading a trained policy.

:func:`train_policy` has the shape of flax's examples (``train_and_evaluate(config,
workdir)``). The data is random programs run on random inputs (:class:`neural.Sample`);
every derivation step is a target, and the loss is the mean negative log-likelihood of
the steps under the softmax over the rules allowed at each step (a polymorphic primitive
counts once per rule, as in the PCFG). One ``@nnx.jit`` train step updates
``nnx.Optimizer(model, tx, wrt=nnx.Param)``, ``tx`` being global-norm clipping chained
with AdamW under warm-up + cosine decay.

A run is a function of its config and data: parameters start from
``jax.random.key(seed)``, held-out programs are drawn by ``default_rng([seed, 0])``, and
batch ``k`` is a fixed slice of per-epoch permutations from ``default_rng([seed, 1,
epoch])`` (a counter-based order, whose whole state is the step). Orbax checkpoints in
``workdir/checkpoints`` hold the parameters, the optimizer's state, the step, the data
order and the training losses since the last metrics line, so a run killed and started
again with the same config and workdir resumes exactly: the same losses as if it had
never stopped.

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
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
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
from neural._policy import (
    CheckpointError,
    NeuralGuide,
    Policy,
    PolicyConfig,
    _fresh,
    abstract_policy,
    check_vocabulary,
    encode_examples,
    read_policy,
    restore_params,
    save_policy,
    vocabulary_json,
)
from neural._sample import DatasetError, Sample

log = logging.getLogger(__name__)

#: The libraries a config may name.
LIBRARIES = {lib.name: lib for lib in (dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER)}
#: ``progress(step, steps, latest metrics line)``, called after every step.
Progress = Callable[[int, int, Mapping[str, Any]], None]
_ITEMS = ("model", "optimizer", "meta")  # the items of a checkpoint
_DATA_KEYS = {"examples", "max_depth", "max_steps", "shard_size", "jobs"}  # sample_dataset's
_ZERO_OK = {"warmup_steps", "seed", "solve_specs", "weight_decay", "heldout_fraction"}
Array = np.ndarray[Any, Any]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything a training run depends on, with its defaults.

    In TOML, ``model`` and ``data`` are tables (``[model]``, ``[data]``); every other
    setting is a top-level key.

    Attributes:
        library: ``"core"``, ``"extended"`` or ``"dreamcoder"`` (or the name of the
            library given to :func:`train_policy`). Default ``"dreamcoder"``.
        model: the policy's sizes (:class:`PolicyConfig`). Default ``PolicyConfig()``.
        signatures: types of the training programs; empty: those of
            ``neural.default_signatures(library)``. Default ``()``.
        dataset_size: random programs sampled. Default 30_000.
        data: further keyword settings of ``neural.sample_dataset``; its ``jobs`` is one
            process per core unless set here (the data do not depend on it). Default ``{}``.
        batch_size: samples per step. Default 64.
        steps: optimisation steps. Default 5_000.
        learning_rate: peak learning rate, after warm-up; cosine decay to 0. Default 1e-3.
        warmup_steps: steps of linear warm-up from 0. Default 250.
        weight_decay: AdamW's decoupled weight decay. Default 1e-4.
        clip_norm: gradients are clipped to this global norm. Default 1.0.
        seed: parameters, held-out split and data order. Default 0.
        eval_every: steps between evaluations (a metrics line each). Default 1000.
        checkpoint_every: steps between checkpoints (the last step always is one).
            Default 1000.
        heldout_fraction: share of the distinct programs held out. Default 0.05.
        eval_samples: most held-out samples scored per evaluation. Default 2000.
        top_k: the ``k`` of the top-k accuracy. Default 5.
        max_derivation: derivation steps kept per sample (the rest cut). Default 64.
        solve_specs: held-out specs searched per evaluation, guided and (once) unguided;
            0 skips the solve rate. Default 10.
        solve_seconds: search budget per spec, in seconds. Default 0.5.
    """

    library: str = "dreamcoder"
    model: PolicyConfig = field(default_factory=PolicyConfig)
    signatures: tuple[str, ...] = ()
    dataset_size: int = 30_000
    data: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int = 64
    steps: int = 5_000
    learning_rate: float = 1e-3
    warmup_steps: int = 250
    weight_decay: float = 1e-4
    clip_norm: float = 1.0
    seed: int = 0
    eval_every: int = 1000
    checkpoint_every: int = 1000
    heldout_fraction: float = 0.05
    eval_samples: int = 2000
    top_k: int = 5
    max_derivation: int = 64
    solve_specs: int = 10
    solve_seconds: float = 0.5

    def __post_init__(self) -> None:
        def bad(name: str, expected: str) -> synth.ConfigError:
            value = getattr(self, name)
            return synth.ConfigError(f"TrainConfig.{name}: expected {expected}, got {value!r}")

        for f in fields(self):
            value, low = getattr(self, f.name), 0 if f.name in _ZERO_OK else 1
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if f.type == "int" and not (number and isinstance(value, int) and value >= low):
                raise bad(f.name, f"an int >= {low}")
            if f.type == "float":
                if not (number and math.isfinite(value) and value >= 0 and (value or not low)):
                    raise bad(f.name, f"a finite number {'>=' if low == 0 else '>'} 0")
                object.__setattr__(self, f.name, float(value))
        if self.heldout_fraction >= 1:
            raise bad("heldout_fraction", "a fraction below 1")
        if self.warmup_steps >= self.steps:
            raise bad("warmup_steps", f"fewer than steps ({self.steps})")
        if not isinstance(self.library, str) or not self.library:
            raise bad("library", "a library name")
        if not isinstance(self.model, PolicyConfig):
            raise bad("model", "a PolicyConfig")
        if not isinstance(self.data, Mapping) or not all(isinstance(k, str) for k in self.data):
            raise bad("data", "a table of settings")
        unknown = sorted(set(self.data) - _DATA_KEYS)
        if unknown:
            raise synth.ConfigError(
                f"TrainConfig.data: unknown key(s) {unknown}; expected some of "
                f"{sorted(_DATA_KEYS)} (settings of neural.sample_dataset)"
            )
        object.__setattr__(self, "data", dict(self.data))
        sigs: Any = self.signatures
        if isinstance(sigs, str) or not all(isinstance(s, str) for s in sigs):
            raise bad("signatures", "a list of signatures")
        for s in sigs:
            try:
                if not isinstance(dsl.parse_type(s), dsl.TFun):
                    raise bad("signatures", f"function types; {s!r} is not one")
            except dsl.ParseProgramError as err:
                raise bad("signatures", f"signatures; {s!r} does not parse") from err
        object.__setattr__(self, "signatures", tuple(sigs))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON- and TOML-ready): what :meth:`from_dict` reads back."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        return out | {"model": asdict(self.model), "signatures": list(self.signatures)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "config") -> TrainConfig:
        """Read a config from plain data (as :meth:`to_dict` writes and TOML reads).

        Raises:
            ConfigError: not a table, an unknown key or a bad value, named with ``where``.
        """
        settings = dict(_known(data, fields(cls), where))
        if "model" in settings:
            model = _known(settings["model"], fields(PolicyConfig), f"{where}.model")
        try:
            if "model" in settings:
                settings["model"] = PolicyConfig(**model)
            return cls(**settings)
        except synth.ConfigError as err:
            raise synth.ConfigError(f"{where}: {err}") from err

    @classmethod
    def from_toml(cls, path: str | Path) -> TrainConfig:
        """Read a config from a TOML file.

        Raises:
            ConfigError: the file is missing or not TOML, or has an unknown key or a bad
                value; the message names the file and the key.
        """
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise synth.ConfigError(f"{path}: cannot read a TOML config ({err})") from err
        return cls.from_dict(data, where=str(path))


def _known(data: Any, names: Iterable[Any], where: str) -> Mapping[str, Any]:
    known = sorted(f.name for f in names)
    if not isinstance(data, Mapping):
        raise synth.ConfigError(f"{where}: expected a table of settings, got {data!r}")
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise synth.ConfigError(f"{where}: unknown key(s) {unknown}; expected some of {known}")
    return data


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


@nnx.jit(static_argnums=(0, 1, 2))
def _create(
    model: PolicyConfig, shape: tuple[int, int], opt: tuple[float, ...], key: jax.Array
) -> tuple[Policy, nnx.Optimizer[Policy]]:
    # One compiled initialiser rather than one per parameter (seconds on CPU).
    lr, warmup, steps, decay, clip = opt
    policy = Policy(model, shape, rngs=nnx.Rngs(key))
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
    model, optimizer = _create(c.model, vocab.shape, opt, jax.random.key(c.seed))
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
    signatures = config.signatures or data.default_signatures(library)
    out = workdir / "data"  # a dataset there with the same settings is reused
    settings = {"jobs": os.cpu_count() or 1, **config.data}
    made = data.sample_dataset(
        library, signatures, config.dataset_size, seed=config.seed, out=out, **settings
    )
    vocab = synth.Vocabulary.of(library)
    if tuple(getattr(made, "productions", vocab.productions)) != vocab.productions:
        raise DatasetError(
            f"{out}: a dataset of another vocabulary than library {library.name!r}'s"
        )
    return made  # type: ignore[no-any-return]


def _claim(path: Path, run: dict[str, Any]) -> None:
    """Write ``run.json``, or check that the one there is of the same run."""
    if not path.exists():
        path.write_text(json.dumps(run, indent=1), encoding="utf-8")
        return
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path}: not readable ({err})") from err
    if old != run:
        config = old.get("config", {}) if isinstance(old, dict) else {}
        keys = sorted(k for k, v in run["config"].items() if config.get(k) != v) or "vocabulary"
        raise CheckpointError(
            f"{path.parent} holds a run of another config (it differs in {keys}); use "
            "another workdir, or this one's config to resume it"
        )


def _resume(
    manager: ocp.CheckpointManager,
    model: Policy,
    optimizer: nnx.Optimizer[Policy],
    run: dict[str, Any],
    workdir: Path,
) -> tuple[int, list[float]]:
    """Restore the latest checkpoint into ``model`` and ``optimizer``: its step and the
    training losses since the last metrics line (``0, []`` without a checkpoint)."""
    step = manager.latest_step()
    if step is None:
        return 0, []
    where = str(workdir / "checkpoints" / str(step))
    restored = _restore(manager, step, where, _items(model, optimizer, None))
    meta = restored["meta"]
    if not isinstance(meta, dict) or {k: meta.get(k) for k in run} != run:
        raise CheckpointError(f"{where}: a checkpoint of another run (config or vocabulary)")
    restore_params(model, restored["model"], where)
    state = nnx.state(optimizer)
    nnx.replace_by_pure_dict(state, _fresh(restored["optimizer"]))
    nnx.update(optimizer, state)
    return step, [float(x) for x in meta["losses"]]


def _truncate(path: Path, step: int) -> None:
    """Drop the metrics lines after ``step`` (written before a crash, and redone)."""
    if path.exists():
        lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        kept = [x + "\n" for x in lines if json.loads(x)["step"] <= step]
        path.write_text("".join(kept), encoding="utf-8")


def _items(
    model: Policy, optimizer: nnx.Optimizer[Policy], meta: dict[str, Any] | None
) -> dict[str, Any]:
    """A checkpoint's items: to save (with ``meta``), or to restore into (without)."""
    params = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    opt = nnx.to_pure_dict(nnx.state(optimizer))
    if meta is None:
        restore = ocp.args.StandardRestore
        return {"model": restore(params), "optimizer": restore(opt), "meta": ocp.args.JsonRestore()}
    save = ocp.args.StandardSave
    return {"model": save(params), "optimizer": save(opt), "meta": ocp.args.JsonSave(meta)}


def _restore(manager: ocp.CheckpointManager, step: int, where: str, items: dict[str, Any]) -> Any:
    try:
        return manager.restore(step, args=ocp.args.Composite(**items))
    except Exception as err:  # Orbax and TensorStore raise many kinds; all: "not readable"
        raise CheckpointError(f"{where}: cannot restore the checkpoint ({err})") from err


def load_policy(
    path: str | Path | None = None, *, library: dsl.Library = dsl.DREAMCODER
) -> NeuralGuide:
    """A trained policy, as a guide for :func:`synth.synthesize`.

    Args:
        path: a policy directory (``policy.json`` and ``params.msgpack``, as
            :func:`save_policy` and the end of a run write them), a training workdir (its
            latest checkpoint) or its ``checkpoints`` directory; None: the default policy
            that ships with the package for ``library``.
        library: the library the policy must be for.

    Raises:
        CheckpointError: no such directory, no default policy for ``library``, a corrupt
            or truncated checkpoint, or one made for another library or vocabulary.

    Example:
        >>> guide = load_policy("runs/dreamcoder/policy")  # doctest: +SKIP
        >>> synth.synthesize(spec, library=dsl.DREAMCODER, guide=guide)  # doctest: +SKIP
    """
    vocab = synth.Vocabulary.of(library)
    if path is None:
        path = Path(__file__).parent / "policies" / library.name
        if not (path / "policy.json").is_file():
            raise CheckpointError(
                f"no default policy ships for library {library.name!r} (none in {path}); "
                f"train one with neural.train_policy(neural.TrainConfig(library="
                f"{library.name!r}), workdir) and load it with load_policy(workdir)"
            )
    path = Path(path).absolute()
    if not path.is_dir():
        raise CheckpointError(
            f"{path}: no such directory; expected a policy directory (policy.json, "
            "params.msgpack) or a training workdir (checkpoints/)"
        )
    if (path / "policy.json").exists() or (path / "params.msgpack").exists():
        return read_policy(path, vocab)
    folder = path / "checkpoints" if (path / "checkpoints").is_dir() else path
    options = ocp.CheckpointManagerOptions(read_only=True, create=False)
    with ocp.CheckpointManager(folder, options=options) as manager:
        step = manager.latest_step()
        if step is None:
            raise CheckpointError(f"{folder}: no checkpoint there (expected <step>/ folders)")
        where = str(folder / str(step))
        meta = _restore(manager, step, where, {"meta": ocp.args.JsonRestore()})["meta"]
        check_vocabulary(meta.get("vocabulary") if isinstance(meta, dict) else None, vocab, where)
        try:
            model = PolicyConfig(**meta["config"]["model"])
        except (KeyError, TypeError, synth.ConfigError) as err:
            raise CheckpointError(f"{where}: no readable model config ({err})") from err
        policy = abstract_policy(model, vocab.shape)
        target = nnx.to_pure_dict(nnx.state(policy, nnx.Param))
        restored = _restore(manager, step, where, {"model": ocp.args.StandardRestore(target)})
    restore_params(policy, restored["model"], where)
    return NeuralGuide(policy, vocab)
