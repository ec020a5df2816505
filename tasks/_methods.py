"""The methods a suite is run with, and how each is scored.

A method takes a task and a seed and returns an :class:`Outcome`: whether it solved the
task, the program (for search), and its accuracy on every split, measured the same way
for every method (:func:`score`): exact match of the whole output on inputs drawn from each
split, never seen in training.

Built in:

- ``search``: unguided synthesis from the task's examples (6 drawn from ``train``), with
  CEGIS against the reference whose counterexamples come from the ``train`` ranges only
  (``RunConfig.cegis``).
- ``guided``: the same synthesis, guided by the neural policy (``RunConfig.policy``, or
  the default policy of the library).
- ``mlp`` and ``transformer``: the network baselines of :mod:`neural`, trained on 10,000
  ``train`` samples of the reference.

A user's method is ``module:function`` with the signature of :data:`Method`.
"""

from __future__ import annotations

import functools
import importlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import dsl
import synth
from tasks._suites import resolve_library
from tasks._task import Args, Split, Task, TaskError

if TYPE_CHECKING:
    from tasks._runner import RunConfig

#: Fuel for running a found program on one scoring input (lists of 50 under nested loops).
SCORE_FUEL = 10_000_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one method did on one task with one seed.

    Attributes:
        solved: for search, a program was found that fits the examples and passed
            verification against the reference; for a network, it is exact on every
            held-out ``train`` input (the bar a program meets); None where it has no meaning.
        program: the program's source (search), or None.
        programs_explored: complete programs the search tried, or None.
        accuracy: split name -> fraction of inputs whose whole output is right; None where
            the split has no held-out input to score.
        curves: ``"length"`` and ``"values"`` -> point -> accuracy: lists of lengths up to
            the point (values as in ``train``), and values within +-point (``train``
            lengths). None where a point's inputs could not be drawn.
        details: method-specific figures (search statistics, network sizes and speed).
    """

    solved: bool | None
    program: str | None = None
    programs_explored: int | None = None
    accuracy: dict[str, float | None] = field(default_factory=dict)
    curves: dict[str, dict[str, float | None]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


#: A method: ``(task, seed, config) -> Outcome``.
Method = Callable[[Task, int, "RunConfig"], Outcome]


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """A method and what it needs of a task.

    Attributes:
        name: as written in results.
        run: the method.
        needs_reference: it samples its own data from the reference, so tasks with fixed
            examples only are not for it.
        uses: the :class:`RunConfig` fields its results depend on besides the scoring
            settings (so that changing another method's settings keeps its results);
            None: every field.
        weight: its expected seconds per task, relative to the others': parallel
            workers start the heaviest units first, so that none is left running one
            long unit alone at the end. It changes the order of work, never a result.
    """

    name: str
    run: Method
    needs_reference: bool = False
    uses: tuple[str, ...] | None = None
    weight: float = 1.0

    def skips(self, task: Task) -> str | None:
        """Why the method does not apply to ``task``, or None when it does."""
        if self.needs_reference and task.reference is None:
            return f"{self.name} trains on samples of a reference; {task.name} has examples only"
        return None


# --- scoring ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoringSet:
    """The inputs and right outputs a method is scored on, for one task and seed."""

    splits: dict[str, tuple[list[Args], list[Any]]]
    curves: dict[str, dict[str, tuple[list[Args], list[Any]] | None]]

    def all_values(self) -> list[Any]:
        """Every input argument and output, for sizing a network's padded width."""
        out: list[Any] = []
        groups = list(self.splits.values())
        for curve in self.curves.values():
            groups += [g for g in curve.values() if g is not None]
        for inputs, outputs in groups:
            for args in inputs:
                out.extend(args)
            out.extend(outputs)
        return out


def fit_inputs(task: Task, seed: int, config: RunConfig) -> list[Args]:
    """The ``train`` inputs a network of this seed is trained on (``config.train_samples``
    of them, from their own stream). Shared: do not change the list."""
    return _fit_inputs(task, seed, config.train_samples)


# A worker draws a task's inputs for several of its units (every method is scored on the
# same inputs, which exclude the networks' training inputs): drawn once per process.
# Keyed by the task object, so a task file read afresh is drawn afresh.
@functools.lru_cache(maxsize=4)
def _fit_inputs(task: Task, seed: int, n: int) -> list[Args]:
    return task.inputs("train", n, seed=seed, stream="fit")


def _unseen(task: Task, split: str | Split, n: int, seed: int, seen: set[str]) -> list[Args]:
    """Up to ``n`` inputs of ``split`` that are not in ``seen`` (by ``repr``), drawn from
    the test stream; fewer where the split has fewer unseen inputs to give (``repeat`` on
    ``train`` has 50 inputs in all, every one of them among 10,000 training samples)."""
    rng = random.Random(f"{task.name}/{split}/test/{seed}")
    out: list[Args] = []
    for _ in range(50 * n):
        if len(out) == n:
            break
        args = task.sample(rng, split)
        if repr(args) not in seen:
            out.append(args)
    return out


def scoring_set(task: Task, seed: int, config: RunConfig) -> ScoringSet:
    """Draw the scoring inputs of ``task`` (``config.eval_inputs`` per split, and
    ``config.curve_inputs`` per curve point) with their reference outputs.

    No scoring input is one the search was given or one a network of this seed trains on:
    every method is scored on the same inputs, all of them held out from every method.
    Shared by the units of a process that score the same task and seed: do not change it.
    """
    return _scoring_set(
        task,
        seed,
        config.examples,
        config.train_samples,
        config.eval_inputs,
        config.curve_lengths,
        config.curve_values,
        config.curve_inputs,
    )


@functools.lru_cache(maxsize=4)
def _scoring_set(
    task: Task,
    seed: int,
    examples: int | None,
    train_samples: int,
    eval_inputs: int,
    curve_lengths: tuple[int, ...],
    curve_values: tuple[int, ...],
    curve_inputs: int,
) -> ScoringSet:
    if task.reference is None:
        held = task.held_out(examples)
        return ScoringSet({"held_out": ([a for a, _ in held], [o for _, o in held])}, {})
    seen = {repr(a) for a, _ in task.given(examples, seed=seed)}
    seen |= {repr(a) for a in _fit_inputs(task, seed, train_samples)}
    splits = {}
    for name in task.split_names:
        inputs = _unseen(task, name, eval_inputs, seed, seen)
        splits[name] = (inputs, [task.output(a) for a in inputs])
    train = task.split("train")
    points: dict[str, list[tuple[str, Split]]] = {
        "length": [
            (str(n), Split(max(0, n - 4), n, train.min_value, train.max_value))
            for n in curve_lengths
        ],
        "values": [(str(v), Split(train.min_len, train.max_len, -v, v)) for v in curve_values],
    }
    curves: dict[str, dict[str, tuple[list[Args], list[Any]] | None]] = {}
    for curve, pts in points.items():
        curves[curve] = {}
        for label, split in pts:
            try:
                inputs = _unseen(task, split, curve_inputs, seed, seen)
            except TaskError:
                curves[curve][label] = None  # e.g. a precondition no input of the point meets
                continue
            curves[curve][label] = (inputs, [task.output(a) for a in inputs])
    return ScoringSet(splits, curves)


def _same(got: Any, want: Any) -> bool:
    # bools are ints in Python: True == 1 must not count as right for an int task.
    return (
        type(got) is type(want) and got == want
        if not isinstance(want, list)
        else (isinstance(got, list) and len(got) == len(want) and all(map(_same, got, want)))
    )


def _fraction(
    predict: Callable[[list[Args]], list[Any]], group: tuple[list[Args], list[Any]]
) -> float | None:
    inputs, outputs = group
    if not inputs:
        return None  # nothing held out to score on (JSON has no NaN)
    got = predict(inputs)
    return sum(_same(g, w) for g, w in zip(got, outputs, strict=True)) / len(inputs)


def score(
    predict: Callable[[list[Args]], list[Any]], scoring: ScoringSet
) -> tuple[dict[str, float | None], dict[str, dict[str, float | None]]]:
    """Accuracy of ``predict`` (inputs -> outputs) on every split and curve point."""
    accuracy = {name: _fraction(predict, group) for name, group in scoring.splits.items()}
    curves = {
        curve: {p: None if g is None else _fraction(predict, g) for p, g in pts.items()}
        for curve, pts in scoring.curves.items()
    }
    return accuracy, curves


def program_predictor(program: dsl.Definition) -> Callable[[list[Args]], list[Any]]:
    """Run a found program on each input; an input it fails on (an ``EvalError``: out of
    fuel, an empty list...) gets None, which is never right."""
    compiled = dsl.compile_definition(program, limits=dsl.Limits(fuel=SCORE_FUEL))

    def predict(inputs: list[Args]) -> list[Any]:
        out = []
        for args in inputs:
            try:
                out.append(compiled(*args))
            except dsl.EvalError:
                out.append(None)
        return out

    return predict


# --- the methods ------------------------------------------------------------------------


def run_search(task: Task, seed: int, config: RunConfig) -> Outcome:
    """Unguided synthesis from the task's examples, with CEGIS on ``train``-range inputs
    (or as ``config.cegis`` says)."""
    return _synthesis(task, seed, config, guide=None)


def run_guided(task: Task, seed: int, config: RunConfig) -> Outcome:
    """Synthesis as :func:`run_search` (same budget, examples and CEGIS), with the neural
    policy (``config.policy``, or the library's default) as the search's guide."""
    return _synthesis(task, seed, config, guide=_policy(config.policy, config.library))


@functools.lru_cache(maxsize=4)
def _policy(path: str | None, library: str) -> synth.Guide:
    """The policy, loaded once per process (a worker runs many tasks)."""
    import neural

    return neural.load_policy(path, library=resolve_library(library))


def _synthesis(task: Task, seed: int, config: RunConfig, *, guide: synth.Guide | None) -> Outcome:
    library = resolve_library(config.library)
    spec = task.spec(config.examples, seed=seed)
    verify: bool | synth.Verification = False
    if task.reference is not None and config.cegis != "off":
        train = task.split("train")
        verify = (
            synth.Verification(
                max_len=train.max_len,
                min_len=train.min_len,
                value_range=(train.min_value, train.max_value),
            )
            if config.cegis == "train"
            else synth.Verification()
        )
    result = synth.synthesize(
        spec,
        library=library,
        guide=guide,
        budget=synth.Budget(seconds=config.budget),
        space=config.search.space,
        enumerator=config.search.enumerator,
        verify=verify,
        seed=seed,
    )
    scoring = scoring_set(task, seed, config)
    verified = result.verification is None or result.verification.passed
    details = {
        "candidates": result.candidates,
        "rounds": result.rounds,
        "stop_reason": result.stop_reason,
        "counterexamples": len(result.counterexamples),
        "search_seconds": round(result.seconds, 3),
        "verified": result.verification.passed if result.verification is not None else None,
        "search": result.config.to_dict(),
    }
    if result.program is None:
        # Nothing to run: 0 wherever there are inputs to score, None where there are none.
        empty: dict[str, float | None] = {
            name: 0.0 if inputs else None for name, (inputs, _) in scoring.splits.items()
        }
        curves = {
            c: {p: None if g is None or not g[0] else 0.0 for p, g in pts.items()}
            for c, pts in scoring.curves.items()
        }
        return Outcome(False, None, result.programs_explored, empty, curves, details)
    accuracy, curves = score(program_predictor(result.program), scoring)
    return Outcome(
        result.solved and verified,
        dsl.pretty(result.program),
        result.programs_explored,
        accuracy,
        curves,
        details,
    )


def _network(kind: str) -> Method:
    def run(task: Task, seed: int, config: RunConfig) -> Outcome:
        import neural

        base = config.mlp if kind == "mlp" else config.transformer
        default = neural.mlp_config() if kind == "mlp" else neural.transformer_config()
        # A task's tuning replaces the defaults, never a setting the run chose.
        tuned = {
            k: v
            for k, v in (task.tuning.get(kind, {}) if config.tuned else {}).items()
            if getattr(base, k, None) == getattr(default, k, None)
        }
        try:
            model_config = replace(base, **tuned, seed=seed)
        except (TypeError, synth.ConfigError) as err:  # no such setting, or a bad value
            raise TaskError(f"task {task.name!r}: tuning.{kind}: {err}") from err
        inputs = fit_inputs(task, seed, config)
        outputs = [task.output(a) for a in inputs]
        scoring = scoring_set(task, seed, config)
        max_len = max([1, *(_longest(v) for v in scoring.all_values())])
        started = time.perf_counter()
        model = neural.fit_baseline(
            task.signature, inputs, outputs, config=model_config, max_len=max_len
        )
        accuracy, curves = score(model.predict, scoring)
        details = {
            "fit_seconds": round(model.train_seconds, 3),
            "seconds_with_scoring": round(time.perf_counter() - started, 3),
            "examples_per_second": round(model.examples_per_second, 1),
            "final_loss": model.final_loss,
            "parameters": model.num_params,
            "compile_seconds": round(model.compile_seconds, 3),
            "max_len": max_len,
            "model": model_config.to_dict(),
            "tuned": tuned,
        }
        return Outcome(accuracy.get("train") == 1.0, None, None, accuracy, curves, details)

    return run


def _longest(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(_longest(v) for v in value)])
    return 0


BUILT_IN_METHODS: dict[str, MethodInfo] = {
    "search": MethodInfo("search", run_search, uses=("library", "budget", "search", "cegis")),
    "guided": MethodInfo(
        "guided", run_guided, uses=("library", "budget", "search", "cegis", "policy")
    ),
    # Weights from `abstrax run sorting` (seconds per task, 2 workers): search 10 (its
    # budget), MLP 12, Transformer 35.
    "mlp": MethodInfo(
        "mlp",
        _network("mlp"),
        needs_reference=True,
        uses=("train_samples", "mlp", "tuned"),
        weight=1.2,
    ),
    "transformer": MethodInfo(
        "transformer",
        _network("transformer"),
        needs_reference=True,
        uses=("train_samples", "transformer", "tuned"),
        weight=3.5,
    ),
}


def method(name: str) -> MethodInfo:
    """The method called ``name``: built in, or ``module:function`` (a :data:`Method`;
    give it a ``needs_reference = True`` attribute if it samples the reference).

    Raises:
        TaskError: no such method.
    """
    if name in BUILT_IN_METHODS:
        return BUILT_IN_METHODS[name]
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            fn = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as err:
            raise TaskError(f"method {name!r}: {err}") from err
        if not callable(fn):
            raise TaskError(f"method {name!r} is not callable")
        return MethodInfo(name, fn, bool(getattr(fn, "needs_reference", False)))
    # A user's method may depend on any setting: its results are keyed on all of them.
    raise TaskError(
        f"unknown method {name!r}: expected one of {', '.join(BUILT_IN_METHODS)} or module:function"
    )


def methods() -> tuple[str, ...]:
    """The names of the built-in methods."""
    return tuple(BUILT_IN_METHODS)
