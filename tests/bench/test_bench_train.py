"""bench/train.py trains both baselines and writes its JSON.

No timing or accuracy is asserted: only the shape of the result and that the figures are
in range. The script runs with ``--quick`` (two tasks, tiny networks, small data).
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

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "train.py"
KINDS = ("mlp", "transformer")
SPLITS = ("train", "longer", "larger", "both")

TOP_KEYS = {
    "benchmark",
    "python",
    "jax",
    "xla_flags",
    "machine",
    "cpu_count",
    "load_average_before",
    "load_average_after",
    "wall_seconds",
    "cold_fits",
    "n_train",
    "n_test",
    "splits",
    "configs",
    "throughput",
    "tasks",
    "summary",
    "runner",
    "pinned_core",
    "quick",
}
THROUGHPUT_KEYS = {
    "task",
    "steps",
    "batch_size",
    "examples_per_second",
    "seconds_per_step",
    "compile_seconds",
    "fit_seconds",
    "num_params",
}
FIT_KEYS = {
    "fit_seconds",
    "compile_seconds",
    "examples_per_second",
    "final_loss",
    "num_params",
    "accuracy",
    "predict_seconds",
}
SUMMARY_KEYS = {
    "tasks",
    "train_at_least_95",
    "below_95_on_train",
    "mean_accuracy",
    "mean_fit_seconds",
    "max_fit_seconds",
}


@pytest.fixture(scope="module")
def bench(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("train")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "sub" / "train.json"
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
    return written


def test_top_level(result: dict[str, Any]) -> None:
    assert result.keys() >= TOP_KEYS
    assert result["benchmark"] == "train"
    assert result["quick"] is True
    assert result["cold_fits"] is False
    assert list(result["splits"]) == list(SPLITS)
    assert result["splits"]["train"] == {"lengths": [1, 5], "values": [0, 9]}
    assert set(result["configs"]) == set(KINDS)
    for kind, config in result["configs"].items():
        assert config["kind"] == kind
    runner = result["runner"]
    assert runner["returncode"] == 0, runner["stderr_tail"]
    assert runner["results"] == 2
    assert runner["solved_by_search"] == 2
    assert runner["wall_seconds"] > 0
    assert set(runner["per_method"]) == {"search"}


@pytest.mark.parametrize("kind", KINDS)
def test_throughput(result: dict[str, Any], kind: str) -> None:
    row = result["throughput"][kind]
    assert row.keys() >= THROUGHPUT_KEYS
    assert row["examples_per_second"] > 0
    assert row["fit_seconds"] >= row["compile_seconds"] > 0
    assert row["num_params"] > 0


def test_tuning_table(result: dict[str, Any]) -> None:
    rows = result["tasks"]
    assert [r["name"] for r in rows] == ["reverse", "sum"]
    for row in rows:
        assert row["max_len"] >= 10  # the longer split's lists
        assert set(row["majority"]) == set(SPLITS)
        for kind in KINDS:
            fitted = row[kind]
            assert fitted.keys() >= FIT_KEYS
            assert set(fitted["accuracy"]) == set(SPLITS)
            assert all(0.0 <= a <= 1.0 for a in fitted["accuracy"].values())
            assert all(s > 0 for s in fitted["predict_seconds"].values())
            assert fitted["fit_seconds"] > 0
            assert fitted["examples_per_second"] > 0


@pytest.mark.parametrize("kind", KINDS)
def test_summary(result: dict[str, Any], kind: str) -> None:
    summary = result["summary"][kind]
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["tasks"] == 2
    assert summary["train_at_least_95"] + len(summary["below_95_on_train"]) == 2
    assert summary["max_fit_seconds"] >= summary["mean_fit_seconds"] > 0


def test_reference_tasks(bench: ModuleType) -> None:
    by_name = {t.name: t for t in bench.TASKS}
    assert len(by_name) == 17
    inputs, outputs = by_name["interleave"].data("train", 20, stream="test")
    for (xs, ys), out in zip(inputs, outputs, strict=True):
        assert 1 <= len(xs) <= 5
        assert sorted(out) == sorted(xs + ys)
    inputs, outputs = by_name["repeat"].data("longer", 20, stream="test")
    pairs = zip(inputs, outputs, strict=True)
    assert all(10 <= n <= 50 and out == [x] * n for (x, n), out in pairs)
    inputs, _ = by_name["dedupe_sorted"].data("larger", 20, stream="test")
    assert all(xs == sorted(xs) for (xs,) in inputs)
    # Seeded: the same inputs every time.
    assert by_name["sum"].data("both", 5, stream="x") == by_name["sum"].data("both", 5, stream="x")


def test_policy_section(result: dict[str, Any]) -> None:
    policy = result["policy"]
    assert policy["dataset"]["samples"] == 100
    assert policy["dataset"]["samples_per_second"] > 0
    assert set(policy["dataset"]["dropped"]) == {"too_long", "errors", "constant", "duplicate"}
    assert policy["training"]["examples_per_second"] > 0
    assert policy["training"]["batch_size"] == 64
    inference = policy["inference"]
    assert inference["specs"] == 20
    assert 0 < inference["median_ms"] <= inference["p95_ms"] <= inference["max_ms"]
