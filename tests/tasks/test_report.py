"""Reports of a suite run: the confidence interval obeys its laws, the tables and summary
show what the records say (a crash counts as wrong), and the files written are real."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from tasks._report import (
    format_mean,
    frame,
    markdown,
    mean_ci,
    method_means,
    not_general,
    rich_table,
    rows,
    split_names,
    unsolved,
    write_reports,
)

matplotlib.use("Agg")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=1, max_size=40)


@dataclass(frozen=True)
class _Corrupt:
    """Stands in for ``tasks._runner.Corrupt``: the report reads only ``line`` and ``reason``."""

    line: int
    reason: str


def _record(
    task: str = "t",
    method: str = "search",
    seed: int = 0,
    *,
    solved: bool | None = True,
    accuracy: dict[str, float] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "suite": "s",
        "task": task,
        "method": method,
        "seed": seed,
        "solved": solved,
        "program": f"def {task}(xs: list[int]) -> list[int] = xs",
        "accuracy": {"train": 1.0, "longer": 0.5} if accuracy is None else accuracy,
        "curves": {"length": {"5": 1.0, "10": 0.5}, "values": {"10": 1.0}},
        "error": None,
        "seconds": 1.0,
        "programs_explored": 10,
    }
    record.update(changes)
    return record


def _run() -> list[dict[str, Any]]:
    """Two tasks, a search and a network, two seeds."""
    return [
        _record("a", seed=0, accuracy={"train": 1.0, "longer": 1.0}),
        _record("a", seed=1, accuracy={"train": 0.5, "longer": 0.0}, solved=False),
        _record("b", seed=0, accuracy={"train": 0.0, "longer": 0.0}, solved=False, program=None),
        _record("b", seed=1, accuracy={"train": 1.0, "longer": 1.0}),
        _record("a", "mlp", 0, solved=None, program=None, accuracy={"train": 0.5, "longer": 0.25}),
        _record("a", "mlp", 1, solved=None, program=None, accuracy={"train": 0.5, "longer": 0.25}),
    ]


def _section(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


# mean_ci


@given(samples)
def test_mean_lies_between_min_and_max(xs: list[float]) -> None:
    mean, _ = mean_ci(xs)
    slack = 1e-9 * (1 + max(map(abs, xs)))
    assert min(xs) - slack <= mean <= max(xs) + slack


@given(samples)
def test_ci_is_not_negative(xs: list[float]) -> None:
    _, ci = mean_ci(xs)
    assert ci >= 0


@given(finite, st.integers(1, 40))
def test_constant_values_have_no_interval(x: float, n: int) -> None:
    mean, ci = mean_ci([x] * n)
    assert ci == 0
    assert mean == pytest.approx(x, rel=1e-12, abs=1e-12)


@given(samples, st.lists(st.sampled_from([None, math.nan]), max_size=5), st.randoms())
def test_nan_and_none_are_left_out(xs: list[float], missing: list[Any], rng: Any) -> None:
    mixed: list[Any] = list(xs)
    for m in missing:
        mixed.insert(rng.randint(0, len(mixed)), m)
    assert mean_ci(mixed) == mean_ci(xs)


@given(samples, st.floats(-100, 100, allow_nan=False))
def test_scaling_the_values_scales_mean_and_ci(xs: list[float], c: float) -> None:
    mean, ci = mean_ci(xs)
    scaled_mean, scaled_ci = mean_ci([c * x for x in xs])
    tol = 1e-9 * (1 + abs(c) * max(map(abs, xs)))
    assert scaled_mean == pytest.approx(c * mean, rel=1e-9, abs=tol)
    assert scaled_ci == pytest.approx(abs(c) * ci, rel=1e-9, abs=tol)


def test_ci_uses_students_t() -> None:
    # n = 2: t(1) = 12.706; stdev of (0.2, 0.6) is 0.4 / sqrt(2)
    mean, ci = mean_ci([0.2, 0.6])
    assert mean == pytest.approx(0.4)
    assert ci == pytest.approx(12.706 * (0.4 / math.sqrt(2)) / math.sqrt(2))
    assert ci == pytest.approx(12.706 * 0.2)
    # n = 3: t(2) = 4.303
    xs = [0.0, 0.5, 1.0]
    assert mean_ci(xs)[1] == pytest.approx(4.303 * 0.5 / math.sqrt(3))
    # n = 31: t(30) = 2.042; beyond the table, the normal 1.96
    ys = [float(i % 2) for i in range(31)]
    assert mean_ci(ys)[1] == pytest.approx(2.042 * statistics.stdev(ys) / math.sqrt(31))
    zs = [float(i % 3) for i in range(50)]
    assert mean_ci(zs)[1] == pytest.approx(1.96 * statistics.stdev(zs) / math.sqrt(50))


def test_single_and_empty() -> None:
    assert mean_ci([0.25]) == (0.25, 0.0)
    assert mean_ci(iter([0.25])) == (0.25, 0.0)  # any iterable, read once
    for empty in ([], [None], [math.nan, None]):
        mean, ci = mean_ci(empty)
        assert math.isnan(mean)
        assert math.isnan(ci)


# Tables


def test_split_names_default_splits_first_in_their_order_then_the_tasks_own() -> None:
    records = [
        _record(accuracy={"wide": 1.0, "train": 1.0}),
        # keys sorted, as results.jsonl writes them
        _record(accuracy={"both": 1.0, "larger": 1.0, "longer": 0.5, "train": 1.0}),
        _record(accuracy={"extra": 0.0}),
        _record(accuracy={}),
        {"task": "x", "method": "m", "seed": 0, "accuracy": None},
    ]
    assert split_names(records) == ["train", "longer", "larger", "both", "wide", "extra"]
    assert split_names([]) == []


@pytest.mark.parametrize(
    ("mean", "ci", "shown"),
    [
        (0.25, 0.0, "25"),  # one seed, or seeds that agree: no interval
        (0.25, math.nan, "25"),
        (0.25, 0.004, "25 ±<1"),  # too narrow to show, but not nothing
        (0.25, 0.1, "25 ±10"),
        (math.nan, math.nan, "-"),
    ],
)
def test_format_mean(mean: float, ci: float, shown: str) -> None:
    assert format_mean(mean, ci) == shown


def test_not_general_names_solved_tasks_below_100_percent_somewhere() -> None:
    records = [
        # solved, but wrong on larger values with one seed and less so with another
        _record("min", seed=0, accuracy={"train": 1.0, "larger": 0.2}),
        _record("min", seed=1, accuracy={"train": 1.0, "larger": 0.5, "both": 0.0}),
        _record("max", accuracy={"train": 1.0, "larger": 1.0}),  # general
        _record("sort", solved=False, accuracy={"train": 0.0}),  # not solved: not listed
        _record("len", accuracy={"train": 1.0, "larger": None}),  # nothing to score there
        _record("min", method="mlp", accuracy={"train": 0.9}),  # another method
    ]
    assert not_general(records) == [("min", "larger 20%, both 0%")]
    assert not_general(records, "mlp") == [("min", "train 90%")]
    almost = [_record("sum", accuracy={"train": 1.0, "longer": 0.999})]
    assert not_general(almost) == [("sum", "longer 99%")]  # never rounded up to 100
    assert "## Solved by search but not general" in markdown(records)
    assert "- min: larger 20%, both 0%" in markdown(records)
    assert "not general" not in markdown(records[2:4])


def test_rows_one_per_task_and_method_with_mean_and_ci_over_seeds() -> None:
    out = rows(_run())
    assert [(r["task"], r["method"]) for r in out] == [
        ("a", "search"),
        ("a", "mlp"),
        ("b", "search"),
    ]
    a_search, a_mlp, b_search = out
    assert a_search["solved"] == "1/2"
    # (1.0, 0.5): mean 0.75, CI 12.706 * 0.25 = 3.18
    assert a_search["train"] == "75 ±318"
    assert a_search["longer"] == "50 ±635"
    assert a_search["program"] == "def a(xs: list[int]) -> list[int] = xs"
    assert a_search["error"] == ""
    assert a_mlp["solved"] == "-"  # solved means nothing for a network
    assert (a_mlp["train"], a_mlp["longer"]) == ("50", "25")  # equal seeds: no interval
    assert a_mlp["program"] == ""
    assert b_search["program"] == "def b(xs: list[int]) -> list[int] = xs"  # seed 1's


def test_rows_take_the_first_seeds_program_and_error() -> None:
    records = [
        _record(seed=1, program="second", error="boom 1"),
        _record(seed=0, program="first", error="boom 0"),
    ]
    (row,) = rows(records)
    assert (row["program"], row["error"]) == ("first", "boom 0")


def test_a_record_with_an_error_counts_as_wrong_not_missing() -> None:
    records = [
        _record(seed=0, accuracy={"train": 1.0}),
        _record(seed=1, accuracy={}, solved=False, error="Traceback: boom"),
    ]
    (row,) = rows(records)
    assert row["train"] == "50 ±635"
    assert row["error"] == "Traceback: boom"
    # even where the crashed record kept an accuracy
    crashed = [_record(accuracy={"train": 1.0}, error="boom")]
    assert rows(crashed)[0]["train"] == "0"
    assert method_means(crashed)["search"]["train"] == (0.0, 0.0)
    # a split a record does not have is missing, not wrong
    partial = [_record(seed=0, accuracy={"train": 1.0}), _record(seed=1, accuracy={"longer": 0.5})]
    assert rows(partial)[0]["train"] == "100"


def test_method_means_average_tasks_within_a_seed_then_seeds() -> None:
    means = method_means(_run())
    assert list(means) == ["search", "mlp"]
    search = means["search"]
    # seed 0: (1.0 + 0.0) / 2; seed 1: (0.5 + 1.0) / 2
    assert search["train"] == pytest.approx(mean_ci([0.5, 0.75]))
    assert search["longer"] == pytest.approx(mean_ci([0.5, 0.5]))
    assert search["solved"] == pytest.approx(mean_ci([0.5, 0.5]))
    assert means["mlp"]["train"] == (0.5, 0.0)
    assert method_means([]) == {}


def test_method_means_leave_out_solved_that_means_nothing() -> None:
    records = [_record(method="mlp", seed=s, solved=None) for s in range(2)]
    assert rows(records)[0]["solved"] == "-"
    mean, _ = method_means(records)["mlp"]["solved"]
    assert math.isnan(mean)


def test_unsolved_lists_tasks_no_seed_solved() -> None:
    records = [
        *_run(),
        _record("c", seed=0, solved=False),
        _record("c", seed=1, solved=False, error="boom"),
        _record("d", solved=None),
    ]
    assert unsolved(records) == ["c", "d"]  # "b" was solved with seed 1
    assert unsolved(records, method="mlp") == ["a"]
    assert unsolved(records, method="transformer") == []


def test_frame_has_one_row_per_record_and_flat_columns() -> None:
    records = _run()
    df = frame(records)
    assert len(df) == len(records)
    for column in (
        "suite",
        "task",
        "method",
        "seed",
        "solved",
        "program",
        "seconds",
        "programs_explored",
        "error",
        "acc_train",
        "acc_longer",
        "length_5",
        "length_10",
        "values_10",
    ):
        assert column in df.columns, column
    assert list(df["acc_train"]) == [1.0, 0.5, 0.0, 1.0, 0.5, 0.5]
    assert list(df["task"]) == ["a", "a", "b", "b", "a", "a"]
    assert df["length_10"].iloc[0] == 0.5
    sparse = frame([_record(accuracy={"train": 1.0}, curves=None), _record(accuracy={"both": 0.5})])
    assert math.isnan(sparse["acc_both"].iloc[0])
    assert math.isnan(sparse["length_5"].iloc[0])


def test_markdown_summary() -> None:
    records = [
        *_run(),
        _record("c", seed=0, solved=False, program="def f(b: bool) -> bool = b or\nnot b"),
        _record("e", seed=0, solved=False, program=None, error="EvalError: x | y"),
    ]
    text = markdown(
        records,
        skipped=[("a", "transformer", "torch is not installed")],
        corrupt=[_Corrupt(7, "not JSON")],
    )
    assert text.startswith("# abstrax run: s\n")
    by_method = _section(text, "By method")
    assert "| method | solved | train | longer |" in by_method
    assert "| mlp |" in by_method
    assert "## By task" in text
    missing = _section(text, "Not solved by search")
    assert [line for line in missing.splitlines() if line] == ["- c", "- e"]
    assert "torch is not installed" in _section(text, "Skipped")
    assert "- a / transformer: torch is not installed" in text
    assert "- line 7: not JSON" in _section(text, "Unreadable lines of results.jsonl")
    # table cells keep the table's shape
    assert "`def f(b: bool) -> bool = b or not b`" in text
    assert "`error: EvalError: x \\| y`" in text
    by_task = _section(text, "By task")
    header_cells = next(line for line in by_task.splitlines() if line.startswith("| task")).count(
        " | "
    )
    program_row = next(line for line in by_task.splitlines() if "EvalError" in line)
    assert program_row.replace("\\|", "").count(" | ") == header_cells


def test_markdown_when_everything_is_solved_or_nothing_is_searched() -> None:
    solved = [_record("a"), _record("b")]
    text = markdown(solved)
    assert "None: every task was solved." in _section(text, "Not solved by search")
    assert "## Skipped" not in text
    assert "## Unreadable" not in text
    networks_only = [_record("a", "mlp", solved=None)]
    assert "Not solved by search" not in markdown(networks_only)


def test_rich_table_renders() -> None:
    records = [*_run(), _record("e", seed=0, solved=False, error="boom")]
    console = Console(record=True, width=200)
    console.print(rich_table(records, title="run s"))
    text = console.export_text()
    assert "run s" in text
    header = next(line for line in text.splitlines() if "task" in line and "method" in line)
    for column in ("solved", "train", "longer"):
        assert column in header
    a_search = next(line for line in text.splitlines() if " a " in line and "search" in line)
    assert "1/2" in a_search
    assert "75 ±318" in a_search
    e_row = next(line for line in text.splitlines() if " e " in line)
    assert "error" in e_row
    assert "mlp" in text


# Files


def test_write_reports(tmp_path: Path) -> None:
    records = [*_run(), _record("c", seed=0, solved=False, program="a | b")]
    paths = write_reports(records, tmp_path, skipped=[("c", "mlp", "too big")])
    assert paths["summary"] == tmp_path / "summary.md"
    assert paths["summary"].read_text(encoding="utf-8") == markdown(
        records, skipped=[("c", "mlp", "too big")]
    )
    csv = pd.read_csv(paths["csv"])
    assert paths["csv"] == tmp_path / "results.csv"
    assert len(csv) == len(records)
    assert list(csv["acc_train"]) == [r["accuracy"]["train"] for r in records]
    assert list(csv["task"]) == [r["task"] for r in records]
    assert csv["program"].iloc[-1] == "a | b"
    for key, name in (("extrapolation", "extrapolation.png"), ("splits", "splits.png")):
        assert paths[key] == tmp_path / "plots" / name
        data = paths[key].read_bytes()
        assert data.startswith(PNG_MAGIC), key
        assert len(data) > 1000, key


def test_write_reports_without_records_draws_no_plots(tmp_path: Path) -> None:
    paths = write_reports([], tmp_path)
    assert set(paths) == {"summary", "csv"}
    assert paths["summary"].read_text(encoding="utf-8").startswith("# abstrax run:")
    assert not (tmp_path / "plots").exists()
