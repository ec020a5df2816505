"""``abstrax run``: a thin face over ``tasks.run_suite``, with its errors as usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasks import read_results
from tasks._cli import app

runner = CliRunner()

SUITE = """
[[tasks]]
name = "double_all"
signature = "(list[int]) -> list[int]"
reference = "def double_all(xs: list[int]) -> list[int] = map(xs, fn x => x + x)"

[[tasks]]
name = "impossible"
signature = "(list[int]) -> int"
examples = [{input = [[1]], output = 987654}, {input = [[2, 2]], output = 12345},
            {input = [[3]], output = 55555}]
n_examples = 2
"""

FAST = ["--methods", "search", "--budget", "0.5", "--jobs", "1"]


def _suite(tmp_path: Path) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(SUITE)
    return path


def test_run_prints_the_table_and_names_the_unsolved(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(_suite(tmp_path)), *FAST, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "double_all" in result.stdout
    assert "not solved by search: impossible" in result.stdout
    assert "2 new results" in result.stdout
    records, _ = read_results(out / "results.jsonl")
    assert {r["task"] for r in records} == {"double_all", "impossible"}
    assert (out / "summary.md").is_file()


def test_run_defaults_its_workdir_to_the_suite_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = _suite(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", str(suite), *FAST, "--tasks", "double_all"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "mine" / "results.jsonl").is_file()


def test_run_reads_a_config_file_and_flags_override_it(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text('methods = ["search"]\nbudget = 0.5\njobs = 1\neval_inputs = 20\n')
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["run", str(_suite(tmp_path)), "--config", str(config), "--seeds", "2", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    records, _ = read_results(out / "results.jsonl")
    assert sorted((r["task"], r["seed"]) for r in records) == [
        ("double_all", 0),
        ("double_all", 1),
        ("impossible", 0),
        ("impossible", 1),
    ]
    assert all(r["config"]["eval_inputs"] == 20 for r in records)


def test_run_usage_errors_exit_2(tmp_path: Path) -> None:
    suite = str(_suite(tmp_path))
    unknown = runner.invoke(app, ["run", "no-such-suite", *FAST])
    assert unknown.exit_code == 2
    assert "unknown suite" in unknown.output
    method = runner.invoke(app, ["run", suite, "--methods", "oracle"])
    assert method.exit_code == 2
    assert "unknown method 'oracle'" in method.output
    task = runner.invoke(app, ["run", suite, *FAST, "--tasks", "nope", "--out", str(tmp_path)])
    assert task.exit_code == 2
    assert "no task 'nope'" in task.output
    bad = tmp_path / "bad.toml"
    bad.write_text("budget = 'soon'\n")
    config = runner.invoke(app, ["run", suite, "--config", str(bad)])
    assert config.exit_code == 2
    assert "budget" in config.output


def test_run_refuses_a_workdir_of_another_config(tmp_path: Path) -> None:
    suite, out = str(_suite(tmp_path)), str(tmp_path / "out")
    first = runner.invoke(app, ["run", suite, *FAST, "--tasks", "double_all", "--out", out])
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        app,
        [
            "run",
            suite,
            "--methods",
            "search",
            "--budget",
            "0.7",
            "--tasks",
            "double_all",
            "--jobs",
            "1",
            "--out",
            out,
        ],
    )
    assert second.exit_code == 2
    assert "different config" in second.output


def test_run_exits_1_when_a_result_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_methods.py").write_text(
        "def boom(task, seed, config):\n    raise RuntimeError('no')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = runner.invoke(
        app,
        [
            "run",
            str(_suite(tmp_path)),
            "--methods",
            "broken_methods:boom",
            "--jobs",
            "1",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1
    assert "RuntimeError: no" in result.output
