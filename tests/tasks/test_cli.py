"""Examples for the ``abstrax`` command line (``check`` and ``exec``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasks._cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SORTING = EXAMPLES / "sorting.abx"

runner = CliRunner()


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


# ---- check ------------------------------------------------------------------------------


def test_check_example_prints_signatures() -> None:
    result = runner.invoke(app, ["check", str(SORTING)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        "insert : (int, list[int]) -> list[int]",
        "sort : (list[int]) -> list[int]",
        "maximum : (list[int]) -> int",
        "qsort : (list[int]) -> list[int]",
        "stutter : (list[int]) -> list[int]",
    ]
    assert result.stderr == ""


def test_check_parse_error_shows_location_and_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.abx", "def f(x: int) -> int =\n  x +* 1\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2:6:" in result.stderr
    lines = result.stderr.splitlines()
    shown = next(i for i, line in enumerate(lines) if line.endswith("x +* 1"))
    assert lines[shown + 1].index("^") == lines[shown].index("*")
    assert result.stdout == ""


def test_check_reports_every_type_error(tmp_path: Path) -> None:
    src = (
        "def f(x: int) -> int = x + true\n"
        "\n"
        "def ok(x: int) -> int = x\n"
        "def g(xs: list[int]) -> bool = length(xs)\n"
    )
    path = write(tmp_path, "two.abx", src)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    err = result.stderr
    assert "in 'f'" in err
    assert "in 'g'" in err
    assert "in 'ok'" not in err
    assert "line 1, column 28" in err
    assert "line 4, column 32" in err
    assert "expected int, found bool" in err
    assert "expected bool, found int" in err
    assert result.stdout == ""


def test_check_unknown_name_suggests(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.abx", "def f(xs: list[int]) -> int = lenght(xs)\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "did you mean 'length'" in result.stderr


def test_check_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope.abx")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_check_with_extended_library(tmp_path: Path) -> None:
    path = write(tmp_path, "ext.abx", "def s(xs: list[int]) -> list[int] = sort(xs)\n")
    assert runner.invoke(app, ["check", str(path)]).exit_code == 1
    result = runner.invoke(app, ["check", "--library", "extended", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "s : (list[int]) -> list[int]"


def test_unknown_library_is_a_usage_error() -> None:
    result = runner.invoke(app, ["check", "--library", "bogus", str(SORTING)])
    assert result.exit_code == 2
    assert "unknown library 'bogus'" in result.stderr


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert result.exit_code in (0, 2)
    assert "check" in result.output
    assert "exec" in result.output


# ---- exec -------------------------------------------------------------------------------


def test_exec_prints_json() -> None:
    result = runner.invoke(app, ["exec", str(SORTING), "sort", "[3, 1, 2]"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [1, 2, 3]


def test_exec_several_arguments() -> None:
    result = runner.invoke(app, ["exec", str(SORTING), "insert", "2", "[1,3]"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [1, 2, 3]


def test_exec_bool_and_nested_results(tmp_path: Path) -> None:
    src = (
        "def pos(x: int) -> bool = x > 0\n"
        "def nest(n: int) -> list[list[int]] = map(range(n), fn i => range(i))\n"
    )
    path = write(tmp_path, "p.abx", src)
    result = runner.invoke(app, ["exec", str(path), "pos", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "true"
    result = runner.invoke(app, ["exec", str(path), "nest", "3"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [[], [0], [0, 1]]


def test_exec_negative_argument_after_double_dash(tmp_path: Path) -> None:
    path = write(tmp_path, "n.abx", "def neg1(x: int) -> int = -x\n")
    result = runner.invoke(app, ["exec", str(path), "neg1", "--", "-3"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == 3


def test_exec_runtime_error_exits_1() -> None:
    result = runner.invoke(app, ["exec", str(SORTING), "maximum", "[]"])
    assert result.exit_code == 1
    assert "EmptyListError" in result.stderr
    assert result.stdout == ""


def test_exec_budget_error_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "loop.abx", "def f(x: int) -> int = f(x + 1)\n")
    result = runner.invoke(app, ["exec", str(path), "f", "0"])
    assert result.exit_code == 1
    assert "EvalBudgetError" in result.stderr


def test_exec_fuel_option(tmp_path: Path) -> None:
    path = write(tmp_path, "count.abx", "def f(n: int) -> int = loop(n, 0, fn (i, a) => a + 1)\n")
    assert runner.invoke(app, ["exec", str(path), "f", "1000"]).stdout.strip() == "1000"
    result = runner.invoke(app, ["exec", "--fuel", "10", str(path), "f", "1000"])
    assert result.exit_code == 1
    assert "fuel" in result.stderr


def test_exec_bad_json_argument_exits_2() -> None:
    result = runner.invoke(app, ["exec", str(SORTING), "sort", "[3, 1"])
    assert result.exit_code == 2
    assert "argument 1 is not JSON" in result.stderr


def test_exec_argument_of_wrong_type_exits_2() -> None:
    result = runner.invoke(app, ["exec", str(SORTING), "sort", "[true]"])
    assert result.exit_code == 2
    assert "expected list[int]" in result.stderr


def test_exec_unknown_definition_exits_2() -> None:
    result = runner.invoke(app, ["exec", str(SORTING), "sorr", "[1]"])
    assert result.exit_code == 2
    assert "unknown name 'sorr'" in result.stderr
    assert "did you mean 'sort'" in result.stderr


@pytest.mark.parametrize("args", [[], ["[1]", "[2]"]])
def test_exec_wrong_argument_count_exits_2(args: list[str]) -> None:
    result = runner.invoke(app, ["exec", str(SORTING), "sort", *args])
    assert result.exit_code == 2
    assert f"got {len(args)} argument(s)" in result.stderr
    assert "xs: list[int]" in result.stderr


def test_exec_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["exec", str(tmp_path / "nope.abx"), "f", "1"])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_exec_ill_typed_file_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.abx", "def f(x: int) -> int = x + true\n")
    result = runner.invoke(app, ["exec", str(path), "f", "1"])
    assert result.exit_code == 1
    assert "in 'f'" in result.stderr


def test_exec_parse_error_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.abx", "def f(x: int) -> int = \n")
    result = runner.invoke(app, ["exec", str(path), "f", "1"])
    assert result.exit_code == 1
    assert "end of input" in result.stderr


def test_exec_extended_library_lets_sort_be_used(tmp_path: Path) -> None:
    path = write(tmp_path, "ext.abx", "def s(xs: list[int]) -> list[int] = reverse(sort(xs))\n")
    result = runner.invoke(app, ["exec", str(path), "s", "[3,1,2]"])
    assert result.exit_code == 1
    assert "unknown name 'sort'" in result.stderr
    for option in ("--library", "-l"):
        result = runner.invoke(app, ["exec", option, "extended", str(path), "s", "[3,1,2]"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == [3, 2, 1]


# ---- the installed script ---------------------------------------------------------------


def test_installed_script_runs() -> None:
    script = Path(sys.executable).parent / "abstrax"
    if not script.exists():
        pytest.skip("the abstrax console script is not installed next to this Python")
    done = subprocess.run(
        [str(script), "exec", str(SORTING), "qsort", "[5, -1, 3, 3]"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [-1, 3, 3, 5]
    done = subprocess.run(
        [str(script), "exec", str(SORTING), "maximum", "[]"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "EmptyListError" in done.stderr
