"""``abstrax synth``: examples on the command line in, a program out."""

from __future__ import annotations

from typer.testing import CliRunner

from tasks._cli import app

runner = CliRunner()


def test_synth_prints_the_program() -> None:
    result = runner.invoke(app, ["synth", "[[3, 1, 2]] => 6", "[[5, 4]] => 9", "[[]] => 0"])
    assert result.exit_code == 0, result.output
    assert "def f(xs: list[int]) -> int =" in result.stdout
    assert "fold(xs, 0" in result.stdout


def test_synth_names_the_definition() -> None:
    result = runner.invoke(
        app, ["synth", "[[1, 2, 3]] => [3, 2, 1]", "[[4, 5]] => [5, 4]", "--name", "rev"]
    )
    assert result.exit_code == 0, result.output
    assert "def rev(xs: list[int]) -> list[int] =\n  reverse(xs)" in result.stdout


def test_synth_without_arrow_is_a_usage_error() -> None:
    result = runner.invoke(app, ["synth", "[1] 2"])
    assert result.exit_code == 2
    assert "ARGS => OUTPUT" in result.output


def test_synth_with_inconsistent_types_is_a_usage_error() -> None:
    result = runner.invoke(app, ["synth", "[1] => 2", "[[1]] => 2"])
    assert result.exit_code == 2
    assert "example 1" in result.output


def test_synth_that_finds_nothing_exits_1() -> None:
    result = runner.invoke(app, ["synth", "[1] => 987654321", "[2] => 12345", "--seconds", "0.3"])
    assert result.exit_code == 1
    assert "not solved" in result.output
