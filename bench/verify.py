"""Verification speed: generated inputs checked per second, on one core.

Usage::

    python bench/verify.py [--out PATH] [--quick]

Prints one JSON object and writes it to ``--out`` (default ``bench/results/verify.json``).

Each case verifies a correct program against its spec with ``synth.verify`` on lists up to
50 long and values in [-1000, 1000] (so every input is generated, run and checked: no early
stop on a counterexample), ``max_examples`` inputs, and reports ``examples_tried /
seconds``. The time includes Hypothesis's generation, the program's run in the compiled
interpreter, and the reference and/or properties. Target: 2,000 per second.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import dsl
from synth import Spec, verify

# bench/_common.py lies beside this script: importable however the script is run.
if (_BENCH := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(_BENCH)

from _common import RESULTS, ROOT, load_average, pin_to_one_core, write_json


def ordered(args: tuple[Any, ...], out: list[int]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(out))


def permutation(args: tuple[Any, ...], out: list[int]) -> bool:
    return sorted(args[0]) == sorted(out)


def cases() -> list[tuple[str, dsl.Definition, Spec, dsl.Library]]:
    sorting = dsl.parse((ROOT / "examples" / "sorting.abx").read_text())
    lst = "(list[int]) -> list[int]"
    small = dsl.parse(
        """
        def rev(xs: list[int]) -> list[int] = reverse(xs)
        def evens(xs: list[int]) -> list[int] = filter(xs, fn x => x % 2 == 0)
        def total(xs: list[int]) -> int = fold(xs, 0, fn (x, acc) => x + acc)
        """
    )
    srt = dsl.parse("def srt(xs: list[int]) -> list[int] = sort(xs)")["srt"]
    return [
        ("reverse vs reference", small["rev"], Spec(lst, reference=lambda xs: xs[::-1]), dsl.CORE),
        (
            "keep evens vs reference",
            small["evens"],
            Spec(lst, reference=lambda xs: [x for x in xs if x % 2 == 0]),
            dsl.CORE,
        ),
        (
            "sum (fold) vs reference",
            small["total"],
            Spec("(list[int]) -> int", reference=sum),
            dsl.CORE,
        ),
        (
            "sort vs properties",
            srt,
            Spec(lst, properties=[ordered, permutation]),
            dsl.EXTENDED,
        ),
        ("insertion sort vs reference", sorting["sort"], Spec(lst, reference=sorted), dsl.CORE),
        (
            "quicksort vs properties",
            sorting["qsort"],
            Spec(lst, properties=[ordered, permutation]),
            dsl.CORE,
        ),
    ]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(RESULTS / "verify.json"))
    parser.add_argument("--quick", action="store_true", help="few examples (a smoke test)")
    args = parser.parse_args(argv)
    pin_to_one_core()
    n = 100 if args.quick else 3000
    rows = []
    for name, program, spec, library in cases():
        report = verify(program, spec, library=library, max_examples=n, max_len=50, seed=0)
        assert report.passed, f"{name}: {report}"
        rows.append(
            {
                "name": name,
                "examples_tried": report.examples_tried,
                "seconds": report.seconds,
                "examples_per_second": report.examples_tried / report.seconds,
            }
        )
    total = sum(r["examples_tried"] for r in rows) / sum(r["seconds"] for r in rows)
    load = load_average()
    result = {
        "benchmark": "verify",
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average": load[0] if load is not None else None,  # the last minute's
        "max_examples": n,
        "max_len": 50,
        "cases": rows,
        "examples_per_second": total,
        "target_examples_per_second": 2000,
        "quick": args.quick,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    print(write_json(Path(args.out), result))
    return result


if __name__ == "__main__":
    main()
