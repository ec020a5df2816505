"""The DreamCoder list-task suite: 217 tasks of one argument, 15 examples each, from a JSON file.

The file is the one DreamCoder (Ellis et al., PLDI 2021) and DeepSynth report on; a copy
ships with this package (``tasks/data/dreamcoder/``, MIT licence beside it). Each entry is
``{"name": ..., "type": {"input": T, "output": T}, "examples": [{"i": ..., "o": ...}, ...]}``
with ``T`` one of ``int``, ``bool``, ``list-of-int``, ``list-of-bool``. The loader checks
every value against its declared type and says exactly where a malformed file goes wrong.

References:
    Ellis, Wong, Nye, Sablé-Meyer, Morales, Hewitt, Cary, Solar-Lezama, Tenenbaum.
    "DreamCoder: bootstrapping inductive program synthesis with wake-sleep library
    learning." PLDI 2021.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import dsl
from synth import Example, Spec
from tasks._task import TaskError

_SHIPPED = ("data", "dreamcoder", "list_tasks.json")

_TYPES: dict[str, dsl.Type] = {
    "int": dsl.INT,
    "bool": dsl.BOOL,
    "list-of-int": dsl.TList(dsl.INT),
    "list-of-bool": dsl.TList(dsl.BOOL),
}
"""The file's type names and the language's types they stand for."""

_TYPE_NAMES: dict[dsl.Type, str] = {t: name for name, t in _TYPES.items()}


class TaskFileError(TaskError):
    """A task file is malformed: not JSON, or a task, field or value not as the format says.

    Attributes:
        path: the file, as given (or the shipped copy's location).
        task: the task's name, or its 0-based index when it has no usable name; None when the
            problem is the file as a whole.
        field: where in the task, e.g. ``"type.input"`` or ``"examples[3].o"``; None when the
            problem is the file or the task entry as a whole.
        reason: what was expected and what was found.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str,
        task: str | int | None = None,
        field: str | None = None,
    ) -> None:
        where = path
        if isinstance(task, str):
            where += f": task {task!r}"
        elif task is not None:
            where += f": task {task} (no name)"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {reason}", field=field, reason=reason)
        self.path = path
        self.task = task


@dataclass(frozen=True, slots=True)
class DreamCoderTask:
    """One DreamCoder list task: a one-parameter signature and its 15 examples.

    Attributes:
        name: as in the file, e.g. ``"add-k with k=2"`` (names have spaces and ``=``).
        signature: the program's type, e.g. ``(list[int]) -> list[int]``.
        examples: every example of the file, in order, in the interpreter's form (lists
            are tuples).

    Example:
        >>> task = next(t for t in load_dreamcoder() if t.name == "len")
        >>> str(task.signature), len(task.examples)
        ('(list[int]) -> int', 15)
        >>> spec = task.spec(10)
        >>> spec.param_names, len(spec.examples), len(task.held_out(10))
        (('xs',), 10, 5)
    """

    name: str
    signature: dsl.TFun
    examples: tuple[Example, ...]

    def spec(self, n: int | None = None) -> Spec:
        """The spec a search is given: the signature and the first ``n`` examples.

        The program is named ``f`` and its parameter ``xs`` (a list), ``n`` (an int) or ``b``
        (a bool); none of these is a library name.

        Args:
            n: how many examples, from the first; ``None`` for all of them.

        Raises:
            ValueError: ``n`` is not an int from 1 to the number of examples.
        """
        count = len(self.examples) if n is None else _count(n, 1, len(self.examples), "n")
        return Spec(
            self.signature,
            self.examples[:count],
            param_names=(_param_name(self.signature.params[0]),),
            name="f",
        )

    def held_out(self, n: int) -> tuple[Example, ...]:
        """The examples that ``spec(n)`` leaves out (``examples[n:]``), to test a program on.

        Raises:
            ValueError: ``n`` is not an int from 0 to the number of examples.
        """
        return self.examples[_count(n, 0, len(self.examples), "n") :]


def load_dreamcoder(path: str | Path | None = None) -> tuple[DreamCoderTask, ...]:
    """The tasks of a DreamCoder list-task file, in file order.

    Args:
        path: a JSON file in DreamCoder's format; ``None`` for the copy shipped with abstrax
            (217 tasks).

    Returns:
        One :class:`DreamCoderTask` per entry.

    Raises:
        TaskFileError: the file is not UTF-8 JSON, is not a list of tasks, or a task lacks a
            field, names an unknown type, has no examples, has two tasks of one name, or has
            a value that is not of its declared type (or beyond the language's int bound).
        OSError: the file cannot be read.

    Example:
        >>> tasks = load_dreamcoder()
        >>> len(tasks), tasks[0].name
        (217, 'add-k with k=0')
    """
    if path is None:
        resource = resources.files("tasks").joinpath(*_SHIPPED)
        where, data = str(resource), resource.read_bytes()
    else:
        where, data = str(path), Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise TaskFileError(
            f"not UTF-8 text ({err.reason} at byte {err.start})", path=where
        ) from err
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as err:
        raise TaskFileError(
            f"not JSON: {err.msg} at line {err.lineno}, column {err.colno}", path=where
        ) from err
    if not isinstance(entries, list):
        raise TaskFileError(f"expected a list of tasks, found {_describe(entries)}", path=where)
    tasks = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        task = _task(entry, index, where)
        if task.name in seen:
            raise TaskFileError(
                f"expected task names to differ; task {seen[task.name]} has this name too",
                path=where,
                task=task.name,
                field="name",
            )
        seen[task.name] = index
        tasks.append(task)
    return tuple(tasks)


def _task(entry: Any, index: int, path: str) -> DreamCoderTask:
    if not isinstance(entry, Mapping):
        raise TaskFileError(
            f"expected a task object with name, type and examples, found {_describe(entry)}",
            path=path,
            task=index,
        )
    raw_name = entry.get("name")
    label: str | int = raw_name if isinstance(raw_name, str) and raw_name else index

    def fail(field: str, reason: str) -> TaskFileError:
        return TaskFileError(reason, path=path, task=label, field=field)

    for key in ("name", "type", "examples"):
        if key not in entry:
            keys = ", ".join(map(str, entry)) or "none"
            raise fail(key, f"missing: expected keys name, type, examples; found {keys}")
    if not isinstance(raw_name, str) or not raw_name:
        raise fail("name", f"expected a non-empty string, found {_describe(raw_name)}")
    kinds = entry["type"]
    if not isinstance(kinds, Mapping):
        raise fail("type", f'expected {{"input": ..., "output": ...}}, found {_describe(kinds)}')
    sides = []
    for side in ("input", "output"):
        if side not in kinds:
            raise fail(f"type.{side}", 'missing: expected {"input": ..., "output": ...}')
        kind = kinds[side]
        if not isinstance(kind, str) or kind not in _TYPES:
            raise fail(
                f"type.{side}",
                f"expected a type name ({', '.join(_TYPES)}), found {_describe(kind)}",
            )
        sides.append(_TYPES[kind])
    signature = dsl.TFun((sides[0],), sides[1])
    raw_examples = entry["examples"]
    if not isinstance(raw_examples, list) or not raw_examples:
        found = "an empty list" if raw_examples == [] else _describe(raw_examples)
        raise fail("examples", f"expected a non-empty list of examples, found {found}")
    examples = []
    for k, ex in enumerate(raw_examples):
        if not isinstance(ex, Mapping):
            raise fail(f"examples[{k}]", f'expected {{"i": ..., "o": ...}}, found {_describe(ex)}')
        values = []
        for key, t in (("i", sides[0]), ("o", sides[1])):
            if key not in ex:
                keys = ", ".join(map(str, ex)) or "none"
                raise fail(f"examples[{k}].{key}", f"missing: expected keys i, o; found {keys}")
            problem = _value_problem(ex[key], t)
            if problem is not None:
                raise fail(f"examples[{k}].{key}", f"expected {_TYPE_NAMES[t]}, found {problem}")
            values.append(dsl.to_internal(ex[key]))
        examples.append(Example((values[0],), values[1]))
    return DreamCoderTask(raw_name, signature, tuple(examples))


def _value_problem(value: Any, t: dsl.Type) -> str | None:
    """What makes a JSON value not a value of ``t``, or None when it is one."""
    if isinstance(t, dsl.TList):
        if not isinstance(value, list):
            return _describe(value)
        for i, item in enumerate(value):
            problem = _value_problem(item, t.elem)
            if problem is not None:
                return f"{problem} at index {i}"
        return None
    if t == dsl.BOOL:
        return None if isinstance(value, bool) else _describe(value)
    # bool is an int in Python, and JSON's true is not an int of the file's format.
    if not isinstance(value, int) or isinstance(value, bool):
        return _describe(value)
    limit = dsl.DEFAULT_LIMITS.max_int
    if abs(value) > limit:
        return f"{value}, beyond the language's integer bound {limit}"
    return None


def _describe(value: Any) -> str:
    """A JSON value, named for an error message: its kind and (briefly) itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a bool ({'true' if value else 'false'})"
    kinds = {int: "an int", float: "a number", str: "a string", list: "a list", dict: "an object"}
    kind = next((name for cls, name in kinds.items() if isinstance(value, cls)), "a value")
    text = json.dumps(value) if isinstance(value, str | int | float | list | dict) else repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} ({text})"


def _param_name(t: dsl.Type) -> str:
    return "xs" if isinstance(t, dsl.TList) else "b" if t == dsl.BOOL else "n"


def _count(n: Any, low: int, high: int, name: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not low <= n <= high:
        raise ValueError(f"{name} must be an int from {low} to {high}, got {n!r}")
    return n
