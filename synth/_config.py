"""A search's options as data: the search space, the enumerator, verification.

Every option of :func:`synth.synthesize` other than the library, the guide and the budget
lives in one of these frozen records, each with documented defaults. A
:class:`SynthesisConfig` holds them all, loads from TOML (or a plain dict) and writes back
to a dict, and the config a search ran with is recorded in its result, so that every
result says how it was obtained.

Enumerators are made by small factories with keyword settings, in optax's style:
``synth.bottom_up(prune=False)``, ``synth.heap()``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import dsl
from synth._bottom_up import BottomUp
from synth._heap import HeapSearch
from synth._spec import SpecError
from synth._terms import SearchLimits

#: Nats per step of cost of bottom-up search with per-context costs (guided search's),
#: unless set: finer than the 1 nat of costs per kind, so that the search follows a
#: guide's weights more closely (:class:`BottomUpEnumerator`, ``unit``).
CONTEXT_UNIT = 0.5

if TYPE_CHECKING:
    from synth._grammar import PCFG, Grammar
    from synth._spec import Spec
    from synth._terms import TermStore


class ConfigError(dsl.AbstraxError, ValueError):
    """A configuration (a TOML file, a dict, an argument) that is not what was expected."""


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """Which programs the search considers.

    Attributes:
        max_depth: the deepest program (a leaf at the root has depth 1).
        constants: literals a program may use (Python values: ``[]`` for the empty list);
            None: the library's own (``Library.constants``).
        allow_recursion: let the program call itself (needs heap search; fuel bounds each
            run).
        exclude: names of library entries to leave out.
        limits: bounds on the values candidates build, in proportion to the examples
            (:class:`SearchLimits`).
    """

    max_depth: int = 6
    constants: tuple[Any, ...] | None = None
    allow_recursion: bool = False
    exclude: tuple[str, ...] = ()
    limits: SearchLimits = field(default_factory=SearchLimits)

    def __post_init__(self) -> None:
        if not isinstance(self.max_depth, int) or isinstance(self.max_depth, bool):
            raise ConfigError(f"SearchSpace.max_depth must be an int, got {self.max_depth!r}")
        if self.max_depth < 1:
            raise ConfigError(f"SearchSpace.max_depth must be >= 1, got {self.max_depth}")
        if not isinstance(self.allow_recursion, bool):
            raise ConfigError(
                f"SearchSpace.allow_recursion must be true or false, got {self.allow_recursion!r}"
            )
        constants: Any = self.constants
        if constants is not None:
            if isinstance(constants, str | bytes) or not hasattr(constants, "__iter__"):
                raise ConfigError(
                    f"SearchSpace.constants must be a sequence of values, got {constants!r}"
                )
            internal = tuple(dsl.to_internal(c) for c in constants)
            for c in internal:
                if not _is_value(c):
                    raise ConfigError(
                        "SearchSpace.constants must hold ints, bools and lists of them, "
                        f"got {dsl.to_external(c)!r}"
                    )
            object.__setattr__(self, "constants", internal)
        exclude: Any = self.exclude
        if isinstance(exclude, str):
            raise ConfigError(
                f"SearchSpace.exclude must be a sequence of names, got the string {exclude!r}"
            )
        if not hasattr(exclude, "__iter__") or not all(isinstance(n, str) for n in exclude):
            raise ConfigError(f"SearchSpace.exclude must be a sequence of names, got {exclude!r}")
        object.__setattr__(self, "exclude", tuple(exclude))
        if not isinstance(self.limits, SearchLimits):
            raise ConfigError(f"SearchSpace.limits must be a SearchLimits, got {self.limits!r}")

    def constants_for(self, library: dsl.Library) -> tuple[Any, ...]:
        """The constants a search over ``library`` uses."""
        return library.constants if self.constants is None else self.constants

    def grammar(self, library: dsl.Library, spec: Spec) -> Grammar:
        """The grammar that :func:`synth.synthesize` searches for ``spec`` in this space
        (grammars are cached: the same space and spec signature give the same one).

        Raises:
            SpecError: the spec's signature has no program in the library.
        """
        from synth._grammar import Grammar

        return Grammar.from_library(
            library,
            spec.signature,
            max_depth=self.max_depth,
            constants=self.constants_for(library),
            allow_recursion=self.allow_recursion,
            param_names=spec.param_names,
            exclude=self.exclude,
        )


@dataclass(frozen=True, slots=True)
class BottomUpEnumerator:
    """Bottom-up search by cost with observational equivalence (:class:`synth.BottomUp`).
    Make it with :func:`bottom_up`.

    Attributes:
        prune: skip degenerate loops (a lambda that ignores its last parameter, a fold that
            ignores the element, a loop over a value that is the same in every example);
            False is complete relative to heap search, and slower.
        lift_penalty: extra cost of a closed program (beyond a leaf) used inside a lambda.
        max_cost: the most expensive program considered.
        costs: how a production's cost in a hole is made from the PCFG's per-context
            probabilities: one cost per kind of hole (a type and the variables in scope,
            :func:`synth.costs_from_pcfg`), the ``"mean"`` over the kind's nonterminals
            or ``"usage"``, weighted by how often the PCFG expects to fill each of them;
            or ``"context"``, each hole priced in its own context
            (:func:`synth.context_costs_from_pcfg`). None: ``"context"`` when a guide
            gives the weights, ``"mean"`` when not. On DreamCoder's list tasks (10 s, 10
            examples given; the DREAMCODER policy before its constant head, costs in
            whole nats), guided search with per-context costs generalised 191 of 217
            and needed 33 programs at the median, against 186 and 40 with usage
            weighting (which itself halved the programs of the mean); unguided, per-context
            costs doubled the programs explored (457.5 against 231.5).
        unit: the nats of one step of cost: a production's ``-log p`` is rounded to a
            multiple of it, so it is how finely the search follows the weights
            (``max_cost`` and ``lift_penalty`` are in nats). None: 0.5 with
            ``"context"`` costs, 1 otherwise. Guided, on DreamCoder's list tasks, half a
            nat took the DREAMCODER policy before its constant head from 33 programs at
            the median to 27.5 (191 tasks generalising, then 190); unguided (costs
            ``"mean"``), it took 434 programs against 233 at 1 nat.
    """

    name: ClassVar[Literal["bottom_up"]] = "bottom_up"
    prune: bool = True
    lift_penalty: int = 3
    max_cost: int = 60
    costs: Literal["mean", "usage", "context"] | None = None
    unit: float | None = None

    def start(
        self,
        pcfg: PCFG,
        store: TermStore,
        *,
        deadline: float,
        max_candidates: float,
        target: tuple[Any, ...] | None,
    ) -> BottomUp:
        """The running search over ``pcfg``'s programs, terms in ``store``."""
        return BottomUp(
            pcfg,
            store,
            max_cost=self.max_cost,
            deadline=deadline,
            max_candidates=None if max_candidates == math.inf else int(max_candidates),
            lift_penalty=self.lift_penalty,
            target=target,
            prune=self.prune,
            costs=self.costs or "mean",
            unit=self.unit
            if self.unit is not None
            else (CONTEXT_UNIT if self.costs == "context" else 1.0),
        )


@dataclass(frozen=True, slots=True)
class HeapEnumerator:
    """Heap search: every program in exact non-increasing probability, no duplicates
    (:class:`synth.HeapSearch`). Make it with :func:`heap`."""

    name: ClassVar[Literal["heap"]] = "heap"

    def start(
        self,
        pcfg: PCFG,
        store: TermStore,
        *,
        deadline: float,
        max_candidates: float,
        target: tuple[Any, ...] | None,
    ) -> HeapSearch:
        """The running search over ``pcfg``'s programs, terms in ``store`` (heap search
        is stopped by its consumer: it needs no deadline or target)."""
        return HeapSearch(pcfg, store)


Enumerator = BottomUpEnumerator | HeapEnumerator
"""An enumerator's settings; ``start`` makes the running search."""


def bottom_up(
    *,
    prune: bool = True,
    lift_penalty: int = 3,
    max_cost: int = 60,
    costs: Literal["mean", "usage", "context"] | None = None,
    unit: float | None = None,
) -> Enumerator:
    """Bottom-up search by increasing cost, one program per behaviour on the examples.

    Args:
        prune: skip degenerate loops (see :class:`BottomUpEnumerator`).
        lift_penalty: extra cost of a closed program used inside a lambda.
        max_cost: the most expensive program considered.
        costs: ``"mean"``, ``"usage"``, ``"context"`` or None (see
            :class:`BottomUpEnumerator`).
        unit: nats per step of cost, or None (see :class:`BottomUpEnumerator`).

    References:
        Udupa et al., "TRANSIT", PLDI 2013; Barke, Peleg, Polikarpova, "Probe", OOPSLA 2020;
        Shi et al., "LambdaBeam", NeurIPS 2023.

    Example:
        >>> bottom_up(prune=False).prune
        False
    """
    for key, value in (("lift_penalty", lift_penalty), ("max_cost", max_cost)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"bottom_up: {key} must be an int >= 0, got {value!r}")
    if not isinstance(prune, bool):
        raise ConfigError(f"bottom_up: prune must be true or false, got {prune!r}")
    if costs not in (None, "mean", "usage", "context"):
        raise ConfigError(f"bottom_up: costs must be 'mean', 'usage' or 'context', got {costs!r}")
    if unit is not None and (
        not isinstance(unit, int | float) or isinstance(unit, bool) or not 0 < unit < math.inf
    ):
        raise ConfigError(f"bottom_up: unit must be a number of nats > 0, got {unit!r}")
    return BottomUpEnumerator(
        prune=prune,
        lift_penalty=lift_penalty,
        max_cost=max_cost,
        costs=costs,
        unit=None if unit is None else float(unit),
    )


def heap() -> Enumerator:
    """Heap search: every program of the PCFG in exact non-increasing probability.

    References:
        Fijalkow et al., "Scaling Neural Program Synthesis with Distribution-based Search",
        AAAI 2022.
    """
    return HeapEnumerator()


_FACTORIES: dict[str, Callable[..., Enumerator]] = {"bottom_up": bottom_up, "heap": heap}


@dataclass(frozen=True, slots=True)
class Verification:
    """How counterexample-guided synthesis checks a program (:func:`synth.verify`).

    Attributes:
        max_examples: generated inputs per verification.
        max_len: longest generated list.
        value_range: smallest and largest generated int.
        min_len: shortest generated list (counterexamples too): 1 where an empty list is
            outside the inputs the program is meant for.
    """

    max_examples: int = 500
    max_len: int = 50
    value_range: tuple[int, int] = (-1000, 1000)
    min_len: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.max_examples, int) or self.max_examples < 1:
            raise ConfigError(
                f"Verification.max_examples must be an int >= 1, got {self.max_examples!r}"
            )
        if not isinstance(self.max_len, int) or self.max_len < 0:
            raise ConfigError(f"Verification.max_len must be an int >= 0, got {self.max_len!r}")
        if (
            not isinstance(self.min_len, int)
            or isinstance(self.min_len, bool)
            or not 0 <= self.min_len <= self.max_len
        ):
            raise ConfigError(
                f"Verification.min_len must be an int in 0..max_len ({self.max_len}), "
                f"got {self.min_len!r}"
            )
        pair: Any = self.value_range
        if (
            not isinstance(pair, tuple | list)
            or len(pair) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        ):
            raise ConfigError(f"Verification.value_range must be two ints, got {pair!r}")
        lo, hi = pair
        if lo > hi:
            raise ConfigError(f"Verification.value_range must be (low, high), got {(lo, hi)}")
        object.__setattr__(self, "value_range", (int(lo), int(hi)))


@dataclass(frozen=True, slots=True)
class SynthesisConfig:
    """Every option of a search but the library, the guide and the budget.

    ``synthesize(spec, library=..., budget=..., **config.options())`` runs a search with
    it; ``result.config`` is the config a search ran with, resolved (the enumerator that
    ``None`` chose, the library's constants).

    Attributes:
        space: the search space.
        enumerator: the enumerator and its settings; None: bottom-up search, or heap search
            when the program may call itself.
        verify: counterexample-guided synthesis with these settings; None: plain search.
        seed: makes sampled inputs and verification reproducible.

    Example:
        >>> data = {"space": {"max_depth": 4}, "enumerator": {"name": "heap"}}
        >>> cfg = SynthesisConfig.from_dict(data)
        >>> cfg.space.max_depth, cfg.enumerator.name
        (4, 'heap')
    """

    space: SearchSpace = field(default_factory=SearchSpace)
    enumerator: Enumerator | None = None
    verify: Verification | None = None
    seed: int = 0

    def options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`synth.synthesize` that give this config."""
        return {
            "space": self.space,
            "enumerator": self.enumerator,
            "verify": self.verify if self.verify is not None else False,
            "seed": self.seed,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON- and TOML-ready): what :meth:`from_dict` reads back."""
        space = asdict(self.space)
        constants = self.space.constants
        space["constants"] = None if constants is None else [dsl.to_external(c) for c in constants]
        space["exclude"] = list(self.space.exclude)
        out: dict[str, Any] = {"space": _without_none(space), "seed": self.seed}
        if self.enumerator is not None:
            settings = {k: v for k, v in asdict(self.enumerator).items() if v is not None}
            out["enumerator"] = {"name": self.enumerator.name, **settings}
        if self.verify is not None:
            out["verify"] = {**asdict(self.verify), "value_range": list(self.verify.value_range)}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "config") -> SynthesisConfig:
        """Read a config from plain data (as :meth:`to_dict` writes and TOML reads).

        Raises:
            ConfigError: an unknown key, or a value of the wrong kind, named with its path
                (``config.space.max_depth``).
        """
        _known(data, ("space", "enumerator", "verify", "seed"), where)
        space_data = dict(_table(data.get("space", {}), f"{where}.space"))
        limits_data = _table(space_data.pop("limits", {}), f"{where}.space.limits")
        limits = _build(SearchLimits, limits_data, f"{where}.space.limits")
        space = _build(SearchSpace, {**space_data, "limits": limits}, f"{where}.space")
        enumerator = None
        if "enumerator" in data:
            settings = dict(_table(data["enumerator"], f"{where}.enumerator"))
            name = settings.pop("name", None)
            if name not in _FACTORIES:
                raise ConfigError(
                    f"{where}.enumerator.name: expected one of {sorted(_FACTORIES)}, got {name!r}"
                )
            try:
                enumerator = _FACTORIES[name](**settings)
            except (TypeError, ConfigError) as err:
                raise ConfigError(f"{where}.enumerator: {err}") from err
        verify = None
        if "verify" in data:
            raw = data["verify"]
            if raw is True:
                verify = Verification()
            elif raw is not False:
                verify_data = dict(_table(raw, f"{where}.verify"))
                if isinstance(verify_data.get("value_range"), list):
                    verify_data["value_range"] = tuple(verify_data["value_range"])
                verify = _build(Verification, verify_data, f"{where}.verify")
        seed = data.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ConfigError(f"{where}.seed: expected an int, got {seed!r}")
        return cls(space, enumerator, verify, seed)

    @classmethod
    def from_toml(cls, path: str | Path) -> SynthesisConfig:
        """Read a config from a TOML file (see the README for its layout).

        Raises:
            ConfigError: the file is not TOML, or holds an unknown key or a bad value;
                the message names the file, the key and what was expected.
        """
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{path}: not valid TOML: {err}") from err
        return cls.from_dict(data, where=str(path))

    def resolved(self, library: dsl.Library, enumerator: Enumerator) -> SynthesisConfig:
        """This config with what a search over ``library`` decided filled in."""
        return replace(
            self,
            space=replace(self.space, constants=self.space.constants_for(library)),
            enumerator=enumerator,
        )


def _is_value(v: Any) -> bool:
    """Whether ``v`` is a value of the language (interpreter form)."""
    if isinstance(v, int):
        return True
    return isinstance(v, tuple) and all(_is_value(x) for x in v)


def _without_none(d: dict[str, Any]) -> dict[str, Any]:
    """``d`` without None values, nested (TOML has no null)."""
    return {
        k: _without_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None
    }


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table of settings, got {value!r}")
    return value


def _known(data: Mapping[str, Any], keys: Iterable[str], where: str) -> None:
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(keys)}")


def _build(cls: Any, data: Mapping[str, Any], where: str) -> Any:
    """``cls(**data)``, with unknown keys and bad values reported at ``where``."""
    names = [f.name for f in fields(cls)]
    _known(data, names, where)
    try:
        return cls(**data)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from err
    except (TypeError, ValueError, SpecError) as err:
        raise ConfigError(f"{where}: {err}") from err


def enumerator_from_name(name: str) -> Enumerator:
    """The enumerator called ``name`` (``"bottom_up"`` or ``"heap"``) with its defaults, for
    the command line."""
    if name not in _FACTORIES:
        raise ConfigError(f"unknown enumerator {name!r}; choose one of {sorted(_FACTORIES)}")
    return _FACTORIES[name]()
