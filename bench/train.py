"""The network baselines: how fast they train, how well they fit, how they extrapolate.

Usage::

    python bench/train.py [--out PATH] [--quick] [--tasks NAME,...] [--kinds mlp,transformer]
        [--runner yes|no|only] [--policy yes|no|only] [--checkpoint DIR]

Prints one JSON object to stdout and writes it to ``--out`` (default
``bench/results/train.json``). A full run trains 2 x 17 networks: about ten minutes on one
core (``--quick``: two tasks, tiny networks, seconds).

What is measured
----------------
The process is pinned to one core and XLA to one thread (``XLA_FLAGS``, set before jax is
imported unless already set), and jax's compilation caches are cleared before every fit,
so that every fit pays its own compilation, as a fresh process would (``cold_fits``; not
with ``--quick``).

1. **Throughput** (``throughput``): for each kind, the default config
   (``neural.mlp_config()``, ``neural.transformer_config()``) trained on task ``sort`` for
   :data:`THROUGHPUT_STEPS` steps: ``examples_per_second`` (training examples per second
   over the steps after the first, so compilation excluded), ``compile_seconds`` (the first
   step, compilation included), ``seconds_per_step`` and the parameter count.

2. **The tuning table** (``tasks``): for each reference task of :data:`TASKS` and each
   kind, the default config trained on ``n_train`` = 10,000 inputs drawn from the train
   split (lengths 1..5, values 0..9) with their outputs, then scored by exact match of the
   whole output on 1,000 fresh inputs of each split: ``train`` (held out, same
   distribution), ``longer`` (lengths 10..50), ``larger`` (values -1000..1000), ``both``.
   ``fit_seconds`` is the wall clock of ``neural.fit_baseline``, compilation included;
   ``predict_seconds`` the wall clock of scoring each split's 1,000 inputs (compilation of
   new shapes included). ``max_len`` (the MLP's padded width, the Transformer's canvas) is
   the longest list among all the drawn inputs and outputs, as the suite runner computes
   it. ``majority`` is the accuracy of always answering a split's most common output: on
   some splits it is high by itself (``is_sorted`` on ``longer`` is almost always false;
   few values of ``larger`` lie between 3 and 6), and a network's score means little
   there.

3. **Summary** (``summary``): per kind, how many tasks reach 95% on held-out train inputs,
   mean accuracy per split, mean and largest fit seconds.

4. **The runner** (``runner``): the wall time of ``abstrax run sorting`` with its defaults,
   in a fresh process on all cores (:func:`runner_section`); ``--runner only`` measures
   just that and merges it into the existing JSON, ``--runner no`` skips it.

5. **The policy** (``policy``): the neural policy that guides the search, on the same one
   core (:func:`policy_section`): inference milliseconds per spec over DreamCoder's 217
   tasks with the default DREAMCODER policy, training examples per second of the default
   model, and dataset generation (samples per second, one process). ``--policy only``
   measures just that and merges it into the existing JSON, ``--policy no`` skips it;
   ``--checkpoint DIR`` times another policy.

Task samplers follow ``tasks``' splits: every list and int is drawn uniformly from the
split's lengths and values, except ``repeat``'s count, which is a length (1..5 in
training), and ``dedupe``'s input, which is sorted.
"""

from __future__ import annotations

import os

# Before jax is imported: one thread, so that figures are per core.
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import jax

import neural

# bench/_common.py lies beside this script: importable however the script is run.
if (_BENCH := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(_BENCH)

from _common import RESULTS, allowed_cpus, header, load_average, pin_to_one_core, write_json

DEFAULT_OUT = RESULTS / "train.json"

KINDS = ("mlp", "transformer")
#: name -> (lengths, values), as ``tasks``' TRAIN, LONGER, LARGER and BOTH.
SPLITS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "train": ((1, 5), (0, 9)),
    "longer": ((10, 50), (0, 9)),
    "larger": ((1, 5), (-1000, 1000)),
    "both": ((10, 50), (-1000, 1000)),
}
N_TRAIN = 10_000
N_TEST = 1_000
THROUGHPUT_STEPS = 300
QUICK_TASKS = ("reverse", "sum")

Split = tuple[tuple[int, int], tuple[int, int]]
Sampler = Callable[[random.Random, Split], tuple[Any, ...]]


# ---- the reference tasks ----------------------------------------------------------------


def _list(rng: random.Random, split: Split) -> list[int]:
    (lo, hi), (vlo, vhi) = split
    return [rng.randint(vlo, vhi) for _ in range(rng.randint(lo, hi))]


def one_list(rng: random.Random, split: Split) -> tuple[Any, ...]:
    return (_list(rng, split),)


def two_lists(rng: random.Random, split: Split) -> tuple[Any, ...]:
    return (_list(rng, split), _list(rng, split))


def list_and_int(rng: random.Random, split: Split) -> tuple[Any, ...]:
    return (_list(rng, split), rng.randint(*split[1]))


def sorted_list(rng: random.Random, split: Split) -> tuple[Any, ...]:
    return (sorted(_list(rng, split)),)


def value_and_count(rng: random.Random, split: Split) -> tuple[Any, ...]:
    return (rng.randint(*split[1]), rng.randint(*split[0]))


def interleave(xs: list[int], ys: list[int]) -> list[int]:
    out = []
    for i in range(max(len(xs), len(ys))):
        out += xs[i : i + 1] + ys[i : i + 1]
    return out


def dedupe(xs: list[int]) -> list[int]:
    return [x for i, x in enumerate(xs) if i == 0 or xs[i - 1] != x]


@dataclass(frozen=True, slots=True)
class RefTask:
    """A reference task of the tuning table."""

    name: str
    signature: str
    reference: Callable[..., Any]
    sampler: Sampler

    def data(self, split: str, n: int, *, stream: str) -> tuple[list[tuple[Any, ...]], list[Any]]:
        """``n`` seeded inputs of ``split`` and their outputs."""
        rng = random.Random(f"{self.name}/{split}/{stream}")
        inputs = [self.sampler(rng, SPLITS[split]) for _ in range(n)]
        return inputs, [self.reference(*args) for args in inputs]


TASKS = (
    RefTask("sort", "(list[int]) -> list[int]", sorted, one_list),
    RefTask("sort_desc", "(list[int]) -> list[int]", lambda xs: sorted(xs)[::-1], one_list),
    RefTask("reverse", "(list[int]) -> list[int]", lambda xs: xs[::-1], one_list),
    RefTask("maximum", "(list[int]) -> int", max, one_list),
    RefTask("minimum", "(list[int]) -> int", min, one_list),
    RefTask("sum", "(list[int]) -> int", sum, one_list),
    RefTask("is_sorted", "(list[int]) -> bool", lambda xs: xs == sorted(xs), one_list),
    RefTask("count", "(list[int], int) -> int", lambda xs, x: xs.count(x), list_and_int),
    RefTask(
        "duplicate",
        "(list[int]) -> list[int]",
        lambda xs: [y for x in xs for y in (x, x)],
        one_list,
    ),
    RefTask("rotate_left", "(list[int]) -> list[int]", lambda xs: xs[1:] + xs[:1], one_list),
    RefTask("add_first", "(list[int]) -> list[int]", lambda xs: [x + xs[0] for x in xs], one_list),
    RefTask(
        "between_3_6",
        "(list[int]) -> list[int]",
        lambda xs: [x for x in xs if 3 <= x <= 6],
        one_list,
    ),
    RefTask(
        "pairwise_max",
        "(list[int], list[int]) -> list[int]",
        lambda xs, ys: [max(a, b) for a, b in zip(xs, ys, strict=False)],
        two_lists,
    ),
    RefTask("interleave", "(list[int], list[int]) -> list[int]", interleave, two_lists),
    RefTask("repeat", "(int, int) -> list[int]", lambda x, n: [x] * n, value_and_count),
    RefTask("last", "(list[int]) -> int", lambda xs: xs[-1], one_list),
    RefTask("dedupe_sorted", "(list[int]) -> list[int]", dedupe, sorted_list),
)


# ---- measuring ----------------------------------------------------------------------------


def default_config(kind: str) -> neural.BaselineConfig:
    return neural.mlp_config() if kind == "mlp" else neural.transformer_config()


def quick_config(kind: str) -> neural.BaselineConfig:
    """Tiny networks, a few steps: a smoke test of the whole pipeline."""
    small = {"steps": 20, "warmup_steps": 2, "batch_size": 16, "depth": 1}
    if kind == "mlp":
        return neural.mlp_config(width=16, **small)
    return neural.transformer_config(width=16, heads=2, **small)


def max_len_of(data: Sequence[tuple[list[tuple[Any, ...]], list[Any]]]) -> int:
    """The longest list among all inputs and outputs (at least 1)."""
    n = 1
    for inputs, outputs in data:
        for args, out in zip(inputs, outputs, strict=True):
            for v in (*args, out):
                if isinstance(v, list):
                    n = max(n, len(v))
    return n


def majority(outputs: Sequence[Any]) -> float:
    """The accuracy of always answering the most common output."""
    counts = Counter(json.dumps(o) for o in outputs)
    return counts.most_common(1)[0][1] / len(outputs)


def fit(
    task: RefTask,
    config: neural.BaselineConfig,
    train: tuple[list[tuple[Any, ...]], list[Any]],
    max_len: int,
    *,
    cold: bool = True,
) -> tuple[neural.Baseline, float]:
    """A fit and its wall clock; ``cold``: from a cold start (compilation caches cleared)."""
    if cold:
        jax.clear_caches()
    gc.collect()
    began = time.perf_counter()
    net = neural.fit_baseline(task.signature, *train, config=config, max_len=max_len)
    return net, time.perf_counter() - began


def run_task(
    task: RefTask,
    configs: dict[str, neural.BaselineConfig],
    n_train: int,
    n_test: int,
    *,
    cold: bool = True,
) -> dict[str, Any]:
    """One row of the tuning table: every kind trained on ``task`` and scored per split."""
    train = task.data("train", n_train, stream="fit")
    tests = {split: task.data(split, n_test, stream="test") for split in SPLITS}
    max_len = max_len_of([train, *tests.values()])
    row: dict[str, Any] = {
        "name": task.name,
        "signature": task.signature,
        "max_len": max_len,
        "majority": {split: majority(outputs) for split, (_, outputs) in tests.items()},
    }
    for kind, config in configs.items():
        net, seconds = fit(task, config, train, max_len, cold=cold)
        accuracy, predict_seconds = {}, {}
        for split, (inputs, outputs) in tests.items():
            began = time.perf_counter()
            predicted = net.predict(inputs)
            predict_seconds[split] = time.perf_counter() - began
            hits = sum(p == o for p, o in zip(predicted, outputs, strict=True))
            accuracy[split] = hits / len(outputs)
        row[kind] = {
            "fit_seconds": seconds,
            "compile_seconds": net.compile_seconds,
            "examples_per_second": net.examples_per_second,
            "final_loss": net.final_loss,
            "num_params": net.num_params,
            "accuracy": accuracy,
            "predict_seconds": predict_seconds,
        }
    return row


def run_throughput(
    config: neural.BaselineConfig, steps: int, n_train: int, *, cold: bool = True
) -> dict[str, Any]:
    """Training speed of ``config`` (with ``steps`` steps) on task ``sort``."""
    task = TASKS[0]
    config = replace(config, steps=steps, warmup_steps=min(config.warmup_steps, steps // 10))
    train = task.data("train", n_train, stream="fit")
    net, seconds = fit(task, config, train, max_len=50, cold=cold)
    return {
        "task": task.name,
        "steps": steps,
        "batch_size": config.batch_size,
        "examples_per_second": net.examples_per_second,
        "seconds_per_step": config.batch_size / net.examples_per_second,
        "compile_seconds": net.compile_seconds,
        "fit_seconds": seconds,
        "num_params": net.num_params,
    }


def summarize(rows: Sequence[dict[str, Any]], kind: str) -> dict[str, Any]:
    mine = [r[kind] for r in rows]
    fits = [m["fit_seconds"] for m in mine]
    return {
        "tasks": len(mine),
        "train_at_least_95": sum(m["accuracy"]["train"] >= 0.95 for m in mine),
        "below_95_on_train": [r["name"] for r in rows if r[kind]["accuracy"]["train"] < 0.95],
        "mean_accuracy": {s: sum(m["accuracy"][s] for m in mine) / len(mine) for s in SPLITS},
        "mean_fit_seconds": sum(fits) / len(fits),
        "max_fit_seconds": max(fits),
    }


#: The cores this process may use before :func:`pin_to_one_core` narrows them: the runner
#: is timed on all of them, as a user runs it.
ALL_CORES: list[int] | None = allowed_cpus()

#: The runner's quick smoke configuration: two basic tasks, search only, small scoring.
QUICK_RUNNER_CONFIG = """
methods = ["search"]
tasks = ["reverse", "sum"]
budget = 1.0
eval_inputs = 20
curve_inputs = 5
"""


def policy_section(*, quick: bool = False, checkpoint: str | None = None) -> dict[str, Any]:
    """The guiding policy, on this process's one core: inference, training and data.

    - ``inference``: ``guide.weights(spec, grammar)`` (one forward pass and the PCFG over
      the grammar) for each of DreamCoder's 217 list tasks, 10 examples given, grammar of
      depth 6 with DREAMCODER: median, 95th percentile and largest milliseconds per spec,
      the first call (compilation included) apart. The policy is ``checkpoint``, or the
      default that ships for DREAMCODER; ``quick``: a policy trained for 30 steps here, and
      20 tasks.
    - ``training``: examples per second of the shipped DREAMCODER policy's model
      (``neural.TrainConfig.default().model``, batch 64) over 200 steps on 2,000
      samples (``quick``: 20 steps), compilation and evaluations excluded, from the
      run's ``metrics.jsonl``.
    - ``dataset``: samples per second of ``neural.sample_dataset`` in one process, default
      settings and signatures (2,000 samples; ``quick``: 100), rejected draws included.
    """
    import statistics

    import dsl
    import synth
    import tasks as suites

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        n = 100 if quick else 2000
        data = neural.sample_dataset(
            dsl.DREAMCODER,
            neural.default_signatures(dsl.DREAMCODER),
            n,
            seed=0,
            out=Path(tmp) / "data",
        )
        seconds = time.perf_counter() - began
        out["dataset"] = {
            "samples": len(data),
            "seconds": round(seconds, 2),
            "samples_per_second": round(len(data) / seconds, 1),
            "dropped": data.dropped,
        }
        steps = 20 if quick else 200
        config = neural.TrainConfig(
            model=neural.TrainConfig.default().model,  # the shipped DREAMCODER policy's
            dataset_size=n,
            steps=steps,
            warmup_steps=5,
            eval_every=steps,
            checkpoint_every=steps,
            solve_specs=0,
            eval_samples=100,
        )
        trained = neural.train_policy(config, Path(tmp) / "train", samples=list(data))
        metrics = [
            json.loads(line)
            for line in (Path(tmp) / "train" / "metrics.jsonl").read_text().splitlines()
        ]
        out["training"] = {
            "model": asdict(config.model),
            "batch_size": config.batch_size,
            "steps": steps,
            "examples_per_second": round(metrics[-1]["examples_per_second"], 1),
        }
        guide = trained if quick else neural.load_policy(checkpoint, library=dsl.DREAMCODER)
        chosen = suites.load_dreamcoder()[: 20 if quick else None]
        timings = []
        first = None
        for task in chosen:
            spec = task.spec(10)
            grammar = synth.Grammar.from_library(dsl.DREAMCODER, spec.signature, max_depth=6)
            t0 = time.perf_counter()
            guide.weights(spec, grammar)
            ms = 1000 * (time.perf_counter() - t0)
            if first is None:
                first = ms
            else:
                timings.append(ms)
        timings.sort()
        out["inference"] = {
            "policy": checkpoint or ("trained here" if quick else "default (DREAMCODER)"),
            "specs": len(chosen),
            "first_ms": round(first or 0.0, 1),
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
            "max_ms": round(timings[-1], 2),
        }
    return out


def runner_section(*, quick: bool = False) -> dict[str, Any]:
    """The wall time of ``abstrax run sorting`` with its defaults, as a user runs it: a
    fresh process on all cores, a fresh work directory (nothing to resume), every method
    and task, the reports included. ``quick``: two ``basic`` tasks with search alone.

    Returns:
        ``command``, ``wall_seconds``, ``returncode``, ``cores`` (what the run could
        use), ``results`` (lines written), ``solved_by_search``, and ``per_method``:
        method -> mean seconds per result (fit and scoring included for a network).
    """
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp) / "run"
        suite = "sorting"
        args = [suite, "--out", str(workdir)]
        if quick:
            config = Path(tmp) / "run.toml"
            config.write_text(QUICK_RUNNER_CONFIG, encoding="utf-8")
            args = ["basic", "--out", str(workdir), "--config", str(config)]
        command = [sys.executable, "-c", "from tasks._cli import main; main()", "run", *args]
        env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}

        def all_cores() -> None:
            if ALL_CORES is not None:
                os.sched_setaffinity(0, ALL_CORES)

        began = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, preexec_fn=all_cores, check=False
        )
        wall = time.perf_counter() - began
        records = []
        results = workdir / "results.jsonl"
        if results.exists():
            records = [json.loads(line) for line in results.read_text().splitlines() if line]
    per_method: dict[str, list[float]] = {}
    for r in records:
        per_method.setdefault(r["method"], []).append(r["seconds"] or 0.0)
    return {
        "command": ["abstrax", "run", *args[:1]] + ([] if not quick else ["--config", "..."]),
        "wall_seconds": round(wall, 1),
        "returncode": done.returncode,
        "stderr_tail": done.stderr[-2000:] if done.returncode else "",
        "cores": len(ALL_CORES) if ALL_CORES is not None else os.cpu_count(),
        "results": len(records),
        "solved_by_search": sum(1 for r in records if r["method"] == "search" and r["solved"]),
        "per_method": {m: round(sum(v) / len(v), 2) for m, v in per_method.items()},
    }


# ---- the whole benchmark -------------------------------------------------------------------


def run_benchmark(
    *,
    tasks: Sequence[RefTask] = TASKS,
    kinds: Sequence[str] = KINDS,
    quick: bool = False,
    n_train: int = N_TRAIN,
    n_test: int = N_TEST,
    throughput_steps: int = THROUGHPUT_STEPS,
    runner: bool = True,
) -> dict[str, Any]:
    """Measure the baselines and return the result object (not pinned). ``quick``: tiny
    networks, and compilations shared between fits (caches not cleared)."""
    load_before = load_average()
    began = time.perf_counter()
    make = quick_config if quick else default_config
    configs = {kind: make(kind) for kind in kinds}
    throughput = {
        kind: run_throughput(config, throughput_steps, n_train, cold=not quick)
        for kind, config in configs.items()
    }
    rows = [run_task(task, configs, n_train, n_test, cold=not quick) for task in tasks]
    return {
        **header("train"),
        "jax": jax.__version__,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "wall_seconds": time.perf_counter() - began,
        "cold_fits": not quick,
        "n_train": n_train,
        "n_test": n_test,
        "splits": {
            name: {"lengths": list(lengths), "values": list(values)}
            for name, (lengths, values) in SPLITS.items()
        },
        "configs": {kind: config.to_dict() for kind, config in configs.items()},
        "throughput": throughput,
        "tasks": rows,
        "summary": {kind: summarize(rows, kind) for kind in kinds},
        "runner": runner_section(quick=quick) if runner else {},
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    parser.add_argument(
        "--quick", action="store_true", help="two tasks, tiny networks, small data (smoke test)"
    )
    parser.add_argument("--tasks", default=None, help="comma-separated task names (default all)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated baseline kinds")
    parser.add_argument(
        "--runner",
        choices=("yes", "no", "only"),
        default="yes",
        help="time `abstrax run sorting` too (yes), not (no), or only that, merged into --out",
    )
    parser.add_argument(
        "--policy",
        choices=("yes", "no", "only"),
        default="yes",
        help="measure the guiding policy too (yes), not (no), or only that, merged into --out",
    )
    parser.add_argument("--checkpoint", default=None, help="the policy to time (default: shipped)")
    opts = parser.parse_args(argv)
    if opts.policy == "only":
        core = pin_to_one_core()
        previous = json.loads(opts.out.read_text()) if opts.out.exists() else {}
        previous["policy"] = policy_section(quick=opts.quick, checkpoint=opts.checkpoint)
        previous["policy"]["pinned_core"] = core
        write_json(opts.out, previous)
        print(json.dumps(previous["policy"], indent=2))
        return previous
    if opts.runner == "only":
        previous = json.loads(opts.out.read_text()) if opts.out.exists() else {}
        previous["runner"] = runner_section(quick=opts.quick)
        write_json(opts.out, previous)
        print(json.dumps(previous["runner"], indent=2))
        return previous
    by_name = {t.name: t for t in TASKS}
    names = opts.tasks.split(",") if opts.tasks else (QUICK_TASKS if opts.quick else by_name)
    unknown = [n for n in names if n not in by_name]
    kinds = opts.kinds.split(",")
    if unknown or not set(kinds) <= set(KINDS):
        parser.error(f"unknown task(s) {unknown} or kind(s) {kinds}; tasks: {sorted(by_name)}")
    core = pin_to_one_core()
    result = run_benchmark(
        tasks=[by_name[n] for n in names],
        kinds=kinds,
        quick=opts.quick,
        n_train=200 if opts.quick else N_TRAIN,
        n_test=50 if opts.quick else N_TEST,
        throughput_steps=20 if opts.quick else THROUGHPUT_STEPS,
        runner=opts.runner == "yes",
    )
    result["pinned_core"] = core
    result["quick"] = opts.quick
    if opts.policy == "yes":
        result["policy"] = policy_section(quick=opts.quick, checkpoint=opts.checkpoint)
    print(write_json(opts.out, result))
    return result


if __name__ == "__main__":
    main()
