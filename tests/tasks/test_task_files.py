"""Suites: the built-in ones, a user's task file (TOML or JSON) or module, and clear errors,
naming the file, the task and the field, for a malformed task file."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

import dsl
import tasks
from tasks import (
    DEFAULT_SPLITS,
    LONGER,
    Split,
    Suite,
    Task,
    TaskError,
    TaskFileError,
    get,
    load_suite,
    resolve_library,
    suite,
    suites,
)

DOUBLING_TOML = """\
name = "doubling"
description = "lists doubled"
library = "core"

[[tasks]]
name = "double_all"
signature = "(list[int]) -> list[int]"
description = "every element doubled"
reference = "def double_all(xs: list[int]) -> list[int] = map(xs, fn x => x + x)"
examples = [{ input = [[1, 2]], output = [2, 4] }]
n_examples = 4
[tasks.splits.longer]
min_len = 10
max_len = 100

[[tasks]]
name = "count"
signature = "(list[int]) -> int"
examples = [{ input = [[1, 2]], output = 2 }, { input = [[]], output = 0 }]
n_examples = 1
"""


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "double_all",
        "signature": "(list[int]) -> list[int]",
        "reference": "def double_all(xs: list[int]) -> list[int] = map(xs, fn x => x + x)",
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def _write(tmp_path: Path, content: Any, name: str = "tasks.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _file_error(path: Path) -> TaskFileError:
    with pytest.raises(TaskFileError) as info:
        load_suite(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)
    return info.value


# Task files


def test_toml_task_file_loads_as_documented(tmp_path: Path) -> None:
    loaded = load_suite(_write(tmp_path, DOUBLING_TOML, "whatever.toml"))
    assert (loaded.name, loaded.description) == ("doubling", "lists doubled")
    assert loaded.names == ("double_all", "count")
    double_all, count = loaded
    assert str(double_all.signature) == "(list[int]) -> list[int]"
    assert double_all.description == "every element doubled"
    assert double_all.n_examples == 4
    assert double_all.examples == ((([1, 2],), [2, 4]),)
    # the reference is the definition, compiled: it runs
    assert double_all.output(([3, -1, 0],)) == [6, -2, 0]
    assert [out for _, out in double_all.given()][:1] == [[2, 4]]
    assert all(out == [2 * x for x in args[0]] for args, out in double_all.given())
    assert count.reference is None
    assert count.split_names == ("held_out",)
    assert count.given() == ((([1, 2],), 2),)
    assert count.held_out() == ((([],), 0),)


def test_split_overrides_merge_with_the_defaults(tmp_path: Path) -> None:
    double_all = load_suite(_write(tmp_path, DOUBLING_TOML, "d.toml"))["double_all"]
    assert double_all.splits["longer"] == Split(10, 100, LONGER.min_value, LONGER.max_value)
    for name in ("train", "larger", "both"):
        assert double_all.splits[name] == DEFAULT_SPLITS[name]
    assert double_all.split_names == ("train", "longer", "larger", "both")
    lengths = {len(xs) for (xs,) in double_all.inputs("longer", 30)}
    assert max(lengths) > 50
    assert all(10 <= n <= 100 for n in lengths)


def test_a_new_split_starts_from_train(tmp_path: Path) -> None:
    path = _write(tmp_path, {"tasks": [_entry(splits={"huge": {"max_value": 10**6}})]})
    task = load_suite(path)["double_all"]
    assert task.split_names == ("train", "longer", "larger", "both", "huge")
    assert task.splits["huge"] == Split(1, 5, 0, 10**6)


def test_json_task_file_loads_the_same_fields(tmp_path: Path) -> None:
    data = {
        "description": "from JSON",
        "tasks": [
            _entry(examples=[{"input": [[1]], "output": [2]}], param_names=["ys"]),
            {
                "name": "flag",
                "signature": "(int) -> bool",
                "examples": [{"input": [1], "output": True}],
            },
        ],
    }
    loaded = load_suite(_write(tmp_path, data, "mine.json"))
    assert loaded.name == "mine"  # the file's stem
    assert loaded.description == "from JSON"
    assert loaded.names == ("double_all", "flag")
    assert loaded["double_all"].param_names == ("ys",)
    assert loaded["double_all"].output(([4],)) == [8]
    assert loaded["flag"].given() == (((1,), True),)


def test_a_reference_may_call_an_earlier_definition_and_the_library(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        def twice(x: int) -> int = x + x
        def double_all(xs: list[int]) -> list[int] = map(xs, fn x => twice(x))"""
    )
    path = _write(tmp_path, {"tasks": [_entry(reference=source)]})
    assert load_suite(path)["double_all"].output(([1, 5],)) == [2, 10]
    sorting = {
        "library": "extended",
        "tasks": [
            {
                "name": "s",
                "signature": "(list[int]) -> list[int]",
                "reference": "def s(xs: list[int]) -> list[int] = sort(xs)",
            }
        ],
    }
    assert load_suite(_write(tmp_path, sorting, "s.json"))["s"].output(([3, 1, 2],)) == [1, 2, 3]


def test_a_library_file_is_found_next_to_the_task_file(tmp_path: Path) -> None:
    dsl.CORE.extend(definitions="def triple(x: int) -> int = x + x + x").save(tmp_path / "my.abx")
    data = {
        "library": "my.abx",
        "tasks": [
            {
                "name": "triple_all",
                "signature": "(list[int]) -> list[int]",
                "reference": "def t(xs: list[int]) -> list[int] = map(xs, fn x => triple(x))",
            }
        ],
    }
    loaded = load_suite(_write(tmp_path, data))
    assert loaded["triple_all"].output(([1, -2],)) == [3, -6]


# Malformed task files


def test_not_toml(tmp_path: Path) -> None:
    err = _file_error(_write(tmp_path, "[[tasks]\nname = 1", "t.toml"))
    assert "not valid TOML" in str(err)
    assert (err.task, err.field) == (None, None)


def test_not_json(tmp_path: Path) -> None:
    err = _file_error(_write(tmp_path, '{"tasks": [', "t.json"))
    assert "not valid JSON" in str(err)


def test_json_that_is_not_a_table(tmp_path: Path) -> None:
    err = _file_error(_write(tmp_path, [_entry()]))
    assert "'tasks' list" in str(err)


def test_a_missing_file(tmp_path: Path) -> None:
    err = _file_error(tmp_path / "absent.toml")
    assert "cannot read" in str(err)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(b'\xff\xfe[[tasks]]\nname = "a"\n')
    _file_error(path)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "x"}, "tasks"),
        ({"tasks": []}, "tasks"),
        ({"tasks": {"name": "a"}}, "tasks"),
        ({"tasks": [_entry()], "version": 2}, "version"),
        ({"tasks": [_entry()], "name": 3}, "name"),
        ({"tasks": [_entry()], "library": "numpy"}, "library"),
        ({"tasks": [_entry()], "library": 1}, "library"),
        ({"tasks": [_entry()], "library": "absent.abx"}, "library"),
    ],
)
def test_a_malformed_file_names_the_field(tmp_path: Path, data: dict[str, Any], field: str) -> None:
    err = _file_error(_write(tmp_path, data))
    assert err.task is None
    assert err.field == field


@pytest.mark.parametrize(
    ("entry", "task", "field", "match"),
    [
        ({"signature": "(int) -> int"}, 1, "name", "non-empty string"),
        (_entry(name=""), 1, "name", "non-empty string"),
        ("double_all", 1, None, "table of fields"),
        (_entry(expected=[1]), "double_all", "expected", "unknown field"),
        (_entry(signature=None), "double_all", "signature", "expected text"),
        (_entry(signature=3), "double_all", "signature", "expected text"),
        (_entry(reference=["def"]), "double_all", "reference", "definition in the language"),
        (
            _entry(reference="def double_all(xs: list[int]) -> int = length(xs)"),
            "double_all",
            "reference",
            r"double_all has type \(list\[int\]\) -> int; the signature is",
        ),
        (
            _entry(reference="def g(xs: list[int]) -> list[int] = map(xs, fn x => nope(x))"),
            "double_all",
            "reference",
            "nope",
        ),
        (_entry(examples={"input": [[1]], "output": [2]}), "double_all", "examples", "a list"),
        (_entry(examples=[{"input": [[1]]}]), "double_all", "examples[0]", "output"),
        (
            _entry(examples=[{"input": [[1]], "output": [2]}, [[1], [2]]]),
            "double_all",
            "examples[1]",
            "input",
        ),
        (
            _entry(examples=[{"input": [[1]], "output": [2], "note": ""}]),
            "double_all",
            "examples[0]",
            "input",
        ),
        (
            _entry(examples=[{"input": 1, "output": [2]}]),
            "double_all",
            "examples[0].input",
            "list of arguments",
        ),
        (_entry(splits=[1, 50]), "double_all", "splits", "table of splits"),
        (_entry(splits={"longer": 10}), "double_all", "splits.longer", "min_len"),
        (
            _entry(splits={"longer": {"max_length": 9}}),
            "double_all",
            "splits.longer.max_length",
            "unknown field",
        ),
        (
            _entry(splits={"longer": {"min_len": "10"}}),
            "double_all",
            "splits.longer",
            r"Split\.min_len must be an int",
        ),
        (
            _entry(splits={"longer": {"min_len": 60}}),
            "double_all",
            "splits.longer",
            r"min_len <= max_len, got 60\.\.50",
        ),
        (
            _entry(splits={"larger": {"min_value": 5, "max_value": 4}}),
            "double_all",
            "splits.larger",
            "min_value <= max_value",
        ),
    ],
)
def test_a_malformed_task_names_the_task_and_field(
    tmp_path: Path, entry: Any, task: str | int, field: str | None, match: str
) -> None:
    other = _entry(name="fine")
    err = _file_error(_write(tmp_path, {"tasks": [other, entry]}))
    assert (err.task, err.field) == (task, field)
    assert err.reason
    if isinstance(task, str):
        assert repr(task) in str(err)
    assert re.search(match, str(err))


def test_a_reference_that_does_not_parse_carries_the_parse_error(tmp_path: Path) -> None:
    bad = "def double_all(xs: list[int]) -> list[int] = map(xs, fn x => x +)"
    err = _file_error(_write(tmp_path, {"tasks": [_entry(reference=bad)]}))
    assert (err.task, err.field) == ("double_all", "reference")
    # the parser's error: where, and what it expected instead
    assert "reference:1:" in err.reason
    assert "^" in err.reason
    assert isinstance(err.__cause__, dsl.ParseProgramError)


def test_a_task_that_does_not_fit_its_signature_names_the_task(tmp_path: Path) -> None:
    entry = _entry(reference=None, examples=[{"input": [[1]], "output": 2}])
    err = _file_error(_write(tmp_path, {"tasks": [entry]}))
    assert err.task == "double_all"
    assert "example 0" in str(err)


def test_two_tasks_of_one_name(tmp_path: Path) -> None:
    err = _file_error(_write(tmp_path, {"tasks": [_entry(), _entry()]}))
    assert "two tasks called 'double_all'" in str(err)


@pytest.mark.parametrize("reference", [_entry()["reference"], None], ids=["reference", "none"])
def test_a_bad_signature_names_the_signature_field(tmp_path: Path, reference: Any) -> None:
    entry = _entry(
        signature="(list[int) -> list[int]",
        reference=reference,
        examples=[{"input": [[1]], "output": [2]}],
    )
    err = _file_error(_write(tmp_path, {"tasks": [entry]}))
    assert (err.task, err.field) == ("double_all", "signature")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"n_examples": 0}, "n_examples"),
        ({"examples": [{"input": [[1]], "output": 2}]}, "examples[0]"),
        ({"tuning": {"mlp": 5}}, "tuning.mlp"),
    ],
)
def test_fields_that_task_checks_are_named(
    tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    err = _file_error(_write(tmp_path, {"tasks": [_entry(**changes)]}))
    assert (err.task, err.field) == ("double_all", field)


# Libraries


def test_resolve_library_knows_the_built_in_libraries() -> None:
    assert resolve_library("core") is dsl.CORE
    assert resolve_library("extended") is dsl.EXTENDED
    assert resolve_library("dreamcoder") is dsl.DREAMCODER
    assert set(tasks.LIBRARIES) == {"core", "extended", "dreamcoder"}


def test_resolve_library_loads_an_abx_file_on_top_of_core(tmp_path: Path) -> None:
    path = tmp_path / "learned.abx"
    dsl.CORE.extend(definitions="def inc(x: int) -> int = x + 1").save(path)
    library = resolve_library(str(path))
    assert "inc" in library
    assert "map" in library
    assert "sort" not in library  # CORE, not EXTENDED
    assert library.name == "learned"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("def inc(x: int) -> int = x +", r"library file .*bad\.abx"),
        ("def inc(x: int) -> bool = x + 1", r"library file .*bad\.abx"),
    ],
)
def test_resolve_library_rejects_a_bad_file(tmp_path: Path, content: str, match: str) -> None:
    (tmp_path / "bad.abx").write_text(content)
    with pytest.raises(TaskError, match=match) as info:
        resolve_library(str(tmp_path / "bad.abx"))
    assert isinstance(info.value.__cause__, dsl.AbstraxError)


def test_resolve_library_rejects_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "bin.abx").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TaskError, match="library file"):
        resolve_library(str(tmp_path / "bin.abx"))


def test_resolve_library_rejects_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match=r"unknown library 'numpy': expected core, extended"):
        resolve_library("numpy")
    with pytest.raises(TaskError, match="does not exist"):
        resolve_library(str(tmp_path / "absent.abx"))
    with pytest.raises(TaskError, match="unknown library"):
        resolve_library(str(tmp_path))


# Suites by name


def test_built_in_suites() -> None:
    assert suites() == ("basic", "sorting", "abstraction", "dreamcoder")
    for name in suites():
        s = suite(name)
        assert s.name == name
        assert len(s) > 0
        assert all(isinstance(t, Task) for t in s)


def test_suite_loads_a_task_file_by_path(tmp_path: Path) -> None:
    path = _write(tmp_path, DOUBLING_TOML, "d.toml")
    assert suite(str(path)).names == ("double_all", "count")
    json_path = _write(tmp_path, {"tasks": [_entry()]}, "d.json")
    assert suite(str(json_path)).names == ("double_all",)
    with pytest.raises(TaskFileError):
        suite(str(tmp_path / "absent.toml"))


def test_suite_loads_module_attribute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_user_suite.py").write_text(
        textwrap.dedent(
            """\
            from tasks import Suite, Task

            ONE = Task("one", "(int) -> int", reference=lambda n: 1)
            TWO = Task("two", "(int) -> int", reference=lambda n: 2)
            SUITE = Suite("mine", (ONE, TWO), "two constants")
            TASKS = [TWO, ONE]
            NUMBER = 3

            class Holder:
                tasks = (ONE,)

            def make():
                return Suite("made", (ONE,))
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    mine = suite("my_user_suite:SUITE")
    assert (mine.name, mine.names, mine.description) == ("mine", ("one", "two"), "two constants")
    listed = suite("my_user_suite:TASKS")
    assert (listed.name, listed.names) == ("TASKS", ("two", "one"))
    assert suite("my_user_suite:make").name == "made"
    assert suite("my_user_suite:Holder.tasks").names == ("one",)
    with pytest.raises(TaskError, match="not a Suite or a list of Tasks"):
        suite("my_user_suite:NUMBER")
    with pytest.raises(TaskError, match="my_user_suite:MISSING"):
        suite("my_user_suite:MISSING")
    with pytest.raises(TaskError, match="no_such_module_abstrax"):
        suite("no_such_module_abstrax:SUITE")


def test_unknown_suite() -> None:
    with pytest.raises(TaskError, match=r"unknown suite 'nope': expected one of basic, sorting"):
        suite("nope")


# Tasks by name


def test_get_a_qualified_or_unique_name() -> None:
    sort_asc = get("sorting/sort_asc")
    assert sort_asc.name == "sort_asc"
    assert sort_asc.output(([3, 1, 2],)) == [1, 2, 3]
    assert get("sort_asc").signature == sort_asc.signature
    assert get("basic/reverse").examples == suite("basic")["reverse"].examples


def test_get_a_name_in_several_suites_names_the_options() -> None:
    with pytest.raises(TaskError, match="several suites") as info:
        get("reverse")
    assert "basic/reverse" in str(info.value)
    assert "abstraction/reverse" in str(info.value)


def test_get_an_unknown_name() -> None:
    with pytest.raises(TaskError, match="no built-in task 'nope'"):
        get("nope")
    with pytest.raises(TaskError, match=r"suite 'sorting' has no task 'nope'; it has sort_asc"):
        get("sorting/nope")
    with pytest.raises(TaskError, match="unknown suite"):
        get("nope/reverse")


# Suite objects


def _t(name: str) -> Task:
    return Task(name, "(int) -> int", reference=abs)


def test_suite_select_keeps_the_suites_order() -> None:
    s = Suite("s", (_t("a"), _t("b"), _t("c")), "three")
    picked = s.select(["c", "a"])
    assert (picked.name, picked.names, picked.description) == ("s", ("a", "c"), "three")
    assert s.select([]).names == ()
    with pytest.raises(TaskError, match=r"suite 's' has no task 'd'; it has a, b, c"):
        s.select(["a", "d"])


def test_suite_is_a_collection_of_tasks() -> None:
    a, b = _t("a"), _t("b")
    s = Suite("s", (a, b))
    assert list(s) == [a, b]
    assert len(s) == 2
    assert s["b"] is b
    assert "a" in s
    assert "z" not in s
    assert s.names == ("a", "b")


def test_suite_rejects_duplicates_and_non_tasks() -> None:
    with pytest.raises(TaskError, match="suite 's' has two tasks called 'a'"):
        Suite("s", (_t("a"), _t("b"), _t("a")))
    with pytest.raises(TaskError, match="not a Task"):
        Suite("s", (_t("a"), "b"))  # type: ignore[arg-type]


# The shipped suites


def test_dreamcoder_suite_gives_10_examples_and_holds_5_out() -> None:
    dc = suite("dreamcoder")
    assert len(dc) == 217
    for task in dc:
        assert task.n_examples == 10, task.name
        assert task.reference is None, task.name
        assert len(task.given()) == 10, task.name
        assert len(task.held_out()) == 5, task.name
        assert task.given() + task.held_out() == task.examples
        assert task.split_names == ("held_out",), task.name
    first = dc.tasks[0]
    assert first.name == "add-k with k=0"
    assert first.spec().name == "f"
    assert all(isinstance(args[0], list) for args, _ in first.examples)  # Python form


def test_basic_suite_gives_exactly_the_hand_picked_examples() -> None:
    basic = suite("basic")
    assert len(basic) == 23
    assert basic.tasks == tasks.BASIC
    for task in basic:
        assert 3 <= len(task.examples) <= 6, task.name
        assert task.given() == task.examples, task.name
        assert task.given(seed=7) == task.examples, task.name
        for args, out in task.examples:
            assert task.output(args) == out, task.name


def test_a_task_file_can_tune_a_network(tmp_path: Path) -> None:
    entry = _entry(tuning={"mlp": {"steps": 20_000}})
    (task,) = load_suite(_write(tmp_path, {"tasks": [entry]})).tasks
    assert dict(task.tuning["mlp"]) == {"steps": 20_000}
