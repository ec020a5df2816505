"""What better constants would be worth: guided search rerun with an oracle's constants.

Usage::

    python bench/policy_oracle.py [--policy default|DIR] [--results PATH] [--run all10]
        [--oracles none,allowed,chosen] [--enumerator bottom_up|heap] [--seconds S]
        [--jobs J] [--compare UNGUIDED.json] [--tasks NAME ...] [--out PATH]

Writes one JSON object to ``--out`` (default ``bench/results/policy_oracle.json``) and
prints a summary.

``bench/policy_surprise.py`` shows that a policy chooses int constants little better than a
guess, where the examples nearly always determine them. This script asks what closing that
gap would buy the search. For each task that a guided ``bench/dreamcoder.py`` run
(``--results``, ``--run``) solved, it derives the program found, and reruns guided search
with the policy's PCFG changed only where that program chose an int constant: in each such
context (parent production and argument), the mass the policy gives the int constants goes
to the right ones, uniformly (``--oracles``):

``allowed``
    the constants that, put in the program's place, still fit the spec's examples
    (``policy_surprise.allowed``): what a policy that read them off the examples would say;
``chosen``
    the program's own constants;
``none``
    no change: the policy's own search, rerun beside the others as the control.

The change is per context, at every depth, as the policy's output is (its logits do not
depend on depth), so a policy could express it. It is an intervention on the choice among
constants only: the mass the policy gives a hole's constants together is kept, and it knows
the program found (which may be an over-fit that another search would not look for, so a
task can also get slower). Heap search follows each context's probabilities, so the
change acts there as made (``--enumerator heap``); bottom-up search prices a production
once per kind of hole (a type and the variables in scope), averaged over the kind's
contexts, and a constant in a lambda's body comes from the closed programs at their cost,
so the change reaches it only through those averages.

Per oracle: solved, generalised, and over the tasks it and unguided search (``--compare``,
a ``bench/dreamcoder.py`` run without a policy, bottom-up) both solve, the median programs
explored to the first solution and the ratio, as ``bench/dreamcoder.py --compare`` reports
a guided run; ``paired`` gives every oracle's median over the tasks all of them and
unguided search solve, so that the oracles compare on the same tasks. A task whose program
cannot be derived in the grammar, or whose search fails, is recorded (``derivable``,
``error``) and runs as the control. A run takes a few minutes with two jobs.

One core per search, as in ``bench/dreamcoder.py`` (``--jobs`` workers, each pinned).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from _common import RESULTS, header, load_average, write_json
from dreamcoder import ENUMERATORS, fits, policy, start_workers, stop_workers, suite, warm_up
from policy_surprise import allowed

import dsl
import synth

ORACLES = ("none", "allowed", "chosen")


def _is_int_constant(production: synth.Production) -> bool:
    return production.kind == "const" and type(production.payload) is int  # not a bool


def targets(
    derivation: synth.Derivation, spec: synth.Spec, oracle: str
) -> dict[synth.Context, frozenset[str]]:
    """Per context where ``derivation`` chooses an int constant, the constants' names the
    oracle puts the mass on (all of them, where the program chooses several there; for
    ``"none"``, which changes nothing, the program's own; for ``"allowed"``, the program's
    own where none fits, which only happens when the program does not fit ``spec``)."""
    out: dict[synth.Context, set[str]] = {}
    grammar = derivation.grammar
    for index, step in enumerate(derivation.steps):
        rules = grammar.rules[step.nonterminal]
        if not _is_int_constant(rules[step.rule].production):
            continue
        picked = allowed(derivation, index, spec) if oracle == "allowed" else [step.rule]
        names = {rules[i].production.name for i in picked or [step.rule]}
        out.setdefault(step.nonterminal.context, set()).update(names)
    return {c: frozenset(names) for c, names in out.items()}


@dataclass(frozen=True, slots=True)
class OracleGuide:
    """A guide's PCFG, with each int constant's mass in the contexts of ``targets`` moved
    to the constants named there, uniformly."""

    guide: synth.Guide
    targets: dict[synth.Context, frozenset[str]]

    def weights(self, spec: synth.Spec, grammar: synth.Grammar) -> synth.PCFG:
        pcfg = self.guide.weights(spec, grammar)
        logprobs = dict(pcfg.logprobs)
        for nt, rules in grammar.rules.items():
            names = self.targets.get(nt.context)
            if not names:
                continue
            ints = [i for i, r in enumerate(rules) if _is_int_constant(r.production)]
            right = [i for i in ints if rules[i].production.name in names]
            if not right:
                continue
            mass = math.fsum(math.exp(logprobs[nt][i]) for i in ints)
            row = list(logprobs[nt])
            for i in ints:
                row[i] = math.log(mass / len(right)) if i in right and mass > 0 else -math.inf
            logprobs[nt] = tuple(row)
        return synth.PCFG(grammar, logprobs)


def run_task(args: tuple[str, str, str, int, float, str, str | None]) -> dict[str, Any]:
    """One oracle's guided search of one task (in a worker); an error is recorded, and the
    run goes on."""
    name, program, oracle, given, seconds, policy_path, enumerator = args
    record: dict[str, Any] = {"name": name, "oracle": oracle, "contexts": 0, "derivable": False}
    try:
        warm_up("dreamcoder")
        task = suite()[name]
        spec, held_out = task.spec(given), task.held_out(given)
        grammar = synth.SearchSpace().grammar(dsl.DREAMCODER, spec)
        (definition,) = dsl.parse(program).definitions
        try:
            chosen = targets(grammar.derive(definition), spec, oracle)
            record["derivable"] = True
        except synth.DerivationError:
            chosen = {}
        record["contexts"] = len(chosen)
        guide = OracleGuide(policy(policy_path, "dreamcoder"), {} if oracle == "none" else chosen)
        result = synth.synthesize(
            spec,
            library=dsl.DREAMCODER,
            guide=guide,
            enumerator=ENUMERATORS[enumerator]() if enumerator else None,
            budget=synth.Budget(seconds=seconds),
        )
    except Exception as err:  # a library bug: recorded and counted, and the run goes on
        return {**record, "solved": False, "generalises": False, "programs": 0, "error": repr(err)}
    return {
        **record,
        "solved": result.solved,
        "generalises": result.program is not None and fits(result.program, held_out),
        "programs": result.programs_explored,
        "seconds": round(result.seconds, 3),
        "program": dsl.pretty(result.program) if result.program is not None else None,
    }


def summarise(
    records: Sequence[dict[str, Any]], unguided: dict[str, Any], over: set[str] | None = None
) -> dict[str, Any]:
    """Solved, generalised, and over the tasks both these searches and unguided search
    solve (only those in ``over``, if given), the median programs explored by each, their
    ratio, and the median of the per-task ratios (as ``bench/dreamcoder.py``'s
    ``compare``)."""
    both = [
        r
        for r in records
        if r["solved"]
        and unguided.get(r["name"], {}).get("solved")
        and (over is None or r["name"] in over)
    ]
    mine = statistics.median(r["programs"] for r in both) if both else None
    theirs = statistics.median(unguided[r["name"]]["programs"] for r in both) if both else None
    per_task = [unguided[r["name"]]["programs"] / max(r["programs"], 1) for r in both]
    return {
        "tasks": len(records),
        "with_int_constants": sum(r["contexts"] > 0 for r in records),
        "underivable": sum(not r["derivable"] for r in records),
        "errors": sum("error" in r for r in records),
        "solved": sum(r["solved"] for r in records),
        "generalised": sum(r["generalises"] for r in records),
        "both_solved": len(both),
        "median_programs": mine,
        "median_programs_unguided": theirs,
        "ratio": theirs / max(mine, 1) if mine is not None and theirs is not None else None,
        "median_per_task_ratio": statistics.median(per_task) if per_task else None,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--policy", default=None, help="default: the --results run's policy")
    parser.add_argument("--results", type=Path, default=RESULTS / "dreamcoder_guided.json")
    parser.add_argument("--run", default="all10", help="the run of --results to read")
    parser.add_argument("--oracles", default=",".join(ORACLES), help="comma-separated")
    parser.add_argument("--enumerator", choices=sorted(ENUMERATORS), default=None)
    parser.add_argument("--seconds", type=float, default=None, help="default: the run's")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--compare", type=Path, default=RESULTS / "dreamcoder.json")
    parser.add_argument("--tasks", nargs="+", default=None, help="only these tasks")
    parser.add_argument("--out", type=Path, default=RESULTS / "policy_oracle.json")
    opts = parser.parse_args(argv)
    oracles = list(dict.fromkeys(opts.oracles.split(",")))
    if unknown := [o for o in oracles if o not in ORACLES]:
        parser.error(f"--oracles: expected some of {', '.join(ORACLES)}, got {unknown}")
    if opts.jobs < 1:
        parser.error(f"--jobs: expected at least 1, got {opts.jobs}")
    if opts.seconds is not None and not opts.seconds > 0:
        parser.error(f"--seconds: expected a budget > 0, got {opts.seconds}")
    if opts.tasks is not None and (unknown := sorted(set(opts.tasks) - set(suite()))):
        parser.error(f"--tasks: no DreamCoder task named {unknown}")
    runs: dict[str, Any] = {}
    for flag, path in (("--results", opts.results), ("--compare", opts.compare)):
        try:
            runs[flag] = json.loads(path.read_text())["runs"][opts.run]
            if not isinstance(runs[flag]["records"], list):
                raise TypeError("its records are not a list")
        except (OSError, ValueError, KeyError, TypeError) as err:
            parser.error(f"{flag} {path}: no run {opts.run!r} to read ({err!r})")
    run, other = runs["--results"], runs["--compare"]
    if run.get("library", "dreamcoder") != "dreamcoder":
        parser.error(f"--results {opts.results}: run {opts.run!r} searched {run['library']!r}")
    used = {r.get("policy") for r in run["records"]}
    if None in used or len(used) != 1:
        parser.error(f"--results {opts.results}: expected one policy's run, got {used}")
    path = opts.policy if opts.policy is not None else used.pop()
    if other.get("given", run["given"]) != run["given"] or any(
        r.get("policy") is not None for r in other["records"]
    ):
        parser.error(
            f"--compare {opts.compare}: expected an unguided run with {run['given']} given"
        )
    seconds = opts.seconds if opts.seconds is not None else run["budget"]
    solved = [r for r in run["records"] if r["solved"] and r.get("program")]
    if opts.tasks is not None:
        solved = [r for r in solved if r["name"] in set(opts.tasks)]
    unguided = {r["name"]: r for r in other["records"]}
    # oracles inside tasks, so that a drift in the machine's load falls on all of them
    jobs = [
        (r["name"], r["program"], o, run["given"], seconds, path, opts.enumerator)
        for r in solved
        for o in oracles
    ]
    began, load_before = time.perf_counter(), load_average()
    pool = start_workers(opts.jobs)
    failed = True
    try:
        records = list(pool.map(run_task, jobs, chunksize=1))
        failed = False
    finally:
        stop_workers(pool, failed=failed)
    by_oracle = {o: [r for r in records if r["oracle"] == o] for o in oracles}
    common = set.intersection(
        *({r["name"] for r in rs if r["solved"]} for rs in by_oracle.values())
    )
    result = {
        **header("policy_oracle"),
        "argv": list(sys.argv[1:] if argv is None else argv),
        "policy": path,
        "results": str(opts.results),
        "compare": str(opts.compare),
        "run": opts.run,
        "given": run["given"],
        "seconds": seconds,
        "enumerator": opts.enumerator or "synthesize's choice",
        "jobs": opts.jobs,
        "wall_seconds": round(time.perf_counter() - began, 1),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "oracles": {o: summarise(by_oracle[o], unguided) for o in oracles},
        "paired": {o: summarise(by_oracle[o], unguided, over=common) for o in oracles},
        "records": records,
    }
    write_json(opts.out, result)
    print(
        json.dumps({k: result[k] for k in ("policy", "enumerator", "oracles", "paired")}, indent=1)
    )
    return result


if __name__ == "__main__":
    main()
