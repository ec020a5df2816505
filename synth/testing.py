"""Keep synthesised programs under property tests in your own pytest suite.

Example (in a test module)::

    import dsl
    from synth import Spec
    from synth.testing import property_test

    rev = dsl.parse("def rev(xs: list[int]) -> list[int] = reverse(xs)")["rev"]
    spec = Spec("(list[int]) -> list[int]", reference=lambda xs: xs[::-1])
    test_rev = property_test(rev, spec)     # pytest collects and runs it
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings

import dsl
from synth import strategies
from synth._spec import Spec
from synth._verify import DEFAULT_VERIFY_LIMITS, _Judge


def property_test(
    program: dsl.Definition,
    spec: Spec,
    *,
    library: dsl.Library = dsl.CORE,
    max_examples: int = 200,
    max_len: int = 50,
    value_range: tuple[int, int] = strategies.DEFAULT_VALUE_RANGE,
    limits: dsl.Limits = DEFAULT_VERIFY_LIMITS,
) -> Callable[[], None]:
    """A pytest-collectable Hypothesis test that ``program`` meets ``spec``.

    The test generates inputs like :func:`synth.verify` (inputs outside the spec's domain
    are skipped) and fails with the shrunk counterexample. It follows the Hypothesis
    profile in force (database, derandomize), so it behaves like the rest of your suite.

    Raises:
        SpecError: the spec has neither a reference nor properties.
    """
    judge = _Judge(program, spec, library, limits)
    lo, hi = value_range
    inputs = strategies.for_signature(spec.signature, max_len=max_len, min_value=lo, max_value=hi)

    @settings(
        max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(inputs)
    def test(args: tuple[Any, ...]) -> None:
        failure = judge.judge(args)
        assert failure is None, f"{program.name} does not meet its spec: {failure}"

    test.__name__ = f"test_{program.name}_meets_its_spec"
    test.__qualname__ = test.__name__
    return test
