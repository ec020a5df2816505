"""Where a policy's guidance goes: the nats it gives each choice of the programs found.

Usage::

    python bench/policy_surprise.py [--policy default|DIR] [--results PATH] [--run all10]
        [--sampled N] [--seed S] [--out PATH]

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
weighs every constant choice alike, ``ints`` every choice of an int (``[]`` is a
constant too, the only one of its hole). Against it stands what the examples say: for each
constant choice, how many of the hole's constants give the program the same outputs on
the spec's examples when put in its place (``consistent``; 1: the examples determine it),
and ``examples_nats``, the mean ``log`` of that count: what a policy would pay that chose
uniformly among the constants the examples allow (a count of 0, where the program does
not fit its own examples, counts as 1; a found or sampled program always fits them).

``--sampled N`` also scores ``N`` random programs drawn as the policy's training data is
(``neural.sample_dataset`` with ``--seed``, by default one no default policy was trained
on), under ``sampled``: how well the policy chooses where its training distribution lies.

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
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from _common import RESULTS, header, write_json

import dsl
import neural
import synth
import tasks

LIMITS = dsl.Limits(fuel=100_000)  # the search's own, for the programs a constant changes


def _key(production: synth.Production) -> str:
    """The production's row: a primitive by name, else its kind (``var``: any bound one)."""
    kinds = ("param", "var", "const", "lambda")
    return production.kind if production.kind in kinds else production.name


@dataclass(frozen=True, slots=True)
class Found:
    """A program to score: its task's name, the spec it was found for, its source, and the
    programs the search explored to find it (None for a sampled program)."""

    name: str
    spec: synth.Spec
    program: str
    programs: int | None = None


def found_in(records: Sequence[dict[str, Any]], given: int) -> list[Found]:
    """The generalising programs of a ``bench/dreamcoder.py`` run's records."""
    by_name = {t.name: t for t in tasks.load_dreamcoder()}
    return [
        Found(r["name"], by_name[r["name"]].spec(given), r["program"], r["programs"])
        for r in records
        if r.get("generalises") and r.get("program")
    ]


def sampled(n: int, seed: int, workdir: Path) -> list[Found]:
    """``n`` random DREAMCODER programs drawn as the policy's training data is."""
    library = dsl.DREAMCODER
    signatures = neural.default_signatures(library)
    data = neural.sample_dataset(library, signatures, n, seed=seed, out=workdir)
    return [
        Found(
            f"sample {i}", synth.Spec(s.signature, zip(s.inputs, s.outputs, strict=True)), s.program
        )
        for i, s in enumerate(data)
    ]


def allowed(derivation: synth.Derivation, index: int, spec: synth.Spec) -> list[int]:
    """The rules of step ``index``'s hole that are constants and give the program
    ``spec``'s outputs on its examples when put there (the one chosen included, if it
    fits), in the hole's order."""
    grammar, steps = derivation.grammar, derivation.steps
    nonterminal = steps[index].nonterminal
    out = []
    for i, rule in enumerate(grammar.rules[nonterminal]):
        if rule.production.kind != "const":
            continue
        changed = (*steps[:index], synth.Step(nonterminal, i), *steps[index + 1 :])
        program = synth.Derivation(grammar, changed).program()
        try:
            run = dsl.compile_definition(program, library=dsl.DREAMCODER, limits=LIMITS).run
            if all(run(e.args) == e.output for e in spec.examples):
                out.append(i)
        except (dsl.TypeCheckError, dsl.EvalError):
            pass
    return out


def consistent(derivation: synth.Derivation, index: int, spec: synth.Spec) -> int:
    """How many of the constants of step ``index``'s hole give the program ``spec``'s
    outputs on its examples when put there (:func:`allowed`)."""
    return len(allowed(derivation, index, spec))


def score(guide: neural.NeuralGuide, found: Sequence[Found]) -> dict[str, Any]:
    """The surprise of the programs ``found``, guided and uniform.

    Per program, per production and, for constants, per value and over all constant
    choices, ``ints`` over those of an int (their mass and choice nats add up to the
    constants' guided nats; beside them the constants the examples allow). The grammar
    is the one ``synthesize`` searches with the default ``synth.SearchSpace``; a program
    it cannot derive is counted in ``underivable`` and left out.
    """
    space = synth.SearchSpace()
    rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    consts: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    per_task, underivable = [], 0
    for item in found:
        grammar = space.grammar(dsl.DREAMCODER, item.spec)
        (program,) = dsl.parse(item.program).definitions
        try:
            derivation = grammar.derive(program)
        except synth.DerivationError:
            underivable += 1
            continue
        guided, uniform = guide.weights(item.spec, grammar), grammar.uniform()
        for index, step in enumerate(derivation.steps):
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
                allowed = consistent(derivation, index, item.spec)
                consts[production.name].append((-math.log(mass), lg + math.log(mass), allowed))
        per_task.append(
            {
                "task": item.name,
                "programs": item.programs,
                "guided_nats": -derivation.log_probability(guided),
                "uniform_nats": -derivation.log_probability(uniform),
            }
        )

    def mean(pairs: Sequence[tuple[float, ...]], i: int) -> float:
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
    every = [p for triples in consts.values() for p in triples]
    ints = [p for name, triples in consts.items() if name.lstrip("-").isdigit() for p in triples]
    constant_rows = {
        name: {
            "choices": len(triples),
            "mass_nats": mean(triples, 0),
            "choice_nats": mean(triples, 1),
            "consistent": mean(triples, 2),
            "determined": round(sum(t[2] == 1 for t in triples) / len(triples), 3),
            "examples_nats": round(statistics.fmean(math.log(max(t[2], 1)) for t in triples), 3),
        }
        for name, triples in [*sorted(consts.items()), ("ints", ints), ("all", every)]
        if triples
    }
    return {
        "tasks": len(per_task),
        "underivable": underivable,
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
    parser.add_argument("--sampled", type=int, default=0, help="also score N sampled programs")
    parser.add_argument("--seed", type=int, default=7, help="the sampled programs' seed")
    parser.add_argument("--out", type=Path, default=RESULTS / "policy_surprise.json")
    opts = parser.parse_args(argv)
    if opts.sampled < 0:
        parser.error(f"--sampled: expected a count >= 0, got {opts.sampled}")
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
        **score(guide, found_in(run["records"], run["given"])),
    }
    if opts.sampled > 0:
        with tempfile.TemporaryDirectory() as workdir:
            programs = sampled(opts.sampled, opts.seed, Path(workdir))
        result["sampled"] = {"n": opts.sampled, "seed": opts.seed, **score(guide, programs)}
    write_json(opts.out, result)
    shown = ("policy", "tasks", "median_guided_nats", "median_uniform_nats", "constants")
    summary = {k: result[k] for k in shown}
    if "sampled" in result:
        summary["sampled"] = {k: result["sampled"][k] for k in ("tasks", "constants")}
    print(json.dumps(summary, indent=1))
    return result


if __name__ == "__main__":
    main()
