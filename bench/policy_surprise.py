"""Where a policy's guidance goes: the nats it gives each choice of the programs found.

Usage::

    python bench/policy_surprise.py [--policy default|DIR] [--results PATH] [--run all10]
        [--out PATH]

Prints one JSON object and writes it to ``--out`` (default
``bench/results/policy_surprise.json``).

Guided search explores programs in the order of the probability the policy's PCFG gives
them, so the programs it needs before a solution grow with the solution's surprise under
the policy (its negative log-probability, in nats). This script takes the programs that a
``bench/dreamcoder.py`` run found and generalised (``--results``, ``--run``), derives each
in its task's grammar, and splits its surprise by choice: per production (a primitive by
name; ``param``, ``var``, ``const``, ``lambda`` for the leaves and binders), the mean nats
under the policy against the uniform grammar. Constants get a finer account, since a
DreamCoder task family is written around its ``k``: the probability mass the policy gives
all the constants of the hole (``mass_nats``, -log of it) and how well it chooses among them
(``choice_nats``; ``log(6)`` = 1.79 nats is no better than a guess among six); ``all``
weighs every constant choice alike.

The programs come from the results file, so the same found programs can be scored under
several policies: a policy that puts more mass on a solution's choices would have found it
sooner.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from _common import RESULTS, header, write_json

import dsl
import neural
import synth
import tasks


def _key(production: synth.Production) -> str:
    """The production's row: a primitive by name, else its kind (``var``: any bound one)."""
    kinds = ("param", "var", "const", "lambda")
    return production.kind if production.kind in kinds else production.name


def score(
    guide: neural.NeuralGuide, records: Sequence[dict[str, Any]], given: int
) -> dict[str, Any]:
    """The surprise of the generalising programs of ``records``, guided and uniform.

    Per task, per production and, for constants, per value and over all constant choices
    (their mass and choice nats add up to the constants' guided nats). The grammar is the
    one ``synthesize`` searches with the default ``synth.SearchSpace``.
    """
    by_name = {t.name: t for t in tasks.load_dreamcoder()}
    space = synth.SearchSpace()
    rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    consts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    per_task = []
    for record in records:
        if not record.get("generalises") or not record.get("program"):
            continue
        spec = by_name[record["name"]].spec(given)
        grammar = space.grammar(dsl.DREAMCODER, spec)
        (program,) = dsl.parse(record["program"]).definitions
        derivation = grammar.derive(program)
        guided, uniform = guide.weights(spec, grammar), grammar.uniform()
        for step in derivation.steps:
            rules = grammar.rules[step.nonterminal]
            production = rules[step.rule].production
            lg = -guided.logprobs[step.nonterminal][step.rule]
            rows[_key(production)].append((lg, -uniform.logprobs[step.nonterminal][step.rule]))
            if production.kind == "const":
                mass = sum(
                    math.exp(lp)
                    for rule, lp in zip(rules, guided.logprobs[step.nonterminal], strict=True)
                    if rule.production.kind == "const"
                )
                consts[production.name].append((-math.log(mass), lg + math.log(mass)))
        per_task.append(
            {
                "task": record["name"],
                "programs": record["programs"],
                "guided_nats": -derivation.log_probability(guided),
                "uniform_nats": -derivation.log_probability(uniform),
            }
        )

    def mean(pairs: list[tuple[float, float]], i: int) -> float:
        return round(statistics.fmean(p[i] for p in pairs), 3)

    productions = {
        name: {
            "choices": len(pairs),
            "guided_nats": mean(pairs, 0),
            "uniform_nats": mean(pairs, 1),
            "total_guided_nats": round(math.fsum(p[0] for p in pairs), 1),
        }
        for name, pairs in sorted(rows.items(), key=lambda kv: -math.fsum(p[0] for p in kv[1]))
    }
    every = [p for pairs in consts.values() for p in pairs]
    constant_rows = {
        name: {"choices": len(pairs), "mass_nats": mean(pairs, 0), "choice_nats": mean(pairs, 1)}
        for name, pairs in [*sorted(consts.items()), ("all", every)]
        if pairs
    }
    return {
        "tasks": len(per_task),
        "median_guided_nats": statistics.median(t["guided_nats"] for t in per_task),
        "median_uniform_nats": statistics.median(t["uniform_nats"] for t in per_task),
        "productions": productions,
        "constants": constant_rows,
        "per_task": per_task,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--policy", default="default", help="default, or a policy directory")
    parser.add_argument("--results", type=Path, default=RESULTS / "dreamcoder_guided.json")
    parser.add_argument("--run", default="all10", help="the run of --results to read")
    parser.add_argument("--out", type=Path, default=RESULTS / "policy_surprise.json")
    opts = parser.parse_args(argv)
    try:
        run = json.loads(opts.results.read_text())["runs"][opts.run]
    except (OSError, ValueError, KeyError) as err:
        parser.error(f"--results {opts.results}: no run {opts.run!r} to read ({err})")
    if run.get("library", "dreamcoder") != "dreamcoder":
        parser.error(f"--results {opts.results}: run {opts.run!r} searched {run['library']!r}")
    path = None if opts.policy == "default" else opts.policy
    guide = neural.load_policy(path, library=dsl.DREAMCODER)
    result = {
        **header("policy_surprise"),
        "argv": list(sys.argv[1:] if argv is None else argv),
        "policy": opts.policy,
        "results": str(opts.results),
        "run": opts.run,
        **score(guide, run["records"], run["given"]),
    }
    write_json(opts.out, result)
    shown = ("policy", "tasks", "median_guided_nats", "median_uniform_nats", "constants")
    print(json.dumps({k: result[k] for k in shown}, indent=1))
    return result


if __name__ == "__main__":
    main()
