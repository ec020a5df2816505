"""bench/policy_oracle.py reruns guided search with an oracle's int constants.

The oracle's targets come from a found program's derivation; its guide moves, per
context, the policy's mass on the int constants to the right ones; the script reruns the
searches and compares them with unguided search.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import dsl
import neural
import synth
import tasks

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "policy_oracle.py"


def _spec(name: str) -> synth.Spec:
    return next(t for t in tasks.load_dreamcoder() if t.name == name).spec(10)


def _derive(spec: synth.Spec, body: str) -> synth.Derivation:
    grammar = synth.SearchSpace().grammar(dsl.DREAMCODER, spec)
    (program,) = dsl.parse(f"def f(xs: list[int]) -> list[int] = {body}").definitions
    return grammar.derive(program)


def test_targets_are_the_contexts_of_the_programs_int_constants(
    load_script: Callable[[str], ModuleType],
) -> None:
    script = load_script("policy_oracle")
    spec = _spec("add-k with k=3")
    derivation = _derive(spec, "map(xs, fn x => x + 3)")
    for oracle in ("none", "allowed", "chosen"):
        assert script.targets(derivation, spec, oracle) == {("add", 1): frozenset({"3"})}
    # on lists of small ints, `x % k` for k of 3 to 5 fits alike: the oracle allows all three
    small = synth.Spec("(list[int]) -> list[int]", [(([0, 1, 2],), [0, 1, 2]), (([2],), [2])])
    derivation = _derive(small, "map(xs, fn x => x % 4)")
    assert script.targets(derivation, small, "allowed") == {("mod", 1): frozenset("345")}
    assert script.targets(derivation, small, "chosen") == {("mod", 1): frozenset({"4"})}
    # `[]` is a constant but not an int one
    assert script.targets(_derive(spec, "cons(1, [])"), spec, "chosen") == {
        ("cons", 0): frozenset({"1"})
    }


def test_the_oracle_moves_only_the_int_constants_mass_in_its_contexts(
    load_script: Callable[[str], ModuleType],
) -> None:
    script = load_script("policy_oracle")
    spec = _spec("add-k with k=3")
    grammar = synth.SearchSpace().grammar(dsl.DREAMCODER, spec)
    guide = neural.load_policy(library=dsl.DREAMCODER)
    before = guide.weights(spec, grammar)
    after = script.OracleGuide(guide, {("add", 1): frozenset({"2", "3"})}).weights(spec, grammar)
    changed = 0
    for nt, rules in grammar.rules.items():
        old, new = before.logprobs[nt], after.logprobs[nt]
        if nt.context != ("add", 1):
            assert new == old
            continue
        changed += 1
        ints = [i for i, r in enumerate(rules) if r.production.kind == "const"]
        mass = math.fsum(math.exp(old[i]) for i in ints)
        for i, rule in enumerate(rules):
            if i not in ints:
                assert new[i] == old[i]
            elif rule.production.name in ("2", "3"):
                assert math.isclose(math.exp(new[i]), mass / 2)
            else:
                assert new[i] == -math.inf
        assert math.isclose(math.fsum(math.exp(lp) for lp in new), 1.0)
    assert changed >= 2  # every depth of the context, as the policy's output is


def test_the_oracle_reaches_the_search(tmp_path: Path) -> None:
    # a task whose constant the shipped policy does not yet put first (with k=3 it does)
    name = "add-k with k=5"
    found = {"name": name, "solved": True, "programs": 1, "policy": "default", "program": None}
    found["program"] = "def f(xs: list[int]) -> list[int] =\n  map(xs, fn x => x + 5)"
    results, unguided = tmp_path / "guided.json", tmp_path / "unguided.json"
    run = {"library": "dreamcoder", "given": 10, "budget": 10.0, "records": [found]}
    results.write_text(json.dumps({"runs": {"all10": run}}))
    other = {"name": name, "solved": True, "programs": 5000}
    unguided.write_text(json.dumps({"runs": {"all10": {"records": [other]}}}))
    out = tmp_path / "oracle.json"
    argv = ["--results", str(results), "--compare", str(unguided), "--out", str(out)]
    # run as a script: its searches run in worker processes that import it by its path
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *argv, "--oracles", "none,chosen"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert json.loads(proc.stdout)["oracles"] == result["oracles"]
    none, chosen = result["oracles"]["none"], result["oracles"]["chosen"]
    assert none["solved"] == chosen["solved"] == 1 and none["with_int_constants"] == 1
    assert none["underivable"] == none["errors"] == 0 and result["policy"] == "default"
    # the right constant made likelier is reached sooner, and the ratio says so
    assert chosen["median_programs"] < none["median_programs"]
    assert chosen["ratio"] == 5000 / chosen["median_programs"]
    programs = {r["oracle"]: r["program"] for r in result["records"]}
    assert programs["chosen"] is not None and "5" in programs["chosen"]


def test_medians_are_over_the_tasks_both_searches_solve(
    load_script: Callable[[str], ModuleType],
) -> None:
    script = load_script("policy_oracle")

    def record(name: str, solved: bool, programs: int) -> dict[str, object]:
        return {
            "name": name,
            "solved": solved,
            "programs": programs,
            "contexts": 1,
            "derivable": True,
            "generalises": solved,
        }

    mine = [
        record("a", True, 10),
        record("b", True, 30),
        record("c", False, 0),
        record("d", True, 4),
    ]
    unguided = {
        "a": {"solved": True, "programs": 100},
        "b": {"solved": True, "programs": 90},
        "c": {"solved": True, "programs": 5},
        "d": {"solved": False, "programs": 0},
    }
    got = script.summarise(mine, unguided)
    # c (this search failed) and d (unguided failed) are out: a and b remain
    assert got["both_solved"] == 2 and got["solved"] == 3
    assert got["median_programs"] == 20 and got["median_programs_unguided"] == 95
    assert got["ratio"] == 95 / 20 and got["median_per_task_ratio"] == (10 + 3) / 2
    paired = script.summarise(mine, unguided, over={"b"})
    assert paired["both_solved"] == 1 and paired["median_programs"] == 30


def test_bad_arguments_are_refused_before_any_search(
    tmp_path: Path, load_script: Callable[[str], ModuleType]
) -> None:
    script = load_script("policy_oracle")
    for argv in (
        ["--oracles", "none,best"],
        ["--jobs", "0"],
        ["--seconds", "0"],
        ["--tasks", "no such task"],
        ["--results", str(tmp_path / "missing.json")],
    ):
        with pytest.raises(SystemExit) as exc:
            script.main([*argv, "--out", str(tmp_path / "out.json")])
        assert exc.value.code == 2, argv
    assert not (tmp_path / "out.json").exists()
