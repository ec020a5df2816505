"""The abstrax search engine: specs, typed probabilistic grammars, enumerators, synthesize().

Example:
    >>> from synth import Spec, synthesize
    >>> spec = Spec.from_examples([(([1, 2, 3],), 6), (([4, 5],), 9), (([],), 0)])
    >>> print(synthesize(spec).program)
    def f(xs: list[int]) -> int =
      fold(xs, 0, fn (x, acc) => x + acc)
"""

from synth import strategies, testing
from synth._bottom_up import BottomUp
from synth._config import (
    BottomUpEnumerator,
    ConfigError,
    Enumerator,
    HeapEnumerator,
    SearchSpace,
    SynthesisConfig,
    Verification,
    bottom_up,
    heap,
)
from synth._costs import context_costs_from_pcfg, costs_from_pcfg
from synth._derivation import Derivation, DerivationError, Step, StepView
from synth._express import to_expr
from synth._grammar import (
    DEFAULT_CONSTANTS,
    PCFG,
    START,
    Context,
    Grammar,
    Guide,
    NonTerminal,
    Production,
    Rule,
)
from synth._heap import HeapSearch
from synth._kernels import ERR
from synth._spec import Budget, Example, Property, Spec, SpecError
from synth._synthesize import Enumerated, SynthesisResult, enumerate, synthesize
from synth._terms import Bounds, SearchLimits, TermStore
from synth._verify import Counterexample, VerificationReport, sample_inputs, verify
from synth._vocabulary import Vocabulary, VocabularyError

__all__ = [
    "DEFAULT_CONSTANTS",
    "ERR",
    "PCFG",
    "START",
    "BottomUp",
    "BottomUpEnumerator",
    "Bounds",
    "Budget",
    "ConfigError",
    "Context",
    "Counterexample",
    "Derivation",
    "DerivationError",
    "Enumerated",
    "Enumerator",
    "Example",
    "Grammar",
    "Guide",
    "HeapEnumerator",
    "HeapSearch",
    "NonTerminal",
    "Production",
    "Property",
    "Rule",
    "SearchLimits",
    "SearchSpace",
    "Spec",
    "SpecError",
    "Step",
    "StepView",
    "SynthesisConfig",
    "SynthesisResult",
    "TermStore",
    "Verification",
    "VerificationReport",
    "Vocabulary",
    "VocabularyError",
    "bottom_up",
    "costs_from_pcfg",
    "context_costs_from_pcfg",
    "enumerate",
    "heap",
    "sample_inputs",
    "strategies",
    "synthesize",
    "testing",
    "to_expr",
    "verify",
]
