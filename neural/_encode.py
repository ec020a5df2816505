"""Values to arrays and back, for the baselines: a signature's layout, input tokens, targets.

Both baselines see a batch of inputs the same way, as *tokens*: one per list element and
one per int or bool argument, each with its raw value, the argument it belongs to, its
position in its list counted from the start and from the end, and a mask. The MLP
flattens them into one padded vector; the Transformer attends over them.

Values are kept raw here (ints as float32, bools as 0/1); each model divides by its own
fixed scale. Ints beyond ``VALUE_LIMIT`` in magnitude are clipped, so that no input is
refused and float32 stays exact; decoded outputs are clipped likewise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

import dsl

Kind = Literal["int", "bool", "list[int]", "list[bool]"]
FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

#: The largest magnitude of an int a baseline reads or writes; larger ones are clipped.
VALUE_LIMIT = 1_000_000


class EncodingError(dsl.AbstraxError, ValueError):
    """A signature the baselines cannot model, or a value that does not fit it."""


def _kind(t: dsl.Type, where: str) -> Kind:
    # A type variable stands for ints: the suites' polymorphic tasks run on ints.
    if t == dsl.INT or isinstance(t, dsl.TVar):
        return "int"
    if t == dsl.BOOL:
        return "bool"
    if isinstance(t, dsl.TList):
        elem = _kind(t.elem, where)
        if elem == "int":
            return "list[int]"
        if elem == "bool":
            return "list[bool]"
    raise EncodingError(f"{where}: expected int, bool, list[int] or list[bool], got {t}")


@dataclass(frozen=True, slots=True)
class Layout:
    """How a signature's values map to arrays.

    Attributes:
        signature: the signature's text, e.g. ``"(list[int], int) -> int"``.
        params: the kind of each argument.
        ret: the kind of the output.
    """

    signature: str
    params: tuple[Kind, ...]
    ret: Kind

    @classmethod
    def from_signature(cls, signature: str | dsl.TFun) -> Layout:
        """The layout of ``signature`` (text or ``dsl.TFun``).

        Raises:
            EncodingError: not a function type of 1 to 3 arguments over ints, bools and
                lists of them.
        """
        try:
            t = dsl.parse_type(signature) if isinstance(signature, str) else signature
        except dsl.AbstraxError as err:
            raise EncodingError(f"bad signature {signature!r}: {err}") from err
        if not isinstance(t, dsl.TFun):
            raise EncodingError(f"expected a function type like '(list[int]) -> int', got {t}")
        if not 1 <= len(t.params) <= 3:
            raise EncodingError(f"expected 1 to 3 arguments, got {len(t.params)} in {t}")
        params = tuple(_kind(p, f"argument {i}") for i, p in enumerate(t.params))
        return cls(str(t), params, _kind(t.ret, "output"))

    @property
    def list_output(self) -> bool:
        """Whether the output is a list."""
        return self.ret.startswith("list")

    @property
    def bool_output(self) -> bool:
        """Whether the output (or its elements) are bools."""
        return self.ret in ("bool", "list[bool]")

    def tokens(self, list_len: int) -> int:
        """The number of input tokens when each list is padded to ``list_len``."""
        return sum(list_len if k.startswith("list") else 1 for k in self.params)


@dataclass(frozen=True, slots=True)
class Tokens:
    """A batch of inputs as tokens, every array of shape [batch, tokens].

    Each list argument takes a block of ``list_len`` tokens (its elements, then padding),
    each int or bool argument one token, in argument order (:func:`encode_inputs`); or,
    packed, each list just its elements and the row's padding at its end
    (:func:`encode_packed`).

    Attributes:
        value: the raw value (clipped to ``VALUE_LIMIT``; bools 0/1; 0 for padding).
        arg: which argument, from 1 (0 for padding).
        pos: position in its list from the start (0 for a scalar).
        rpos: position in its list from the end (0 for a scalar and the last element).
        mask: True for a real token, False for padding.
    """

    value: FloatArray
    arg: IntArray
    pos: IntArray
    rpos: IntArray
    mask: BoolArray

    def __len__(self) -> int:
        return int(self.value.shape[0])

    def take(self, index: npt.NDArray[np.int64] | slice) -> Tokens:
        """The rows ``index`` of every array."""
        return Tokens(
            self.value[index], self.arg[index], self.pos[index], self.rpos[index], self.mask[index]
        )


def _clip(v: Any, where: str) -> int:
    if isinstance(v, bool):
        return int(v)
    if not isinstance(v, int | np.integer):
        raise EncodingError(f"{where}: expected an int or bool, got {v!r}")
    return max(-VALUE_LIMIT, min(VALUE_LIMIT, int(v)))


def _as_list(v: Any, where: str) -> Sequence[Any]:
    if not isinstance(v, list | tuple):
        raise EncodingError(f"{where}: expected a list, got {v!r}")
    return v


def longest(layout: Layout, inputs: Sequence[Sequence[Any]]) -> int:
    """The longest list argument among ``inputs`` (0 when there is none)."""
    n = 0
    for args in inputs:
        for kind, v in zip(layout.params, args, strict=False):
            if kind.startswith("list") and isinstance(v, list | tuple):
                n = max(n, len(v))
    return n


def encode_inputs(
    layout: Layout,
    inputs: Sequence[Sequence[Any]],
    *,
    list_len: int,
    rows: Sequence[int] | None = None,
) -> Tokens:
    """``inputs`` (argument tuples) as tokens, lists padded to ``list_len``; longer lists are
    cut to their first ``list_len`` elements. ``rows`` numbers the inputs in error messages
    (their positions in the caller's sequence; by default 0, 1, ...).

    Raises:
        EncodingError: an input with the wrong number of arguments or a value of the wrong
            kind.
    """
    return _encode(layout, inputs, layout.tokens(list_len), list_len, rows)


def encode_packed(
    layout: Layout,
    inputs: Sequence[Sequence[Any]],
    *,
    width: int,
    rows: Sequence[int] | None = None,
) -> Tokens:
    """``inputs`` as tokens with no padding between arguments: each row's lists and scalars
    one after another, the row padded to ``width`` tokens (at least
    :func:`packed_width` of every input).

    A model that reads a token by its value, argument and positions, never by its column
    (the Transformer), sees the same input as from :func:`encode_inputs`, in fewer tokens
    when lists differ in length.

    Raises:
        EncodingError: as :func:`encode_inputs`, or an input longer than ``width``.
    """
    return _encode(layout, inputs, width, None, rows)


def packed_width(layout: Layout, args: Any) -> int:
    """The tokens of one input when packed (0 for an input that is not an argument tuple,
    which encoding then reports)."""
    if not isinstance(args, list | tuple):
        return 0
    return sum(
        len(v) if kind.startswith("list") and isinstance(v, list | tuple) else 1
        for kind, v in zip(layout.params, args, strict=False)
    )


def _encode(
    layout: Layout,
    inputs: Sequence[Sequence[Any]],
    width: int,
    list_len: int | None,
    rows: Sequence[int] | None,
) -> Tokens:
    """Tokens of ``width`` columns; each list takes ``list_len`` of them (None: its own
    length, packed)."""
    shape = (len(inputs), width)
    value = np.zeros(shape, np.float32)
    arg = np.zeros(shape, np.int32)
    pos = np.zeros(shape, np.int32)
    rpos = np.zeros(shape, np.int32)
    mask = np.zeros(shape, np.bool_)
    for row, args in enumerate(inputs):
        label = row if rows is None else rows[row]
        if not isinstance(args, list | tuple) or len(args) != len(layout.params):
            raise EncodingError(
                f"input {label}: expected {len(layout.params)} argument(s) for "
                f"{layout.signature}, got {args!r}"
            )
        if list_len is None and (need := packed_width(layout, args)) > width:
            raise EncodingError(f"input {label}: {need} tokens do not fit in {width}")
        col = 0
        for a, (kind, v) in enumerate(zip(layout.params, args, strict=True)):
            where = f"input {label}, argument {a}"
            if kind.startswith("list"):
                xs = [_clip(x, where) for x in _as_list(v, where)][:list_len]
                n = len(xs)
                value[row, col : col + n] = xs
                pos[row, col : col + n] = np.arange(n)
                rpos[row, col : col + n] = np.arange(n)[::-1]
                mask[row, col : col + n] = True
                arg[row, col : col + n] = a + 1
                col += n if list_len is None else list_len
            else:
                value[row, col] = _clip(v, where)
                mask[row, col] = True
                arg[row, col] = a + 1
                col += 1
    return Tokens(value, arg, pos, rpos, mask)


def encode_outputs(
    layout: Layout, outputs: Sequence[Any], *, length: int
) -> tuple[FloatArray, BoolArray]:
    """Targets: each output's values in ``length`` slots (one slot for an int or bool) and
    which slots are present. Lists longer than ``length`` are cut.

    Returns:
        ``(values, present)``, both of shape [batch, length] ([batch, 1] for a scalar).

    Raises:
        EncodingError: an output of the wrong kind.
    """
    slots = length if layout.list_output else 1
    values = np.zeros((len(outputs), slots), np.float32)
    present = np.zeros((len(outputs), slots), np.bool_)
    for row, out in enumerate(outputs):
        where = f"output {row}"
        if layout.list_output:
            xs = [_clip(x, where) for x in _as_list(out, where)][:slots]
            values[row, : len(xs)] = xs
            present[row, : len(xs)] = True
        else:
            values[row, 0] = _clip(out, where)
            present[row, 0] = True
    return values, present


def decode_outputs(
    layout: Layout, values: npt.NDArray[Any], lengths: npt.NDArray[Any]
) -> list[Any]:
    """Python values from predicted slot values [batch, slots] and list lengths [batch]
    (ignored for a scalar output): values are rounded to the nearest int and clipped to
    ``VALUE_LIMIT`` (NaN reads as 0); bools are ``value > 0.5``."""
    v = np.nan_to_num(np.asarray(values, np.float64), nan=0.0)
    ints = np.clip(np.rint(v), -VALUE_LIMIT, VALUE_LIMIT).astype(np.int64)
    lens = np.clip(np.asarray(lengths, np.int64), 0, v.shape[1])
    out: list[Any] = []
    for row in range(v.shape[0]):
        if layout.ret == "int":
            out.append(int(ints[row, 0]))
        elif layout.ret == "bool":
            out.append(bool(v[row, 0] > 0.5))
        elif layout.ret == "list[int]":
            out.append([int(x) for x in ints[row, : lens[row]]])
        else:
            out.append([bool(x > 0.5) for x in v[row, : lens[row]]])
    return out
