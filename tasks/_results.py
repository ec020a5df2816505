"""The results file of a suite run: one JSON line per result, appended crash-safely.

Each line is flushed and fsync'd before the next result is taken, so a run that is killed
loses at most the results in flight; a line cut short by the kill, or edited by hand into
something unreadable, is reported by :func:`read_results` and never stops a run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Bumped when a results line changes shape.
RECORD_VERSION = 1
RESULTS = "results.jsonl"


@dataclass(frozen=True, slots=True)
class Corrupt:
    """A line of ``results.jsonl`` that could not be read (reported, never fatal)."""

    line: int
    reason: str


_REQUIRED = ("suite", "task", "method", "seed", "solved", "accuracy")


def read_results(path: str | Path) -> tuple[list[dict[str, Any]], list[Corrupt]]:
    """The records of a results file, and the lines that are not records (a line cut
    short by a crash, a line edited by hand). A missing file has no records.
    """
    path = Path(path)
    records: list[dict[str, Any]] = []
    corrupt: list[Corrupt] = []
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
            records.append(record)
    return records, corrupt


class ResultsFile:
    """Appends one line per record, each flushed and fsync'd before the next is taken."""

    def __init__(self, path: Path) -> None:
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


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
