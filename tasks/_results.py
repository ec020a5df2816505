"""The results file of a suite run: one JSON line per result, appended crash-safely.

Each line is flushed and fsync'd before the next result is taken, so a run that is killed
loses at most the results in flight; a line cut short by the kill, or edited by hand into
something unreadable, is reported by :func:`read_results` and never stops a run.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Bumped when a results line changes shape or meaning (2: scoring inputs exclude every
#: input a method of that seed was given or trained on).
RECORD_VERSION = 2
RESULTS = "results.jsonl"


@dataclass(frozen=True, slots=True)
class Corrupt:
    """A line of ``results.jsonl`` that could not be read (reported, never fatal)."""

    line: int
    reason: str


_REQUIRED = ("suite", "task", "method", "seed", "solved", "accuracy")


def read_results(path: str | Path) -> tuple[list[dict[str, Any]], list[Corrupt]]:
    """The records of a results file, and the lines that are not records (a line cut
    short by a crash, a line edited by hand, fields of the wrong type, a line of another
    version, a second line for a (task, method, seed): the first is kept). A missing file
    has no records.
    """
    path = Path(path)
    records: list[dict[str, Any]] = []
    corrupt: list[Corrupt] = []
    seen: dict[tuple[str, str, int], int] = {}
    if not path.exists():
        return records, corrupt
    with path.open(encoding="utf-8", errors="replace") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                corrupt.append(Corrupt(i, f"not JSON: {err.msg}"))
                continue
            if not isinstance(record, dict) or any(k not in record for k in _REQUIRED):
                missing = [k for k in _REQUIRED if not isinstance(record, dict) or k not in record]
                corrupt.append(Corrupt(i, f"missing {', '.join(missing)}"))
                continue
            wrong = _wrong_field(record)
            if wrong is not None:
                corrupt.append(Corrupt(i, wrong))
                continue
            key = (record["task"], record["method"], record["seed"])
            if key in seen:
                corrupt.append(Corrupt(i, f"a second line for {key} (line {seen[key]} is kept)"))
                continue
            seen[key] = i
            records.append(record)
    return records, corrupt


def _wrong_field(record: dict[str, Any]) -> str | None:
    """Why a record's fields have the wrong types, or None."""
    for name in ("suite", "task", "method"):
        if not isinstance(record[name], str):
            return f"field {name!r} must be a string, got {record[name]!r}"
    if not isinstance(record["seed"], int) or isinstance(record["seed"], bool):
        return f"field 'seed' must be an int, got {record['seed']!r}"
    if record["solved"] not in (True, False, None):
        return f"field 'solved' must be true, false or null, got {record['solved']!r}"
    accuracy = record["accuracy"]
    if not isinstance(accuracy, dict) or not all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool))
        for v in accuracy.values()
    ):
        return f"field 'accuracy' must map splits to fractions, got {accuracy!r}"
    if record.get("version", RECORD_VERSION) != RECORD_VERSION:
        return f"a line of version {record.get('version')!r}; this abstrax writes {RECORD_VERSION}"
    return None


class ResultsFile:
    """Appends one line per record, each flushed and fsync'd before the next is taken.

    Holds an exclusive lock on ``WORKDIR/.lock`` while open, so that two runs on one work
    directory cannot both compute and write the same results.

    Raises:
        BlockingIOError: another process holds the lock.
    """

    def __init__(self, path: Path) -> None:
        self._lock = (path.parent / ".lock").open("a")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise
        # A line cut short by a kill has no newline: start on a fresh line after it.
        needs_newline = path.exists() and path.stat().st_size > 0 and not _ends_with_newline(path)
        self._fh = path.open("a", encoding="utf-8")
        if needs_newline:
            self._fh.write("\n")

    def write(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record, sort_keys=True) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
