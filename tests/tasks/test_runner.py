"""The suite runner: one line per (task, method, seed), resumable after a kill, errors
recorded and the run going on, reports at the end, and the same results on Dask."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from synth import ConfigError
from tasks import RunConfig, RunError, read_results, run_suite
from tasks._execute import Unit, heaviest_first
from tasks._runner import file_digest, plan

SUITE = """
name = "tiny"

[[tasks]]
name = "double_all"
signature = "(list[int]) -> list[int]"
reference = "def double_all(xs: list[int]) -> list[int] = map(xs, fn x => x + x)"

[[tasks]]
name = "size"
signature = "(list[int]) -> int"
reference = "def size(xs: list[int]) -> int = length(xs)"

[[tasks]]
name = "backwards"
signature = "(list[int]) -> list[int]"
reference = "def backwards(xs: list[int]) -> list[int] = reverse(xs)"

[[tasks]]
name = "from_examples"
signature = "(int) -> int"
examples = [
  {input = [1], output = 2}, {input = [2], output = 4}, {input = [3], output = 6},
  {input = [5], output = 10}, {input = [7], output = 14},
]
n_examples = 3
"""


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(SUITE)
    return path


def _config(suite_file: Path, **changes: object) -> RunConfig:
    settings: dict[str, object] = {
        "suite": str(suite_file),
        "methods": ("search",),
        "budget": 2.0,
        "eval_inputs": 30,
        "curve_inputs": 10,
        "curve_lengths": (5, 20),
        "curve_values": (10, 100),
        "jobs": 1,
    }
    settings.update(changes)
    return RunConfig(**settings)  # type: ignore[arg-type]


def _keys(workdir: Path) -> Counter[tuple[str, str, int]]:
    records, _ = read_results(workdir / "results.jsonl")
    return Counter((r["task"], r["method"], r["seed"]) for r in records)


def test_run_writes_one_scored_line_per_unit_and_the_reports(
    suite_file: Path, tmp_path: Path
) -> None:
    config = _config(suite_file, seeds=(0, 1))
    summary = run_suite(config, tmp_path / "run")
    assert summary.ran == 8
    records, corrupt = read_results(tmp_path / "run" / "results.jsonl")
    assert corrupt == []
    assert len(records) == 8
    assert set(_keys(tmp_path / "run").values()) == {1}
    by_task = {(r["task"], r["seed"]): r for r in records}
    double = by_task[("double_all", 0)]
    assert double["solved"] is True
    assert double["suite"] == "tiny"
    assert double["accuracy"] == {"train": 1.0, "longer": 1.0, "larger": 1.0, "both": 1.0}
    assert double["curves"]["length"] == {"5": 1.0, "20": 1.0}
    assert "map" in double["program"]
    assert double["programs_explored"] >= 1
    assert double["config"]["budget"] == 2.0
    assert double["seconds"] > 0
    # A task with examples only is scored on the examples held back.
    held = by_task[("from_examples", 0)]
    assert held["accuracy"] == {"held_out": 1.0}
    for name in ("summary.md", "results.csv", "config.json", "plots/extrapolation.png"):
        assert (tmp_path / "run" / name).is_file(), name
    assert json.loads((tmp_path / "run" / "config.json").read_text())["budget"] == 2.0


def test_rerun_resumes_without_duplicates_and_adds_new_seeds(
    suite_file: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "run"
    run_suite(_config(suite_file, tasks=("size", "backwards")), workdir)
    again = run_suite(_config(suite_file, tasks=("size", "backwards")), workdir)
    assert again.ran == 0
    assert len(again.records) == 2
    more = run_suite(_config(suite_file, tasks=("size", "backwards"), seeds=(0, 1)), workdir)
    assert more.ran == 2
    assert set(_keys(workdir).values()) == {1}
    assert len(_keys(workdir)) == 4
    # The file holds the seeds in the order they ran; the summary follows the plan.
    assert [(r["task"], r["seed"]) for r in more.records] == [
        ("size", 0),
        ("size", 1),
        ("backwards", 0),
        ("backwards", 1),
    ]


def test_parallel_workers_start_the_heaviest_units_first() -> None:
    units = [
        Unit("a", "search", 0),
        Unit("a", "mlp", 0),
        Unit("a", "transformer", 0),
        Unit("b", "search", 0),
        Unit("b", "transformer", 0),
        Unit("b", "mlp", 0),
    ]
    assert heaviest_first(units) == [
        Unit("a", "transformer", 0),
        Unit("b", "transformer", 0),
        Unit("a", "mlp", 0),
        Unit("b", "mlp", 0),
        Unit("a", "search", 0),
        Unit("b", "search", 0),
    ]
    assert sorted(heaviest_first(units), key=units.index) == units  # the same units


def test_tasks_of_one_signature_take_turns_within_a_method() -> None:
    # a and b share a signature, c has its own: a's compiled programs are ready for b
    # while c runs, instead of a and b compiling them at once.
    units = [Unit(t, m, 0) for m in ("mlp", "transformer") for t in ("a", "b", "c")]
    shapes = {"a": "(list[int]) -> int", "b": "(list[int]) -> int", "c": "(int) -> int"}
    assert heaviest_first(units, shapes) == [
        Unit("a", "transformer", 0),
        Unit("c", "transformer", 0),
        Unit("b", "transformer", 0),
        Unit("a", "mlp", 0),
        Unit("c", "mlp", 0),
        Unit("b", "mlp", 0),
    ]
    assert heaviest_first(units)[:3] == units[3:]  # without shapes, plan order


def test_cegis_off_searches_the_examples_alone(suite_file: Path, tmp_path: Path) -> None:
    summary = run_suite(_config(suite_file, tasks=("size",), cegis="off"), tmp_path / "run")
    (record,) = summary.records
    assert record["details"]["verified"] is None
    assert record["config"]["cegis"] == "off"
    checked = run_suite(_config(suite_file, tasks=("size",)), tmp_path / "train")
    assert checked.records[0]["details"]["verified"] is True


def test_a_relative_suite_path_reaches_the_workers_as_an_absolute_one(
    suite_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(suite_file.parent)
    summary = run_suite(_config(Path(suite_file.name), tasks=("size",)), tmp_path / "run")
    assert summary.records[0]["config"]["suite"] == str(suite_file.resolve())
    assert json.loads((tmp_path / "run" / "config.json").read_text())["suite"] == str(
        suite_file.resolve()
    )


def test_a_different_config_is_refused_in_the_same_workdir(
    suite_file: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "run"
    run_suite(_config(suite_file, tasks=("size",)), workdir)
    with pytest.raises(RunError, match="budget"):
        run_suite(_config(suite_file, tasks=("size",), budget=3.0), workdir)


def test_editing_the_task_file_is_a_different_config(suite_file: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    run_suite(_config(suite_file, tasks=("size",)), workdir)
    record = read_results(workdir / "results.jsonl")[0][0]
    assert record["config"]["suite_sha256"] == hashlib.sha256(suite_file.read_bytes()).hexdigest()
    assert run_suite(_config(suite_file, tasks=("size",)), workdir).ran == 0  # same file: reused
    suite_file.write_text(SUITE.replace("n_examples = 3", "n_examples = 4"))
    with pytest.raises(RunError, match="suite_sha256"):
        run_suite(_config(suite_file, tasks=("size",)), workdir)


def test_a_policy_directorys_digest_covers_every_file_in_it(tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    (policy / "sub").mkdir(parents=True)
    (policy / "a.json").write_text("{}")
    (policy / "sub" / "b.msgpack").write_bytes(b"\x00")
    config = RunConfig(suite="basic", methods=("guided",), policy=str(policy))
    before = config.results_key("guided")["policy_sha256"]
    assert "policy_sha256" not in config.results_key("search")  # search does not use it
    (policy / "sub" / "b.msgpack").write_bytes(b"\x01")
    assert config.results_key("guided")["policy_sha256"] != before
    (policy / "sub" / "b.msgpack").write_bytes(b"\x00")
    assert config.results_key("guided")["policy_sha256"] == before
    (policy / "sub" / "b.msgpack").rename(policy / "b.msgpack")  # same bytes, another name
    assert config.results_key("guided")["policy_sha256"] != before


def test_the_default_policys_digest_is_in_the_guided_key() -> None:
    import neural

    shipped = Path(neural.__file__).parent / "policies" / "core"
    key = RunConfig(suite="basic", methods=("guided",)).results_key("guided")
    assert key["policy_sha256"] == file_digest(shipped)
    assert "policy_sha256" not in RunConfig(suite="basic").results_key("search")


def test_changing_one_methods_settings_keeps_the_others_results(
    suite_file: Path, tmp_path: Path, user_methods: str
) -> None:
    workdir = tmp_path / "run"
    run_suite(_config(suite_file, tasks=("size",), methods=("search",)), workdir)
    record = read_results(workdir / "results.jsonl")[0][0]
    assert "mlp" not in record["config"]
    assert "train_samples" not in record["config"]
    assert record["config"]["budget"] == 2.0
    more = run_suite(
        _config(
            suite_file,
            tasks=("size",),
            methods=("search", f"{user_methods}:boom"),
            train_samples=50,
        ),
        workdir,
    )
    assert more.ran == 1
    with pytest.raises(RunError, match="search results"):
        run_suite(_config(suite_file, tasks=("size",), budget=1.0), workdir)


def test_corrupt_lines_are_reported_not_fatal(suite_file: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    run_suite(_config(suite_file, tasks=("size",)), workdir)
    with (workdir / "results.jsonl").open("a") as fh:
        fh.write("this is not json\n")
        fh.write('{"task": "size"}\n')
        fh.write('{"suite": "tiny", "task": "backwa')  # cut short by a kill: no newline
    summary = run_suite(_config(suite_file, tasks=("size", "backwards")), workdir)
    assert summary.ran == 1
    assert [c.line for c in summary.corrupt] == [2, 3, 4]
    assert "not JSON" in summary.corrupt[0].reason
    assert "missing" in summary.corrupt[1].reason
    assert set(_keys(workdir).values()) == {1}
    assert "line 4" in (workdir / "summary.md").read_text()


METHODS = """
import os
from tasks._methods import Outcome

def boom(task, seed, config):
    if task.name == "size":
        raise RuntimeError("the method broke on size")
    return Outcome(True, None, None, {"train": 1.0})

def die(task, seed, config):
    if task.name == "size":
        os._exit(3)
    return Outcome(True, None, None, {"train": 0.5})

def needs(task, seed, config):
    return Outcome(None, None, None, {})

needs.needs_reference = True

def environment(task, seed, config):
    cache = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    return Outcome(True, None, None, {"train": 1.0}, details={"cache": cache})
"""


@pytest.fixture
def user_methods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "user_methods.py").write_text(textwrap.dedent(METHODS))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "user_methods"


def test_a_method_that_raises_is_recorded_and_the_run_goes_on(
    suite_file: Path, tmp_path: Path, user_methods: str
) -> None:
    config = _config(suite_file, methods=(f"{user_methods}:boom",))
    summary = run_suite(config, tmp_path / "run")
    assert len(summary.records) == 4
    errors = {r["task"]: r["error"] for r in summary.records}
    assert errors["size"] == "RuntimeError: the method broke on size"
    assert errors["double_all"] is None
    failed = next(r for r in summary.records if r["task"] == "size")
    assert failed["solved"] is False
    assert "Traceback" in failed["details"]["traceback"]


def test_a_worker_that_dies_is_recorded_and_the_others_complete(
    suite_file: Path, tmp_path: Path, user_methods: str
) -> None:
    config = _config(suite_file, methods=(f"{user_methods}:die",), jobs=2)
    summary = run_suite(config, tmp_path / "run")
    errors = {r["task"]: r["error"] for r in summary.records}
    assert errors == {
        "double_all": None,
        "size": "WorkerDied: the worker process died",
        "backwards": None,
        "from_examples": None,
    }
    assert set(_keys(tmp_path / "run").values()) == {1}


def test_worker_processes_share_a_compilation_cache_in_the_work_directory(
    suite_file: Path, tmp_path: Path, user_methods: str
) -> None:
    # every task of a signature fits networks of the same shapes: workers keep XLA's
    # compiled programs under the run's directory, so that each is compiled once
    config = _config(
        suite_file, tasks=("size", "backwards"), methods=(f"{user_methods}:environment",), jobs=2
    )
    summary = run_suite(config, tmp_path / "run")
    caches = {r["details"]["cache"] for r in summary.records}
    assert caches == {str(tmp_path / "run" / ".cache" / "jax")}


def test_methods_that_need_a_reference_skip_example_only_tasks(
    suite_file: Path, user_methods: str
) -> None:
    units, skipped = plan(_config(suite_file, methods=("search", f"{user_methods}:needs")))
    assert Unit("from_examples", "search", 0) in units
    assert Unit("from_examples", f"{user_methods}:needs", 0) not in units
    assert [(t, m) for t, m, _ in skipped] == [("from_examples", f"{user_methods}:needs")]


def test_config_validation_names_the_field() -> None:
    with pytest.raises(ConfigError, match="budget"):
        RunConfig(budget=0)
    with pytest.raises(ConfigError, match="unknown method"):
        RunConfig(methods=("search", "oracle"))
    with pytest.raises(ConfigError, match="seeds"):
        RunConfig(seeds=(0, 0))
    with pytest.raises(ConfigError, match="cegis"):
        RunConfig(cegis="everywhere")
    with pytest.raises(ConfigError, match="executor"):
        RunConfig(executor="threads")
    with pytest.raises(ConfigError, match="unknown library"):
        RunConfig(library="nope")
    with pytest.raises(ConfigError, match=r"config: unknown key\(s\) \['budgett'\]"):
        RunConfig.from_dict({"budgett": 3})
    with pytest.raises(ConfigError, match=r"config\.search"):
        RunConfig.from_dict({"search": {"space": {"max_depth": "deep"}}})


def test_config_round_trips_through_toml(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text(
        'suite = "abstraction"\nmethods = ["search"]\nseeds = [0, 1, 2]\nbudget = 4.5\n'
        "[search.space]\nmax_depth = 5\n[mlp]\nsteps = 300\n"
    )
    config = RunConfig.from_toml(path)
    assert config.suite == "abstraction"
    assert config.seeds == (0, 1, 2)
    assert config.search.space.max_depth == 5
    assert config.mlp.steps == 300
    assert RunConfig.from_dict(config.to_dict()) == config


def test_a_run_killed_midway_resumes_to_exactly_one_line_per_unit(
    suite_file: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "run"
    results = workdir / "results.jsonl"
    command = [
        sys.executable,
        "-c",
        "import sys; from tasks._cli import main; sys.argv[0] = 'abstrax'; main()",
        "run",
        str(suite_file),
        "--methods",
        "search",
        "--seeds",
        "4",
        "--budget",
        "0.5",
        "--jobs",
        "2",
        "--out",
        str(workdir),
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if results.exists() and results.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _keys(workdir)
    assert 2 <= sum(partial.values()) < 16
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    keys = _keys(workdir)
    assert len(keys) == 16
    assert set(keys.values()) == {1}


def test_a_tiny_suite_on_a_dask_local_cluster(suite_file: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        config = _config(
            suite_file, executor="dask", scheduler=cluster.scheduler_address, seeds=(0, 1)
        )
        summary = run_suite(config, tmp_path / "dask")
    local = run_suite(_config(suite_file, seeds=(0, 1)), tmp_path / "local")
    assert summary.ran == 8
    assert set(_keys(tmp_path / "dask").values()) == {1}

    def solved(records: list[dict[str, object]]) -> dict[tuple[object, object], object]:
        return {(r["task"], r["seed"]): (r["solved"], r["accuracy"]) for r in records}

    assert solved(summary.records) == solved(local.records)


def test_a_second_run_on_a_busy_workdir_is_refused(suite_file: Path, tmp_path: Path) -> None:
    from tasks._results import ResultsFile

    workdir = tmp_path / "run"
    workdir.mkdir()
    holder = ResultsFile(workdir / "results.jsonl")
    try:
        with pytest.raises(RunError, match="another run is writing"):
            run_suite(_config(suite_file, tasks=("size",)), workdir)
    finally:
        holder.close()
    assert run_suite(_config(suite_file, tasks=("size",)), workdir).ran == 1


def test_duplicate_mistyped_and_old_lines_are_reported_and_the_first_kept(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    base = {"suite": "s", "task": "t", "method": "search", "seed": 0, "version": 2}
    lines = [
        {**base, "solved": True, "accuracy": {"train": 1.0}},
        {**base, "solved": False, "accuracy": {"train": 0.0}},
        {**base, "task": ["t"], "solved": True, "accuracy": {}},
        {**base, "seed": 1, "solved": "yes", "accuracy": {}},
        {**base, "seed": 2, "solved": True, "accuracy": {"train": "all"}},
        {**base, "seed": 3, "solved": True, "accuracy": {}, "version": 1},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    records, corrupt = read_results(path)
    assert [(r["seed"], r["solved"]) for r in records] == [(0, True)]
    reasons = {c.line: c.reason for c in corrupt}
    assert "second line" in reasons[2]
    assert "'task' must be a string" in reasons[3]
    assert "'solved'" in reasons[4]
    assert "'accuracy'" in reasons[5]
    assert "version 1" in reasons[6]


def test_no_method_is_scored_on_an_input_any_method_was_given_or_trained_on(
    suite_file: Path,
) -> None:
    from tasks import suite
    from tasks._methods import fit_inputs, scoring_set

    config = _config(suite_file, train_samples=2000, eval_inputs=300)
    task = suite("sorting")["sort_asc"]
    scoring = scoring_set(task, 0, config)
    seen = {repr(a) for a, _ in task.given(seed=0)} | {repr(a) for a in fit_inputs(task, 0, config)}
    train_inputs, outputs = scoring.splits["train"]
    assert len(train_inputs) == 300
    assert not seen & {repr(a) for a in train_inputs}
    assert outputs == [sorted(xs) for (xs,) in train_inputs]
    assert scoring_set(task, 0, config).splits == scoring.splits  # the same for every method
    # A task whose whole train distribution is in the training data has nothing held out.
    tiny = suite("abstraction")["repeat"]
    assert scoring_set(tiny, 0, config).splits["train"] == ([], [])


def test_the_networks_train_with_their_tasks_tuning() -> None:
    import dataclasses

    import neural
    from tasks import Task, TaskError
    from tasks._methods import method

    # steps is the run's own choice and stays; the learning rate is at its default and
    # takes the task's tuning
    tuning = {"mlp": {"steps": 40, "learning_rate": 0.01}}
    task = Task("size", "(list[int]) -> int", reference=len, tuning=tuning)
    config = RunConfig(
        methods=("mlp",),
        mlp=neural.mlp_config(width=16, depth=1, steps=20, warmup_steps=2, batch_size=16),
        train_samples=64,
        eval_inputs=10,
        curve_inputs=2,
        curve_lengths=(5,),
        curve_values=(10,),
    )
    tuned = method("mlp").run(task, 0, config)
    assert (tuned.details["model"]["steps"], tuned.details["model"]["learning_rate"]) == (20, 0.01)
    assert tuned.details["tuned"] == {"learning_rate": 0.01}
    plain = method("mlp").run(task, 0, dataclasses.replace(config, tuned=False))
    assert plain.details["model"]["learning_rate"] == neural.mlp_config().learning_rate
    assert plain.details["tuned"] == {}
    # results depend on it: a run with tuned = false is another config for the networks
    assert "tuned" in config.results_key("mlp")
    assert "tuned" not in config.results_key("search")
    for bad in ({"stepz": 3}, {"weight_decay": -1.0}):  # no such setting; a bad value
        misspelt = Task("size", "(list[int]) -> int", reference=len, tuning={"mlp": bad})
        with pytest.raises(TaskError, match=r"task 'size': tuning\.mlp"):
            method("mlp").run(misspelt, 0, config)
    with pytest.raises(ConfigError, match="tuned must be true or false"):
        RunConfig(tuned="yes")  # type: ignore[arg-type]


def test_a_worker_draws_a_tasks_scoring_inputs_once_per_seed_and_settings() -> None:
    import dataclasses

    import tasks
    from tasks._methods import fit_inputs, scoring_set

    task = tasks.get("rank")
    config = RunConfig(eval_inputs=20, curve_inputs=3, train_samples=50)
    first = scoring_set(task, 0, config)
    assert scoring_set(task, 0, dataclasses.replace(config, budget=3.0)) is first
    assert scoring_set(task, 1, config) is not first
    other = scoring_set(task, 0, dataclasses.replace(config, eval_inputs=10))
    assert len(other.splits["train"][0]) == 10
    assert fit_inputs(task, 0, config) is fit_inputs(task, 0, config)
    # still no scoring input among the networks' training inputs
    seen = {repr(a) for a in fit_inputs(task, 0, config)}
    assert not any(repr(a) in seen for a in first.splits["train"][0])
