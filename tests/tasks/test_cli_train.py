"""``abstrax train``: a thin face over ``neural.train_policy``, with its errors as usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import dsl
import neural
import synth
from tasks._cli import app

runner = CliRunner()

TINY = """
library = "core"
signatures = ["(list[int]) -> int"]
dataset_size = 120
steps = 12
warmup_steps = 2
eval_every = 6
checkpoint_every = 6
solve_specs = 0
eval_samples = 20
heldout_fraction = 0.1

[model]
width = 16
depth = 1
heads = 2
hidden = 16
rank = 8
max_examples = 4
max_list_len = 6

[data]
jobs = 1
shard_size = 60
max_depth = 4
"""


def _config(tmp_path: Path, text: str = TINY) -> Path:
    path = tmp_path / "train.toml"
    path.write_text(text)
    return path


def test_train_writes_a_policy_that_guides_a_search_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["train", "--config", str(_config(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "policy for core" in result.output
    assert "heldout_top1" in result.output
    guide = neural.load_policy(out / "policy", library=dsl.CORE)
    spec = synth.Spec.from_examples([(([1, 2, 3],), 3), (([4, 5],), 2), (([],), 0)])
    found = synth.synthesize(spec, guide=guide, budget=synth.Budget(seconds=2))
    assert found.solved
    # the same command again: the run is complete, nothing to redo, the same policy
    again = runner.invoke(app, ["train", "--config", str(_config(tmp_path)), "--out", str(out)])
    assert again.exit_code == 0, again.output
    # --steps changes the run's config: refused, not mixed into it
    other = runner.invoke(
        app, ["train", "--config", str(_config(tmp_path)), "--out", str(out), "--steps", "30"]
    )
    assert other.exit_code == 2
    assert "another config" in other.output


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("stepz = 3\n" + TINY, "stepz"),
        (TINY + "\nseeed = 3\n", "seeed"),  # in the [data] table
        (TINY.replace('library = "core"', 'library = "nope"'), "nope"),
        ("this is [not toml", "TOML"),
    ],
)
def test_a_bad_config_is_a_usage_error(tmp_path: Path, text: str, why: str) -> None:
    result = runner.invoke(
        app, ["train", "--config", str(_config(tmp_path, text)), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert why in result.output
    assert not (tmp_path / "o").exists()


def test_the_default_config_is_the_librarys_and_an_unknown_library_is_a_usage_error(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["train", "--library", "nope", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "nope" in result.output and "dreamcoder" in result.output
    assert not (tmp_path / "o").exists()
