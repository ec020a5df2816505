"""The settings of a baseline network: which model, its size, and how it is trained.

One frozen record, :class:`BaselineConfig`, covers both kinds; the sizes that suit each
kind differ, so each has a factory, :func:`mlp_config` and :func:`transformer_config`,
that starts from that kind's tuned defaults and takes keyword overrides (optax's style).
A bare ``BaselineConfig()`` is the MLP's defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from synth import ConfigError

BaselineKind = Literal["mlp", "transformer"]
KINDS: tuple[BaselineKind, ...] = ("mlp", "transformer")


@dataclass(frozen=True, slots=True)
class BaselineConfig:
    """How a baseline is built and trained. Defaults are the MLP's; see
    :func:`transformer_config` for the Transformer's.

    Attributes:
        kind: ``"mlp"`` (padded vectors in and out) or ``"transformer"`` (attention over
            list elements, an output canvas). Default ``"mlp"``.
        width: hidden units per layer (MLP) or model dimension (Transformer). Default 128
            (Transformer: 64).
        depth: hidden ReLU layers (MLP) or Transformer blocks. Default 3 (Transformer: 2).
        heads: attention heads (Transformer only; must divide ``width``). Default 4.
        max_distance: relative positions further apart than this share one learned bias
            (Transformer only). Default 4: the largest offset inside a training list.
        absolute_positions: also give each token its position (from the start and the end
            of its list) as a number (Transformer only). Default True.
        value_scale: the fixed number values are divided by before entering a model, and
            regression outputs multiplied by. Default 3.0 (Transformer: 10.0); the training
            values are 0..9.
        steps: optimisation steps. Default 5000 (Transformer: 1000).
        batch_size: examples per step. Default 128 (Transformer: 64).
        learning_rate: peak learning rate, reached after warm-up, then cosine decay to 0.
            Default 5e-3.
        warmup_steps: steps of linear warm-up from 0. Default 100.
        weight_decay: AdamW's decoupled weight decay. Default 1e-4.
        clip_norm: gradients are clipped to this global norm. Default 1.0.
        seed: seeds the initial parameters and the order of training examples. Default 0.
    """

    kind: BaselineKind = "mlp"
    width: int = 128
    depth: int = 3
    heads: int = 4
    max_distance: int = 4
    absolute_positions: bool = True
    value_scale: float = 3.0
    steps: int = 5000
    batch_size: int = 128
    learning_rate: float = 5e-3
    warmup_steps: int = 100
    weight_decay: float = 1e-4
    clip_norm: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"BaselineConfig.kind: expected one of {KINDS}, got {self.kind!r}")
        for name, low in (
            ("width", 1),
            ("depth", 1),
            ("heads", 1),
            ("max_distance", 1),
            ("steps", 1),
            ("batch_size", 1),
            ("warmup_steps", 0),
            ("seed", 0),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError(f"BaselineConfig.{name}: expected an int >= {low}, got {value!r}")
        for name, positive in (
            ("value_scale", True),
            ("learning_rate", True),
            ("weight_decay", False),
            ("clip_norm", True),
        ):
            value = getattr(self, name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or value < 0 or (positive and value == 0):
                bound = "> 0" if positive else ">= 0"
                raise ConfigError(
                    f"BaselineConfig.{name}: expected a finite number {bound}, got {value!r}"
                )
            object.__setattr__(self, name, float(value))
        if not isinstance(self.absolute_positions, bool):
            raise ConfigError(
                "BaselineConfig.absolute_positions: expected true or false, "
                f"got {self.absolute_positions!r}"
            )
        if self.kind == "transformer" and self.width % self.heads:
            raise ConfigError(
                f"BaselineConfig: heads ({self.heads}) must divide width ({self.width})"
            )
        if self.warmup_steps >= self.steps:
            raise ConfigError(
                f"BaselineConfig.warmup_steps ({self.warmup_steps}) must be less than "
                f"steps ({self.steps})"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON- and TOML-ready): what :meth:`from_dict` reads back."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "config") -> BaselineConfig:
        """Read a config from plain data. Missing keys take the defaults of the data's
        ``kind`` (:func:`mlp_config` or :func:`transformer_config`).

        Raises:
            ConfigError: not a table, an unknown key or a bad value, named with ``where``.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: expected a table of settings, got {data!r}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {unknown}; expected some of {sorted(names)}"
            )
        settings = dict(data)
        kind = settings.pop("kind", "mlp")
        if kind not in KINDS:
            raise ConfigError(f"{where}.kind: expected one of {KINDS}, got {kind!r}")
        try:
            return _FACTORIES[kind](**settings)
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from err


_TRANSFORMER_DEFAULTS: dict[str, Any] = {
    "kind": "transformer",
    "width": 64,
    "depth": 2,
    "value_scale": 10.0,
    "steps": 1000,
    "batch_size": 64,
    "learning_rate": 5e-3,
}


def mlp_config(**overrides: Any) -> BaselineConfig:
    """The MLP baseline's tuned defaults, with ``overrides`` (any :class:`BaselineConfig`
    field but ``kind``).

    Raises:
        ConfigError: an unknown setting or a bad value.

    Example:
        >>> mlp_config(steps=300).steps
        300
    """
    return _make({"kind": "mlp"}, overrides)


def transformer_config(**overrides: Any) -> BaselineConfig:
    """The Transformer baseline's tuned defaults, with ``overrides`` (any
    :class:`BaselineConfig` field but ``kind``).

    Raises:
        ConfigError: an unknown setting or a bad value.

    Example:
        >>> transformer_config().kind, transformer_config(width=32).width
        ('transformer', 32)
    """
    return _make(_TRANSFORMER_DEFAULTS, overrides)


def _make(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> BaselineConfig:
    names = {f.name for f in fields(BaselineConfig)} - {"kind"}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"unknown setting(s) {unknown}; expected some of {sorted(names)}")
    return replace(BaselineConfig(), **{**defaults, **overrides})


_FACTORIES = {"mlp": mlp_config, "transformer": transformer_config}
