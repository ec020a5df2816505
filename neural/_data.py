"""The random programs of the policy's training data: how they are drawn, run and filtered.

Shard ``i`` of a dataset (:func:`_make_shard`) draws well-typed programs from a *prior*
PCFG of each signature's grammar, runs them on random inputs, filters out the useless
ones and writes the rest as a :class:`~neural._sample.Sample` shard; it depends on the
dataset's seed and ``i`` alone. :func:`neural._dataset.sample_dataset` makes the shards
of a dataset and records them in its manifest. No suite or benchmark task is ever used:
only type signatures.

Choices, and why:

- **Prior** (:func:`prior`). A rule with ``k`` argument holes weighs ``exp(-ALPHA * k)``
  (``ALPHA = 0.4``), so that small programs are likely and the expected size is finite;
  parameters and bound variables weigh 2 and the constants of a hole share a weight of 1
  (DREAMCODER has six int constants: weighted like a primitive, most leaves would be
  constants), since a program that ignores its input is constant and useless, and real
  solutions are built around their variables. ``sample_dataset(constant_weight=...)``
  changes that share. Derivations of more than ``max_steps``
  steps are rejected. Kept DREAMCODER programs have a median of 11 steps (quartiles 8
  and 15) with the defaults.
- **Inputs** (:func:`random_value`). Lists have a uniform length 0..10 (DreamCoder's list
  tasks: 0..10); their ints are 0..20 three times in four, -10..-1 one time in ten, and
  21..100 otherwise (small non-negative values, as in those tasks, with some negative and
  larger ones so that sign and magnitude are seen). A scalar int (a count, an index, a
  ``k``) is 0..10 four times in five, else -5..-1 or 11..50. Bools are fair coins.
- **Filters**, each counted in the manifest's ``dropped``, cheapest first: ``too_long``
  (more than ``max_steps`` steps); ``duplicate`` (a derivation drawn before in the
  shard); ``constant`` (no parameter in it, or one output on every probe input or
  example); ``errors`` (fails on more than half of the probe inputs; then it is run on
  fresh random inputs, distinct where the type allows, until ``examples`` runs succeed,
  and more than ``examples`` failures drop it: a kept program succeeds on about half of
  its inputs or more, and its examples are inputs where it succeeds, as a task's are);
  ``duplicate`` (the same outputs on a fixed per-signature set of ``PROBES`` *probe*
  inputs as a program kept in the shard: the one with fewer steps stays, in the place of
  the first). Deduplication is per shard, so that shards are made independently and any
  number of processes make the same data; a behaviour occurs at most once per shard (but
  may recur in other shards: two DREAMCODER shards of 5000 share 29% of their behaviours,
  nearly all those of programs under 8 steps and about 10% of those over 14).
- **Signatures** are dealt round-robin (sample ``g`` has ``signatures[g % len]``), so a
  signature listed twice gets twice the share. :func:`default_signatures` lists
  ``(list[int]) -> list[int]`` twice: it is the type of 150 of DreamCoder's 217 list tasks
  and its space is the largest, where the policy has the most to learn.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dsl
import synth
from neural._encode import VALUE_LIMIT
from neural._sample import DatasetError, Sample, write_shard

ALPHA = 0.4  # the prior's price of an argument hole (see the module's docstring)
PROBES = 24  # inputs of the per-signature probe set that decides duplicates
LIMITS = dsl.Limits(fuel=500, max_depth=50, max_list_len=100, max_int=VALUE_LIMIT)
MAX_REJECTS = 20_000  # draws in a row without a new program before a shard gives up
VERSION = 1  # of the generator: a dataset made by another version is not reused
REASONS = ("too_long", "errors", "constant", "duplicate")
_BUILTIN = {lib.name: lib for lib in (dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER)}

_DREAMCODER_SIGNATURES = (
    "(list[int]) -> list[int]",
    "(list[int]) -> int",
    "(list[int]) -> bool",
    "(list[int]) -> list[int]",
    "(list[int]) -> list[bool]",
    "(int) -> int",
    "(int) -> list[int]",
)
_MORE_SIGNATURES = (
    "(list[int], int) -> list[int]",
    "(list[int], int) -> int",
    "(list[int], int) -> bool",
    "(list[int], list[int]) -> list[int]",
    "(int, int) -> list[int]",
)


def default_signatures(library: dsl.Library) -> tuple[str, ...]:
    """The signatures a built-in library's policy is trained on: DreamCoder's list tasks'
    for ``dsl.DREAMCODER``, those and five of two parameters for CORE and EXTENDED (one
    listed twice weighs double; see the module's docstring).

    Raises:
        DatasetError: ``library`` is not a built-in library.
    """
    if library is dsl.DREAMCODER:
        return _DREAMCODER_SIGNATURES
    if library is dsl.CORE or library is dsl.EXTENDED:
        return _DREAMCODER_SIGNATURES + _MORE_SIGNATURES
    raise DatasetError(f"no default signatures for library {library.name!r}: pass signatures")


# (cumulative probability, low, high): the ints of lists, and ints given alone
_ELEMENT = ((0.75, 0, 20), (0.85, -10, -1), (1.0, 21, 100))
_SCALAR = ((0.8, 0, 10), (0.9, -5, -1), (1.0, 11, 50))


def random_value(t: dsl.Type, rng: random.Random, *, element: bool = False) -> Any:
    """A random value of type ``t`` (interpreter form) from the inputs' distribution.

    Raises:
        DatasetError: a type other than int, bool and lists of them.
    """
    if t == dsl.BOOL:
        return rng.random() < 0.5
    if t == dsl.INT:
        u = rng.random()
        lo, hi = next((lo, hi) for p, lo, hi in (_ELEMENT if element else _SCALAR) if u < p)
        return rng.randint(lo, hi)
    if isinstance(t, dsl.TList):
        return tuple(random_value(t.elem, rng, element=True) for _ in range(rng.randint(0, 10)))
    raise DatasetError(f"cannot draw random inputs of type {t}")


def prior(grammar: synth.Grammar, *, constant_weight: float = 1.0) -> synth.PCFG:
    """The PCFG that programs are drawn from (see the module's docstring); the constants
    of a hole share ``constant_weight``."""
    consts = {nt: sum(r.production.kind == "const" for r in rs) for nt, rs in grammar.rules.items()}

    def weight(nt: synth.NonTerminal, p: synth.Production) -> float:
        if p.kind == "const":
            return constant_weight / consts[nt]
        return 2.0 if p.kind in ("param", "var") else math.exp(-ALPHA * p.arity)

    return synth.PCFG.from_weights(grammar, weight)


@dataclass(frozen=True, slots=True)
class _Job:
    """Shard ``index`` of a dataset, to make (plain data, sent to a worker process)."""

    library: dsl.Library | str  # a built-in library by name, else the library itself
    signatures: tuple[str, ...]
    n: int
    seed: int
    examples: int
    max_depth: int
    max_steps: int
    shard_size: int
    out: str
    constant_weight: float = 1.0
    index: int = 0

    @property
    def start(self) -> int:
        """The global number of the shard's first sample."""
        return self.index * self.shard_size

    @property
    def path(self) -> str:
        return str(Path(self.out) / f"shard-{self.index:05d}.jsonl.gz")


class _Space:
    """One signature's grammar, the prior's sampling tables and the probe inputs."""

    def __init__(
        self, library: dsl.Library, signature: str, max_depth: int, constant_weight: float
    ) -> None:
        self.grammar = synth.Grammar.from_library(library, signature, max_depth=max_depth)
        self.probes = probe_inputs(self.grammar.signature)
        # the grammar as ints: per nonterminal, its rules' cumulative weights and the
        # numbers of their children (hashing NonTerminal records per draw is slow)
        self.nts = list(self.grammar.rules)
        number = {nt: i for i, nt in enumerate(self.nts)}
        logprobs = prior(self.grammar, constant_weight=constant_weight).logprobs
        self.tables = [
            (
                list(itertools.accumulate(math.exp(lp) for lp in logprobs[nt])),
                [tuple(number[c] for c in reversed(r.children)) for r in self.grammar.rules[nt]],
            )
            for nt in self.nts
        ]

    def draw(self, rng: random.Random, max_steps: int) -> tuple[synth.Step, ...] | None:
        """A derivation of the prior (as ``PCFG.sample`` draws it), or None once it has
        more than ``max_steps`` steps."""
        steps: list[synth.Step] = []
        stack = [0]  # the start
        while stack:
            if len(steps) == max_steps:
                return None
            nt = stack.pop()
            cum, children = self.tables[nt]
            i = min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)
            steps.append(synth.Step(self.nts[nt], i))
            stack.extend(children[i])
        return tuple(steps)


_ERR = object()  # a run that failed


def _try(run: Callable[[tuple[Any, ...]], Any], args: tuple[Any, ...]) -> Any:
    try:
        return run(args)
    except dsl.EvalError:
        return _ERR


class _Shard:
    """The samples of one shard as they are drawn and filtered (one process's state)."""

    def __init__(self, job: _Job) -> None:
        self.job = job
        self.library = _BUILTIN[job.library] if isinstance(job.library, str) else job.library
        self.vocab = synth.Vocabulary.of(self.library)
        self.rng = random.Random(f"abstrax-data:{job.seed}:{job.index}")
        self.dropped = dict.fromkeys(REASONS, 0)
        self.kept: list[tuple[Sample, int]] = []  # with its number of steps
        self.seen: dict[tuple[str, tuple[Any, ...]], int] = {}  # behaviour -> place in kept
        self.drawn: set[tuple[str, tuple[int, ...]]] = set()  # derivations already drawn
        self.spaces: dict[str, _Space] = {}

    def add(self, sig: str) -> None:
        """Draw programs of ``sig`` until one takes a new place."""
        if sig not in self.spaces:
            self.spaces[sig] = _Space(
                self.library, sig, self.job.max_depth, self.job.constant_weight
            )
        for _ in range(MAX_REJECTS):
            reason = self.draw(sig, self.spaces[sig])
            if reason is None:
                return
            self.dropped[reason] += 1
        raise DatasetError(
            f"{self.job.path}: no new program of {sig} in {MAX_REJECTS} draws; its space is "
            "too small for so many samples per shard (make shards smaller or list it less often)"
        )

    def draw(self, sig: str, space: _Space) -> str | None:
        """Draw one program; why it was dropped, or None if it took a new place."""
        job, rng = self.job, self.rng
        steps = space.draw(rng, job.max_steps)
        if steps is None:
            return "too_long"
        rules = space.grammar.rules
        drawn = (sig, tuple(s.rule for s in steps))
        if drawn in self.drawn:
            return "duplicate"
        self.drawn.add(drawn)
        if all(rules[s.nonterminal][s.rule].production.kind != "param" for s in steps):
            return "constant"  # it ignores its input
        derivation = synth.Derivation(space.grammar, steps)
        program = derivation.program()
        run = dsl.compile_definition(program, library=self.library, limits=LIMITS).run
        probed: list[Any] = []
        for args in space.probes:  # probes first: they drop most programs, and cheaply
            probed.append(_try(run, args))
            if probed.count(_ERR) > PROBES // 2:
                return "errors"
        if len({repr(o) for o in probed if o is not _ERR}) == 1:
            return "constant"
        key = (sig, tuple(probed))
        place = self.seen.get(key)
        if place is not None and self.kept[place][1] <= len(steps):
            return "duplicate"
        inputs: list[tuple[Any, ...]] = []
        outputs: list[Any] = []
        failures = repeats = 0
        while len(outputs) < job.examples:
            args = tuple(random_value(t, rng) for t in space.grammar.signature.params)
            if args in inputs and repeats < 2 * job.examples:  # few inputs: (bool) -> int
                repeats += 1
            elif (out := _try(run, args)) is not _ERR:
                inputs.append(args)
                outputs.append(out)
            elif (failures := failures + 1) > job.examples:
                return "errors"
        if all(o == outputs[0] for o in outputs):
            return "constant"
        sample = Sample(
            sig,
            dsl.pretty(program),
            tuple(tuple(dsl.to_external(a) for a in args) for args in inputs),
            tuple(dsl.to_external(o) for o in outputs),
            # the canonical derivation's targets (Grammar.derive's), which differ from the
            # drawn one's only where a `[]` types two ways, e.g. in `is_empty([])`
            tuple(self.vocab.targets(space.grammar.derive(program))),
        )
        if place is not None:  # the behaviour of a bigger program: this one replaces it
            self.kept[place] = (sample, len(steps))
            return "duplicate"
        self.seen[key] = len(self.kept)
        self.kept.append((sample, len(steps)))
        return None


def _make_shard(job: _Job, tick: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Make and write one shard; its manifest entry (file, samples, bytes, drops, seconds)."""
    t0 = time.perf_counter()
    shard = _Shard(job)
    for g in range(job.start, min(job.start + job.shard_size, job.n)):
        shard.add(job.signatures[g % len(job.signatures)])
        if tick is not None and len(shard.kept) % 100 == 0:
            tick(100)
    write_shard(job.path, (sample for sample, _ in shard.kept))
    if tick is not None:
        tick(len(shard.kept) % 100)
    return {
        "file": Path(job.path).name,
        "samples": len(shard.kept),
        "bytes": Path(job.path).stat().st_size,
        "dropped": shard.dropped,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def probe_inputs(signature: dsl.TFun) -> tuple[tuple[Any, ...], ...]:
    """The fixed inputs (``PROBES`` of them, interpreter form) on which two programs of
    ``signature`` with the same outputs count as duplicates; they depend only on the
    signature."""
    rng = random.Random(f"abstrax-probe:{signature}")
    return tuple(tuple(random_value(t, rng) for t in signature.params) for _ in range(PROBES))
