"""The search engine's promise: with the unguided grammar and CORE, every task of the basic
suite is found from at most six examples within ten seconds on one core, and the program
found is right on 200 random inputs far from the examples (lists up to length 50, values
up to +-1000)."""

from __future__ import annotations

import random

import pytest

import dsl
from synth import Budget, synthesize
from tasks import BASIC, Split, Task


@pytest.mark.parametrize("task", BASIC, ids=lambda t: t.name)
def test_basic_task_is_found_and_generalises(task: Task) -> None:
    assert len(task.examples) <= 6
    result = synthesize(task.spec(), budget=Budget(seconds=10))
    assert result.solved, f"{task.name}: {result}"
    assert result.program is not None
    assert result.seconds <= 10 * 1.1
    program = dsl.compile_definition(result.program, limits=dsl.Limits(fuel=10_000_000))
    rng = random.Random(f"basic:{task.name}")
    for _ in range(200):
        args = task.sample(rng, Split(0, 50, -1000, 1000))
        expected = task.output(args)
        assert program(*args) == expected, f"{dsl.pretty(result.program)} on {args}"


def test_the_suite_has_the_tasks_the_issue_names() -> None:
    assert len(BASIC) == 23
    assert len({t.name for t in BASIC}) == 23
