"""Tasks and splits: a spec plus how to draw its inputs, in the training distribution and
beyond it.

A :class:`Task` is what every method of the runner is given: a signature, a reference (the
intended function on Python values) and/or fixed examples, and a sampler of inputs. Its
:class:`Split` s say where inputs come from: ``train`` (short lists, small values: the
examples the search sees and the networks' training data come from here) and the
extrapolation splits ``longer``, ``larger`` and ``both``, on which a method is scored.

Example:
    >>> import tasks
    >>> double = lambda xs: [2 * x for x in xs]
    >>> t = tasks.Task("double", "(list[int]) -> list[int]", reference=double)
    >>> (xs,) = t.inputs("longer", 1, seed=0)[0]
    >>> xs[:3], len(xs), t.output((xs[:3],))
    ([8, 3, 2], 49, [16, 6, 4])
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import dsl
from synth import Spec
from synth._spec import SpecError

Args = tuple[Any, ...]
Example = tuple[Args, Any]
Sampler = Callable[[random.Random, "Split"], Args]


class TaskError(dsl.AbstraxError, ValueError):
    """A task that cannot be used as given: a bad field, or inputs that cannot be drawn.

    Attributes:
        field: the task's field at fault (``"n_examples"``, ``"examples[2]"``...), or None.
        reason: the message without the task's name in front.
    """

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None):
        super().__init__(message)
        self.field = field
        self.reason = reason if reason is not None else message


@dataclass(frozen=True, slots=True)
class Split:
    """Where one split's inputs are drawn from.

    Attributes:
        min_len: shortest list (each list argument's length is drawn uniformly).
        max_len: longest list.
        min_value: smallest int (each int is drawn uniformly).
        max_value: largest int.
    """

    min_len: int = 1
    max_len: int = 5
    min_value: int = 0
    max_value: int = 9

    def __post_init__(self) -> None:
        for name in ("min_len", "max_len", "min_value", "max_value"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TaskError(f"Split.{name} must be an int, got {value!r}")
        if not 0 <= self.min_len <= self.max_len:
            raise TaskError(
                f"Split lengths must satisfy 0 <= min_len <= max_len, got "
                f"{self.min_len}..{self.max_len}"
            )
        if self.min_value > self.max_value:
            raise TaskError(
                f"Split values must satisfy min_value <= max_value, got "
                f"{self.min_value}..{self.max_value}"
            )

    def __str__(self) -> str:
        return f"lengths {self.min_len}..{self.max_len}, values {self.min_value}..{self.max_value}"


#: The training distribution: the search's examples and the networks' data come from here.
TRAIN = Split(1, 5, 0, 9)
#: Lists ten times longer, the same values.
LONGER = Split(10, 50, 0, 9)
#: The training lengths, values a hundred times larger (most never seen in training).
LARGER = Split(1, 5, -1000, 1000)
#: Longer and larger together.
BOTH = Split(10, 50, -1000, 1000)

#: The splits every task has unless it says otherwise, in report order.
DEFAULT_SPLITS: Mapping[str, Split] = MappingProxyType(
    {"train": TRAIN, "longer": LONGER, "larger": LARGER, "both": BOTH}
)


# --- building blocks for samplers ------------------------------------------------------


def sample_int(rng: random.Random, split: Split) -> int:
    """An int drawn uniformly from the split's values."""
    return rng.randint(split.min_value, split.max_value)


def sample_length(rng: random.Random, split: Split) -> int:
    """A list length drawn uniformly from the split's lengths."""
    return rng.randint(split.min_len, split.max_len)


def sample_list(rng: random.Random, split: Split, length: int | None = None) -> list[int]:
    """A list of ints from the split: its length drawn from the split unless given."""
    n = sample_length(rng, split) if length is None else length
    return [sample_int(rng, split) for _ in range(n)]


def sample_value(t: dsl.Type, rng: random.Random, split: Split) -> Any:
    """A value of type ``t`` from the split: ints and list lengths drawn uniformly, bools
    fair, nested lists with the split's lengths at every level."""
    if t == dsl.INT or isinstance(t, dsl.TVar):
        return sample_int(rng, split)
    if t == dsl.BOOL:
        return rng.random() < 0.5
    if isinstance(t, dsl.TList):
        return [sample_value(t.elem, rng, split) for _ in range(sample_length(rng, split))]
    raise TaskError(f"no inputs of type {t}: inputs are ints, bools and lists")


def signature_sampler(signature: dsl.TFun) -> Sampler:
    """The default sampler: every argument drawn from the split by its type."""
    params = signature.params
    for t in params:
        _check_input_type(t)
    return lambda rng, split: tuple(sample_value(t, rng, split) for t in params)


def _check_input_type(t: dsl.Type) -> None:
    if isinstance(t, dsl.TList):
        _check_input_type(t.elem)
    elif not (t in (dsl.INT, dsl.BOOL) or isinstance(t, dsl.TVar)):
        raise TaskError(f"no inputs of type {t}: inputs are ints, bools and lists")


# --- tasks ------------------------------------------------------------------------------


def _signature(text: dsl.TFun | str, where: str) -> dsl.TFun:
    if isinstance(text, dsl.TFun):
        return text
    try:
        t = dsl.parse_type(text)
    except dsl.AbstraxError as err:
        raise _bad(where, f"bad signature {text!r}: {err}", "signature") from err
    if not isinstance(t, dsl.TFun):
        raise _bad(where, "a signature is a function type like '(list[int]) -> int'", "signature")
    return t


def _tuning(tuning: Mapping[str, Any], where: str) -> Mapping[str, Mapping[str, Any]]:
    """``tuning`` checked (baseline kinds to tables of settings) and frozen; the settings
    themselves are checked by ``neural.BaselineConfig`` when a network is trained."""
    if not isinstance(tuning, Mapping):
        raise _bad(where, f"tuning must be a table of baselines, got {tuning!r}", "tuning")
    out = {}
    for kind, settings in tuning.items():
        if kind not in ("mlp", "transformer"):
            reason = f"tuning is for 'mlp' or 'transformer', got {kind!r}"
            raise _bad(where, reason, "tuning")
        if not isinstance(settings, Mapping) or not all(isinstance(k, str) for k in settings):
            reason = f"tuning of {kind} must be a table of settings, got {settings!r}"
            raise _bad(where, reason, f"tuning.{kind}")
        if "kind" in settings or "seed" in settings:
            reason = f"tuning of {kind} cannot set its kind or seed"
            raise _bad(where, reason, f"tuning.{kind}")
        out[kind] = MappingProxyType(dict(settings))
    return MappingProxyType(out)


def _bad(where: str, reason: str, field: str | None) -> TaskError:
    return TaskError(f"{where}: {reason}", field=field, reason=reason)


@dataclass(frozen=True, slots=True, eq=False)
class Task:
    """A synthesis task: what to compute, and how to draw inputs in and out of training.

    A task has a ``reference`` (the intended function on Python values), fixed
    ``examples``, or both. With a reference, examples for the search are drawn from the
    ``train`` split (unless fixed ones are given) and every split is scored on drawn
    inputs; without one, the first examples are given and the rest are the ``held_out``
    split.

    Attributes:
        name: identifier, unique in its suite.
        signature: the program's type, e.g. ``"(list[int], int) -> list[int]"`` (text or
            ``dsl.TFun``).
        reference: the intended function, on Python values; None when only examples exist.
        description: one line for people.
        examples: fixed ``(args, output)`` pairs; given to the search before drawn ones.
        sampler: draws one input (an args tuple) from a split; None: by the signature's types
            (:func:`signature_sampler`).
        precondition: inputs it rejects are outside the task (e.g. "the list is sorted");
            drawn inputs always satisfy it, and verification skips the others.
        splits: split name -> :class:`Split`, in report order; ``train`` must be one.
        n_examples: how many examples the search is given by default.
        param_names: names of the program's parameters (None: by type, ``xs``, ``n``...).
        tuning: per network baseline (``"mlp"``, ``"transformer"``), settings of
            ``neural.BaselineConfig`` for this task: the sizes found by tuning on its
            ``train`` distribution (``bench/tune_baselines.py``) where the defaults stay
            below 95% there. The runner applies them in place of settings the run left at
            their defaults, unless ``RunConfig.tuned`` is False.
    """

    name: str
    signature: dsl.TFun
    reference: Callable[..., Any] | None
    description: str
    examples: tuple[Example, ...]
    sampler: Sampler | None
    precondition: Callable[..., bool] | None
    splits: Mapping[str, Split]
    n_examples: int
    param_names: tuple[str, ...] | None
    tuning: Mapping[str, Mapping[str, Any]]

    def __init__(
        self,
        name: str,
        signature: dsl.TFun | str,
        *,
        reference: Callable[..., Any] | None = None,
        description: str = "",
        examples: Sequence[tuple[Sequence[Any], Any]] = (),
        sampler: Sampler | None = None,
        precondition: Callable[..., bool] | None = None,
        splits: Mapping[str, Split] = DEFAULT_SPLITS,
        n_examples: int = 6,
        param_names: Sequence[str] | None = None,
        tuning: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        where = f"task {name!r}"
        if not isinstance(name, str) or not name:
            raise TaskError(f"a task's name must be a non-empty string, got {name!r}")
        sig = _signature(signature, where)
        if reference is not None and not callable(reference):
            raise _bad(where, f"reference must be callable, got {reference!r}", "reference")
        exs: list[Example] = []
        for i, e in enumerate(examples):
            try:
                args, out = e
                exs.append((tuple(args), out))
            except (TypeError, ValueError):
                raise _bad(
                    where, f"example {i} must be a pair (args, output)", f"examples[{i}]"
                ) from None
        if reference is None and not exs:
            raise _bad(where, "needs a reference, examples, or both", None)
        if "train" not in splits:
            raise _bad(where, f"splits must include 'train', got {sorted(splits)}", "splits")
        for split_name, split in splits.items():
            if not isinstance(split, Split):
                raise _bad(
                    where,
                    f"split {split_name!r} must be a Split, got {split!r}",
                    f"splits.{split_name}",
                )
        if not isinstance(n_examples, int) or isinstance(n_examples, bool) or n_examples < 1:
            reason = f"n_examples must be a positive int, got {n_examples!r}"
            raise _bad(where, reason, "n_examples")
        tuned = _tuning(tuning or {}, where)
        if sampler is None and reference is not None:
            sampler = signature_sampler(sig)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "signature", sig)
        object.__setattr__(self, "reference", reference)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "examples", tuple(exs))
        object.__setattr__(self, "sampler", sampler)
        object.__setattr__(self, "precondition", precondition)
        object.__setattr__(self, "splits", MappingProxyType(dict(splits)))
        object.__setattr__(self, "n_examples", n_examples)
        object.__setattr__(self, "param_names", None if param_names is None else tuple(param_names))
        object.__setattr__(self, "tuning", tuned)
        # Fails early, naming the task, on examples that do not fit the signature.
        try:
            self._spec(self.examples)
        except SpecError as err:
            found = re.match(r"example (\d+)", str(err))
            field = f"examples[{found.group(1)}]" if found else "param_names"
            raise _bad(where, str(err), field) from err

    def __repr__(self) -> str:
        return f"Task({self.name!r}, {str(self.signature)!r})"

    @property
    def split_names(self) -> tuple[str, ...]:
        """The names of the splits a method is scored on, in report order: the task's own
        splits with a reference, ``held_out`` without one."""
        return tuple(self.splits) if self.reference is not None else ("held_out",)

    def split(self, name: str) -> Split:
        """The split called ``name``.

        Raises:
            TaskError: the task has no such split.
        """
        try:
            return self.splits[name]
        except KeyError:
            raise TaskError(
                f"task {self.name!r} has no split {name!r}; it has {', '.join(self.splits)}"
            ) from None

    def sample(self, rng: random.Random, split: str | Split = "train") -> Args:
        """One input drawn from ``split`` (a name or a :class:`Split`) that satisfies the
        precondition.

        Raises:
            TaskError: the task has no sampler (examples only), or 1,000 draws in a row
                fail the precondition.
        """
        s = self.split(split) if isinstance(split, str) else split
        if self.sampler is None:
            raise TaskError(f"task {self.name!r} has no sampler: it has fixed examples only")
        for _ in range(1000):
            args = tuple(self.sampler(rng, s))
            if self.precondition is None or self.precondition(*copy.deepcopy(args)):
                return args
        raise TaskError(f"task {self.name!r}: 1000 inputs drawn from {s} fail its precondition")

    def inputs(
        self, split: str | Split, n: int, *, seed: int = 0, stream: str = "test"
    ) -> list[Args]:
        """``n`` inputs drawn from ``split`` (a name or a :class:`Split`), the same for the
        same (task, split, seed, stream). Streams keep apart inputs drawn for different
        purposes: the runner scores on ``"test"`` and trains networks on ``"fit"``."""
        rng = random.Random(f"{self.name}/{split}/{stream}/{seed}")
        return [self.sample(rng, split) for _ in range(n)]

    def output(self, args: Args) -> Any:
        """The reference's output on ``args`` (which it may not change).

        Raises:
            TaskError: the task has no reference.
        """
        if self.reference is None:
            raise TaskError(f"task {self.name!r} has no reference")
        return self.reference(*copy.deepcopy(args))

    def given(self, n: int | None = None, *, seed: int = 0) -> tuple[Example, ...]:
        """The ``n`` examples given to the search (default :attr:`n_examples`): the fixed
        examples first, then distinct inputs drawn from ``train`` with the reference's
        outputs. Without a reference, the first ``n`` fixed examples."""
        n = self.n_examples if n is None else n
        out = list(self.examples[:n])
        if self.reference is None or len(out) >= n:
            return tuple(out)
        seen = {repr(a) for a, _ in out}
        rng = random.Random(f"{self.name}/examples/{seed}")
        for _ in range(100 * n):
            if len(out) == n:
                break
            args = self.sample(rng, "train")
            if repr(args) in seen:
                continue
            seen.add(repr(args))
            out.append((args, self.output(args)))
        return tuple(out)

    def held_out(self, n: int | None = None) -> tuple[Example, ...]:
        """The fixed examples after the first ``n`` (default :attr:`n_examples`)."""
        return self.examples[self.n_examples if n is None else n :]

    def spec(self, n: int | None = None, *, seed: int = 0) -> Spec:
        """The spec a search is given: the signature, :meth:`given` examples, and the
        reference and precondition (for verification)."""
        return self._spec(self.given(n, seed=seed))

    def _spec(self, examples: Sequence[Example]) -> Spec:
        name = self.name.replace("-", "_")
        if not name.isidentifier() or name in dsl.KEYWORDS:
            name = "f"
        elif name in dsl.EXTENDED or name in dsl.DREAMCODER:
            name = f"{name}_"
        return Spec(
            self.signature,
            examples,
            reference=self.reference,
            precondition=self.precondition,
            param_names=self.param_names,
            name=name,
        )
