"""Running the units of a suite: in this process, in worker processes, or on Dask.

A unit is one (task, method, seed). :func:`run_unit` computes its result line wherever it
runs; a method that raises is recorded as an error there, and a worker that dies is
recorded by the executor, so that the run always goes on.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks._methods import Outcome, method
from tasks._results import RECORD_VERSION
from tasks._suites import Suite, suite, suites

if TYPE_CHECKING:
    from tasks._runner import RunConfig

log = logging.getLogger("abstrax.runner")


@dataclass(frozen=True, slots=True)
class Unit:
    """One result to compute: a task of the suite, a method, a seed."""

    task: str
    method: str
    seed: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.task, self.method, self.seed)


def _suite(name: str) -> Suite:
    # Built-in suites are read once per process; a user's file is read afresh, since it
    # may change between runs.
    return _built_in_suite(name) if name in suites() else suite(name)


@lru_cache(maxsize=8)
def _built_in_suite(name: str) -> Suite:
    return suite(name)


def run_unit(unit: Unit, config: RunConfig) -> dict[str, Any]:
    """Compute one result line: run the method, score it, and record what went wrong if
    it raised (the run goes on). Runs in a worker process or a Dask worker; whatever
    happens, it returns a line that JSON can write."""
    started = time.perf_counter()
    record: dict[str, Any] = {
        "version": RECORD_VERSION,
        "suite": None,
        "task": unit.task,
        "method": unit.method,
        "seed": unit.seed,
    }
    try:
        record["config"] = config.results_key(unit.method)
        suite = _suite(config.suite)
        record["suite"] = suite.name
        outcome = method(unit.method).run(suite[unit.task], unit.seed, config)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"method {unit.method!r} returned {outcome!r}, not an Outcome")
        record.update(
            solved=outcome.solved,
            program=outcome.program,
            programs_explored=outcome.programs_explored,
            accuracy=outcome.accuracy,
            curves=outcome.curves,
            details=outcome.details,
            error=None,
        )
        record["seconds"] = round(time.perf_counter() - started, 3)
        json.dumps(record)  # a method's details that JSON cannot write fail here, not later
    except Exception as err:  # recorded in the results, and the run goes on
        log.warning("%s / %s / seed %d failed: %s", unit.task, unit.method, unit.seed, err)
        record.update(
            suite=record["suite"] or str(config.suite),
            solved=False,
            program=None,
            programs_explored=None,
            accuracy={},
            curves={},
            details={"traceback": traceback.format_exc(limit=8)},
            error=f"{type(err).__name__}: {err}",
            seconds=round(time.perf_counter() - started, 3),
        )
        record.setdefault("config", {})
    return record


def execute(
    units: list[Unit], config: RunConfig, *, cache_dir: Path | None = None
) -> Iterator[dict[str, Any]]:
    """The result lines of ``units``, as they finish. ``cache_dir``: where worker processes
    keep XLA's compiled programs (see :func:`_init_worker`)."""
    if not units:
        return
    if config.workers == 1 and config.executor != "dask":
        for unit in units:
            yield run_unit(unit, config)
        return
    shapes = {task.name: str(task.signature) for task in _suite(config.suite)}
    ordered = heaviest_first(units, shapes)
    if config.executor == "dask":
        yield from _execute_dask(ordered, config)
    else:
        yield from _execute_processes(ordered, config, cache_dir)


def heaviest_first(units: list[Unit], shapes: Mapping[str, str] | None = None) -> list[Unit]:
    """``units`` with the heaviest methods (:attr:`MethodInfo.weight`) first, in plan
    order within a method: the longest-processing-time-first rule, which keeps parallel
    workers from idling while one finishes a long unit at the end (a run of ``sorting``
    otherwise ended on a 35-second Transformer fit).

    ``shapes`` (task -> its signature): within a method, tasks go round-robin over their
    signatures (the first task of each, then the second of each, ...). The networks of
    one signature share their compiled programs through the workers' cache, and one task
    of each compiles them while the workers run other signatures, instead of two workers
    compiling the same programs at once."""
    weight = {name: method(name).weight for name in {u.method for u in units}}
    seen: Counter[tuple[str, str]] = Counter()
    turn = []
    for u in units:
        group = (u.method, shapes.get(u.task, u.task) if shapes is not None else "")
        turn.append(seen[group])
        seen[group] += 1
    order = sorted(range(len(units)), key=lambda i: (-weight[units[i].method], turn[i], i))
    return [units[i] for i in order]


def _init_worker(single_thread: bool, cache_dir: str | None) -> None:
    # Each worker gets one core's worth of XLA threads, so that N workers share N cores
    # instead of each spinning up a thread per core.
    if single_thread:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false".strip()
    if cache_dir is not None and "JAX_COMPILATION_CACHE_DIR" not in os.environ:
        # The networks of every task of a signature have the same shapes: with a persistent
        # cache each worker compiles a train or predict step once per run directory, not
        # once per task (a Transformer task spends about 10 of its 35 s compiling). The
        # compiled programs are the same, so are the results. Set before JAX is imported
        # (a spawned worker has not imported it yet) and only in the runner's own workers.
        os.environ["JAX_COMPILATION_CACHE_DIR"] = cache_dir
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.3")


def crash_record(unit: Unit, config: RunConfig, reason: str) -> dict[str, Any]:
    return {
        "version": RECORD_VERSION,
        "suite": _suite(config.suite).name,
        "task": unit.task,
        "method": unit.method,
        "seed": unit.seed,
        "solved": False,
        "program": None,
        "programs_explored": None,
        "accuracy": {},
        "curves": {},
        "details": {},
        "error": reason,
        "seconds": None,
        "config": config.results_key(unit.method),
    }


def _execute_processes(
    units: list[Unit], config: RunConfig, cache_dir: Path | None = None
) -> Iterator[dict[str, Any]]:
    """Run units in worker processes (spawned: JAX does not survive a fork).

    A worker that dies (a segfault, the OOM killer) takes its pool down, and every unit
    not finished fails with it. Those run again in a fresh pool; those caught in a second
    breakdown run one at a time, so that the unit that kills its worker is found and
    recorded as an error while the others complete."""
    queue = list(units)
    for _ in range(2):
        if not queue:
            return
        retry: list[Unit] = []
        pool = _pool(min(config.workers, len(queue)), cache_dir)
        try:
            futures = {pool.submit(run_unit, u, config): u for u in queue}
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    retry.append(futures[fut])
        finally:
            # On an early exit (Ctrl-C, a failed write) the queue is dropped, not finished.
            pool.shutdown(wait=False, cancel_futures=True)
        queue = [u for u in units if u in set(retry)]  # back in submission order
    pool = _pool(1, cache_dir)
    try:
        for unit in queue:
            try:
                yield pool.submit(run_unit, unit, config).result()
            except BrokenProcessPool:
                yield crash_record(unit, config, "WorkerDied: the worker process died")
                pool.shutdown(wait=True)
                pool = _pool(1, cache_dir)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _pool(workers: int, cache_dir: Path | None = None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(True, None if cache_dir is None else str(cache_dir)),
    )


def _execute_dask(units: list[Unit], config: RunConfig) -> Iterator[dict[str, Any]]:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if config.scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=min(config.workers, len(units)), threads_per_worker=1, processes=True
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        client = Client(config.scheduler)  # type: ignore[no-untyped-call]
    run_id = uuid.uuid4().hex[:12]  # keys unique to this run on a shared scheduler
    try:
        futures = {
            client.submit(
                run_unit,
                u,
                config,
                pure=False,
                key=f"abstrax-{run_id}-{u.task}-{u.method}-{u.seed}",
            ): u
            for u in units
        }
        for fut in dask_completed(list(futures)):  # type: ignore[no-untyped-call]
            unit = futures[fut]
            try:
                yield fut.result()
            except Exception as err:  # a lost worker or connection: retried by the next run
                log.warning(
                    "%s / %s / seed %d did not finish on the cluster (%s: %s); run again to retry",
                    unit.task,
                    unit.method,
                    unit.seed,
                    type(err).__name__,
                    err,
                )
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
