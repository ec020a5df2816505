"""Interpreter speed in node evaluations per second, on one core.

Usage::

    python bench/interpreter.py [--out PATH] [--quick]

Prints one JSON object to stdout and writes it to ``--out`` (default
``bench/results/interpreter.json``).

What is measured
----------------
A fixed set of programs (insertion sort, quicksort, maximum, stutter from
``examples/sorting.abx``; fold, ``loop`` and ``while_`` programs, a map/filter pipeline, a
recursive length and a nested-lambda program defined below) runs on seeded random lists
(``random.Random(0)``) of length 10, 50 and 200 with values in [-1000, 1000]. Each program
is compiled once with ``dsl.compile_definition`` and its ``run`` (the search's fast path,
arguments already tuples) is timed with ``time.perf_counter``: a warm-up, then the best of
several repeats of a loop of ``number`` runs, with the garbage collector left on (as in the
search) and collected before each repeat.

What a node evaluation is
-------------------------
The number of AST nodes a straightforward tree-walking interpreter evaluates when it runs
the program on the input. :func:`count_nodes` is such an interpreter (values in the
interpreter's form: lists are tuples; primitives run through ``prim.impl``). It counts:

* every evaluated ``Expr`` node once per evaluation: ``IntLit``, ``BoolLit``, ``Var``,
  ``ListLit``, ``Let``, ``Lambda`` (the closure is built: one node) and ``Call`` (operators
  too: ``a + b`` is a ``Call`` of ``add``; one node for the call itself, plus its evaluated
  arguments);
* a lambda's body nodes each time the lambda is applied (by ``map``, ``filter``, ``fold``,
  ``loop``, ``while_`` or a call of a function-valued variable), and a definition's body
  nodes each time the definition is called;
* for ``if`` only the condition and the taken branch; ``and`` / ``or`` short-circuit (the
  right operand counts only when it is evaluated);
* nothing for the work inside a primitive's Python implementation (``filter`` itself, the
  tuple copy of ``tail``, ...): that is not a node of the program.

The benchmark asserts that the counting interpreter's value equals the compiled program's
value for every program and input, so the count describes the very computation timed.

Figures: ``nodes_per_second`` of one (program, input) is ``nodes_per_run /
seconds_per_run``; ``total_nodes_per_second`` is the sum of ``nodes_per_run`` over all
(program, input) pairs divided by the sum of their ``seconds_per_run`` (each pair run once),
so the pairs with the most nodes weigh most; ``geomean_nodes_per_second`` (the geometric mean
over pairs) weighs every pair alike.
The process is pinned to one core where the OS allows it.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dsl
from dsl import (
    BoolLit,
    Call,
    Definition,
    Expr,
    IntLit,
    Lambda,
    Let,
    Library,
    ListLit,
    Module,
    Primitive,
    Var,
)

# bench/_common.py lies beside this script: importable however the script is run.
if (_BENCH := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(_BENCH)

from _common import RESULTS, ROOT, header, pin_to_one_core, write_json

SORTING = ROOT / "examples" / "sorting.abx"
DEFAULT_OUT = RESULTS / "interpreter.json"
TARGET_NODES_PER_SECOND = 2_000_000
LENGTHS = (10, 50, 200)

# Programs not in examples/sorting.abx.
EXTRA_SOURCE = """
def sum_fold(xs: list[int]) -> int = fold(xs, 0, fn (x, acc) => x + acc)

def reverse_fold(xs: list[int]) -> list[int] = fold(xs, [], fn (x, acc) => cons(x, acc))

def count_loop(xs: list[int]) -> int =
  loop(10 * length(xs), 0, fn (i, acc) => if i % 3 == 0 then acc + 1 else acc)

def collatz_steps(n: int) -> int =
  while_([n, 0],
         fn s => s[0] != 1 and s[1] < 1000,
         fn s => [if s[0] % 2 == 0 then s[0] / 2 else 3 * s[0] + 1, s[1] + 1])[1]

def collatz_total(xs: list[int]) -> int =
  fold(xs, 0, fn (x, acc) => acc + collatz_steps(if x < 0 then 1 - x else x + 1))

def evens_add_double(xs: list[int], k: int) -> list[int] =
  map(map(filter(xs, fn x => x % 2 == 0), fn x => x + k), fn x => x * 2)

def length_rec(xs: list[int]) -> int = if xs == [] then 0 else 1 + length_rec(tail(xs))

def rank(xs: list[int]) -> list[int] =
  map(xs, fn x => fold(xs, 0, fn (y, acc) => if y < x then acc + 1 else acc))
"""

# (benchmark name, module, definition, does it take the extra int argument k)
PROGRAMS: tuple[tuple[str, str, str, bool], ...] = (
    ("insertion_sort", "sorting", "sort", False),
    ("quicksort", "sorting", "qsort", False),
    ("maximum_fold", "sorting", "maximum", False),
    ("stutter", "sorting", "stutter", False),
    ("sum_fold", "extra", "sum_fold", False),
    ("reverse_fold", "extra", "reverse_fold", False),
    ("count_loop", "extra", "count_loop", False),
    ("collatz_while", "extra", "collatz_total", False),
    ("evens_add_double", "extra", "evens_add_double", True),
    ("length_rec", "extra", "length_rec", False),
    ("rank_nested_lambda", "extra", "rank", False),
)


# ---- the reference tree-walking evaluator that counts nodes ------------------------------


class NodeCounter:
    """A plain tree-walking interpreter over the dsl AST that counts evaluated nodes.

    Name resolution follows the compiler: local variables, then (outside library code) the
    module's definitions, then the library. See the module docstring for what counts.
    """

    def __init__(self, module: Module, library: Library) -> None:
        self.module_defs = {d.name: d for d in module.definitions}
        self.library = library
        self.count = 0

    def resolve(self, name: str, *, in_library: bool) -> Primitive | Definition:
        if not in_library and name in self.module_defs:
            return self.module_defs[name]
        item = self.library.get(name)
        if item is None:
            raise dsl.UnknownNameError(name, candidates=self.library.names)
        return item

    def call_definition(self, d: Definition, args: Sequence[Any], *, in_library: bool) -> Any:
        env = {p.name: a for p, a in zip(d.params, args, strict=True)}
        return self.eval(d.body, env, in_library=in_library)

    def definition_value(self, d: Definition, *, in_library: bool) -> Callable[..., Any]:
        # the definition's own code may call module definitions unless it is a library one
        lib = in_library or d.name not in self.module_defs
        return lambda *args: self.call_definition(d, args, in_library=lib)

    def eval(self, e: Expr, env: dict[str, Any], *, in_library: bool) -> Any:
        self.count += 1
        if isinstance(e, IntLit | BoolLit):
            return e.value
        if isinstance(e, Var):
            if e.name in env:
                return env[e.name]
            target = self.resolve(e.name, in_library=in_library)
            if isinstance(target, Primitive):
                return target.impl
            return self.definition_value(target, in_library=in_library)
        if isinstance(e, ListLit):
            return tuple(self.eval(i, env, in_library=in_library) for i in e.items)
        if isinstance(e, Let):
            value = self.eval(e.value, env, in_library=in_library)
            return self.eval(e.body, {**env, e.name: value}, in_library=in_library)
        if isinstance(e, Lambda):
            params, body = e.params, e.body

            def apply(*args: Any) -> Any:
                inner = {**env, **dict(zip(params, args, strict=True))}
                return self.eval(body, inner, in_library=in_library)

            return apply
        if isinstance(e, Call):
            return self.eval_call(e, env, in_library=in_library)
        raise TypeError(f"not an expression: {e!r}")

    def eval_call(self, e: Call, env: dict[str, Any], *, in_library: bool) -> Any:
        if e.func in env:  # a function-valued variable (a lambda parameter)
            args = [self.eval(a, env, in_library=in_library) for a in e.args]
            return env[e.func](*args)
        target = self.resolve(e.func, in_library=in_library)
        if isinstance(target, Primitive) and target.name in ("if", "and", "or"):
            first = self.eval(e.args[0], env, in_library=in_library)
            if target.name == "if":
                branch = e.args[1] if first else e.args[2]
                return self.eval(branch, env, in_library=in_library)
            if (target.name == "and") != bool(first):  # `false and _` / `true or _`
                return first
            return self.eval(e.args[1], env, in_library=in_library)
        args = [self.eval(a, env, in_library=in_library) for a in e.args]
        if isinstance(target, Primitive):
            return target.impl(*args)
        lib = in_library or e.func not in self.module_defs
        return self.call_definition(target, args, in_library=lib)


def count_nodes(
    definition: Definition, args: Sequence[Any], *, module: Module, library: Library
) -> tuple[Any, int]:
    """Run ``definition`` on ``args`` (tuples for lists) by walking the tree: (value, nodes)."""
    counter = NodeCounter(module, library)
    value = counter.call_definition(definition, args, in_library=False)
    return value, counter.count


# ---- programs, inputs and timing ----------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    definition: Definition
    module: Module
    args: tuple[Any, ...]
    input_len: int


def make_cases(lengths: Sequence[int] = LENGTHS) -> list[Case]:
    """Every (program, input) pair, with seeded inputs (``random.Random(0)``)."""
    modules = {
        "sorting": dsl.parse(SORTING.read_text(encoding="utf-8"), filename=str(SORTING)),
        "extra": dsl.parse(EXTRA_SOURCE, filename="<bench/interpreter.py>"),
    }
    rng = random.Random(0)
    inputs = {n: tuple(rng.randint(-1000, 1000) for _ in range(n)) for n in lengths}
    k = rng.randint(-1000, 1000)
    cases = []
    for name, module_name, def_name, takes_k in PROGRAMS:
        module = modules[module_name]
        for n in lengths:
            args = (inputs[n], k) if takes_k else (inputs[n],)
            cases.append(Case(name, module[def_name], module, args, n))
    return cases


def time_run(
    run: Callable[[Sequence[Any]], Any], args: Sequence[Any], *, repeats: int, min_time: float
) -> tuple[float, int]:
    """Best seconds per run over ``repeats`` loops of ``number`` runs; (seconds, number).

    ``number`` is chosen so that one loop takes at least ``min_time`` seconds.
    """
    for _ in range(3):  # warm-up
        run(args)
    t0 = time.perf_counter()
    run(args)
    single = max(time.perf_counter() - t0, 1e-7)
    number = max(1, math.ceil(min_time / single))
    best = math.inf
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            run(args)
        best = min(best, time.perf_counter() - t0)
    return best / number, number


def run_benchmark(
    *,
    repeats: int = 7,
    min_time: float = 0.2,
    library: Library | None = None,
    lengths: Sequence[int] = LENGTHS,
) -> dict[str, Any]:
    """Measure every (program, input) pair and return the result object (not pinned)."""
    library = library or dsl.CORE
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    programs = []
    total_nodes = 0
    total_seconds = 0.0
    for case in make_cases(lengths):
        compiled = dsl.compile_definition(case.definition, library=library, module=case.module)
        expected = compiled.run(case.args)
        value, nodes = count_nodes(case.definition, case.args, module=case.module, library=library)
        if value != expected:
            raise AssertionError(
                f"{case.name} (n={case.input_len}): reference {value!r} != compiled {expected!r}"
            )
        seconds, number = time_run(compiled.run, case.args, repeats=repeats, min_time=min_time)
        programs.append(
            {
                "name": case.name,
                "input_len": case.input_len,
                "nodes_per_run": nodes,
                "seconds_per_run": seconds,
                "nodes_per_second": nodes / seconds,
                "runs_per_repeat": number,
            }
        )
        total_nodes += nodes
        total_seconds += seconds
    return {
        **header("interpreter"),
        "repeats": repeats,
        "min_seconds_per_repeat": min_time,
        "programs": programs,
        "total_nodes": total_nodes,
        "total_seconds": total_seconds,
        "total_nodes_per_second": total_nodes / total_seconds,
        "geomean_nodes_per_second": math.exp(
            sum(math.log(p["nodes_per_second"]) for p in programs) / len(programs)
        ),
        "target_nodes_per_second": TARGET_NODES_PER_SECOND,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    parser.add_argument("--quick", action="store_true", help="few, short repeats (smoke test)")
    opts = parser.parse_args(argv)
    core = pin_to_one_core()
    result = run_benchmark(repeats=2, min_time=0.01) if opts.quick else run_benchmark()
    result["pinned_core"] = core
    result["quick"] = opts.quick
    print(write_json(opts.out, result))
    return result


if __name__ == "__main__":
    main()
