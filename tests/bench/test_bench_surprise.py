"""bench/policy_surprise.py splits the surprise of found programs by choice.

The script reads programs from a ``bench/dreamcoder.py`` results file; here a small one
written by the test, scored under the default DREAMCODER policy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import dsl
import synth
import tasks

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "policy_surprise.py"


def _record(name: str, body: str, generalises: bool = True) -> dict[str, object]:
    task = next(t for t in tasks.load_dreamcoder() if t.name == name)
    sig = task.spec(10).signature
    program = f"def f(xs: {sig.params[0]}) -> {sig.ret} =\n  {body}"
    return {"name": name, "programs": 3, "generalises": generalises, "program": program}


def test_the_surprise_of_each_choice_adds_up_to_the_programs(
    tmp_path: Path, load_script: Callable[[str], ModuleType]
) -> None:
    records = [
        _record("add-k with k=0", "xs"),
        _record("add-k with k=3", "map(xs, fn x => x + 3)"),
        _record("modulo-k with k=4", "map(xs, fn x => x % 4)"),
        _record("drop-k with k=1", "xs", generalises=False),  # not scored
    ]
    results = tmp_path / "found.json"
    results.write_text(json.dumps({"runs": {"all10": {"given": 10, "records": records}}}))
    out = tmp_path / "surprise.json"
    result = load_script("policy_surprise").main(["--results", str(results), "--out", str(out)])
    assert json.loads(out.read_text()) == result
    assert result["tasks"] == 3 and [t["task"] for t in result["per_task"]] == [
        "add-k with k=0",
        "add-k with k=3",
        "modulo-k with k=4",
    ]
    # `xs` at the root: one choice among the start's rules under the uniform grammar
    spec = next(t for t in tasks.load_dreamcoder() if t.name == "add-k with k=0").spec(10)
    grammar = synth.SearchSpace().grammar(dsl.DREAMCODER, spec)
    identity = result["per_task"][0]
    assert math.isclose(identity["uniform_nats"], math.log(len(grammar.rules[grammar.start])))
    rows = result["productions"]
    assert rows["param"]["choices"] == 3 and rows["var"]["choices"] == 2
    assert rows["const"]["choices"] == 2 and set(result["constants"]) == {"3", "4", "ints", "all"}
    # the per-production totals add up to the programs' surprise (each rounded to 0.1)
    total = sum(r["total_guided_nats"] for r in rows.values())
    found = sum(t["guided_nats"] for t in result["per_task"])
    assert math.isclose(total, found, abs_tol=0.05 * len(rows) + 1e-9)
    # a constant's nats are the mass on its hole's constants plus the choice among them
    every = result["constants"]["all"]
    assert every["choices"] == 2
    assert math.isclose(
        every["mass_nats"] + every["choice_nats"], rows["const"]["guided_nats"], abs_tol=0.002
    )
    assert every["mass_nats"] > 0 and every["choice_nats"] > 0
    # ten examples of adding 3 and of modulo 4 allow no other constant in either place
    assert every["consistent"] == 1 and every["determined"] == 1 and every["examples_nats"] == 0


def test_constants_the_examples_allow_are_counted(load_script: Callable[[str], ModuleType]) -> None:
    script = load_script("policy_surprise")
    # on lists of small ints, `x % k` for k of 3 to 5 leaves the same outputs: 3 allowed
    small = synth.Spec("(list[int]) -> list[int]", [(([0, 1, 2],), [0, 1, 2]), (([2],), [2])])
    grammar = synth.SearchSpace().grammar(dsl.DREAMCODER, small)
    (program,) = dsl.parse("def f(xs: list[int]) -> list[int] = map(xs, fn x => x % 4)").definitions
    derivation = grammar.derive(program)
    index = next(i for i, s in enumerate(derivation) if s.production.kind == "const")
    assert script.consistent(derivation, index, small) == 3
    # a program the examples do not fit allows none of its own constants
    wrong = synth.Spec("(list[int]) -> list[int]", [(([7],), [100])])
    again = synth.SearchSpace().grammar(dsl.DREAMCODER, wrong).derive(program)
    assert script.consistent(again, index, wrong) == 0


def test_sampled_programs_are_scored_too(
    tmp_path: Path, load_script: Callable[[str], ModuleType]
) -> None:
    results = tmp_path / "found.json"
    records = [_record("add-k with k=3", "map(xs, fn x => x + 3)")]
    results.write_text(json.dumps({"runs": {"all10": {"given": 10, "records": records}}}))
    out = tmp_path / "surprise.json"
    argv = ["--results", str(results), "--out", str(out), "--sampled", "30", "--seed", "3"]
    result = load_script("policy_surprise").main(argv)
    sampled = result["sampled"]
    assert (sampled["n"], sampled["seed"]) == (30, 3)
    assert sampled["tasks"] + sampled["underivable"] == 30
    assert all(t["programs"] is None for t in sampled["per_task"])
    every = sampled["constants"]["all"]
    assert 1 <= every["consistent"] <= 6 and 0 <= every["determined"] <= 1
