"""Derivations (synth._derivation) and a guide's vocabulary (synth._vocabulary).

Laws: a sampled derivation's program type-checks and derives back to a derivation of the
same program;
its log-probability is the sum of its steps' and equals the one the vocabulary's training
targets give; sampling draws each program with its probability; every grammar of a library
(up to the vocabulary's parameters) is in the library's vocabulary.
"""

from __future__ import annotations

import collections
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsl
import synth

SIGNATURES = [
    "(list[int]) -> list[int]",
    "(list[int]) -> int",
    "(list[int], int) -> list[int]",
    "(int, int) -> bool",
    "(list[int], list[int], int) -> list[int]",
    "(list[bool]) -> list[int]",
]
LIBRARIES = [dsl.CORE, dsl.EXTENDED, dsl.DREAMCODER]


def _parse(source: str) -> dsl.Definition:
    (definition,) = dsl.parse(source).definitions
    return definition


def _random_pcfg(grammar: synth.Grammar, seed: int) -> synth.PCFG:
    rng = random.Random(seed)
    return synth.PCFG.from_weights(grammar, lambda nt, p: rng.random() + 0.05)


@settings(max_examples=40, deadline=None)
@given(
    signature=st.sampled_from(SIGNATURES),
    library=st.sampled_from(LIBRARIES),
    depth=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_sampled_program_type_checks_and_derives_back_to_its_derivation(
    signature: str, library: dsl.Library, depth: int, seed: int
) -> None:
    grammar = synth.Grammar.from_library(library, signature, max_depth=depth)
    pcfg = _random_pcfg(grammar, seed)
    derivation = pcfg.sample(seed)
    program = derivation.program()
    dsl.typecheck(program, library=library)  # raises if not well typed
    assert dsl.depth(program.body) <= depth
    # a derivation of the same program (a subexpression such as length([]) may type in two
    # ways, [] a list of ints or of bools: derive finds one of them)
    derived = grammar.derive(program)
    assert derived.program() == program
    assert len(derived) == len(derivation)
    # ... and through the printer and parser: a program read back from text
    assert grammar.derive(_parse(str(program))) == derived
    expected = math.fsum(pcfg.logprobs[s.nonterminal][s.rule] for s in derivation.steps)
    assert derivation.log_probability(pcfg) == pytest.approx(expected)
    assert pcfg.log_probability(derivation) == pytest.approx(expected)
    assert pcfg.log_probability(program) == pytest.approx(derived.log_probability(pcfg))
    assert expected <= 0


def test_sampling_draws_each_program_with_its_probability() -> None:
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=2)
    pcfg = _random_pcfg(grammar, 7)
    rng = random.Random(0)
    n = 20_000
    counts = collections.Counter(str(pcfg.sample(rng).program()) for _ in range(n))
    probabilities = {text: math.exp(pcfg.log_probability(_parse(text))) for text in counts}
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=0.01)  # all were drawn
    for text, c in counts.items():
        p = probabilities[text]
        sd = math.sqrt(n * p * (1 - p))
        assert abs(c - n * p) <= 5 * sd + 1, text


def test_derive_names_parameters_by_position_not_by_name() -> None:
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int], int) -> list[int]")
    a = grammar.derive(_parse("def g(ys: list[int], k: int) -> list[int] = take(ys, k)"))
    b = grammar.derive(_parse("def f(xs: list[int], n: int) -> list[int] = take(xs, n)"))
    assert a == b
    assert [s.production.name for s in a] == ["take", "param0", "param1"]


def test_a_lambda_variable_shadows_a_parameter_of_the_same_name() -> None:
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> list[int]")
    d = grammar.derive(_parse("def f(x: list[int]) -> list[int] = map(x, fn x => x + 1)"))
    names = [s.production.name for s in d]
    assert names == ["map", "param0", "lambda", "add", "var0", "1"]


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("def f(xs: list[int]) -> int = let y = 1 in y", "let"),
        ("def f(xs: list[int]) -> int = 7", "'7'"),  # not a constant of CORE
        ("def f(xs: list[int]) -> int = sum(xs)", "'sum"),  # not in CORE
        ("def f(xs: list[int]) -> list[int] = reverse(xs)", "type"),  # another signature
        ("def f(xs: list[int]) -> int = f(tail(xs))", "'f"),  # no recursion in the grammar
    ],
)
def test_a_program_the_grammar_cannot_derive_is_a_clear_error(source: str, why: str) -> None:
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> int")
    with pytest.raises(synth.DerivationError, match=why):
        grammar.derive(_parse(source))


def test_a_program_deeper_than_the_grammar_is_a_clear_error() -> None:
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> list[int]", max_depth=2)
    with pytest.raises(synth.DerivationError, match="reverse"):
        grammar.derive(_parse("def f(xs: list[int]) -> list[int] = reverse(reverse(xs))"))


def test_recursion_derives_with_the_self_production() -> None:
    grammar = synth.Grammar.from_library(
        dsl.CORE, "(list[int]) -> int", max_depth=5, allow_recursion=True
    )
    program = _parse("def f(xs: list[int]) -> int = if xs == [] then 0 else 1 + f(tail(xs))")
    d = grammar.derive(program)
    assert "self" in [s.production.name for s in d]
    assert d.program() == program


@pytest.mark.parametrize("library", LIBRARIES, ids=lambda lib: lib.name)
def test_every_grammar_of_a_library_is_in_its_vocabulary(library: dsl.Library) -> None:
    vocab = synth.Vocabulary.of(library)
    for signature in SIGNATURES:
        grammar = synth.Grammar.from_library(library, signature)
        vocab.check(grammar)
        mask = np.array(vocab.mask(grammar))
        assert mask.shape == vocab.shape and mask[0].any()
    four = synth.Grammar.from_library(library, "(int, int, int, int) -> int", max_depth=2)
    with pytest.raises(synth.VocabularyError, match="param3"):
        vocab.check(four)


def test_another_librarys_grammar_is_outside_the_vocabulary() -> None:
    grammar = synth.Grammar.from_library(dsl.EXTENDED, "(list[int]) -> list[int]")
    with pytest.raises(synth.VocabularyError, match="not in the vocabulary of library 'core'"):
        synth.Vocabulary.of(dsl.CORE).check(grammar)


@settings(max_examples=25, deadline=None)
@given(
    signature=st.sampled_from(SIGNATURES),
    library=st.sampled_from(LIBRARIES),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_vocabularys_targets_give_the_pcfgs_log_probability(
    signature: str, library: dsl.Library, seed: int
) -> None:
    vocab = synth.Vocabulary.of(library)
    grammar = synth.Grammar.from_library(library, signature, max_depth=5)
    logits = np.random.default_rng(seed).normal(0.0, 2.0, size=vocab.shape)
    pcfg = vocab.pcfg(grammar, logits)
    for nt, lps in pcfg.logprobs.items():  # normalised per nonterminal
        assert math.fsum(math.exp(lp) for lp in lps) == pytest.approx(1.0)
        for r, lp in zip(grammar.rules[nt], lps, strict=True):
            row = vocab.context_index(nt.context)
            others = [
                logits[row, vocab.production_index(q.production.name)] for q in grammar.rules[nt]
            ]
            col = vocab.production_index(r.production.name)
            assert lp == pytest.approx(logits[row, col] - np.log(np.exp(others).sum()))
    derivation = pcfg.sample(seed)
    from_targets = sum(
        logits[row, col] - np.log(np.exp(logits[row, list(allowed)]).sum())
        for row, col, allowed in vocab.targets(derivation)
    )
    assert from_targets == pytest.approx(derivation.log_probability(pcfg))


def test_vocabulary_pcfg_checks_the_shape_of_the_logits() -> None:
    vocab = synth.Vocabulary.of(dsl.CORE)
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=3)
    with pytest.raises(ValueError, match="shape"):
        vocab.pcfg(grammar, np.zeros((vocab.shape[0], vocab.shape[1] + 1)))


def test_from_log_weights_removes_minus_infinity_and_refuses_nan() -> None:
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=3)
    start = grammar.start
    pcfg = synth.PCFG.from_log_weights(
        grammar, lambda nt, p: -math.inf if nt == start and p.name == "length" else 0.0
    )
    assert pcfg.probability(start, "length") == 0.0
    assert pcfg.probability(start, "head") > 0.0
    everywhere = synth.PCFG.from_log_weights(grammar, lambda nt, p: -math.inf)
    uniform = grammar.uniform().logprobs
    for nt, lps in everywhere.logprobs.items():  # all removed: uniform
        assert lps == pytest.approx(uniform[nt])
    with pytest.raises(ValueError, match="log-weights"):
        synth.PCFG.from_log_weights(grammar, lambda nt, p: math.nan)
    # logits are shift-invariant, and large ones do not overflow
    big = synth.PCFG.from_log_weights(grammar, lambda nt, p: 1000.0 + len(p.name))
    small = synth.PCFG.from_log_weights(grammar, lambda nt, p: float(len(p.name)))
    for nt in grammar.rules:
        assert big.logprobs[nt] == pytest.approx(small.logprobs[nt])


def test_usage_weighting_follows_what_the_pcfg_expects_to_reach() -> None:
    grammar = synth.Grammar.from_library(dsl.CORE, "(list[int]) -> list[int]", max_depth=4)
    start = grammar.start
    # the start strongly prefers reverse; everywhere else reverse is rare
    pcfg = synth.PCFG.from_weights(
        grammar,
        lambda nt, p: (50.0 if nt == start else 0.05) if p.name == "reverse" else 1.0,
    )
    kind = (start.type, start.env)
    mean = synth.costs_from_pcfg(pcfg, weighting="mean")[kind]
    usage = synth.costs_from_pcfg(pcfg, weighting="usage")[kind]
    reverse = next(p for p in usage if p.name == "reverse")
    # the start is used once in every program; a deep list hole far less often on average
    assert usage[reverse] < mean[reverse]
    # usage weights average the same per-nonterminal probabilities: every production of a
    # kind keeps a cost, and none gets cheaper than its most likely nonterminal allows
    uniform = grammar.uniform()
    u_mean = synth.costs_from_pcfg(uniform, weighting="mean")
    u_usage = synth.costs_from_pcfg(uniform, weighting="usage")
    assert {k: set(t) for k, t in u_mean.items()} == {k: set(t) for k, t in u_usage.items()}
    best: dict[object, float] = {}
    for nt, rules in grammar.rules.items():
        for r, lp in zip(rules, uniform.logprobs[nt], strict=True):
            key = ((nt.type, nt.env), r.production)
            best[key] = max(best.get(key, -math.inf), lp)
    for kind, table in u_usage.items():
        for prod, cost in table.items():
            if prod.kind != "lambda":
                assert cost >= max(1, round(-best[(kind, prod)]))
    with pytest.raises(ValueError, match="weighting"):
        synth.costs_from_pcfg(uniform, weighting="median")


class _PreferReverse:
    def weights(self, spec: synth.Spec, grammar: synth.Grammar) -> synth.PCFG:
        return synth.PCFG.from_weights(grammar, lambda nt, p: 5.0 if p.name == "reverse" else 1.0)


def test_synthesize_prices_bottom_up_holes_by_context_when_guided() -> None:
    spec = synth.Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4])])
    plain = synth.synthesize(spec)
    guided = synth.synthesize(spec, guide=_PreferReverse())
    chosen = synth.synthesize(
        spec, guide=_PreferReverse(), enumerator=synth.bottom_up(costs="mean")
    )
    assert plain.config.enumerator == synth.bottom_up(costs="mean", unit=1)
    # per-context costs, in half nats: finer, to follow the guide's weights closely
    assert guided.config.enumerator == synth.bottom_up(costs="context", unit=0.5)
    assert chosen.config.enumerator == synth.bottom_up(costs="mean", unit=1)
    assert plain.solved and guided.solved and chosen.solved
    with pytest.raises(synth.ConfigError, match="costs"):
        synth.bottom_up(costs="median")  # type: ignore[arg-type]
