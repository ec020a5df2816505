"""Tuning the network baselines on the suites' own tasks: which sizes reach 95%.

Usage::

    python bench/tune_baselines.py [--out PATH] [--kind mlp|transformer]
        [--tasks NAME,...] [--grid NAME,...] [--seed N] [--jobs N] [--quick]

Prints one JSON object and writes it to ``--out`` (default
``bench/results/tune_<kind>.json``).

A baseline is only a fair comparison if it does well where it was trained: the suite
runner reports each network's accuracy on held-out ``train`` inputs beside the
extrapolation splits, and its default sizes must reach 95% there on every task where that
is achievable. This script shows how the sizes were chosen. For each task and each config
of the grid (:data:`GRID`: the default, wider, deeper, longer-trained, and a lower
learning rate), it runs the suite runner's own method (``tasks``' ``mlp`` or
``transformer``: 10,000 ``train`` samples of the task's own sampler, the runner's padded
width, then 1,000 held-out inputs per split), with the runner's defaults otherwise, and
records each split's accuracy, the fit's wall seconds (compilation included) and the
parameter count. ``best`` names, per task, the cheapest config that reaches 95% on
``train``, or none.

Each fit runs in its own process on one core (``--jobs`` at a time) with XLA on one
thread, as the runner's workers do.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from _common import RESULTS, header, load_average, write_json

#: The tasks below 95% on held-out ``train`` inputs with the defaults (3 seeds, the
#: recorded runs in ``bench/results/runs``).
DEFAULT_TASKS = (
    "sorting/merge_sorted",
    "sorting/kth_smallest",
    "sorting/partition",
    "sorting/sort_dedupe",
    "abstraction/between_10_and_21",
)

#: name -> overrides of the kind's defaults (``neural.mlp_config``/``transformer_config``).
GRID: dict[str, dict[str, Any]] = {
    "default": {},
    "wide": {"width": 256},
    "wider": {"width": 512},
    "deep": {"width": 256, "depth": 4},
    "long": {"steps": 15_000},
    "wide_long": {"width": 256, "steps": 15_000},
    "wide_long_slow": {"width": 256, "steps": 15_000, "learning_rate": 2e-3},
    # more examples per step rather than more steps: cheaper per example
    "batch512": {"batch_size": 512},
    "wide_batch512": {"width": 256, "batch_size": 512},
    "steps10k": {"steps": 10_000},
    # the Transformer's own (its default is 1,000 steps of 64)
    "steps2k": {"steps": 2_000},
    "batch128": {"batch_size": 128},
}

THRESHOLD = 0.95


def _fit(kind: str, task_name: str, grid_name: str, seed: int, quick: bool) -> dict[str, Any]:
    """One fit and its scores, in a fresh worker process."""
    os.environ.setdefault(
        "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )
    import neural
    import tasks
    from tasks._methods import method

    factory = neural.mlp_config if kind == "mlp" else neural.transformer_config
    overrides = dict(GRID[grid_name])
    settings: dict[str, Any] = {"methods": (kind,), "seeds": (seed,)}
    if quick:
        overrides = {**overrides, "steps": 60, "warmup_steps": 5}
        overrides["width"] = min(overrides.get("width", 32), 32)
        settings.update(train_samples=200, eval_inputs=50)
    settings[kind] = factory(**overrides)
    # The grid's settings alone, not the tuning a task carries (Task.tuning).
    config = tasks.RunConfig(
        suite="sorting",
        curve_lengths=(5,),
        curve_values=(10,),
        curve_inputs=1,
        tuned=False,
        **settings,
    )
    began = time.perf_counter()
    outcome = method(kind).run(tasks.get(task_name), seed, config)
    return {
        "task": task_name,
        "config": grid_name,
        "overrides": overrides,
        "accuracy": outcome.accuracy,
        "fit_seconds": outcome.details["fit_seconds"],
        "seconds": round(time.perf_counter() - began, 2),
        "parameters": outcome.details["parameters"],
        "final_loss": outcome.details["final_loss"],
    }


def _best(rows: list[dict[str, Any]], task: str) -> str | None:
    """The config with the fewest fit seconds that reaches the threshold on ``task``."""
    good = [
        r for r in rows if r["task"] == task and (r["accuracy"].get("train") or 0.0) >= THRESHOLD
    ]
    return min(good, key=lambda r: r["fit_seconds"])["config"] if good else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--kind", choices=("mlp", "transformer"), default="mlp")
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS))
    parser.add_argument("--grid", default=",".join(GRID))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="tiny fits, for tests")
    args = parser.parse_args(argv)
    names = [t for t in args.tasks.split(",") if t]
    grid = [g for g in args.grid.split(",") if g]
    unknown = sorted(set(grid) - set(GRID))
    if unknown:
        parser.error(f"--grid: unknown config(s) {unknown}; expected some of {sorted(GRID)}")
    import tasks

    for name in names:
        try:
            tasks.get(name)
        except tasks.TaskError as err:
            parser.error(f"--tasks: {err}")
    out_path = args.out or RESULTS / f"tune_{args.kind}.json"
    result: dict[str, Any] = {
        **header(f"tune_{args.kind}"),
        "load_average_before": load_average(),
        "seed": args.seed,
        "threshold": THRESHOLD,
        "grid": {g: GRID[g] for g in grid},
    }
    began = time.perf_counter()
    jobs = [(args.kind, t, g, args.seed, args.quick) for t in names for g in grid]
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter per fit, as a worker
    with cf.ProcessPoolExecutor(args.jobs, mp_context=spawn, max_tasks_per_child=1) as pool:
        rows = list(pool.map(_fit, *zip(*jobs, strict=True)))
    result["rows"] = rows
    result["best"] = {t: _best(rows, t) for t in names}
    result["wall_seconds"] = round(time.perf_counter() - began, 1)
    result["load_average_after"] = load_average()
    print(write_json(out_path, result))
    return result


if __name__ == "__main__":
    main()
