"""bench/dreamcoder.py runs abstrax on DreamCoder's list tasks and writes its JSON and log.

No timing is asserted: the script runs with ``--quick`` (five tasks, 0.5 s searches) on two
workers, and the tests check the result's shape and that its figures agree with each other
and with the tasks: every program reported as solving a task is run again on the examples
it was given.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import dsl
import tasks

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "dreamcoder.py"
QUICK = ["len", "add-k with k=2", "sum", "is-primes", "sort"]
TASK_RUNS = ("generalise", "all", "all10")
LIBRARIES = {"core": dsl.CORE, "extended": dsl.EXTENDED, "dreamcoder": dsl.DREAMCODER}

TOP_KEYS = {
    "benchmark",
    "argv",
    "settings",
    "library",
    "config",
    "machine",
    "git",
    "estimated_seconds",
    "wall_seconds",
    "runs",
    "peers",
}
RECORD_KEYS = {
    "run",
    "library",
    "name",
    "signature",
    "given",
    "held_out",
    "solved",
    "generalises",
    "seconds",
    "budget",
    "overrun",
    "programs",
    "candidates",
    "stop_reason",
    "program",
}
TOTALS_KEYS = {
    "tasks",
    "solved",
    "generalised",
    "median_seconds_solved",
    "worst_overrun_seconds",
    "worst_overrun_fraction",
    "wall_seconds",
    "ran",
    "resumed",
}


def run_script(*args: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        pytest.fail(f"bench/dreamcoder.py {args} exited {proc.returncode}:\n{proc.stderr}")


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "sub" / "dreamcoder.json"
    run_script("--quick", "--jobs", "2", "--out", str(path))
    return path


@pytest.fixture(scope="module")
def result(out: Path) -> dict[str, Any]:
    return read(out)


@pytest.fixture(scope="module")
def bench(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("dreamcoder")


def test_top_level(result: dict[str, Any], out: Path) -> None:
    assert result.keys() >= TOP_KEYS
    assert result["benchmark"] == "dreamcoder"
    assert result["library"] == "dreamcoder"
    assert result["settings"]["quick"] is True
    assert result["settings"]["jobs"] == 2
    assert set(result["runs"]) == {*TASK_RUNS, "throughput"}
    assert result["config"]["enumerator"]["name"] == "bottom_up"
    machine = result["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["python"]
    assert machine["platform"]
    git = result["git"]
    assert git["commit"] is None or len(git["commit"]) == 40
    assert git["dirty"] in (True, False, None)
    peers = result["peers"]
    assert peers["deepsynth2"]["generalise"]["generalised"] == 37
    assert peers["deepsynth2"]["all"]["solved"] == 157
    assert peers["abstrax_before"]["generalise"]["generalised"] == 41
    assert peers["abstrax_before"]["all"]["solved"] == 149
    assert peers["abstrax_before"]["throughput_candidates_per_second"] == {
        "extended": 14_000,
        "core": 120_000,
    }
    assert not out.with_name(out.name + ".tmp").exists()


@pytest.mark.parametrize("run", TASK_RUNS)
def test_task_run(result: dict[str, Any], run: str) -> None:
    section = result["runs"][run]
    records = section["records"]
    assert [r["name"] for r in records] == QUICK
    given = 15 if run == "all" else 10
    assert section["given"] == given
    for r in records:
        assert r.keys() >= RECORD_KEYS
        assert "error" not in r
        assert (r["run"], r["library"], r["given"], r["budget"]) == (run, "dreamcoder", given, 0.5)
        assert r["held_out"] == 15 - given
        assert r["seconds"] > 0
        assert r["overrun"] == pytest.approx(r["seconds"] / r["budget"] - 1)
        assert r["candidates"] >= r["programs"] >= 0
        assert (r["program"] is not None) == r["solved"]
        assert (r["stop_reason"] == "solved") == r["solved"]
        if run == "all":
            assert r["generalises"] is None
        else:
            assert r["generalises"] in (True, False)
            assert not r["generalises"] or r["solved"]
    t = section["totals"]
    assert t.keys() >= TOTALS_KEYS
    assert t["tasks"] == len(records) == t["ran"] + t["resumed"]
    assert t["ran"] == len(records)
    assert t["solved"] == sum(r["solved"] for r in records)
    assert t["unsolved"] == [r["name"] for r in records if not r["solved"]]
    if run == "all":
        assert t["generalised"] is None
    else:
        assert t["generalised"] == sum(r["generalises"] for r in records) <= t["solved"]
    solved_seconds = [r["seconds"] for r in records if r["solved"]]
    assert t["median_seconds_solved"] == pytest.approx(statistics.median(solved_seconds))
    assert t["worst_overrun_seconds"] == pytest.approx(
        max(r["seconds"] - r["budget"] for r in records)
    )
    assert t["worst_overrun_fraction"] == pytest.approx(max(r["overrun"] for r in records))
    assert t["search_seconds"] == pytest.approx(sum(r["seconds"] for r in records))
    assert t["solved"] >= 3  # len, add-k and sum are found in well under 0.5 s


@pytest.mark.parametrize("run", TASK_RUNS)
def test_programs_fit(result: dict[str, Any], run: str) -> None:
    """Each program reported fits the examples it was given, and fits the held-out ones
    exactly when it is reported to generalise."""
    suite = {t.name: t for t in tasks.load_dreamcoder()}
    for r in result["runs"][run]["records"]:
        if not r["solved"]:
            continue
        module = dsl.parse(r["program"])
        program = dsl.compile_definition(module["f"], library=LIBRARIES[r["library"]])
        task = suite[r["name"]]

        def fits(examples: tuple[Any, ...], run: Any = program.run) -> bool:
            try:
                return all(run(e.args) == e.output for e in examples)
            except dsl.EvalError:
                return False

        assert fits(task.spec(r["given"]).examples), r["name"]
        if r["held_out"]:
            assert fits(task.held_out(r["given"])) == r["generalises"], r["name"]


def test_throughput(result: dict[str, Any]) -> None:
    section = result["runs"]["throughput"]
    assert section["examples"] == 15
    assert section["budget"] == 0.5
    assert set(section["libraries"]) == set(LIBRARIES)
    for lib, r in section["libraries"].items():
        assert r["library"] == lib
        assert not r["solved"]
        assert r["stop_reason"] == "time"
        # Rates are not asserted positive: on a loaded machine the half-second budget can
        # end before the first row of candidates (speed is the benchmark's to measure).
        assert r["candidates_per_second"] >= 0
        assert r["programs_per_second"] >= 0
        assert r["candidates_per_second"] == pytest.approx(r["candidates"] / r["seconds"])
        assert r["programs_per_second"] == pytest.approx(r["programs"] / r["seconds"])
        top = r["top_productions"]
        seconds = [p["seconds"] for p in top]
        assert seconds == sorted(seconds, reverse=True)
        assert all(0 < p["share_of_seconds"] <= 1 for p in top)


def test_log(out: Path) -> None:
    lines = out.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()
    keys = [(r["run"], r["library"], r["name"]) for r in map(json.loads, lines)]
    assert len(keys) == len(set(keys)) == 3 * len(QUICK) + 3


def test_resume_runs_nothing_again(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "dreamcoder.json"
    shutil.copy(out.with_suffix(".jsonl"), again.with_suffix(".jsonl"))
    log_before = again.with_suffix(".jsonl").read_text(encoding="utf-8")
    run_script("--quick", "--jobs", "2", "--resume", "--out", str(again))
    resumed, first = read(again), read(out)
    assert again.with_suffix(".jsonl").read_text(encoding="utf-8") == log_before
    for run in TASK_RUNS:
        assert resumed["runs"][run]["totals"]["ran"] == 0
        assert resumed["runs"][run]["totals"]["resumed"] == len(QUICK)
        assert resumed["runs"][run]["records"] == first["runs"][run]["records"]
        for key in ("tasks", "solved", "generalised", "median_seconds_solved"):
            assert resumed["runs"][run]["totals"][key] == first["runs"][run]["totals"][key]
    assert resumed["runs"]["throughput"]["ran"] == 0


def test_resume_reruns_other_budgets(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "dreamcoder.json"
    shutil.copy(out.with_suffix(".jsonl"), again.with_suffix(".jsonl"))
    args = ["--runs", "generalise", "--tasks", "len", "sum", "--resume", "--out", str(again)]
    run_script(*args, "--seconds", "0.5")
    assert read(again)["runs"]["generalise"]["totals"]["ran"] == 0
    run_script(*args, "--seconds", "0.4")
    section = read(again)["runs"]["generalise"]
    assert section["totals"]["ran"] == 2
    assert [r["budget"] for r in section["records"]] == [0.4, 0.4]


def test_unsolvable_spec(bench: ModuleType) -> None:
    spec = bench.unsolvable_spec()
    sort = next(t for t in tasks.load_dreamcoder() if t.name == "sort")
    assert len(spec.examples) == 15
    assert [e.args for e in spec.examples] == [e.args for e in sort.examples]
    outputs = [e.output for e in sort.examples]
    assert [e.output for e in spec.examples] == outputs[1:] + outputs[:1]


def test_bad_arguments() -> None:
    for args in (["--runs", "nope"], ["--given", "15"], ["--tasks", "no such task"]):
        proc = subprocess.run(
            [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 2, args
        assert "error" in proc.stderr
