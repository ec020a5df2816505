"""Training the policy: its config, that it learns, exact resumption, checkpoints.

The runs are tiny: a library of eight primitives (a 14 x 20 vocabulary), programs of
depth 3, a policy of a few thousand parameters, a few hundred steps.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dsl
import neural
import synth
from neural._checkpoint import CheckpointError, load_policy, save_policy
from neural._policy import PolicyConfig
from neural._sample import DatasetError, Sample
from neural._train import train_policy
from neural._train_config import TrainConfig

NAMES = {"reverse", "tail", "head", "length", "add", "cons", "take", "drop"}
TOY = dsl.Library("toy", tuple(p for p in dsl.CORE.primitives if p.name in NAMES))
SIGNATURES = ("(list[int]) -> list[int]", "(list[int]) -> int")
TINY = PolicyConfig(width=16, depth=1, heads=2, hidden=32, rank=16, max_examples=5, max_list_len=8)
CONFIG = TrainConfig(
    library="toy",
    model=TINY,
    signatures=SIGNATURES,
    batch_size=32,
    steps=300,
    warmup_steps=20,
    learning_rate=5e-3,
    eval_every=100,
    checkpoint_every=150,
    heldout_fraction=0.2,
    solve_specs=2,
    solve_seconds=0.2,
)
REVERSE = synth.Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4])])


def toy_samples(n: int, *, seed: int = 0) -> list[Sample]:
    """Random programs of TOY that run on random lists and whose output depends on them."""
    vocab = synth.Vocabulary.of(TOY)
    grammars = [synth.Grammar.from_library(TOY, s, max_depth=3) for s in SIGNATURES]
    rng = random.Random(seed)
    out: list[Sample] = []
    while len(out) < n:
        grammar = rng.choice(grammars)
        d = grammar.uniform().sample(rng)
        program = d.program()
        inputs = [([rng.randint(0, 9) for _ in range(rng.randint(1, 6))],) for _ in range(5)]
        try:
            outputs = [program(*args, library=TOY) for args in inputs]
        except dsl.AbstraxError:
            continue
        if len({repr(o) for o in outputs}) > 1:
            targets = tuple(vocab.targets(d))
            out.append(
                Sample(str(grammar.signature), str(program), tuple(inputs), tuple(outputs), targets)
            )
    return out


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return toy_samples(1000)


@pytest.fixture(scope="module")
def trained(samples: list[Sample], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workdir of one small run of CONFIG (shared: it takes seconds)."""
    workdir = tmp_path_factory.mktemp("run")
    calls: list[int] = []
    train_policy(
        CONFIG, workdir, samples=samples, library=TOY, progress=lambda s, n, m: calls.append(s)
    )
    assert calls == list(range(1, CONFIG.steps + 1))
    return workdir


def _metrics(workdir: Path) -> list[dict[str, Any]]:
    lines = (workdir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


# ---- config ------------------------------------------------------------------------------


def test_config_round_trips_through_toml(tmp_path: Path) -> None:
    text = """
library = "toy"
signatures = ["(list[int]) -> int"]
steps = 50
warmup_steps = 5
learning_rate = 0.01
heldout_fraction = 0.1

[model]
width = 16
heads = 2
numeric = true

[data]
max_depth = 4
constant_weight = 2.5
"""
    path = tmp_path / "train.toml"
    path.write_text(text, encoding="utf-8")
    config = TrainConfig.from_toml(path)
    assert config.model == PolicyConfig(width=16, heads=2, numeric=True)
    assert config.signatures == ("(list[int]) -> int",)
    assert config.data == {"max_depth": 4, "constant_weight": 2.5}
    assert (config.steps, config.learning_rate, config.batch_size) == (50, 0.01, 64)
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert TrainConfig.from_dict({}) == TrainConfig()


def test_each_built_in_library_has_a_default_config() -> None:
    # DREAMCODER's: the field defaults, with the constant head
    assert TrainConfig.default() == replace(TrainConfig(), model=PolicyConfig(constants=True))
    for lib in (dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER):  # the policies that ship are these
        assert load_policy(library=lib).config == TrainConfig.default(lib.name).model
    for library in ("core", "extended"):
        config = TrainConfig.default(library)
        assert config.library == library and config.steps == 2000
        assert config.eval_every == config.checkpoint_every == 500
        assert config.steps % config.eval_every == 0  # the last step is evaluated
    with pytest.raises(synth.ConfigError, match="no default policy for library 'mine'"):
        TrainConfig.default("mine")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stpes": 10}, "unknown key.*stpes"),
        ({"model": {"widht": 3}}, "unknown key.*widht"),
        ({"model": {"width": 30, "heads": 4}}, "heads"),
        ({"model": {"numeric": 1}}, "numeric: expected a bool"),
        ({"model": {"constants": "yes"}}, "constants: expected a bool"),
        ({"steps": "10"}, "steps"),
        ({"batch_size": True}, "batch_size"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"heldout_fraction": 1.0}, "heldout_fraction"),
        ({"signatures": "(int) -> int"}, "signatures"),
        ({"signatures": ["int"]}, "function type"),
        ({"warmup_steps": 100, "steps": 50}, "warmup_steps"),
        ({"data": 3}, "data"),
    ],
)
def test_config_errors_name_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(synth.ConfigError, match=message):
        TrainConfig.from_dict(data)


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("steps = = 3", encoding="utf-8")
    with pytest.raises(synth.ConfigError, match=r"bad\.toml"):
        TrainConfig.from_toml(path)
    with pytest.raises(synth.ConfigError, match="unknown library"):
        train_policy(TrainConfig(library="nope"), tmp_path / "w", samples=[])


# ---- learning ----------------------------------------------------------------------------


def test_a_tiny_policy_learns(trained: Path) -> None:
    metrics = _metrics(trained)
    assert [m["step"] for m in metrics] == [100, 200, 300]
    first, last = metrics[0], metrics[-1]
    assert last["train_loss"] < first["train_loss"]
    assert last["heldout_nll"] < last["heldout_uniform_nll"]
    # held-out programs: the true production ranks first far more often than by chance
    assert last["heldout_top1"] > last["chance_top1"] + 0.1
    assert last["heldout_top5"] >= last["heldout_top1"]
    assert 0 <= last["solve_rate_guided"] <= 1
    assert 0 <= last["solve_rate_unguided"] <= 1
    run = json.loads((trained / "run.json").read_text(encoding="utf-8"))
    assert run["config"] == CONFIG.to_dict()
    assert run["vocabulary"]["library"] == "toy"


def test_trained_policy_loads_and_guides(trained: Path) -> None:
    from_checkpoint = load_policy(trained, library=TOY)
    exported = load_policy(trained / "policy", library=TOY)
    np.testing.assert_array_equal(from_checkpoint.logits(REVERSE), exported.logits(REVERSE))
    again = save_policy(exported, trained.parent / "copy")
    np.testing.assert_array_equal(
        load_policy(again, library=TOY).logits(REVERSE), exported.logits(REVERSE)
    )
    result = synth.synthesize(REVERSE, library=TOY, guide=exported, budget=synth.Budget(seconds=1))
    assert result.solved


@pytest.mark.parametrize("flag", ["numeric", "constants"])
def test_a_policy_with_a_flag_trains_saves_and_loads(
    flag: str, samples: list[Sample], tmp_path: Path
) -> None:
    model = replace(TINY, **{flag: True})
    config = replace(CONFIG, model=model, steps=20, warmup_steps=5, solve_specs=0)
    config = replace(config, eval_every=10, checkpoint_every=10)
    trained = train_policy(config, tmp_path / "run", samples=samples, library=TOY)
    assert trained.config == model
    for path in (tmp_path / "run", tmp_path / "run" / "policy"):
        loaded = load_policy(path, library=TOY)
        assert getattr(loaded.config, flag)
        assert (loaded.policy.constant_head is not None) == (flag == "constants")
        np.testing.assert_array_equal(loaded.logits(REVERSE), trained.logits(REVERSE))


def test_a_policy_saved_before_numeric_features_and_the_constant_head_loads_without_them(
    trained: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "policy"
    shutil.copytree(trained / "policy", copy)
    info = json.loads((copy / "policy.json").read_text(encoding="utf-8"))
    del info["model"]["numeric"], info["model"]["constants"]
    (copy / "policy.json").write_text(json.dumps(info), encoding="utf-8")
    old = load_policy(copy, library=TOY)
    assert not old.config.numeric and not old.config.constants
    np.testing.assert_array_equal(
        old.logits(REVERSE), load_policy(trained / "policy", library=TOY).logits(REVERSE)
    )


def test_a_run_saved_before_numeric_features_and_the_constant_head_resumes(
    samples: list[Sample], trained: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(trained, copy)
    run = json.loads((copy / "run.json").read_text(encoding="utf-8"))
    del run["config"]["model"]["numeric"], run["config"]["model"]["constants"]
    (copy / "run.json").write_text(json.dumps(run), encoding="utf-8")
    resumed = train_policy(CONFIG, copy, samples=samples, library=TOY)
    np.testing.assert_array_equal(
        resumed.logits(REVERSE), load_policy(trained, library=TOY).logits(REVERSE)
    )


def test_resume_is_exact(samples: list[Sample], tmp_path: Path) -> None:
    # the same schedule as CONFIG's, so that nothing is compiled again
    config = replace(CONFIG, eval_every=50, checkpoint_every=75, solve_specs=0)
    whole = train_policy(config, tmp_path / "whole", samples=samples, library=TOY)

    def kill(step: int, total: int, metrics: Any) -> None:
        if step == 120:  # after the checkpoint at 75 and the metrics line at 100
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_policy(config, tmp_path / "parts", samples=samples, library=TOY, progress=kill)
    assert [m["step"] for m in _metrics(tmp_path / "parts")] == [50, 100]
    resumed = train_policy(config, tmp_path / "parts", samples=samples, library=TOY)

    def curve(workdir: Path) -> list[tuple[float, ...]]:
        keys = ("step", "train_loss", "heldout_nll", "heldout_top1")
        return [tuple(m[k] for k in keys) for m in _metrics(workdir)]

    assert curve(tmp_path / "parts") == curve(tmp_path / "whole")
    np.testing.assert_array_equal(whole.logits(REVERSE), resumed.logits(REVERSE))


def test_a_workdir_of_another_run_is_refused(samples: list[Sample], trained: Path) -> None:
    other = replace(CONFIG, seed=1)
    with pytest.raises(CheckpointError, match="seed"):
        train_policy(other, trained, samples=samples, library=TOY)


def test_samples_of_another_vocabulary_are_refused(samples: list[Sample], tmp_path: Path) -> None:
    bad = Sample(
        "(list[int]) -> int",
        "def f(xs: list[int]) -> int = 0",
        ((([1],),)),
        (0,),
        ((0, 99, (99,)),),
    )
    with pytest.raises(DatasetError, match="vocabulary"):
        train_policy(CONFIG, tmp_path, samples=[*samples[:10], bad], library=TOY)


# ---- loading -----------------------------------------------------------------------------


def test_missing_and_default_policies(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no such directory"):
        load_policy(tmp_path / "nothing", library=TOY)
    with pytest.raises(CheckpointError, match="no default policy ships for library 'toy'"):
        load_policy(library=TOY)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_policy(tmp_path, library=TOY)


def test_every_built_in_library_ships_a_default_policy_within_10_mb() -> None:
    shipped = Path(neural.__file__).parent / "policies"
    for library in (dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER):
        guide = load_policy(library=library)
        assert isinstance(guide, neural.NeuralGuide)
        assert (shipped / library.name / "policy.json").is_file()
    assert sum(f.stat().st_size for f in shipped.rglob("*") if f.is_file()) <= 10 * 2**20


def test_a_policy_of_another_library_is_refused(trained: Path) -> None:
    for path in (trained, trained / "policy"):
        with pytest.raises(CheckpointError, match="made for library 'toy'") as info:
            load_policy(path, library=dsl.CORE)
        assert str(path) in str(info.value)
    renamed = dsl.Library("toy", TOY.primitives[:-1])
    with pytest.raises(CheckpointError, match="another vocabulary"):
        load_policy(trained / "policy", library=renamed)


def test_corrupt_checkpoints_are_refused(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(trained, copy)
    for f in (copy / "policy" / "params.msgpack", *sorted((copy / "checkpoints").rglob("*"))):
        if f.is_file() and f.parent.name != "meta" and f.stat().st_size > 0:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])  # truncate every file
    for path in (copy, copy / "policy"):
        with pytest.raises(CheckpointError, match=re.escape(str(path))):
            load_policy(path, library=TOY)
    (copy / "policy" / "policy.json").write_text("{", encoding="utf-8")
    with pytest.raises(CheckpointError, match="policy"):
        load_policy(copy / "policy", library=TOY)
