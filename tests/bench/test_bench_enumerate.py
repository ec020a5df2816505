"""bench/enumerate.py runs both enumerators and writes its JSON.

No timing is asserted: only the shape of the result and that the counts are positive. The
script runs with ``--quick`` and a hidden ``--seconds`` so that it takes a few seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tasks._basic import BASIC

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "enumerate.py"
ENUMERATORS = ("bottom_up", "heap")
SIGNATURES = {"(list[int]) -> list[int]", "(list[int]) -> int"}

TOP_KEYS = {
    "benchmark",
    "python",
    "machine",
    "cpu_count",
    "load_average_before",
    "load_average_after",
    "throughput_budget_seconds",
    "task_budget_seconds",
    "grammar",
    "enumerators",
    "deepsynth2_reference",
    "targets",
    "pinned_core",
    "quick",
}
THROUGHPUT_KEYS = {
    "signature",
    "enumerator",
    "examples",
    "seconds",
    "solved",
    "stop_reason",
    "candidates",
    "programs_explored",
    "candidates_per_second",
    "programs_explored_per_second",
    "grammar_seconds",
    "setup_seconds",
    "candidates_per_second_excluding_grammar",
    "programs_explored_per_second_excluding_grammar",
    "stats",
}
TASK_KEYS = {
    "name",
    "enumerator",
    "solved",
    "seconds",
    "programs_explored",
    "candidates",
    "program",
    "stop_reason",
}
SUMMARY_KEYS = {"tasks", "solved", "unsolved", "total_seconds", "max_seconds"}


@pytest.fixture(scope="module")
def bench(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("enumerate")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "sub" / "enumerate.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--seconds", "0.3", "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    printed = json.loads(proc.stdout)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert printed == written
    return written


def test_top_level(result: dict[str, Any]) -> None:
    assert result.keys() >= TOP_KEYS
    assert result["benchmark"] == "enumerate"
    assert result["quick"] is True
    assert result["throughput_budget_seconds"] == 0.3
    assert result["task_budget_seconds"] == 0.3
    assert result["deepsynth2_reference"] == {
        "enumeration_without_evaluation": 360_000,
        "with_evaluation_first_failing_example": 100_000,
        "classic_heap_search": 37_000,
    }
    assert result["targets"] == {
        "bottom_up_with_evaluation": 300_000,
        "heap_with_evaluation": 100_000,
    }
    assert set(result["grammar"]) == SIGNATURES
    for g in result["grammar"].values():
        assert g["nonterminals"] > 0
        assert g["grammar_seconds"] > 0
        assert set(g["setup_seconds"]) == set(ENUMERATORS)
        assert all(s >= g["grammar_seconds"] for s in g["setup_seconds"].values())
    assert set(result["enumerators"]) == set(ENUMERATORS)


@pytest.mark.parametrize("enumerator", ENUMERATORS)
def test_throughput(result: dict[str, Any], enumerator: str) -> None:
    runs = result["enumerators"][enumerator]["throughput"]
    assert {r["signature"] for r in runs} == SIGNATURES
    for r in runs:
        assert r.keys() >= THROUGHPUT_KEYS
        assert r["enumerator"] == enumerator
        assert r["examples"] == 5
        assert not r["solved"]
        assert r["stop_reason"] == "time"
        assert r["seconds"] > 0
        assert r["candidates"] > 0
        assert r["programs_explored"] > 0
        assert r["candidates"] >= r["programs_explored"]
        if enumerator == "heap":
            assert r["candidates"] == r["programs_explored"]
            assert r["stats"]["heap_pushes"] > 0
            assert r["loops_and_the_rest"] == {}
        else:
            assert r["stats"]["kept"] > 0
            split = r["loops_and_the_rest"]
            by_production = r["stats"]["by_production"]
            assert split["loops"]["candidates"] + split["rest"]["candidates"] == sum(
                row["candidates"] for row in by_production.values()
            )
            assert split["loops"]["share_of_seconds"] + split["rest"]["share_of_seconds"] == (
                pytest.approx(1.0)
            )
        for key in THROUGHPUT_KEYS:
            if key.endswith("per_second") or key.endswith("excluding_grammar"):
                assert r[key] > 0, key
        assert r["candidates_per_second_excluding_grammar"] >= r["candidates_per_second"]


@pytest.mark.parametrize("enumerator", ENUMERATORS)
def test_tasks(result: dict[str, Any], enumerator: str) -> None:
    section = result["enumerators"][enumerator]
    runs = section["tasks"]
    assert [r["name"] for r in runs] == [t.name for t in BASIC[:8]]
    for r in runs:
        assert r.keys() >= TASK_KEYS
        assert r["enumerator"] == enumerator
        assert r["seconds"] > 0
        assert r["candidates"] >= r["programs_explored"] >= 0
        assert (r["program"] is not None) == r["solved"]
        if r["solved"]:
            assert r["programs_explored"] > 0
            assert r["stop_reason"] == "solved"
    summary = section["summary"]
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["tasks"] == len(runs)
    assert summary["solved"] == sum(r["solved"] for r in runs)
    assert summary["unsolved"] == [r["name"] for r in runs if not r["solved"]]
    assert summary["max_seconds"] <= summary["total_seconds"]


def test_unsolvable_spec(bench: ModuleType) -> None:
    for sig in SIGNATURES:
        spec = bench.unsolvable_spec(sig)
        assert len(spec.examples) == 5
        assert all(3 <= len(e.args[0]) <= 8 for e in spec.examples)
        assert bench.unsolvable_spec(sig) == spec  # seeded
