"""Search speed: programs per second of each enumerator, and time to solve the basic tasks.

Usage::

    python bench/enumerate.py [--out PATH] [--quick]

Prints one JSON object to stdout and writes it to ``--out`` (default
``bench/results/enumerate.json``). It takes about two minutes (``--quick``: under a
minute).

What is measured
----------------
For each enumerator, ``"bottom_up"`` and ``"heap"``:

1. **Throughput, evaluation included.** For each signature in :data:`SIGNATURES` a spec of
   five seeded random examples (``random.Random(0)``; input lists of length 3 to 8 with
   values in [-10, 10]) whose outputs no program of the search space fits: random lists of
   length 3 to 8 for ``(list[int]) -> list[int]``, random ints in [10**6, 10**9] for
   ``(list[int]) -> int``. So ``synth.synthesize(spec, enumerator=...,
   budget=synth.Budget(seconds=S))`` (S = 10, 2 with ``--quick``) runs its whole budget, and
   the figures are ``result.candidates / result.seconds`` and ``result.programs_explored /
   result.seconds``.

   * bottom-up: ``candidates`` counts every subprogram it builds, each evaluated at the
     points of its kind (the five examples; under a lambda, probe bindings of the bound
     variables per example), before observational equivalence drops duplicates; that is
     its notion of a program explored. Of them, ``stats.lifted`` are closed programs used
     as lambda bodies (their values there are their closed values, projected onto the
     body's points; about 0.3% of the candidates). ``programs_explored`` counts the
     complete programs (of the signature's type, one per behaviour) compared with the
     outputs.
   * heap: ``candidates`` equals ``programs_explored``: every complete program, in order of
     probability, each evaluated on the five examples. ``stats.heap_pushes`` counts the
     (sub)programs put on any heap.

   ``result.seconds`` includes building the grammar (``synth.Grammar.from_library(dsl.CORE,
   signature)``, about 0.1 to 0.3 s). That is timed alone (best of ``repeats``) and reported
   as ``grammar_seconds``, with the rates over ``result.seconds - grammar_seconds``
   (``*_excluding_grammar``). ``setup_seconds`` adds the uniform PCFG and the enumerator's
   constructor (bottom-up computes its cost tables there) to the grammar.

   For bottom-up, ``stats.by_production`` gives the candidates and seconds of each
   production at a candidate's root, and ``loops_and_the_rest`` sums them for the loops
   (``fold``, ``loop``, ``map``, ``filter``, ``while_``, and EXTENDED's ``count`` and
   ``zipwith``: their lambda runs on every element at every point) and for the rest (one
   primitive application per point).

2. **Basic tasks.** Every task of ``tasks._basic.BASIC`` (``--quick``: the first eight)
   with budget ``synth.Budget(seconds=10)`` (``--quick``: 3): solved, seconds,
   ``programs_explored``, ``candidates``, the program found and the stop reason, with a
   summary (solved, total and largest seconds).

3. **Context.** ``deepsynth2_reference``: the figures the project was given for DeepSynth2
   on this class of machine (programs per second); ``targets``: the project's targets for
   the rates of part 1.

The process is pinned to one core where the OS allows it; the load average before and after
the run is recorded, since other work on the machine slows the search.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dsl
import synth
from synth._loops import LOOP_NAMES
from tasks._basic import BASIC
from tasks._task import Task

# bench/_common.py lies beside this script: importable however the script is run.
if (_BENCH := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(_BENCH)

from _common import RESULTS, header, load_average, pin_to_one_core, write_json

DEFAULT_OUT = RESULTS / "enumerate.json"

ENUMERATORS = ("bottom_up", "heap")
_ENUMERATOR = {"bottom_up": synth.bottom_up, "heap": synth.heap}
SIGNATURES = ("(list[int]) -> list[int]", "(list[int]) -> int")
N_EXAMPLES = 5

DEEPSYNTH2_REFERENCE = {
    "enumeration_without_evaluation": 360_000,
    "with_evaluation_first_failing_example": 100_000,
    "classic_heap_search": 37_000,
}
TARGETS = {"bottom_up_with_evaluation": 300_000, "heap_with_evaluation": 100_000}


# ---- part 1: throughput on a spec that nothing fits ---------------------------------------


def unsolvable_spec(signature: str, *, seed: int = 0, n: int = N_EXAMPLES) -> synth.Spec:
    """``n`` seeded random examples of ``signature`` whose outputs no program fits."""
    rng = random.Random(seed)
    ret = synth.Spec(signature, ()).signature.ret
    examples = []
    for _ in range(n):
        xs = [rng.randint(-10, 10) for _ in range(rng.randint(3, 8))]
        if ret == dsl.INT:
            out: Any = rng.randint(10**6, 10**9)
        else:
            out = [rng.randint(-10, 10) for _ in range(rng.randint(3, 8))]
        examples.append(((xs,), out))
    return synth.Spec(signature, examples)


def time_setup(spec: synth.Spec, *, repeats: int) -> dict[str, float]:
    """Best seconds of building the grammar alone, and of grammar + PCFG + each enumerator."""
    best: dict[str, float] = {}

    def keep(key: str, seconds: float) -> None:
        best[key] = min(best.get(key, float("inf")), seconds)

    for _ in range(repeats):
        for enumerator in ENUMERATORS:
            gc.collect()
            t0 = time.perf_counter()
            grammar = synth.Grammar.from_library(dsl.CORE, spec.signature)
            t1 = time.perf_counter()
            pcfg = grammar.uniform()
            store = synth.TermStore(
                [e.args for e in spec.examples],
                [e.output for e in spec.examples],
                limits=synth.SearchLimits(),
            )
            if enumerator == "bottom_up":
                synth.BottomUp(pcfg, store)
            else:
                synth.HeapSearch(pcfg, store)
            t2 = time.perf_counter()
            keep("grammar", t1 - t0)
            keep(enumerator, t2 - t0)
    return best


def run_throughput(
    signature: str, enumerator: str, seconds: float, setup: dict[str, float]
) -> dict[str, Any]:
    """One search of ``seconds`` on the unsolvable spec of ``signature``."""
    spec = unsolvable_spec(signature)
    gc.collect()
    result = synth.synthesize(
        spec, enumerator=_ENUMERATOR[enumerator](), budget=synth.Budget(seconds=seconds)
    )
    grammar_s = setup["grammar"]
    searching = max(result.seconds - grammar_s, 1e-9)
    return {
        "signature": signature,
        "enumerator": result.enumerator,
        "examples": len(spec.examples),
        "budget_seconds": seconds,
        "seconds": result.seconds,
        "solved": result.solved,
        "stop_reason": result.stop_reason,
        "candidates": result.candidates,
        "programs_explored": result.programs_explored,
        "candidates_per_second": result.candidates / result.seconds,
        "programs_explored_per_second": result.programs_explored / result.seconds,
        "grammar_seconds": grammar_s,
        "setup_seconds": setup[enumerator],
        "candidates_per_second_excluding_grammar": result.candidates / searching,
        "programs_explored_per_second_excluding_grammar": result.programs_explored / searching,
        "stats": result.stats,
        "loops_and_the_rest": loops_and_the_rest(result.stats.get("by_production", {})),
    }


def loops_and_the_rest(by_production: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Bottom-up's candidates and seconds split between those with a loop at their root
    (``synth._loops.LOOP_NAMES``: each runs its lambda on every element at every point)
    and the others (one primitive application per point); empty for heap search."""
    if not by_production:
        return {}
    groups: dict[str, dict[str, Any]] = {}
    total_n = sum(row["candidates"] for row in by_production.values()) or 1
    total_s = sum(row["seconds"] for row in by_production.values()) or 1e-9
    for group, names in (
        ("loops", [n for n in by_production if n in LOOP_NAMES]),
        ("rest", [n for n in by_production if n not in LOOP_NAMES]),
    ):
        n = sum(by_production[name]["candidates"] for name in names)
        s = sum(by_production[name]["seconds"] for name in names)
        groups[group] = {
            "candidates": n,
            "seconds": s,
            "candidates_per_second": n / s if s else None,
            "share_of_candidates": n / total_n,
            "share_of_seconds": s / total_s,
        }
    return groups


# ---- part 2: the basic tasks ---------------------------------------------------------------


def run_task(task: Task, enumerator: str, seconds: float) -> dict[str, Any]:
    gc.collect()
    result = synth.synthesize(
        task.spec(), enumerator=_ENUMERATOR[enumerator](), budget=synth.Budget(seconds=seconds)
    )
    return {
        "name": task.name,
        "signature": str(task.signature),
        "enumerator": result.enumerator,
        "solved": result.solved,
        "seconds": result.seconds,
        "programs_explored": result.programs_explored,
        "candidates": result.candidates,
        "program": dsl.pretty(result.program.body) if result.program is not None else None,
        "stop_reason": result.stop_reason,
    }


def summarize(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "tasks": len(runs),
        "solved": sum(r["solved"] for r in runs),
        "unsolved": [r["name"] for r in runs if not r["solved"]],
        "total_seconds": sum(r["seconds"] for r in runs),
        "max_seconds": max((r["seconds"] for r in runs), default=0.0),
        "total_programs_explored": sum(r["programs_explored"] for r in runs),
        "total_candidates": sum(r["candidates"] for r in runs),
    }


# ---- the whole benchmark -------------------------------------------------------------------


def run_benchmark(
    *,
    seconds: float = 10.0,
    task_seconds: float = 10.0,
    n_tasks: int | None = None,
    repeats: int = 3,
    signatures: Sequence[str] = SIGNATURES,
) -> dict[str, Any]:
    """Measure both enumerators and return the result object (not pinned)."""
    load_before = load_average()
    began = time.perf_counter()
    setups = {sig: time_setup(unsolvable_spec(sig), repeats=repeats) for sig in signatures}
    grammar = {
        sig: {
            "nonterminals": len(synth.Grammar.from_library(dsl.CORE, sig)),
            "grammar_seconds": s["grammar"],
            "setup_seconds": {e: s[e] for e in ENUMERATORS},
        }
        for sig, s in setups.items()
    }
    tasks = BASIC if n_tasks is None else BASIC[:n_tasks]
    enumerators: dict[str, Any] = {}
    for enumerator in ENUMERATORS:
        throughput = [run_throughput(sig, enumerator, seconds, setups[sig]) for sig in signatures]
        runs = [run_task(task, enumerator, task_seconds) for task in tasks]
        enumerators[enumerator] = {
            "throughput": throughput,
            "tasks": runs,
            "summary": summarize(runs),
        }
    return {
        **header("enumerate"),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "wall_seconds": time.perf_counter() - began,
        "throughput_budget_seconds": seconds,
        "task_budget_seconds": task_seconds,
        "examples_per_throughput_spec": N_EXAMPLES,
        "grammar": grammar,
        "enumerators": enumerators,
        "deepsynth2_reference": dict(DEEPSYNTH2_REFERENCE),
        "targets": dict(TARGETS),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    parser.add_argument(
        "--quick", action="store_true", help="2 s searches, first 8 tasks at 3 s (smoke test)"
    )
    # for tests: the budget of every search, in seconds
    parser.add_argument("--seconds", type=float, default=None, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    core = pin_to_one_core()
    seconds, task_seconds = (2.0, 3.0) if opts.quick else (10.0, 10.0)
    if opts.seconds is not None:
        seconds = task_seconds = opts.seconds
    result = run_benchmark(
        seconds=seconds,
        task_seconds=task_seconds,
        n_tasks=8 if opts.quick else None,
        repeats=1 if opts.quick else 3,
    )
    result["pinned_core"] = core
    result["quick"] = opts.quick
    print(write_json(opts.out, result))
    return result


if __name__ == "__main__":
    main()
