"""What the benchmark scripts of ``bench/`` share: where they write, what they record about
the machine and its load, pinning to one core, and writing the result file.

Not part of the abstrax packages: each script imports it as ``_common``, after putting its
own folder (``bench/``) on ``sys.path`` where it is not there already, so that the import
works however the script is run (``python bench/train.py`` from the repository root or
from any other folder, ``python -m bench.train``, or loaded by path as the tests do).

Example::

    core = pin_to_one_core()
    result = {**header("enumerate"), "load_average_before": load_average(), ...}
    print(write_json(RESULTS / "enumerate.json", result))
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "RESULTS",
    "ROOT",
    "allowed_cpus",
    "header",
    "load_average",
    "machine_info",
    "pin_to_one_core",
    "write_json",
]

#: The repository's root folder.
ROOT: Path = Path(__file__).resolve().parents[1]
#: Where the scripts write their JSON by default (``--out``).
RESULTS: Path = ROOT / "bench" / "results"


def allowed_cpus() -> list[int] | None:
    """The CPUs this process may run on, in order; None where the OS cannot say.

    Returns:
        ``sorted(os.sched_getaffinity(0))``, or None without ``sched_getaffinity``.
    """
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None


def _cpu_model() -> str | None:
    """The CPU's model name from ``/proc/cpuinfo``; None where there is none (not Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """The machine a benchmark ran on, as the ``"machine"`` object of its JSON.

    Returns:
        ``platform``, ``machine``, ``processor`` and ``implementation`` (from
        :mod:`platform`), ``cpu_model`` (only where ``/proc/cpuinfo`` names it) and
        ``affinity`` (the CPUs this process may use when called, see :func:`allowed_cpus`:
        after :func:`pin_to_one_core`, just that one).
    """
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "implementation": platform.python_implementation(),
    }
    model = _cpu_model()
    if model is not None:
        info["cpu_model"] = model
    info["affinity"] = allowed_cpus()
    return info


def header(benchmark: str) -> dict[str, Any]:
    """The first keys of a benchmark's JSON: its name, Python, the machine, the CPU count.

    Args:
        benchmark: the script's name, e.g. ``"enumerate"``.

    Returns:
        ``benchmark``, ``python`` (``sys.version``), ``machine`` (:func:`machine_info`) and
        ``cpu_count`` (``os.cpu_count()``).
    """
    return {
        "benchmark": benchmark,
        "python": sys.version,
        "machine": machine_info(),
        "cpu_count": os.cpu_count(),
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, to two decimals; None where unsupported.

    Other work on the machine slows a benchmark, so the scripts record the load before and
    after a run.
    """
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def pin_to_one_core() -> int | None:
    """Pin this process to its first allowed core, so that figures are per core.

    Returns:
        The core, or None where the OS does not support pinning (the process then runs
        unpinned).
    """
    try:
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
    except (AttributeError, OSError, ValueError):
        return None
    return core


def write_json(path: Path, data: Any) -> str:
    """Write ``data`` to ``path`` as indented JSON with a final newline; return the JSON.

    The folders above ``path`` are made as needed. The text goes to ``<path>.tmp`` first and
    is then renamed onto ``path``, so a crash never leaves half a file.

    Args:
        path: the file to write (replaced if it exists).
        data: anything :func:`json.dumps` takes.

    Returns:
        The JSON text written, without the final newline (for the scripts to print).
    """
    text = json.dumps(data, indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return text
