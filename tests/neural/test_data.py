"""The policy's training data (neural._data, neural._dataset, neural._sample).

Laws: every sample is a well-typed program of its signature that gives its outputs on its
inputs, and its targets are its derivation's; no sample is constant and no two of a
signature in a shard behave alike on the probe set; the data depend on the seed alone
(not on the number of processes); a dataset is reused, completed or refused, never
silently remade; a shard round-trips its samples; bad files raise DatasetError naming them.
"""

from __future__ import annotations

import gzip
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsl
import synth
from neural import _data, _dataset
from neural._data import default_signatures, probe_inputs, random_value
from neural._dataset import Dataset, load_dataset, sample_dataset
from neural._sample import DatasetError, Sample, read_shard, write_shard

SIGS = ["(list[int]) -> list[int]", "(int) -> int"]
TWO_PARAMS = ["(list[int], int) -> list[int]", "(list[int], list[int]) -> list[int]"]


def _make(out: Path, **kw: Any) -> Dataset:
    options: dict[str, Any] = {"seed": 0, "shard_size": 6, **kw}
    return sample_dataset(dsl.DREAMCODER, SIGS, options.pop("n", 12), out=out, **options)


@pytest.fixture(scope="module")
def dreamcoder(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    out = tmp_path_factory.mktemp("dreamcoder")
    sigs = default_signatures(dsl.DREAMCODER)
    return sample_dataset(dsl.DREAMCODER, sigs, 28, seed=1, out=out, shard_size=14)


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    out = tmp_path_factory.mktemp("core")
    return sample_dataset(dsl.CORE, TWO_PARAMS, 8, seed=2, out=out, examples=4)


def _shards(dataset: Dataset) -> Iterator[list[Sample]]:
    for name in dataset.shards:
        yield list(read_shard(dataset.path / name))


def _signature(text: str) -> dsl.TFun:
    t = dsl.parse_type(text)
    assert isinstance(t, dsl.TFun)
    return t


def _program(sample: Sample) -> dsl.Definition:
    (definition,) = dsl.parse(sample.program).definitions
    return definition


@pytest.mark.parametrize("which", ["dreamcoder", "core"])
def test_every_sample_is_a_program_of_its_signature_that_gives_its_outputs(
    which: str, request: pytest.FixtureRequest
) -> None:
    dataset: Dataset = request.getfixturevalue(which)
    library = {"dreamcoder": dsl.DREAMCODER, "core": dsl.CORE}[which]
    vocab = synth.Vocabulary.of(library)
    samples = list(dataset)
    assert len(samples) == len(dataset) == dataset.n
    for i, s in enumerate(samples):
        assert s.signature == dataset.signatures[i % len(dataset.signatures)]
        program = _program(s)
        assert str(dsl.typecheck(program, library=library)) == s.signature
        assert len(s.inputs) == dataset.examples
        assert len(set(map(repr, s.inputs))) == len(s.inputs)  # distinct inputs
        f = dsl.compile_definition(program, library=library, limits=_data.LIMITS)
        assert tuple(f(*args) for args in s.inputs) == s.outputs
        grammar = synth.Grammar.from_library(library, s.signature, max_depth=dataset.max_depth)
        derivation = grammar.derive(program)
        assert tuple(vocab.targets(derivation)) == s.targets
        assert 1 <= len(s.targets) <= dataset.max_steps
        assert derivation.program() == program


@pytest.mark.parametrize("which", ["dreamcoder", "core"])
def test_no_sample_is_constant_and_no_two_in_a_shard_behave_alike(
    which: str, request: pytest.FixtureRequest
) -> None:
    dataset: Dataset = request.getfixturevalue(which)
    library = {"dreamcoder": dsl.DREAMCODER, "core": dsl.CORE}[which]
    for shard in _shards(dataset):
        behaviours = set()
        for s in shard:
            assert len({repr(o) for o in s.outputs}) > 1
            run = dsl.compile_definition(_program(s), library=library, limits=_data.LIMITS).run
            probes = probe_inputs(_signature(s.signature))
            key = (s.signature, tuple(repr(_data._try(run, args)) for args in probes))
            assert key not in behaviours
            behaviours.add(key)


def test_the_manifest_records_the_settings_the_vocabulary_and_the_drops(
    dreamcoder: Dataset,
) -> None:
    data = json.loads((dreamcoder.path / _dataset.MANIFEST).read_text())
    vocab = synth.Vocabulary.of(dsl.DREAMCODER)
    assert data["library"] == "dreamcoder" and data["complete"] is True
    assert [tuple(c) for c in data["contexts"]] == list(vocab.contexts)
    assert data["productions"] == list(vocab.productions)
    assert (data["n"], data["seed"], data["shard_size"], data["examples"]) == (28, 1, 14, 10)
    assert set(data["dropped"]) == set(_data.REASONS)
    assert sum(data["dropped"].values()) > 0
    assert dreamcoder.shards == ("shard-00000.jsonl.gz", "shard-00001.jsonl.gz")
    assert dreamcoder.samples_per_second > 0
    assert load_dataset(dreamcoder.path / _dataset.MANIFEST, library=dsl.DREAMCODER) == dreamcoder


def test_the_same_seed_gives_the_same_shards_whatever_the_number_of_processes(
    tmp_path: Path,
) -> None:
    one = _make(tmp_path / "one", n=8, shard_size=4)
    two = _make(tmp_path / "two", n=8, shard_size=4, jobs=2)
    other = _make(tmp_path / "other", n=8, shard_size=4, seed=1)
    for name in one.shards:
        assert (one.path / name).read_bytes() == (two.path / name).read_bytes()
    assert list(one) == list(two) != list(other)


def test_a_complete_dataset_is_reused_without_making_a_shard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _make(tmp_path)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a shard was made again")

    monkeypatch.setattr(_dataset, "_make_shard", fail)
    assert _make(tmp_path) == first


def test_a_missing_shard_is_made_again_and_only_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _make(tmp_path)
    before = {n: (tmp_path / n).read_bytes() for n in first.shards}
    (tmp_path / first.shards[1]).unlink()
    with pytest.raises(DatasetError, match="shard-00001"):
        load_dataset(tmp_path)
    made: list[int] = []
    real = _dataset._make_shard

    def make(job: Any, tick: Any = None) -> dict[str, Any]:
        made.append(job.index)
        return real(job, tick)

    monkeypatch.setattr(_dataset, "_make_shard", make)
    again = _make(tmp_path)
    assert made == [1]
    assert again.shards == first.shards
    assert {n: (tmp_path / n).read_bytes() for n in again.shards} == before


def test_other_settings_in_the_same_directory_are_refused(tmp_path: Path) -> None:
    _make(tmp_path)
    with pytest.raises(DatasetError, match=r"dataset\.json.*examples"):
        _make(tmp_path, examples=5)
    with pytest.raises(DatasetError, match="seed"):
        _make(tmp_path, seed=7)


def test_a_corrupt_manifest_or_shard_is_named(tmp_path: Path) -> None:
    dataset = _make(tmp_path)
    manifest = tmp_path / _dataset.MANIFEST
    good = manifest.read_text()
    data = json.loads(good)
    del data["n"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match=r"dataset\.json.*'n'"):
        load_dataset(tmp_path)
    manifest.write_text(good[: len(good) // 2])
    with pytest.raises(DatasetError, match=r"dataset\.json"):
        load_dataset(tmp_path)
    with pytest.raises(DatasetError, match=r"dataset\.json"):
        _make(tmp_path)  # never overwritten silently
    manifest.write_text(good)
    shard = tmp_path / dataset.shards[0]
    size = shard.stat().st_size
    shard.write_bytes(b"\x1f\x8b" + b"\0" * (size - 2))  # the same size, not a shard
    with pytest.raises(DatasetError, match="shard-00000"):
        list(load_dataset(tmp_path))
    shard.write_bytes(b"")
    with pytest.raises(DatasetError, match="shard-00000"):
        load_dataset(tmp_path)
    with pytest.raises(DatasetError, match="no dataset manifest"):
        load_dataset(tmp_path / "elsewhere")


def test_a_dataset_of_another_vocabulary_is_refused(dreamcoder: Dataset) -> None:
    with pytest.raises(DatasetError, match="vocabulary"):
        load_dataset(dreamcoder.path, library=dsl.CORE)


def test_progress_is_reported_up_to_n(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    _make(tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (12, 12)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_rich_progress_gets_a_task_advanced_to_n(tmp_path: Path) -> None:
    class Progress:  # the part of rich.progress.Progress that is used
        def __init__(self) -> None:
            self.done = 0

        def add_task(self, description: str, *, total: int) -> int:
            assert total == 12
            return 7

        def advance(self, task: int, advance: float = 1) -> None:
            assert task == 7
            self.done += int(advance)

    progress = Progress()
    _make(tmp_path, progress=progress)
    assert progress.done == 12


def test_a_signature_with_too_few_behaviours_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_data, "MAX_REJECTS", 300)
    # the only non-constant behaviours of (bool) -> bool are b and not b
    with pytest.raises(DatasetError, match=r"no new program of \(bool\) -> bool"):
        sample_dataset(dsl.DREAMCODER, [_signature("(bool) -> bool")], 3, seed=0, out=tmp_path)


def _constants_share(pcfg: synth.PCFG) -> float:
    """The prior's probability of a constant, summed over the grammar's nonterminals."""
    return sum(
        math.exp(lp)
        for nt, rules in pcfg.grammar.rules.items()
        for rule, lp in zip(rules, pcfg.logprobs[nt], strict=True)
        if rule.production.kind == "const"
    )


def test_the_constants_of_a_hole_share_the_prior_weight_they_are_given(tmp_path: Path) -> None:
    grammar = synth.Grammar.from_library(dsl.DREAMCODER, "(list[int]) -> list[int]", max_depth=5)
    shares = [_constants_share(_data.prior(grammar, constant_weight=w)) for w in (0.5, 1, 4)]
    assert shares[0] < shares[1] < shares[2]
    four = _data.prior(grammar, constant_weight=4)
    for nt, rules in grammar.rules.items():  # the constants of one hole stay equally likely
        lps = {
            lp
            for rule, lp in zip(rules, four.logprobs[nt], strict=True)
            if rule.production.kind == "const"
        }
        assert len(lps) <= 1, nt
    # the programs drawn follow the weight: they use more constants
    const_columns = {
        i for i, p in enumerate(synth.Vocabulary.of(dsl.DREAMCODER).productions) if p[:1].isdigit()
    }

    def with_constants(dataset: Dataset) -> float:
        """The share of the steps of the dataset's derivations that choose a constant."""
        steps = [col in const_columns for s in dataset for _, col, _ in s.targets]
        return sum(steps) / len(steps)

    few = _make(tmp_path / "few", n=40, shard_size=40)
    many = _make(tmp_path / "many", n=40, shard_size=40, constant_weight=8)
    assert with_constants(many) > with_constants(few) + 0.05  # 0.26 against 0.19
    # recorded in the manifest when set (a dataset made before the setting existed has
    # none and is still reused at the default), and part of what a reused dataset must match
    data = json.loads((tmp_path / "many" / _dataset.MANIFEST).read_text())
    assert data["generator"]["constant_weight"] == 8.0
    data = json.loads((tmp_path / "few" / _dataset.MANIFEST).read_text())
    assert "constant_weight" not in data["generator"]
    with pytest.raises(DatasetError, match="generator differ"):
        _make(tmp_path / "many", n=40, shard_size=40)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n must be"):
        sample_dataset(dsl.DREAMCODER, SIGS, 0, seed=0, out=tmp_path)
    for weight in (0, -1.0, math.inf, math.nan, 10**400, True, "2"):
        with pytest.raises(ValueError, match="constant_weight must be"):
            sample_dataset(dsl.DREAMCODER, SIGS, 1, seed=0, out=tmp_path, constant_weight=weight)
    with pytest.raises(ValueError, match="signatures"):
        sample_dataset(dsl.DREAMCODER, [], 1, seed=0, out=tmp_path)
    with pytest.raises(synth.VocabularyError):  # four parameters: more than the vocabulary
        sample_dataset(dsl.CORE, ["(int, int, int, int) -> int"], 1, seed=0, out=tmp_path)
    with pytest.raises(DatasetError, match="default signatures"):
        default_signatures(dsl.Library("mine", dsl.CORE.primitives))
    assert not list(tmp_path.iterdir())


def test_default_signatures_are_the_dreamcoder_list_types_and_more_for_core() -> None:
    dc = set(default_signatures(dsl.DREAMCODER))
    assert dc == {
        "(list[int]) -> list[int]",
        "(list[int]) -> int",
        "(list[int]) -> bool",
        "(list[int]) -> list[bool]",
        "(int) -> int",
        "(int) -> list[int]",
    }
    assert dc < set(default_signatures(dsl.CORE)) == set(default_signatures(dsl.EXTENDED))
    assert "(list[int], list[int]) -> list[int]" in default_signatures(dsl.CORE)


@settings(max_examples=100)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_inputs_are_short_lists_of_mostly_small_ints(seed: int) -> None:
    import random

    rng = random.Random(seed)
    xs = random_value(dsl.parse_type("list[int]"), rng)
    assert isinstance(xs, tuple) and 0 <= len(xs) <= 10
    assert all(-10 <= x <= 100 and not isinstance(x, bool) for x in xs)
    n = random_value(dsl.INT, rng)
    assert -5 <= n <= 50
    assert isinstance(random_value(dsl.BOOL, rng), bool)
    assert all(isinstance(b, bool) for b in random_value(dsl.parse_type("list[bool]"), rng))


_VALUES = st.recursive(
    st.integers(-(2**40), 2**40) | st.booleans(),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=10,
)
_SAMPLES = st.builds(
    Sample,
    signature=st.text(max_size=20),
    program=st.text(max_size=40),
    inputs=st.lists(st.lists(_VALUES, max_size=3).map(tuple), max_size=4).map(tuple),
    outputs=st.just(()),
    targets=st.lists(
        st.tuples(st.integers(0, 99), st.integers(0, 99), st.lists(st.integers(0, 99)).map(tuple)),
        max_size=5,
    ).map(tuple),
).flatmap(
    lambda s: st.lists(_VALUES, min_size=len(s.inputs), max_size=len(s.inputs)).map(
        lambda outs: Sample(s.signature, s.program, s.inputs, tuple(outs), s.targets)
    )
)


@settings(max_examples=50)
@given(samples=st.lists(_SAMPLES, max_size=4))
def test_a_shard_round_trips_its_samples(samples: list[Sample], tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("shard") / "s.jsonl.gz"
    assert write_shard(path, samples) == len(samples)
    assert list(read_shard(path)) == samples
    shutil.rmtree(path.parent)


def test_a_bad_line_in_a_shard_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write('{"signature": "(int) -> int"}\n')
    with pytest.raises(DatasetError, match=r"s\.jsonl\.gz:1.*missing field"):
        list(read_shard(path))
