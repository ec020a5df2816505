"""bench/interpreter.py runs, counts nodes as its docstring says, and writes its JSON.

No timing is asserted: only the shape of the result and the node counts.
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

import dsl

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "interpreter.py"

TOP_KEYS = {
    "benchmark",
    "python",
    "machine",
    "cpu_count",
    "programs",
    "total_nodes_per_second",
    "target_nodes_per_second",
}
PROGRAM_KEYS = {"name", "input_len", "nodes_per_run", "seconds_per_run", "nodes_per_second"}


@pytest.fixture(scope="module")
def bench(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("interpreter")


@pytest.fixture(scope="module")
def result(bench: ModuleType) -> dict[str, Any]:
    return bench.run_benchmark(repeats=1, min_time=0.0)


def _check_shape(result: dict[str, Any]) -> None:
    assert result.keys() >= TOP_KEYS
    assert result["benchmark"] == "interpreter"
    assert result["target_nodes_per_second"] == 2_000_000
    assert result["total_nodes_per_second"] > 0
    assert result["programs"]
    for p in result["programs"]:
        assert p.keys() >= PROGRAM_KEYS
        assert isinstance(p["nodes_per_run"], int)
        assert p["nodes_per_run"] > 0
        assert p["seconds_per_run"] > 0
        assert p["nodes_per_second"] > 0


def test_result_shape(bench: ModuleType, result: dict[str, Any]) -> None:
    _check_shape(result)
    names = {p["name"] for p in result["programs"]}
    assert names == {name for name, *_ in bench.PROGRAMS}
    assert {p["input_len"] for p in result["programs"]} == {10, 50, 200}
    assert len(result["programs"]) == len(bench.PROGRAMS) * 3


def test_longer_inputs_count_more_nodes(result: dict[str, Any]) -> None:
    by_name: dict[str, dict[int, int]] = {}
    for p in result["programs"]:
        by_name.setdefault(p["name"], {})[p["input_len"]] = p["nodes_per_run"]
    for name, counts in by_name.items():
        assert counts[10] < counts[50] < counts[200], name
    sort = by_name["insertion_sort"]
    assert sort[200] > 10 * sort[50]  # quadratic


def test_known_counts(result: dict[str, Any]) -> None:
    counts = {(p["name"], p["input_len"]): p["nodes_per_run"] for p in result["programs"]}
    # fold(xs, 0, fn (x, acc) => x + acc): 4 nodes, then 3 per element
    assert counts["sum_fold", 10] == 4 + 3 * 10
    assert counts["sum_fold", 200] == 4 + 3 * 200
    # loop(10 * length(xs), 0, fn (i, acc) => if i % 3 == 0 then acc + 1 else acc):
    # 7 nodes, then 6 + 3 on the 34 multiples of 3 below 100 and 6 + 1 on the other 66
    assert counts["count_loop", 10] == 7 + 34 * 9 + 66 * 7


def _count(bench: ModuleType, source: str, *args: Any) -> tuple[Any, int]:
    module = dsl.parse(source)
    value, nodes = bench.count_nodes(
        module[module.names[-1]], args, module=module, library=dsl.CORE
    )
    assert value == dsl.compile_definition(module[module.names[-1]]).run(args)
    return value, nodes


@pytest.mark.parametrize(
    ("source", "args", "nodes"),
    [
        ("def f(x: int) -> int = 7", (1,), 1),
        ("def f(x: int) -> list[int] = [x, x, 3]", (1,), 4),
        ("def f(x: int) -> int = let y = x + 1 in y * y", (1,), 7),
        # if: the condition and the taken branch only
        ("def f(x: int) -> int = if x > 0 then x + 1 else 0", (5,), 7),
        ("def f(x: int) -> int = if x > 0 then x + 1 else 0", (-5,), 5),
        # and / or short-circuit
        ("def f(x: int) -> bool = x > 0 and x < 10", (-5,), 4),
        ("def f(x: int) -> bool = x > 0 and x < 10", (5,), 7),
        ("def f(x: int) -> bool = x > 0 or x < 10", (5,), 4),
        ("def f(x: int) -> bool = x > 0 or x < 10", (-5,), 7),
        # a lambda: one node for it, its body on each application
        ("def f(xs: list[int]) -> list[int] = map(xs, fn x => x + 1)", ((1, 2, 3),), 3 + 3 * 3),
        # a definition call: the call, its arguments, and the callee's body
        ("def g(x: int) -> int = x * 2\ndef f(x: int) -> int = g(x + 1)", (1,), 4 + 3),
        # a function-valued variable, applied
        (
            "def ap(f: (int) -> int, x: int) -> int = f(x)\n"
            "def f(x: int) -> int = ap(fn y => y + 1, x)",
            (1,),
            3 + 2 + 3,
        ),
    ],
)
def test_count_nodes(bench: ModuleType, source: str, args: tuple[Any, ...], nodes: int) -> None:
    assert _count(bench, source, *args)[1] == nodes


def test_script_quick(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "interpreter.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    printed = json.loads(proc.stdout)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert printed == written
    _check_shape(written)
    assert written["quick"] is True
