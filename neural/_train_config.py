"""The settings of a policy's training run: :class:`TrainConfig`, loadable from TOML.

A frozen record with a documented default per field, checked when it is made (a bad value
raises :class:`synth.ConfigError` naming the field), and read from plain data or a TOML
file, where an unknown key is an error rather than ignored.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import dsl
import synth
from neural._policy import PolicyConfig

# the keyword settings of neural.sample_dataset
_DATA_KEYS = {"examples", "max_depth", "max_steps", "shard_size", "constant_weight", "jobs"}
_ZERO_OK = {"warmup_steps", "seed", "solve_specs", "weight_decay", "heldout_fraction"}


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything a training run depends on, with its defaults.

    In TOML, ``model`` and ``data`` are tables (``[model]``, ``[data]``); every other
    setting is a top-level key.

    Attributes:
        library: ``"core"``, ``"extended"`` or ``"dreamcoder"`` (or the name of the
            library given to :func:`neural.train_policy`). Default ``"dreamcoder"``.
        model: the policy's sizes (:class:`PolicyConfig`). Default ``PolicyConfig()``.
        signatures: types of the training programs; empty: those of
            ``neural.default_signatures(library)``. Default ``()``.
        dataset_size: random programs sampled. Default 30_000.
        data: further keyword settings of ``neural.sample_dataset``; its ``jobs`` is one
            process per core unless set here (the data do not depend on it). Default ``{}``.
        batch_size: samples per step. Default 64.
        steps: optimisation steps. Default 5_000 (the default policies of CORE and
            EXTENDED: 2,000; see :meth:`default`).
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
    def default(cls, library: str = "dreamcoder") -> TrainConfig:
        """The settings of the policy that ships for a built-in library (what
        ``abstrax train --config default --library LIBRARY`` runs), each reproducible in
        at most 30 minutes on a 2-core CPU machine.

        DREAMCODER's takes the field defaults but for the constant head
        (``PolicyConfig(constants=True)``): with it, and guided search's half-nat costs,
        the median programs to a solution on DreamCoder's list tasks fell from 27.5 to 14,
        with 190 tasks generalising. CORE's and EXTENDED's,
        made before the head, are without it and take 2,000 steps
        (evaluated and checkpointed every 500): their signatures have up to three
        arguments, so an example is about twice the tokens of a DREAMCODER one (56 against
        32) and a step costs about twice as much; on CORE, held-out NLL improved by 0.02
        between steps 2,000 and 5,000 of a 5,000-step run.

        Raises:
            ConfigError: a library without a default policy.

        Example:
            >>> TrainConfig.default("core").steps
            2000
        """
        if library not in _DEFAULT_STEPS:
            raise synth.ConfigError(
                f"TrainConfig.default: no default policy for library {library!r}; "
                f"expected one of {sorted(_DEFAULT_STEPS)}"
            )
        steps = _DEFAULT_STEPS[library]
        every = min(1000, steps // 4)
        model = PolicyConfig(constants=library in _CONSTANT_HEAD)
        return cls(
            library=library, model=model, steps=steps, eval_every=every, checkpoint_every=every
        )

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


#: Steps of each built-in library's default policy (:meth:`TrainConfig.default`).
_DEFAULT_STEPS = {"dreamcoder": 5_000, "core": 2_000, "extended": 2_000}
#: The built-in libraries whose default policy has the constant head.
_CONSTANT_HEAD = {"dreamcoder"}


def _known(data: Any, names: Iterable[Any], where: str) -> Mapping[str, Any]:
    known = sorted(f.name for f in names)
    if not isinstance(data, Mapping):
        raise synth.ConfigError(f"{where}: expected a table of settings, got {data!r}")
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise synth.ConfigError(f"{where}: unknown key(s) {unknown}; expected some of {known}")
    return data
