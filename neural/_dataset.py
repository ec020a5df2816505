"""The policy's training data on disk: a directory of sample shards and its manifest.

:func:`sample_dataset` makes the shards of a dataset (each as :mod:`neural._data` draws
it, from the seed and the shard's number alone, so in one process or several alike) and
records them in ``dataset.json``: the settings, the vocabulary and, per shard, its file,
samples, size, drops and time, rewritten as each shard is done. A directory that already
holds a dataset of the same settings is reused when complete and completed when not (only
its missing or truncated shards are made again); one of other settings is refused, never
silently remade. :func:`load_dataset` opens a complete dataset as a :class:`Dataset`,
checking its manifest's fields and every shard's size.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import math
import multiprocessing
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dsl
import synth
from neural._data import (
    _BUILTIN,
    ALPHA,
    LIMITS,
    PROBES,
    REASONS,
    VERSION,
    _Job,
    _make_shard,
    random_value,
)
from neural._sample import DatasetError, Sample, read_shard

MANIFEST = "dataset.json"


@dataclass(frozen=True, slots=True)
class Dataset:
    """A directory of sample shards and its manifest (``dataset.json``).

    Iterating streams every :class:`Sample`, shard after shard; ``len`` is ``n``.

    Attributes:
        path: the directory.
        library: the library's name.
        contexts, productions: the rows and columns of its :class:`synth.Vocabulary`.
        signatures: the signatures, dealt round-robin to the samples.
        n, seed, examples, max_depth, max_steps, shard_size: the settings it was made with.
        shards: the shard files, in order.
        dropped: programs dropped, by reason (see :mod:`neural._data`).
        seconds: generation time summed over shards (one core's time).
        samples_per_second: ``n / seconds``.
    """

    path: Path
    library: str
    contexts: tuple[synth.Context, ...]
    productions: tuple[str, ...]
    signatures: tuple[str, ...]
    n: int
    seed: int
    examples: int
    max_depth: int
    max_steps: int
    shard_size: int
    shards: tuple[str, ...]
    dropped: Mapping[str, int]
    seconds: float
    samples_per_second: float

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Sample]:
        for name in self.shards:
            yield from read_shard(self.path / name)


def sample_dataset(
    library: dsl.Library,
    signatures: Sequence[str | dsl.TFun],
    n: int,
    *,
    seed: int,
    out: str | Path,
    examples: int = 10,
    max_depth: int = 5,
    max_steps: int = 20,
    shard_size: int = 5000,
    constant_weight: float = 1.0,
    jobs: int = 1,
    progress: Any = None,
) -> Dataset:
    """Write ``n`` random programs of ``library``, run on random inputs, to ``out``.

    Args:
        library: the library whose grammar the programs come from.
        signatures: their types, dealt round-robin (see :func:`neural.default_signatures`).
        n: how many samples.
        seed: the data depend on it alone (shard ``i`` is made from ``(seed, i)``), not on
            ``jobs``.
        out: the directory: ``shard-00000.jsonl.gz``, ... and ``dataset.json``.
        examples: inputs per program.
        max_depth: the grammar's depth bound.
        max_steps: longest derivation kept.
        shard_size: samples per shard.
        constant_weight: the weight that the constants of a hole share in the prior the
            programs are drawn from, where a primitive with ``k`` argument holes weighs
            ``exp(-0.4 k)`` and a parameter or bound variable 2. Default 1: few programs
            ignore their input.
        jobs: processes making shards at once ("spawn" processes: a script that uses them
            calls this under ``if __name__ == "__main__":``; a library that is not built in
            is pickled to them).
        progress: None, a callable ``(samples done, n)``, or a ``rich.progress.Progress``.

    Returns:
        The dataset. A complete one with the same settings already in ``out`` is returned
        at once; a partial one (missing shards) is completed.

    Raises:
        DatasetError: ``out`` holds a dataset made with other settings, or a corrupt
            manifest; a signature whose space runs out of distinct programs.
        ValueError: a setting out of range.
        synth.SpecError: a signature that is not a function type of the library's grammar.

    Example:
        >>> import dsl, tempfile
        >>> with tempfile.TemporaryDirectory() as out:
        ...     d = sample_dataset(dsl.DREAMCODER, ["(list[int]) -> int"], 3, seed=0, out=out)
        ...     [s.signature for s in d]
        ['(list[int]) -> int', '(list[int]) -> int', '(list[int]) -> int']
    """
    numbers = {"examples": examples, "max_depth": max_depth, "max_steps": max_steps, "n": n}
    for name, value in {**numbers, "shard_size": shard_size, "jobs": jobs}.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    weight = math.nan  # anything but a number is refused below
    if isinstance(constant_weight, int | float) and not isinstance(constant_weight, bool):
        try:
            weight = float(constant_weight)
        except OverflowError:  # an int too large for a float
            weight = math.inf
    if not 0 < weight < math.inf:
        raise ValueError(f"constant_weight must be a finite number > 0, got {constant_weight!r}")
    if not signatures:
        raise ValueError("signatures must name at least one signature")
    vocab = synth.Vocabulary.of(library)
    sigs = []
    for s in signatures:
        grammar = synth.Grammar.from_library(library, s, max_depth=max_depth)
        vocab.check(grammar)
        for t in grammar.signature.params:
            random_value(t, random.Random(0))  # raises for a type it cannot draw
        sigs.append(str(grammar.signature))
    out = Path(out)
    settings = {
        "library": library.name,
        "contexts": [list(c) for c in vocab.contexts],
        "productions": list(vocab.productions),
        "signatures": sigs,
        **numbers,
        "seed": seed,
        "shard_size": shard_size,
        "generator": {
            "version": VERSION,
            "alpha": ALPHA,
            "probes": PROBES,
            "fuel": LIMITS.fuel,
            # recorded only when set, so that datasets made before it existed are reused
            **({"constant_weight": weight} if weight != 1 else {}),
        },
    }
    count = math.ceil(n / shard_size)
    shards: list[dict[str, Any] | None] = [None] * count
    manifest = out / MANIFEST
    if manifest.exists():
        old = _read_manifest(manifest)
        if diff := [k for k in settings if old.get(k) != settings[k]]:
            raise DatasetError(
                f"{manifest}: a dataset made with other settings ({', '.join(diff)} differ); "
                "use another directory or delete this one"
            )
        if isinstance(old.get("shards"), list) and len(old["shards"]) == count:
            shards = [s if _intact(out, s) else None for s in old["shards"]]
    out.mkdir(parents=True, exist_ok=True)
    ref = library.name if _BUILTIN.get(library.name) is library else library
    base = _Job(
        ref,
        tuple(sigs),
        seed=seed,
        shard_size=shard_size,
        out=str(out),
        constant_weight=weight,
        **numbers,
    )
    todo = [dataclasses.replace(base, index=i) for i, s in enumerate(shards) if s is None]
    tick = _ticker(progress, n)
    tick(sum(s["samples"] for s in shards if s))

    def done(entry: dict[str, Any], index: int) -> None:
        shards[index] = entry
        _write_manifest(manifest, settings, shards)

    if todo:
        _write_manifest(manifest, settings, shards)
    if jobs == 1 or len(todo) == 1:
        for job in todo:
            done(_make_shard(job, tick), job.index)
    elif todo:
        spawn = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(min(jobs, len(todo)), mp_context=spawn) as pool:
            futures = {pool.submit(_make_shard, job): job.index for job in todo}
            try:
                for future in concurrent.futures.as_completed(futures):
                    done(entry := future.result(), futures[future])
                    tick(entry["samples"])
            except BaseException:  # a failed shard or an interrupt: start no other shard
                for future in futures:
                    future.cancel()
                raise
    return load_dataset(out)


def _intact(out: Path, entry: dict[str, Any] | None) -> bool:
    if not isinstance(entry, dict):
        return False
    path = out / str(entry.get("file"))
    return path.is_file() and path.stat().st_size == entry.get("bytes")


def _ticker(progress: Any, n: int) -> Callable[[int], None]:
    if progress is None:
        return lambda k: None
    if hasattr(progress, "add_task") and hasattr(progress, "advance"):
        task = progress.add_task("sampling programs", total=n)
        return lambda k: progress.advance(task, k)
    if callable(progress):
        total = [0]

        def tick(k: int) -> None:
            total[0] += k
            if k:
                progress(total[0], n)

        return tick
    raise TypeError(f"progress must be None, a callable or a rich Progress, got {progress!r}")


def _write_manifest(path: Path, settings: dict[str, Any], shards: list[Any]) -> None:
    totals = dict.fromkeys(REASONS, 0)
    for s in shards:
        for reason, k in (s["dropped"] if s else {}).items():
            totals[reason] += k
    seconds = sum(s["seconds"] for s in shards if s)
    complete = all(shards)
    data = {
        "format": "abstrax-dataset",
        **settings,
        "complete": complete,
        "dropped": totals,
        "seconds": round(seconds, 3),
        "samples_per_second": round(settings["n"] / seconds, 2) if complete and seconds else 0,
        "shards": shards,
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DatasetError(f"{path}: cannot read the manifest ({err})") from err
    if not isinstance(data, dict) or data.get("format") != "abstrax-dataset":
        raise DatasetError(f"{path}: not a dataset manifest (field 'format')")
    return data


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "library": str, "contexts": list, "productions": list, "signatures": list, "n": int,
    "seed": int, "examples": int, "max_depth": int, "max_steps": int, "shard_size": int,
    "complete": bool, "dropped": dict, "seconds": (int, float),
    "samples_per_second": (int, float), "shards": list,
}  # fmt: skip


def load_dataset(path: str | Path, *, library: dsl.Library | None = None) -> Dataset:
    """Open the dataset in directory ``path`` (or at its ``dataset.json``).

    Args:
        path: the directory :func:`sample_dataset` wrote.
        library: if given, the dataset must have been made for its vocabulary.

    Raises:
        DatasetError: a missing or corrupt manifest (naming the file and the field), an
            unfinished dataset, a missing or truncated shard (naming it), another
            vocabulary than ``library``'s.
    """
    path = Path(path)
    if path.name == MANIFEST:
        path = path.parent
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise DatasetError(f"{manifest}: no dataset manifest there")
    data = _read_manifest(manifest)
    for name, kind in _FIELDS.items():
        value = data.get(name)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise DatasetError(f"{manifest}: field {name!r} is missing or not a {kind}")
    if not data["complete"]:
        raise DatasetError(f"{manifest}: unfinished; run sample_dataset again to complete it")
    try:
        contexts = tuple((str(c), int(k)) for c, k in data["contexts"])
        files = tuple(str(s["file"]) for s in data["shards"])
        if sum(int(s["samples"]) for s in data["shards"]) != data["n"]:
            raise ValueError("the shards' samples do not add up to n")
    except (TypeError, ValueError, KeyError) as err:
        raise DatasetError(f"{manifest}: field 'contexts' or 'shards' is corrupt ({err})") from err
    for entry, name in zip(data["shards"], files, strict=True):
        if not _intact(path, entry):
            raise DatasetError(f"{path / name}: shard missing or not the size the manifest says")
    if library is not None:
        vocab = synth.Vocabulary.of(library)
        if (data["library"], contexts, tuple(data["productions"])) != (
            vocab.library,
            vocab.contexts,
            vocab.productions,
        ):
            raise DatasetError(
                f"{manifest}: made for the vocabulary of library {data['library']!r}, not "
                f"that of {library.name!r} (fields 'contexts' and 'productions' differ)"
            )
    return Dataset(
        path, data["library"], contexts, tuple(data["productions"]),
        tuple(data["signatures"]), data["n"], data["seed"], data["examples"],
        data["max_depth"], data["max_steps"], data["shard_size"], files,
        dict(data["dropped"]), float(data["seconds"]), float(data["samples_per_second"]),
    )  # fmt: skip
