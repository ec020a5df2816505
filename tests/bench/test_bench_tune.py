"""bench/tune_baselines.py fits each config of its grid on each task and writes its JSON.

No accuracy is asserted, only the shape of the result, that the figures are in range, and
that ``best`` follows from the rows. The script runs with ``--quick`` (tiny fits).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "tune_baselines.py"


def test_quick_run_writes_one_row_per_task_and_config(tmp_path: Path) -> None:
    out = tmp_path / "tune.json"
    cmd = [sys.executable, str(SCRIPT), "--quick", "--tasks", "sorting/minimum,abstraction/reverse"]
    cmd += ["--grid", "default,wide", "--jobs", "2", "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, cwd=tmp_path, timeout=300)
    result = json.loads(out.read_text())
    assert result["benchmark"] == "tune_mlp"
    rows = result["rows"]
    assert sorted((r["task"], r["config"]) for r in rows) == [
        ("abstraction/reverse", "default"),
        ("abstraction/reverse", "wide"),
        ("sorting/minimum", "default"),
        ("sorting/minimum", "wide"),
    ]
    for r in rows:
        assert set(r["accuracy"]) == {"train", "longer", "larger", "both"}
        assert all(0.0 <= v <= 1.0 for v in r["accuracy"].values())
        assert r["fit_seconds"] > 0 and r["parameters"] > 0
    for task, best in result["best"].items():
        reached = [
            r for r in rows if r["task"] == task and r["accuracy"]["train"] >= result["threshold"]
        ]
        assert (best is None) == (not reached)


def test_best_is_the_cheapest_config_that_reaches_the_threshold(
    load_script: Callable[[str], ModuleType],
) -> None:
    tune = load_script("tune_baselines")

    def row(config: str, train: float, seconds: float) -> dict[str, object]:
        return {"task": "t", "config": config, "accuracy": {"train": train}, "fit_seconds": seconds}

    rows = [row("big", 0.99, 30.0), row("small", 0.96, 5.0), row("tiny", 0.5, 1.0)]
    assert tune._best(rows, "t") == "small"
    assert tune._best([row("tiny", 0.5, 1.0)], "t") is None
    assert tune._best(rows, "other") is None


def test_unknown_grid_or_task_is_a_usage_error() -> None:
    for bad in (["--grid", "nope"], ["--tasks", "no_such_task"]):
        done = subprocess.run(
            [sys.executable, str(SCRIPT), *bad], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2
        assert "--grid" in done.stderr or "--tasks" in done.stderr
