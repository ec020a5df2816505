"""The suite runner: every (task, method, seed) of a suite, one JSON line per result.

``run_suite(config, workdir)`` has the shape of flax's ``train_and_evaluate``: a frozen,
documented :class:`RunConfig` and a work directory. Results go to
``WORKDIR/results.jsonl`` as soon as each is known (flushed and fsync'd), so a run that is
killed loses at most the results in flight; running the same config again skips what is
done and never writes a second line for a (task, method, seed). A method that raises is
recorded as an error and the run goes on. At the end come ``summary.md``, ``results.csv``
and the plots (:mod:`tasks._report`).

Work runs in this process (``jobs=1``), in parallel processes (``jobs>1``), or on a Dask
cluster (``executor="dask"``); the results file is the same.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dsl
from synth import ConfigError, SynthesisConfig
from tasks._execute import Unit, _suite, execute
from tasks._methods import method
from tasks._results import RESULTS, Corrupt, ResultsFile, read_results
from tasks._suites import LIBRARIES, resolve_library
from tasks._task import TaskError

if TYPE_CHECKING:
    from rich.progress import Progress

    import neural

CACHE = ".cache/jax"
"""Where a run's worker processes keep XLA's compiled programs, under its work directory."""

log = logging.getLogger("abstrax.runner")


class RunError(dsl.AbstraxError, RuntimeError):
    """A run that cannot go on as asked: a work directory holding another config's results."""


def _default_mlp() -> neural.BaselineConfig:
    import neural

    return neural.mlp_config()


def _default_transformer() -> neural.BaselineConfig:
    import neural

    return neural.transformer_config()


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything a suite run depends on. Loadable from TOML (:meth:`from_toml`) and
    recorded with every result.

    Attributes:
        suite: a built-in suite (``sorting``, ``abstraction``, ``basic``, ``dreamcoder``),
            a ``.toml``/``.json`` task file, or ``module:attribute``.
        methods: what to run on each task: ``search``, ``mlp``, ``transformer``, or a
            user's ``module:function``.
        tasks: only these tasks of the suite (empty: all).
        seeds: one result per task, method and seed; the seed draws the examples, the
            scoring inputs and the networks' data and initialisation.
        library: the search's library: ``core``, ``extended``, ``dreamcoder`` or an
            ``.abx`` file. CORE has no ``sort``: sorting must be earned.
        budget: seconds per search, CEGIS rounds and verification included.
        examples: examples given to the search (None: the task's own number, 6 for a task
            with a reference, 10 for DreamCoder's).
        search: the search's other options (space, enumerator); the runner sets its
            verification (``cegis``) and its seed.
        policy: the ``guided`` method's policy: a checkpoint directory written by
            ``abstrax train`` (:func:`neural.train_policy`); None: the default policy that
            ships with abstrax for the library.
        cegis: where CEGIS draws counterexamples from: ``"train"`` (the ``train`` split's
            lengths and values: the search sees nothing beyond training), ``"wide"``
            (lists up to 50, values within +-1000: shows what the search would find if
            it could see beyond), or ``"off"`` (examples only).
        eval_inputs: scoring inputs per split.
        train_samples: ``train`` samples each network is trained on.
        mlp: the MLP baseline's settings.
        transformer: the Transformer baseline's settings.
        tuned: each task's own tuning of the networks (:attr:`Task.tuning`: the sizes
            that reach 95% on its ``train`` distribution where the defaults do not)
            replaces those of ``mlp`` and ``transformer`` still at their defaults, for
            that task (a setting the run chose stays); False trains every task with
            ``mlp`` and ``transformer`` as they are.
        curve_lengths: the points of the accuracy-against-length curve (lists of length
            from the point minus 4 up to the point).
        curve_values: the points of the accuracy-against-values curve (values within
            plus or minus the point).
        curve_inputs: scoring inputs per curve point.
        jobs: parallel worker processes (or Dask workers on a local cluster); None: one per
            core.
        executor: ``"process"`` (this machine) or ``"dask"``.
        scheduler: the Dask scheduler's address; None starts a local cluster.
    """

    suite: str = "sorting"
    methods: tuple[str, ...] = ("search", "mlp", "transformer")
    tasks: tuple[str, ...] = ()
    seeds: tuple[int, ...] = (0,)
    library: str = "core"
    budget: float = 10.0
    examples: int | None = None
    search: SynthesisConfig = field(default_factory=SynthesisConfig)
    policy: str | None = None
    cegis: str = "train"
    eval_inputs: int = 1000
    train_samples: int = 10_000
    mlp: neural.BaselineConfig = field(default_factory=_default_mlp)
    transformer: neural.BaselineConfig = field(default_factory=_default_transformer)
    tuned: bool = True
    curve_lengths: tuple[int, ...] = (5, 10, 20, 30, 40, 50)
    curve_values: tuple[int, ...] = (10, 30, 100, 300, 1000)
    curve_inputs: int = 200
    jobs: int | None = None
    executor: str = "process"
    scheduler: str | None = None

    def __post_init__(self) -> None:
        for name in ("methods", "tasks", "seeds", "curve_lengths", "curve_values"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, tuple | list):
                raise ConfigError(f"RunConfig.{name} must be a list, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        if not self.methods:
            raise ConfigError("RunConfig.methods must name at least one method")
        if len(set(self.methods)) != len(self.methods):
            raise ConfigError(f"RunConfig.methods names a method twice: {list(self.methods)}")
        if not self.seeds or not all(_is_int(s) for s in self.seeds):
            raise ConfigError(f"RunConfig.seeds must be a non-empty list of ints, got {self.seeds}")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"RunConfig.seeds names a seed twice: {list(self.seeds)}")
        if not isinstance(self.budget, int | float) or isinstance(self.budget, bool):
            raise ConfigError(f"RunConfig.budget must be seconds, got {self.budget!r}")
        if not self.budget > 0:
            raise ConfigError(f"RunConfig.budget must be positive, got {self.budget}")
        for name, low in (("eval_inputs", 1), ("train_samples", 1), ("curve_inputs", 1)):
            value = getattr(self, name)
            if not _is_int(value) or value < low:
                raise ConfigError(f"RunConfig.{name} must be an int >= {low}, got {value!r}")
        if not isinstance(self.tuned, bool):
            raise ConfigError(f"RunConfig.tuned must be true or false, got {self.tuned!r}")
        if self.examples is not None and (not _is_int(self.examples) or self.examples < 1):
            raise ConfigError(f"RunConfig.examples must be an int >= 1, got {self.examples!r}")
        if self.jobs is not None and (not _is_int(self.jobs) or self.jobs < 1):
            raise ConfigError(f"RunConfig.jobs must be an int >= 1, got {self.jobs!r}")
        if self.policy is not None and not isinstance(self.policy, str):
            raise ConfigError(f"RunConfig.policy must be a path, got {self.policy!r}")
        if self.cegis not in ("train", "wide", "off"):
            raise ConfigError(
                f"RunConfig.cegis must be 'train', 'wide' or 'off', got {self.cegis!r}"
            )
        if self.executor not in ("process", "dask"):
            raise ConfigError(
                f"RunConfig.executor must be 'process' or 'dask', got {self.executor!r}"
            )
        if not all(_is_int(p) and p >= 1 for p in (*self.curve_lengths, *self.curve_values)):
            raise ConfigError("RunConfig.curve_lengths and curve_values must be ints >= 1")
        if not isinstance(self.search, SynthesisConfig):
            raise ConfigError(f"RunConfig.search must be a SynthesisConfig, got {self.search!r}")
        try:
            resolve_library(self.library)
            for m in self.methods:
                method(m)
        except TaskError as err:
            raise ConfigError(f"RunConfig: {err}") from err

    @property
    def workers(self) -> int:
        """How many tasks run at once."""
        return self.jobs if self.jobs is not None else max(1, os.cpu_count() or 1)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON- and TOML-ready) that :meth:`from_dict` reads back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "search" or f.name in ("mlp", "transformer"):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            if value is not None:
                out[f.name] = value
        return out

    def results_key(self, method_name: str | None = None) -> dict[str, Any]:
        """What a result of ``method_name`` depends on: the scoring settings and the
        settings the method says it uses (:attr:`MethodInfo.uses`); without a method, or
        for a method that does not say, everything but what only selects or schedules
        work (methods, tasks, seeds, jobs, executor, scheduler)."""
        data = self.to_dict()
        for name in ("methods", "tasks", "seeds", "jobs", "executor", "scheduler"):
            data.pop(name, None)
        data.update(self._file_digests())
        uses = method(method_name).uses if method_name is not None else None
        if uses is None:
            return data
        keep = set(SCORING_FIELDS) | set(uses)
        return {k: v for k, v in data.items() if k.removesuffix("_sha256") in keep}

    def _file_digests(self) -> dict[str, str]:
        """``suite_sha256``, ``library_sha256``, ``policy_sha256``: the contents of the
        files the config names (a task file, an ``.abx`` library, a policy directory, or
        the default policy that ships for the library), so that a result is not reused
        after the file behind it changed."""
        named = {
            "suite": self.suite if Path(self.suite).suffix in (".toml", ".json") else None,
            "library": self.library if self.library.endswith(".abx") else None,
            "policy": self.policy if self.policy is not None else _shipped_policy(self.library),
        }
        out = {}
        for name, path in named.items():
            if path is not None and Path(path).exists():
                out[f"{name}_sha256"] = file_digest(Path(path))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "config") -> RunConfig:
        """Read a config from plain data (as TOML reads it).

        Raises:
            ConfigError: an unknown key or a bad value, named with its path.
        """
        import neural

        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: expected a table of settings, got {data!r}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {unknown}; expected some of {sorted(names)}"
            )
        values = dict(data)
        if "search" in values:
            values["search"] = SynthesisConfig.from_dict(values["search"], where=f"{where}.search")
        for net, default in (
            ("mlp", neural.mlp_config),
            ("transformer", neural.transformer_config),
        ):
            if net in values:
                raw = values[net]
                if not isinstance(raw, Mapping):
                    raise ConfigError(f"{where}.{net}: expected a table of settings, got {raw!r}")
                try:
                    values[net] = neural.BaselineConfig.from_dict({**default().to_dict(), **raw})
                except (ConfigError, TypeError, ValueError) as err:
                    raise ConfigError(f"{where}.{net}: {err}") from err
        try:
            return cls(**values)
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from err
        except TypeError as err:
            raise ConfigError(f"{where}: {err}") from err

    @classmethod
    def from_toml(cls, path: str | Path) -> RunConfig:
        """Read a config from a TOML file with the fields of :class:`RunConfig`.

        Raises:
            ConfigError: the file is not TOML, or holds an unknown key or a bad value.
        """
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"{path}: cannot read a TOML config: {err}") from err
        return cls.from_dict(data, where=str(path))


#: The settings every result depends on: what is scored, and how.
SCORING_FIELDS = (
    "suite",
    "examples",
    "eval_inputs",
    "curve_lengths",
    "curve_values",
    "curve_inputs",
)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (as ``sha256sum`` prints it), or of a directory's
    files (their paths relative to it and their bytes, in sorted order).

    Read afresh every time: a cache keyed by modification times would miss a file
    rewritten within one tick of the file system's clock (a policy is under a megabyte,
    a task file a few kilobytes)."""
    if not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    h = hashlib.sha256()
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        h.update(p.relative_to(path).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _shipped_policy(library: str) -> str | None:
    """The directory of the default policy that ships for a built-in library, found
    without importing :mod:`neural` (and JAX with it), where ``neural.load_policy``
    looks for it; None for any other library."""
    spec = importlib.util.find_spec("neural")
    if library not in LIBRARIES or spec is None:
        return None
    locations = spec.submodule_search_locations or []
    return str(Path(next(iter(locations))) / "policies" / library) if locations else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- running ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run left in its work directory.

    Attributes:
        workdir: the work directory.
        records: every valid result line, for this config's units, in plan order (task,
            then method, then seed).
        corrupt: the lines that could not be read.
        skipped: ``(task, method, reason)`` for pairs a method does not apply to.
        ran: results computed by this call (the others were there already).
        reports: name -> path of the files written at the end.
        missing: units with no result (a Dask worker or connection lost): the next run
            with this config computes them.
    """

    workdir: Path
    records: list[dict[str, Any]]
    corrupt: list[Corrupt]
    skipped: list[tuple[str, str, str]]
    ran: int
    reports: dict[str, Path]
    missing: list[Unit]


def plan(config: RunConfig) -> tuple[list[Unit], list[tuple[str, str, str]]]:
    """The units a config asks for, in order (task, then method, then seed), and the
    (task, method) pairs skipped because the method does not apply."""
    s = _suite(config.suite)
    chosen = s.select(config.tasks) if config.tasks else s
    units: list[Unit] = []
    skipped: list[tuple[str, str, str]] = []
    for task in chosen:
        for name in config.methods:
            reason = method(name).skips(task)
            if reason is not None:
                skipped.append((task.name, name, reason))
                continue
            units.extend(Unit(task.name, name, seed) for seed in config.seeds)
    return units, skipped


def run_suite(
    config: RunConfig, workdir: str | Path, *, progress: Progress | None = None
) -> RunSummary:
    """Run every (task, method, seed) of ``config`` not already in ``workdir``, then write
    the reports.

    Args:
        config: what to run.
        workdir: where ``results.jsonl``, ``config.json``, ``summary.md``,
            ``results.csv`` and ``plots/`` go; created if missing.
        progress: a rich progress display to advance as results arrive (the CLI's).

    Returns:
        The :class:`RunSummary`.

    Raises:
        RunError: ``workdir`` holds results of a different config (another budget,
            library, ...), or another run is writing to it; choose another work directory.
        ConfigError, TaskError: the config names a suite, task or method that is not there.
    """
    from tasks._report import write_reports

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    config = _absolute_paths(config)
    units, skipped = plan(config)
    path = workdir / RESULTS
    try:
        out = ResultsFile(path)  # the lock is taken before the results are read
    except BlockingIOError:
        raise RunError(
            f"another run is writing to {workdir}; wait for it or give this run another "
            "work directory"
        ) from None
    try:
        records, corrupt = read_results(path)
        for c in corrupt:
            log.warning("%s line %d skipped: %s", path, c.line, c.reason)
        _check_same_config(records, config, path)
        done = {(r["task"], r["method"], r["seed"]) for r in records}
        pending = [u for u in units if u.key not in done]
        (workdir / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
        bar = None
        if progress is not None:
            bar = progress.add_task(
                f"{config.suite}", total=len(units), completed=len(units) - len(pending)
            )
        for record in execute(pending, config, cache_dir=workdir / CACHE):
            out.write(record)
            records.append(record)
            if progress is not None and bar is not None:
                progress.advance(bar)
    finally:
        out.close()
    # Reports follow the plan (task, method, seed), whatever order results arrived in.
    order = {u.key: i for i, u in enumerate(units)}
    mine = [r for r in records if (r["task"], r["method"], r["seed"]) in order]
    mine.sort(key=lambda r: order[(r["task"], r["method"], r["seed"])])
    reports = write_reports(mine, workdir, config=config, skipped=skipped, corrupt=corrupt)
    have = {(r["task"], r["method"], r["seed"]) for r in mine}
    missing = [u for u in units if u.key not in have]
    ran = len(pending) - len(missing)
    return RunSummary(workdir, mine, corrupt, skipped, ran, reports, missing)


def _absolute_paths(config: RunConfig) -> RunConfig:
    """``config`` with a suite file, a library file and a policy named by absolute path,
    so that a worker started elsewhere (a Dask worker, another directory) finds them."""
    suite, library = config.suite, config.library
    if Path(suite).suffix in (".toml", ".json") and Path(suite).exists():
        suite = str(Path(suite).resolve())
    if library.endswith(".abx") and Path(library).exists():
        library = str(Path(library).resolve())
    policy = config.policy
    if policy is not None and Path(policy).exists():
        policy = str(Path(policy).resolve())
    return replace(config, suite=suite, library=library, policy=policy)


def _check_same_config(records: list[dict[str, Any]], config: RunConfig, path: Path) -> None:
    mine = {m: config.results_key(m) for m in config.methods}
    for r in records:
        theirs = r.get("config")
        if r["method"] not in mine:
            continue  # a method this run does not ask for: its lines are kept, not judged
        if isinstance(theirs, dict) and theirs != mine[r["method"]]:
            mine_m = mine[r["method"]]
            differ = sorted(k for k in set(mine_m) | set(theirs) if mine_m.get(k) != theirs.get(k))
            raise RunError(
                f"{path} holds {r['method']} results run with a different config (differs in "
                f"{', '.join(differ)}); give this run another work directory"
            )


def with_overrides(config: RunConfig, **changes: Any) -> RunConfig:
    """``config`` with the fields in ``changes`` that are not None replaced."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})
