"""Suites: named collections of tasks, built in or loaded from a user's file.

A suite is named by a built-in name (``basic``, ``sorting``, ``abstraction``,
``dreamcoder``), a path to a ``.toml`` or ``.json`` task file, or ``module:attribute`` (a
Python object that is a :class:`Suite` or a sequence of :class:`Task`). There is no global
registry to add to: a user's suite is a file or a module of theirs.

A task file looks like this (TOML; JSON has the same fields)::

    name = "doubling"                  # optional: the file's stem
    description = "lists doubled"
    library = "core"                   # what references are written with (or an .abx file)

    [[tasks]]
    name = "double_all"
    signature = "(list[int]) -> list[int]"
    description = "every element doubled"
    reference = "def double_all(xs: list[int]) -> list[int] = map(xs, fn x => x + x)"
    examples = [{ input = [[1, 2]], output = [2, 4] }]    # optional with a reference
    n_examples = 6                                         # optional
    [tasks.splits.longer]                                  # optional: overrides a default split
    min_len = 10
    max_len = 100

A task needs a ``reference`` (a definition in the language), ``examples``, or both.
"""

from __future__ import annotations

import importlib
import json
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dsl
from tasks._dreamcoder import TaskFileError, load_dreamcoder
from tasks._task import DEFAULT_SPLITS, Split, Task, TaskError

LIBRARIES: dict[str, dsl.Library] = {
    "core": dsl.CORE,
    "extended": dsl.EXTENDED,
    "dreamcoder": dsl.DREAMCODER,
}


def resolve_library(name: str) -> dsl.Library:
    """The library called ``name``: ``core``, ``extended``, ``dreamcoder``, or the path of
    an ``.abx`` file of definitions (a learned library), loaded on top of CORE.

    Raises:
        TaskError: an unknown name, or a file that does not load.
    """
    if name in LIBRARIES:
        return LIBRARIES[name]
    path = Path(name)
    if path.suffix == ".abx":
        if not path.is_file():
            raise TaskError(f"library file {name!r} does not exist")
        try:
            return dsl.Library.load(path, base=dsl.CORE)
        except (dsl.AbstraxError, OSError, UnicodeDecodeError) as err:
            raise TaskError(f"library file {name!r}: {err}") from err
    raise TaskError(
        f"unknown library {name!r}: expected {', '.join(LIBRARIES)} or a path to an .abx file"
    )


@dataclass(frozen=True, slots=True)
class Suite:
    """A named, ordered collection of tasks with unique names.

    Attributes:
        name: what the runner records as ``suite``.
        tasks: the tasks, in report order.
        description: one line for people.
    """

    name: str
    tasks: tuple[Task, ...]
    description: str = ""

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for t in self.tasks:
            if not isinstance(t, Task):
                raise TaskError(f"suite {self.name!r} holds {t!r}, which is not a Task")
            if t.name in seen:
                raise TaskError(f"suite {self.name!r} has two tasks called {t.name!r}")
            seen.add(t.name)

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def __getitem__(self, name: str) -> Task:
        for t in self.tasks:
            if t.name == name:
                return t
        raise TaskError(f"suite {self.name!r} has no task {name!r}; it has {', '.join(self.names)}")

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.tasks)

    @property
    def names(self) -> tuple[str, ...]:
        """The task names, in order."""
        return tuple(t.name for t in self.tasks)

    def select(self, names: Sequence[str]) -> Suite:
        """The suite restricted to ``names`` (in the suite's order).

        Raises:
            TaskError: a name that is not in the suite.
        """
        for n in names:
            self[n]
        wanted = set(names)
        return Suite(self.name, tuple(t for t in self.tasks if t.name in wanted), self.description)


def _basic() -> Suite:
    from tasks._basic import BASIC

    return Suite("basic", BASIC, "small list functions from hand-picked examples")


def _sorting() -> Suite:
    from tasks._sorting import SORTING

    return Suite("sorting", SORTING, "sorting and order statistics, which CORE has to earn")


def _abstraction() -> Suite:
    from tasks._abstraction import ABSTRACTION

    return Suite("abstraction", ABSTRACTION, "rules that must carry to unseen values and lengths")


def _dreamcoder() -> Suite:
    tasks = tuple(
        Task(
            t.name,
            t.signature,
            examples=[
                (tuple(dsl.to_external(a) for a in e.args), dsl.to_external(e.output))
                for e in t.examples
            ],
            n_examples=10,
            description="DreamCoder list task (Ellis et al., PLDI 2021)",
        )
        for t in load_dreamcoder()
    )
    return Suite("dreamcoder", tasks, "DreamCoder's 217 list tasks: 10 examples given, 5 held out")


_BUILT_IN: dict[str, Callable[[], Suite]] = {
    "basic": _basic,
    "sorting": _sorting,
    "abstraction": _abstraction,
    "dreamcoder": _dreamcoder,
}


def suites() -> tuple[str, ...]:
    """The names of the built-in suites."""
    return tuple(_BUILT_IN)


def suite(name: str) -> Suite:
    """The suite called ``name``: a built-in name, a ``.toml``/``.json`` task file, or
    ``module:attribute``.

    Raises:
        TaskError: nothing of that name.
        TaskFileError: a task file that is malformed (naming the file, task and field).
    """
    if name in _BUILT_IN:
        return _BUILT_IN[name]()
    if Path(name).suffix in (".toml", ".json"):
        return load_suite(name)
    if ":" in name and not Path(name).exists():
        return _from_module(name)
    raise TaskError(
        f"unknown suite {name!r}: expected one of {', '.join(_BUILT_IN)}, a .toml or .json "
        "task file, or module:attribute"
    )


def _from_module(ref: str) -> Suite:
    module_name, _, attr = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise TaskError(f"suite {ref!r}: {err}") from err
    if callable(obj) and not isinstance(obj, Suite):
        obj = obj()
    if isinstance(obj, Suite):
        return obj
    if isinstance(obj, Sequence) and all(isinstance(t, Task) for t in obj):
        return Suite(attr, tuple(obj))
    raise TaskError(f"suite {ref!r} is {type(obj).__name__}, not a Suite or a list of Tasks")


def get(name: str) -> Task:
    """The built-in task called ``name``, or ``suite/name`` where several suites have one.

    Raises:
        TaskError: no such task, or a bare name that more than one suite has.
    """
    if "/" in name:
        suite_name, _, task_name = name.partition("/")
        return suite(suite_name)[task_name]
    found = [(s, suite(s)) for s in _BUILT_IN]
    hits = [(s, su[name]) for s, su in found if name in su]
    if not hits:
        raise TaskError(f"no built-in task {name!r} (suites: {', '.join(_BUILT_IN)})")
    if len(hits) > 1:
        options = ", ".join(f"{s}/{name}" for s, _ in hits)
        raise TaskError(f"task {name!r} is in several suites; say which: {options}")
    return hits[0][1]


# --- task files ---------------------------------------------------------------------------


def load_suite(path: str | Path) -> Suite:
    """A suite from a ``.toml`` or ``.json`` task file (the format is in this module's
    docstring).

    Raises:
        TaskFileError: the file is missing, does not parse, or a task's field is wrong;
            the error names the file, the task and the field.
    """
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TaskFileError(f"cannot read the task file: {err}", path=where) from err
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
        raise TaskFileError(f"not valid {path.suffix[1:].upper()}: {err}", path=where) from err
    if not isinstance(data, dict):
        raise TaskFileError("expected a table with a 'tasks' list at the top", path=where)
    _no_unknown(data, {"name", "description", "library", "tasks"}, where, None)
    library = _library_in_file(data.get("library", "core"), path)
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise TaskFileError("expected a non-empty list of tasks", path=where, field="tasks")
    tasks = tuple(_task_from_data(item, i, where, library) for i, item in enumerate(raw_tasks))
    name = data.get("name", path.stem)
    if not isinstance(name, str):
        raise TaskFileError(f"expected a string, got {name!r}", path=where, field="name")
    try:
        return Suite(name, tasks, str(data.get("description", "")))
    except TaskError as err:
        raise TaskFileError(str(err), path=where) from err


def _library_in_file(name: Any, path: Path) -> dsl.Library:
    if not isinstance(name, str):
        raise TaskFileError(f"expected a string, got {name!r}", path=str(path), field="library")
    if name.endswith(".abx") and not Path(name).is_absolute():
        name = str(path.parent / name)
    try:
        return resolve_library(name)
    except TaskError as err:
        raise TaskFileError(str(err), path=str(path), field="library") from err


_TASK_FIELDS = {
    "name",
    "signature",
    "description",
    "reference",
    "examples",
    "n_examples",
    "splits",
    "param_names",
    "tuning",
}
_SPLIT_FIELDS = {"min_len", "max_len", "min_value", "max_value"}


def _no_unknown(
    data: dict[str, Any], known: set[str], path: str, task: str | None, prefix: str = ""
) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise TaskFileError(
            f"unknown field; expected some of {', '.join(sorted(known))}",
            path=path,
            task=task,
            field=prefix + unknown[0],
        )


def _task_from_data(item: Any, i: int, path: str, library: dsl.Library) -> Task:
    if not isinstance(item, dict):
        raise TaskFileError(f"expected a table of fields, got {item!r}", path=path, task=i)
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise TaskFileError("expected a non-empty string", path=path, task=i, field="name")

    def fail(reason: str, field: str | None) -> TaskFileError:
        return TaskFileError(reason, path=path, task=name, field=field)

    _no_unknown(item, _TASK_FIELDS, path, name)
    signature = item.get("signature")
    if not isinstance(signature, str):
        raise fail("expected text like '(list[int]) -> int'", "signature")
    try:
        parsed = dsl.parse_type(signature)
    except dsl.AbstraxError as err:
        raise fail(f"not a type: {err}", "signature") from err
    if not isinstance(parsed, dsl.TFun):
        raise fail(f"expected a function type like '(list[int]) -> int', got {parsed}", "signature")
    reference = None
    if "reference" in item:
        reference = _reference(item["reference"], signature, fail, library)
    examples = []
    raw_examples = item.get("examples", [])
    if not isinstance(raw_examples, list):
        raise fail("expected a list of {input = [...], output = ...}", "examples")
    for j, e in enumerate(raw_examples):
        if not isinstance(e, dict) or set(e) != {"input", "output"}:
            raise fail("expected {input = [...], output = ...}", f"examples[{j}]")
        if not isinstance(e["input"], list):
            raise fail("expected the list of arguments", f"examples[{j}].input")
        examples.append((tuple(e["input"]), e["output"]))
    splits = dict(DEFAULT_SPLITS)
    raw_splits = item.get("splits", {})
    if not isinstance(raw_splits, dict):
        raise fail("expected a table of splits", "splits")
    for split_name, fields in raw_splits.items():
        at = f"splits.{split_name}"
        if not isinstance(fields, dict):
            raise fail(f"expected a table with {', '.join(sorted(_SPLIT_FIELDS))}", at)
        _no_unknown(fields, _SPLIT_FIELDS, path, name, prefix=at + ".")
        base = splits.get(split_name, DEFAULT_SPLITS["train"])
        merged = {k: getattr(base, k) for k in _SPLIT_FIELDS} | fields
        try:
            splits[split_name] = Split(**merged)
        except TaskError as err:
            raise fail(str(err), at) from err
    options: dict[str, Any] = {}
    for key in ("n_examples", "param_names", "description", "tuning"):
        if key in item:
            options[key] = item[key]
    try:
        return Task(
            name,
            signature,
            reference=reference,
            examples=examples,
            splits=splits,
            **options,
        )
    except TaskError as err:
        raise fail(err.reason, err.field) from err


def _reference(
    source: Any,
    signature: str,
    fail: Callable[[str, str | None], TaskFileError],
    library: dsl.Library,
) -> Any:
    if not isinstance(source, str):
        raise fail("expected a definition in the language", "reference")
    try:
        module = dsl.parse(source, filename="reference")
        definition = module[module.definitions[-1].name]
        compiled = dsl.compile_definition(
            definition, library=library, module=module, limits=dsl.Limits(fuel=10_000_000)
        )
        expected = dsl.parse_type(signature)
    except dsl.AbstraxError as err:
        raise fail(str(err), "reference") from err
    if definition.signature != expected:
        raise fail(
            f"{definition.name} has type {definition.signature}; the signature is {expected}",
            "reference",
        )
    return compiled
