"""Hypothesis strategies for the values of the language, built from their types.

Example:
    >>> from synth import strategies
    >>> s = strategies.for_signature("(list[int], int) -> int", max_len=5)
    >>> isinstance(s.example(), tuple)   # (a list of ints, an int)
    True
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import dsl
from dsl import BOOL, INT, TFun, TList, TVar, Type

DEFAULT_MAX_LEN = 20
DEFAULT_VALUE_RANGE = (-1000, 1000)


def _validate(max_len: int, min_value: int, max_value: int, min_len: int = 0) -> None:
    if not isinstance(max_len, int) or max_len < 0:
        raise ValueError(f"max_len must be a non-negative int, got {max_len!r}")
    if not isinstance(min_len, int) or not 0 <= min_len <= max_len:
        raise ValueError(f"min_len must be an int in 0..max_len ({max_len}), got {min_len!r}")
    if not (isinstance(min_value, int) and isinstance(max_value, int)):
        raise ValueError(f"min_value and max_value must be ints, got {min_value!r}, {max_value!r}")
    if min_value > max_value:
        raise ValueError(f"min_value {min_value} is greater than max_value {max_value}")


def for_type(
    t: Type | str,
    *,
    max_len: int = DEFAULT_MAX_LEN,
    min_value: int = DEFAULT_VALUE_RANGE[0],
    max_value: int = DEFAULT_VALUE_RANGE[1],
    min_len: int = 0,
) -> st.SearchStrategy[Any]:
    """Values of type ``t``: ints in ``[min_value, max_value]``, bools, and lists (nested
    too) of ``min_len`` to ``max_len`` elements, as Python lists. A type variable gets ints.

    Raises:
        ValueError: a function type (functions are not values of the search's inputs), or
            bad bounds.
    """
    _validate(max_len, min_value, max_value, min_len)
    if isinstance(t, str):
        t = dsl.parse_type(t)
    if t == INT or isinstance(t, TVar):
        return st.integers(min_value, max_value)
    if t == BOOL:
        return st.booleans()
    if isinstance(t, TList):
        if t.elem == INT:
            return _int_lists(min_len, max_len, min_value, max_value)
        if t.elem == BOOL:
            bits = st.binary(min_size=min_len, max_size=max_len)
            return bits.map(lambda b: [x & 1 == 1 for x in b])
        inner = for_type(
            t.elem, max_len=max_len, min_value=min_value, max_value=max_value, min_len=min_len
        )
        return st.lists(inner, min_size=min_len, max_size=max_len)
    raise ValueError(f"no strategy for {t}: inputs are ints, bools and lists")


def nearest_zero(lo: int, hi: int) -> int:
    """The value of ``[lo, hi]`` nearest 0: what generated ints start from and shrink
    towards (Hypothesis's draws here, and the verifier's own shrinking after them)."""
    return min(max(0, lo), hi)


def _int_lists(min_len: int, max_len: int, lo: int, hi: int) -> st.SearchStrategy[list[int]]:
    """Lists of ints drawn as one byte string each: a single Hypothesis choice per list
    instead of one per element, which generates several times faster, and Hypothesis still
    shrinks them to short lists of small values (bytes shrink towards zero, and zero bytes
    decode to the value nearest 0)."""
    span = hi - lo + 1
    width = max(1, (span.bit_length() + 7) // 8)
    anchor = nearest_zero(lo, hi)
    up, down = hi - anchor, anchor - lo

    def value(z: int) -> int:
        k = z % span  # the k-th value in the order anchor, +1, -1, +2, -2, ...
        both = 2 * min(up, down)
        if k <= both:
            return anchor + (k + 1) // 2 if k % 2 else anchor - k // 2
        rest = k - both + min(up, down)
        return anchor + rest if up > down else anchor - rest

    def decode(raw: bytes) -> list[int]:
        return [
            value(int.from_bytes(raw[i : i + width], "big"))
            for i in range(0, len(raw) - width + 1, width)
        ]

    return st.binary(min_size=min_len * width, max_size=max_len * width).map(decode)


def for_signature(
    signature: TFun | str,
    *,
    max_len: int = DEFAULT_MAX_LEN,
    min_value: int = DEFAULT_VALUE_RANGE[0],
    max_value: int = DEFAULT_VALUE_RANGE[1],
    min_len: int = 0,
) -> st.SearchStrategy[tuple[Any, ...]]:
    """Argument tuples for a function of type ``signature`` (every list, nested ones too,
    ``min_len`` to ``max_len`` long)."""
    sig = dsl.parse_type(signature) if isinstance(signature, str) else signature
    if not isinstance(sig, TFun):
        raise ValueError(f"a signature is a function type, got {sig}")
    return st.tuples(
        *(
            for_type(p, max_len=max_len, min_value=min_value, max_value=max_value, min_len=min_len)
            for p in sig.params
        )
    )
