"""``DREAMCODER``: the primitives of DreamCoder's list DSL, under abstrax names.

DreamCoder's list benchmark (217 tasks; ``tasks.load_dreamcoder()``) is reported on with a
DSL of 27 list and integer primitives and the constants 0 to 5. ``DREAMCODER`` has the same
primitives, so that results compare like for like, written the abstrax way: uncurried,
lists first and functions last (``map(xs, f)``, ``index(xs, i)``), lists as tuples, and
every partial primitive raising a ``dsl`` error instead of returning garbage. Where
DreamCoder's primitive means exactly what CORE's does, the library holds CORE's
:class:`~dsl.Primitive` itself, so that the search's fast kernels and loop runners (which
recognise CORE by its implementations) apply unchanged.

Constants: ``0, 1, 2, 3, 4, 5`` (both sources) and the empty list ``[]``, ``()`` inside the
interpreter (DreamCoder's ``empty``; DeepSynth2's DSL has no empty-list constant).

=============  =============  =======================================  =========================
DreamCoder     abstrax        type                                     semantics
=============  =============  =======================================  =========================
``cons``       ``cons`` *     ``(a, list[a]) -> list[a]``              ``[x] ++ xs``
``car``        ``head`` *     ``(list[a]) -> a``                       ``xs[0]``; ``[]``: error
``cdr``        ``tail`` *     ``(list[a]) -> list[a]``                 ``xs[1:]``; ``[]``: error
``empty?``     ``is_empty``   ``(list[a]) -> bool``                    ``xs == []``
``max``        ``max``        ``(int, int) -> int``                    the larger of two ints
``min``        ``min``        ``(int, int) -> int``                    the smaller of two ints
``gt?``        ``gt`` *       ``(int, int) -> bool``                   ``a > b``
``le?``        ``le`` *       ``(int, int) -> bool``                   ``a <= b``
``eq?``        ``eq`` +       ``(int, int) -> bool``                   ``a == b``
``not``        ``not`` *      ``(bool) -> bool``                       ``not a``
``if``         ``if`` *       ``(bool, a, a) -> a``                    lazy conditional
``+``          ``add`` *      ``(int, int) -> int``                    ``a + b``
``-``          ``sub`` *      ``(int, int) -> int``                    ``a - b``
``*``          ``mul`` *      ``(int, int) -> int``                    ``a * b``
``length``     ``length`` *   ``(list[a]) -> int``                     number of elements
``range``      ``range`` *    ``(int) -> list[int]``                   ``[0, 1, ..., n - 1]``
``map``        ``map`` *      ``(list[a], (a) -> b) -> list[b]``       ``f`` on each element
``filter``     ``filter`` *   ``(list[a], (a) -> bool) -> list[a]``    the elements that pass
``fold``       ``foldr``      ``(list[a], b, (a, b) -> b) -> b``       right fold
``iter``       ``iter``       ``(int, a, (a) -> a) -> a``              ``f`` applied ``n`` times
``unfold``     ``unfold``     ``(a, (a) -> bool, (a) -> b,``           a list from a seed
                              ``(a) -> a) -> list[b]``
``append``     ``snoc``       ``(list[a], a) -> list[a]``              ``xs ++ [x]``
``index``      ``index`` *    ``(list[a], int) -> a``                  ``xs[i]``, checked
``mod``        ``mod`` *      ``(int, int) -> int``                    ``a % b``, sign of ``b``
``is-mod``     ``is_mod``     ``(int, int) -> bool``                   ``b != 0 and a % b == 0``
``is-prime``   ``is_prime``   ``(int) -> bool``                        ``n`` is a prime
``is-square``  ``is_square``  ``(int) -> bool``                        ``n`` is a perfect square
=============  =============  =======================================  =========================

``*``: CORE's :class:`~dsl.Primitive` object itself. ``+``: CORE's implementation, with
DreamCoder's narrower type.

The details, checked against the sources below (DeepSynth2's ``dreamcoder.py`` has exactly
this set of primitives; DreamCoder's own ``listPrimitives.py`` and OCaml ``program.ml`` have
most of them and are what its enumerator runs):

- ``head``/``tail``/``index`` raise ``EmptyListError``/``IndexOutOfRangeError`` on ``[]`` or
  an index outside ``0 .. length - 1``, as OCaml's ``List.hd_exn``/``tl_exn``/``nth_exn``
  do. (The Python versions differ: ``cdr []`` is ``[]`` and ``index -1 xs`` is the last
  element there.) DreamCoder writes ``(index i xs)``; abstrax ``index(xs, i)``, as CORE.
- ``eq`` is CORE's implementation with DreamCoder's type ``(int, int) -> bool``: CORE's ``eq``
  compares any two values of one type, which would give the search comparisons of lists
  that DreamCoder does not have. ``gt`` and ``le`` are CORE's: ``gt(a, b)`` is ``a > b``
  and ``le(a, b)`` is ``a <= b``, DreamCoder's argument order.
- ``range(n)`` is ``[0, 1, ..., n - 1]``, empty for ``n <= 0`` (OCaml ``0 -- (n - 1)``);
  DeepSynth2's version refuses ``n >= 100``, abstrax only the interpreter's list bound.
- ``foldr(xs, init, f)`` is DreamCoder's ``fold``, a RIGHT fold with DreamCoder's argument
  order: ``f(xs[0], f(xs[1], ... f(xs[n-1], init)))`` (OCaml ``List.fold_right``; Python
  ``reduce`` over ``l[::-1]``). It is called ``foldr`` so as not to be confused with CORE's
  ``fold``, which is a left fold: ``foldr(xs, [], fn (x, acc) => cons(x, acc)) == xs``.
- ``iter(n, x, f)`` is ``f(f(...f(x)))``, ``f`` applied ``n`` times; ``x`` when ``n <= 0``.
  DeepSynth2 has ``iter`` with type ``int -> (t0 -> t0) -> t0 -> t0``; abstrax takes the
  function last, like CORE's ``loop(n, init, f)``. (DeepSynth2's implementation is an
  uncurried three-argument function that its curried evaluator calls with one argument,
  so every program using ``iter`` fails there; the intended meaning is the one above.)
- ``unfold(x, stop, emit, step)``: while ``stop(x)`` is false, emit ``emit(x)`` and move to
  ``step(x)``; ``stop`` is tested BEFORE each element, so ``unfold(x, ...)`` is ``[]`` when
  ``stop(x)`` holds at once (OCaml: ``if p x then [] else h x :: unfold (n x) p h n``).
  DeepSynth2's Python version gives up on lists of 20 elements or more (and DreamCoder's
  Python one names an undefined ``f``); abstrax has no such cap: fuel (three lambda calls
  per element) and the list bound end a run that never stops.
- ``snoc(xs, x)`` is ``xs ++ [x]``: DreamCoder's list DSL (DeepSynth2) calls it ``append``
  and takes the element first, ``(append x xs)``. It is not list concatenation (which is
  what ``append`` means in DreamCoder's OCaml library and in most languages), hence the name.
- ``mod(a, b)`` is CORE's: Python's ``a % b`` (the sign of ``b``), ``DivisionByZeroError``
  when ``b == 0``. This is DreamCoder's Python ``mod`` (``x % y``) and agrees with its OCaml
  ``x mod y`` when ``a >= 0`` and ``b > 0`` (OCaml's truncates: ``-7 mod 3 = -1``). DeepSynth2
  swaps the arguments (``mod x y = y % x``, ``None`` for a zero divisor).
- ``is_mod(a, b)`` is ``a % b == 0``: ``a`` is a multiple of ``b``; False when ``b == 0``
  (as DeepSynth2 says, rather than an error). So ``is_mod(a, b) == (mod(a, b) == 0)``
  whenever ``b != 0``. DeepSynth2 takes the divisor first (``is-mod x y = y % x == 0``);
  abstrax keeps the order of ``mod``.
- ``is_prime(n)``: ``n`` is a prime; False for every ``n < 2`` (negatives, 0, 1). DreamCoder
  (both languages) and DeepSynth2 test membership in the 46 primes below 200, so they agree
  with abstrax for every ``n < 200`` (every value of the benchmark) and say False for every
  prime from 211 on. abstrax keeps the mathematical meaning, so that a program using it
  extrapolates to larger numbers. Exact below 3.3e24 (deterministic Miller-Rabin), far above
  the interpreter's default integer bound.
- ``is_square(n)``: ``n == k * k`` for an integer ``k``; True for 0 and 1, False for
  negatives. DreamCoder computes ``int(sqrt(float n)) ** 2 == n``, exact below 2^53, and
  fails on negatives (``math.sqrt`` raises in Python); abstrax's is exact for every int.
- ``max``/``min`` (ints, two arguments), ``is_empty``, ``not``, ``if``, ``add``, ``sub``,
  ``mul``, ``cons``, ``length``, ``map``, ``filter``: as their names say, nothing partial.

References:
    Ellis, Wong, Nye, Sablé-Meyer, Morales, Hewitt, Cary, Solar-Lezama, Tenenbaum.
    "DreamCoder: bootstrapping inductive program synthesis with wake-sleep library
    learning." PLDI 2021. Code: github.com/ellisk42/ec (commit cb0e63f),
    ``dreamcoder/domains/list/listPrimitives.py`` and ``solvers/program.ml``.

    Fijalkow, Lagarde, Matricon, Ellis, Ohlmann, Potta. "Scaling neural program synthesis
    with distribution-based search." AAAI 2022. Code: github.com/SynthesisLab/DeepSynth2
    (commit 38e6ee1), ``examples/pbe/dreamcoder/dreamcoder.py`` (the DSL) and
    ``synth/semantic/evaluator.py`` (how it is applied).
"""

from __future__ import annotations

from typing import Any

from dsl._errors import EvalBudgetError
from dsl._library import Library, Primitive, primitive
from dsl._primitives import CORE, Fn

# The implementations below are copied into exported programs by their source: each uses
# only the error classes and builtins that exported programs never rebind (len, tuple, range:
# dsl._codegen.PY_NAMES), and none refers to another name of this module.


def is_empty(xs: tuple[Any, ...]) -> bool:
    return not xs


def max_(a: int, b: int) -> int:
    return a if a >= b else b


def min_(a: int, b: int) -> int:
    return a if a <= b else b


def foldr(xs: tuple[Any, ...], init: Any, f: Fn) -> Any:
    acc = init
    for x in xs[::-1]:
        acc = f(x, acc)
    return acc


def iter_(n: int, x: Any, f: Fn) -> Any:
    i = 0
    while i < n:  # not range(n): n may be huge, and fuel (charged by f) ends the loop
        x = f(x)
        i += 1
    return x


def unfold(x: Any, stop: Fn, emit: Fn, step: Fn) -> tuple[Any, ...]:
    out: list[Any] = []
    while not stop(x):
        if len(out) >= 10_000_000:  # a hard cap; fuel (charged by the calls) usually ends first
            raise EvalBudgetError("list length", 10_000_000)
        out.append(emit(x))
        x = step(x)
    return tuple(out)


def snoc(xs: tuple[Any, ...], x: Any) -> tuple[Any, ...]:
    return xs + (x,)


def is_mod(a: int, b: int) -> bool:
    return b != 0 and a % b == 0


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
    for p in bases:
        if n % p == 0:
            return n == p
    if n < 1681:  # 41 * 41: no prime factor up to 41, so none at all
        return True
    # Miller-Rabin with the first 13 primes as bases: exact for n < 3.3e24 (Sorenson and
    # Webster 2015; OEIS A014233).
    d = n - 1
    s = 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in bases:
        y = 1  # y = a ** d % n, by squaring (not pow: an exported program may rebind it)
        b = a
        e = d
        while e:
            if e & 1:
                y = y * b % n
            b = b * b % n
            e >>= 1
        if y == 1 or y == n - 1:
            continue
        for _ in range(s - 1):
            y = y * y % n
            if y == n - 1:
                break
        else:
            return False
    return True


def is_square(n: int) -> bool:
    if n < 2:
        return n >= 0
    r = 1 << (n.bit_length() + 1) // 2  # at least the root; Newton's method goes down to it
    while True:
        q = (r + n // r) // 2
        if q >= r:
            return r * r == n
        r = q


def _core(name: str) -> Primitive:
    p = CORE[name]
    assert isinstance(p, Primitive)  # CORE holds primitives only
    return p


DREAMCODER = Library(
    "dreamcoder",
    (
        _core("cons"),
        _core("head"),
        _core("tail"),
        primitive("is_empty", "(list[a]) -> bool", is_empty, "xs == []", bounded=True),
        primitive("max", "(int, int) -> int", max_, "the larger of a and b", bounded=True),
        primitive("min", "(int, int) -> int", min_, "the smaller of a and b", bounded=True),
        _core("gt"),
        _core("le"),
        primitive("eq", "(int, int) -> bool", _core("eq").impl, "a == b, on ints"),
        _core("not"),
        _core("if"),
        _core("add"),
        _core("sub"),
        _core("mul"),
        _core("length"),
        _core("range"),
        _core("map"),
        _core("filter"),
        primitive(
            "foldr", "(list[a], b, (a, b) -> b) -> b", foldr, "right fold: f(x0, f(x1, ... init))"
        ),
        primitive("iter", "(int, a, (a) -> a) -> a", iter_, "f applied n times to x"),
        primitive(
            "unfold",
            "(a, (a) -> bool, (a) -> b, (a) -> a) -> list[b]",
            unfold,
            "emit(x), then x = step(x), until stop(x)",
        ),
        primitive("snoc", "(list[a], a) -> list[a]", snoc, "xs ++ [x]"),
        _core("index"),
        _core("mod"),
        primitive("is_mod", "(int, int) -> bool", is_mod, "b != 0 and a % b == 0", bounded=True),
        primitive("is_prime", "(int) -> bool", is_prime, "n is a prime", bounded=True),
        primitive("is_square", "(int) -> bool", is_square, "n is a perfect square", bounded=True),
    ),
    constants=(0, 1, 2, 3, 4, 5, ()),
)
"""The primitives of DreamCoder's list DSL (Ellis et al., PLDI 2021), constants 0 to 5 and []."""
