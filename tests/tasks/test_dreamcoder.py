"""The DreamCoder list-task suite: the shipped file loads, malformed files fail clearly."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsl
import synth
from tasks import DreamCoderTask, TaskFileError, load_dreamcoder

LIST_INT = dsl.TList(dsl.INT)
LIST_BOOL = dsl.TList(dsl.BOOL)
TYPES = {"int": dsl.INT, "bool": dsl.BOOL, "list-of-int": LIST_INT, "list-of-bool": LIST_BOOL}


@pytest.fixture(scope="module")
def suite() -> tuple[DreamCoderTask, ...]:
    return load_dreamcoder()


def _task(name: str = "t", i: str = "list-of-int", o: str = "int", **changes: Any) -> Any:
    entry: dict[str, Any] = {
        "name": name,
        "type": {"input": i, "output": o},
        "examples": [{"i": [1, 2], "o": 2}, {"i": [], "o": 0}],
    }
    entry.update(changes)
    return entry


def _write(tmp_path: Path, content: Any, name: str = "tasks.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


# The shipped file


def test_shipped_suite_has_all_217_tasks_in_file_order(suite: tuple[DreamCoderTask, ...]) -> None:
    assert len(suite) == 217
    assert len({t.name for t in suite}) == 217
    assert suite[0].name == "add-k with k=0"
    assert suite[-1].name == "take-k with k=5"


def test_shipped_suite_type_counts(suite: tuple[DreamCoderTask, ...]) -> None:
    inputs = Counter(t.signature.params[0] for t in suite)
    outputs = Counter(t.signature.ret for t in suite)
    assert inputs == {LIST_INT: 215, dsl.INT: 2}
    assert outputs == {LIST_INT: 151, dsl.INT: 31, LIST_BOOL: 18, dsl.BOOL: 17}
    assert {t.name for t in suite if t.signature.params[0] == dsl.INT} == {"fibonacci", "range"}


def test_every_spec_has_15_examples_of_the_signature_types(
    suite: tuple[DreamCoderTask, ...],
) -> None:
    for task in suite:
        spec = task.spec()
        assert spec.signature == task.signature
        assert len(spec.examples) == 15, task.name
        assert spec.name == "f"
        (param,) = task.signature.params
        for ex in spec.examples:
            assert dsl.value_has_type(ex.args[0], param), task.name
            assert dsl.value_has_type(ex.output, task.signature.ret), task.name
            # interpreter form: lists are tuples, all the way down
            assert dsl.to_internal(ex.args[0]) == ex.args[0]
            assert dsl.to_internal(ex.output) == ex.output


def test_spec_and_held_out_split_the_examples_in_order(suite: tuple[DreamCoderTask, ...]) -> None:
    for task in suite:
        shown, held = task.spec(10).examples, task.held_out(10)
        assert (len(shown), len(held)) == (10, 5)
        assert shown + held == task.examples


def test_parameter_names_follow_the_input_type(suite: tuple[DreamCoderTask, ...]) -> None:
    by_name = {t.name: t for t in suite}
    assert by_name["len"].spec().param_names == ("xs",)
    assert by_name["range"].spec().param_names == ("n",)
    bool_task = DreamCoderTask(
        "not", dsl.TFun((dsl.BOOL,), dsl.BOOL), (synth.Example((True,), False),)
    )
    assert bool_task.spec().param_names == ("b",)
    # DREAMCODER is new; check it where this checkout has it
    libraries = [dsl.CORE, dsl.EXTENDED, getattr(dsl, "DREAMCODER", dsl.CORE)]
    for library in libraries:
        for name in ("xs", "n", "b", "f"):
            assert name not in library, (name, library.name)


@pytest.mark.parametrize("n", [0, 16, -1, True, 2.5])
def test_spec_rejects_a_bad_count(suite: tuple[DreamCoderTask, ...], n: Any) -> None:
    with pytest.raises(ValueError, match="n must be an int from 1 to 15"):
        suite[0].spec(n)


def test_held_out_takes_0_to_15(suite: tuple[DreamCoderTask, ...]) -> None:
    assert suite[0].held_out(0) == suite[0].examples
    assert suite[0].held_out(15) == ()
    with pytest.raises(ValueError, match="from 0 to 15"):
        suite[0].held_out(16)


def test_load_reads_a_given_file(tmp_path: Path) -> None:
    entries = [
        _task("count", "list-of-int", "int"),
        {
            "name": "flags",
            "type": {"input": "int", "output": "list-of-bool"},
            "examples": [{"i": 2, "o": [True, False]}],
        },
    ]
    path = _write(tmp_path, entries)
    for given_path in (path, str(path)):
        count, flags = load_dreamcoder(given_path)
        assert count.name == "count"
        assert str(count.signature) == "(list[int]) -> int"
        assert count.examples == (synth.Example(((1, 2),), 2), synth.Example(((),), 0))
        assert str(flags.signature) == "(int) -> list[bool]"
        assert flags.examples == (synth.Example((2,), (True, False)),)


# Malformed files: the message names the file, the task and the field


@pytest.mark.parametrize(
    ("entry", "field", "found"),
    [
        ({**_task(), "name": None}, "name", "null"),
        (_task("bad-type", type="list-of-int"), "type", "a string"),
        (_task("no-input", type={"output": "int"}), "type.input", 'missing: expected {"input"'),
        (_task("unknown-type", i="list-of-string"), "type.input", '"list-of-string"'),
        (_task("unknown-out", o="float"), "type.output", '"float"'),
        (_task("no-examples", examples=[]), "examples", "an empty list"),
        (_task("examples-object", examples={"i": 1}), "examples", "an object"),
        (_task("not-example", examples=[[1, 2]]), "examples[0]", "a list"),
        (_task("no-i", examples=[{"i": [1], "o": 1}, {"o": 1}]), "examples[1].i", "missing"),
        (_task("no-o", examples=[{"i": [1]}]), "examples[0].o", "missing"),
        (_task("str-in-list", examples=[{"i": [1, "a"], "o": 1}]), "examples[0].i", "index 1"),
        (_task("bool-as-int", examples=[{"i": [1], "o": True}]), "examples[0].o", "a bool"),
        (_task("bool-in-list", examples=[{"i": [False], "o": 1}]), "examples[0].i", "a bool"),
        (_task("float-int", examples=[{"i": [1.0], "o": 1}]), "examples[0].i", "a number"),
        (_task("int-as-bool", o="bool", examples=[{"i": [], "o": 0}]), "examples[0].o", "an int"),
        (_task("list-not-int", examples=[{"i": [], "o": [1]}]), "examples[0].o", "a list"),
        (_task("int-not-list", examples=[{"i": 3, "o": 1}]), "examples[0].i", "an int (3)"),
        (_task("huge", examples=[{"i": [2**70], "o": 1}]), "examples[0].i", "integer bound"),
    ],
)
def test_malformed_task_names_file_task_and_field(
    tmp_path: Path, entry: dict[str, Any], field: str, found: str
) -> None:
    path = _write(tmp_path, [_task("fine"), entry], name="broken_tasks.json")
    with pytest.raises(TaskFileError) as info:
        load_dreamcoder(path)
    message = str(info.value)
    assert "broken_tasks.json" in message
    name = entry["name"] if isinstance(entry["name"], str) else "task 1 (no name)"
    assert name in message
    assert repr(field) in message
    assert found in message
    assert "expected" in message
    assert info.value.field == field


def test_missing_fields_are_named(tmp_path: Path) -> None:
    for key in ("name", "type", "examples"):
        entry = _task("lacks")
        del entry[key]
        with pytest.raises(TaskFileError, match=rf"tasks\.json: task .*field '{key}': missing"):
            load_dreamcoder(_write(tmp_path, [entry]))


def test_not_json_says_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, '[\n  {"name": "x",\n   "type": }\n]', name="bad.json")
    with pytest.raises(TaskFileError, match=r"bad\.json: not JSON: .* line 3, column 12") as info:
        load_dreamcoder(path)
    assert isinstance(info.value.__cause__, json.JSONDecodeError)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, dsl.AbstraxError)


def test_not_utf8_is_a_task_file_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(b'[{"name": "caf\xe9"}]')
    with pytest.raises(TaskFileError, match=r"latin\.json: not UTF-8"):
        load_dreamcoder(path)


@pytest.mark.parametrize(("content", "found"), [({"name": "x"}, "an object"), (3, "an int")])
def test_a_file_that_is_not_a_list(tmp_path: Path, content: Any, found: str) -> None:
    with pytest.raises(
        TaskFileError, match=rf"tasks\.json: expected a list of tasks, found {found}"
    ):
        load_dreamcoder(_write(tmp_path, content))


def test_a_task_that_is_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match=r"task 1 \(no name\): expected a task object"):
        load_dreamcoder(_write(tmp_path, [_task(), "add-k"]))


def test_duplicate_names_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match=r"task 'same', field 'name': .*task 0 has this name"):
        load_dreamcoder(_write(tmp_path, [_task("same"), _task("other"), _task("same")]))


# Round trip: any well-formed file loads back the values it holds

_INT = st.integers(-(2**63) + 1, 2**63 - 1)
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "int": _INT,
    "bool": st.booleans(),
    "list-of-int": st.lists(_INT, max_size=6),
    "list-of-bool": st.lists(st.booleans(), max_size=6),
}


@st.composite
def _entries(draw: st.DrawFn) -> dict[str, Any]:
    i, o = draw(st.sampled_from(sorted(_VALUES))), draw(st.sampled_from(sorted(_VALUES)))
    examples = draw(
        st.lists(st.fixed_dictionaries({"i": _VALUES[i], "o": _VALUES[o]}), min_size=1, max_size=4)
    )
    name = draw(st.text(min_size=1, max_size=12))
    return {"name": name, "type": {"input": i, "output": o}, "examples": examples}


@given(st.lists(_entries(), max_size=4, unique_by=lambda e: e["name"]))
def test_round_trip_of_well_formed_files(entries: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "round_trip.json"
        path.write_text(json.dumps(entries), encoding="utf-8")
        loaded = load_dreamcoder(path)
    assert [t.name for t in loaded] == [e["name"] for e in entries]
    for task, entry in zip(loaded, entries, strict=True):
        assert task.signature == dsl.TFun(
            (TYPES[entry["type"]["input"]],), TYPES[entry["type"]["output"]]
        )
        expected = tuple(
            synth.Example((dsl.to_internal(ex["i"]),), dsl.to_internal(ex["o"]))
            for ex in entry["examples"]
        )
        assert task.examples == expected
        assert task.spec().examples == expected


# The suite is solvable where it should be


@pytest.mark.parametrize(("name", "expected"), [("len", "length(xs)"), ("reverse", "reverse(xs)")])
def test_easy_tasks_are_solved_and_fit_the_held_out_examples(
    suite: tuple[DreamCoderTask, ...], name: str, expected: str
) -> None:
    task = next(t for t in suite if t.name == name)
    result = synth.synthesize(task.spec(10), library=dsl.EXTENDED, budget=synth.Budget(seconds=2))
    assert result.solved
    assert result.program is not None
    assert expected in dsl.pretty(result.program)
    run = dsl.compile_definition(result.program, library=dsl.EXTENDED)
    for ex in task.held_out(10):
        assert run.run(ex.args) == ex.output
