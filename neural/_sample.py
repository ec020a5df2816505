"""One training sample of the policy, and the shard files that hold them.

A sample is a random program of a library (a derivation of its grammar for one signature),
the inputs it was run on and its outputs there, and the derivation as training targets: for
each choice, the context's row and the production's column in the library's
:class:`synth.Vocabulary`, and the columns the choice was made among. A shard is a gzipped
JSON-lines file of samples: plain data, readable anywhere, never pickle.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dsl

Target = tuple[int, int, tuple[int, ...]]
"""``(context row, production column, the columns of the rules at that nonterminal)``:
one step of a derivation, as :meth:`synth.Vocabulary.targets` gives it."""


class DatasetError(dsl.AbstraxError, ValueError):
    """A shard or dataset that cannot be read: a corrupt or truncated file, a record with
    a missing or mistyped field, a dataset made for another vocabulary. The message names
    the file and, where there is one, the line."""


@dataclass(frozen=True, slots=True)
class Sample:
    """A random program, run on random inputs, with its derivation as targets.

    Attributes:
        signature: the program's type, e.g. ``"(list[int], int) -> list[int]"``.
        program: the program's source (a definition, as :func:`dsl.pretty` writes it).
        inputs: per example, the argument tuple (external form: lists are lists).
        outputs: per example, the program's output on it.
        targets: the derivation's steps, in preorder (see :data:`Target`).
    """

    signature: str
    program: str
    inputs: tuple[tuple[Any, ...], ...]
    outputs: tuple[Any, ...]
    targets: tuple[Target, ...]

    def to_json(self) -> dict[str, Any]:
        """The sample as JSON data (one line of a shard)."""
        return {
            "signature": self.signature,
            "program": self.program,
            "inputs": [list(a) for a in self.inputs],
            "outputs": list(self.outputs),
            "targets": [[row, col, list(allowed)] for row, col, allowed in self.targets],
        }

    @classmethod
    def from_json(cls, data: Any, *, where: str = "sample") -> Sample:
        """A sample from JSON data.

        Raises:
            DatasetError: a missing or mistyped field (``where`` names the place).
        """
        try:
            if not isinstance(data, dict):
                raise TypeError(f"expected an object, got {type(data).__name__}")
            signature, program = data["signature"], data["program"]
            if not isinstance(signature, str) or not isinstance(program, str):
                raise TypeError("signature and program must be strings")
            inputs = tuple(tuple(a) for a in data["inputs"])
            outputs = tuple(data["outputs"])
            if len(inputs) != len(outputs):
                raise ValueError(f"{len(inputs)} inputs but {len(outputs)} outputs")
            targets = tuple(
                (int(row), int(col), tuple(int(c) for c in allowed))
                for row, col, allowed in data["targets"]
            )
        except (KeyError, TypeError, ValueError) as err:
            detail = f"missing field {err}" if isinstance(err, KeyError) else str(err)
            raise DatasetError(f"{where}: not a sample ({detail})") from err
        return cls(signature, program, inputs, outputs, targets)


def write_shard(path: str | Path, samples: Iterable[Sample]) -> int:
    """Write ``samples`` to a gzipped JSON-lines shard at ``path`` (through a temporary
    file renamed at the end, so a crash never leaves half a shard). Returns the count.
    The same samples give the same bytes (the gzip header holds no time or file name)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8") as f,
    ):
        for s in samples:
            f.write(json.dumps(s.to_json(), separators=(",", ":")) + "\n")
            n += 1
    tmp.replace(path)
    return n


def read_shard(path: str | Path) -> Iterator[Sample]:
    """The samples of a shard, in order.

    Raises:
        DatasetError: the file is missing, not gzip, truncated, or has a bad line.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                where = f"{path}:{i}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as err:
                    raise DatasetError(f"{where}: not JSON ({err.msg})") from err
                yield Sample.from_json(data, where=where)
    except (OSError, EOFError, zlib.error) as err:
        raise DatasetError(f"{path}: cannot read the shard ({err})") from err
