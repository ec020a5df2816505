"""The search space: typed, depth-bounded grammars, their PCFG weightings, and guides."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import pytest

import dsl
import synth
from synth import PCFG, START, Budget, Grammar, NonTerminal, Production, Spec, SpecError

SIGNATURES = [
    "(list[int]) -> int",
    "(list[int]) -> list[int]",
    "(int, int) -> bool",
    "(list[int], int) -> list[int]",
    "(bool, list[int]) -> int",
    "(list[list[int]]) -> list[int]",
]

REVERSE_SPEC = Spec.from_examples(
    [(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4]), (([],), []), (([6, 6, 7],), [7, 6, 6])]
)


def _calls(e: dsl.Expr) -> Iterator[str]:
    """Names of every function called in ``e``."""
    if isinstance(e, dsl.Call):
        yield e.func
    for c in dsl.children(e):
        yield from _calls(c)


def _is_instance_of(poly: dsl.Type, ground: dsl.Type) -> bool:
    u = dsl.Unifier()
    try:
        u.unify(u.instantiate(poly), ground)
    except dsl.UnificationError:
        return False
    return True


# ---- structure -------------------------------------------------------------------------------


@pytest.mark.parametrize("max_depth", [1, 2, 3, 4])
@pytest.mark.parametrize("signature", SIGNATURES)
def test_grammar_is_well_typed_and_depth_bounded(signature: str, max_depth: int) -> None:
    sig = dsl.parse_type(signature)
    assert isinstance(sig, dsl.TFun)
    if max_depth == 1 and sig.ret == dsl.BOOL and dsl.BOOL not in sig.params:
        # no bool leaf: true/false are not default constants
        with pytest.raises(SpecError, match="no program"):
            Grammar.from_library(dsl.CORE, signature, max_depth=max_depth)
        return
    g = Grammar.from_library(dsl.CORE, signature, max_depth=max_depth)
    assert g.signature == sig
    assert g.max_depth == max_depth
    assert g.start == NonTerminal(sig.ret, (), START, 0)
    assert g.start in g.rules
    assert g.param_names == Spec(signature).param_names
    assert len(g) == len(g.rules) == len(g.nonterminals())
    for nt, rules in g.rules.items():
        assert rules, f"unproductive nonterminal {nt}"
        assert 0 <= nt.depth < max_depth, nt
        if nt.depth >= max_depth - 1:
            assert all(not r.children for r in rules), f"{nt} has rules with holes"
        for rule in rules:
            p = rule.production
            assert p.type == nt.type, (nt, p)
            for child in rule.children:
                assert child in g.rules, f"{child} (under {nt}) has no rules"
                assert child.depth == nt.depth + 1
            if p.kind == "lambda":
                assert isinstance(nt.type, dsl.TFun)
                (body,) = rule.children
                assert p.args == (nt.type.ret,)
                assert body.type == nt.type.ret
                assert body.env == nt.env + nt.type.params
                assert body.lambdas == nt.lambdas + 1
                continue
            assert not isinstance(nt.type, dsl.TFun), "a function-typed hole is only a lambda"
            assert tuple(c.type for c in rule.children) == p.args, (nt, p)
            assert p.arity == len(rule.children)
            for k, child in enumerate(rule.children):
                assert child.env == nt.env
                assert child.context == (p.name, k)
                assert child.lambdas == nt.lambdas
            if p.kind == "param":
                assert p.name == f"param{p.payload}"
                assert p.type == sig.params[p.payload]
            elif p.kind == "var":
                assert p.type == nt.env[p.payload]
            elif p.kind in ("prim", "def"):
                declared = dsl.CORE[p.name]
                poly = declared.type if isinstance(declared, dsl.Primitive) else declared.signature
                assert _is_instance_of(poly, dsl.TFun(p.args, p.type)), (p.name, poly)
            elif p.kind == "const":
                assert dsl.value_has_type(p.payload, p.type)
                assert not p.args
            elif p.kind == "singleton":
                assert isinstance(p.type, dsl.TList)
                assert p.args == (p.type.elem,)
            else:
                pytest.fail(f"unexpected production kind {p.kind} without recursion")


def test_max_depth_one_has_only_leaves() -> None:
    g = Grammar.from_library(dsl.CORE, "(list[int], int) -> int", max_depth=1)
    assert list(g.rules) == [g.start]
    assert {r.production.name for r in g.rules[g.start]} == {"param1", "0", "1", "2"}


def test_bad_max_depth() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        Grammar.from_library(dsl.CORE, "(int) -> int", max_depth=0)


def test_non_function_signature_is_a_spec_error() -> None:
    with pytest.raises(SpecError):
        Grammar.from_library(dsl.CORE, "list[int]", max_depth=3)


@pytest.mark.parametrize("signature", SIGNATURES)
def test_contexts_cover_every_nonterminal(signature: str) -> None:
    g = Grammar.from_library(dsl.CORE, signature, max_depth=4)
    contexts = g.contexts()
    assert START in contexts
    for nt, rules in g.rules.items():
        assert nt.context in contexts
        assert {r.production.name for r in rules} <= set(contexts[nt.context])
    used = {nt.context for nt in g.rules}
    assert set(contexts) == used
    for names in contexts.values():
        assert len(names) == len(set(names))


# ---- weights ---------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", SIGNATURES)
def test_uniform_is_a_distribution_per_nonterminal(signature: str) -> None:
    g = Grammar.from_library(dsl.CORE, signature, max_depth=4)
    pcfg = g.uniform()
    assert pcfg.grammar is g
    assert set(pcfg.logprobs) == set(g.rules)
    for nt, rules in g.rules.items():
        lps = pcfg.logprobs[nt]
        assert len(lps) == len(rules)
        assert math.fsum(math.exp(lp) for lp in lps) == pytest.approx(1.0, abs=1e-12)
        assert all(lp == pytest.approx(-math.log(len(rules))) for lp in lps)


def test_from_weights_mapping_is_per_context() -> None:
    g = Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=3)
    names = [r.production.name for r in g.rules[g.start]]
    pcfg = PCFG.from_weights(g, {(START, "head"): 3.0, (START, "length"): 0.5})
    total = len(names) - 2 + 3.0 + 0.5
    assert pcfg.probability(g.start, "head") == pytest.approx(3.0 / total)
    assert pcfg.probability(g.start, "length") == pytest.approx(0.5 / total)
    assert pcfg.probability(g.start, "0") == pytest.approx(1.0 / total)
    assert pcfg.probability(g.start, "no such production") == 0.0
    # other contexts keep uniform weights
    for nt in g.rules:
        if nt.context != START:
            assert pcfg.logprobs[nt] == g.uniform().logprobs[nt]
        assert math.fsum(math.exp(lp) for lp in pcfg.logprobs[nt]) == pytest.approx(1.0)


def test_from_weights_callable() -> None:
    g = Grammar.from_library(dsl.CORE, "(list[int], int) -> int", max_depth=3)
    seen: list[tuple[NonTerminal, Production]] = []

    def weight(nt: NonTerminal, p: Production) -> float:
        seen.append((nt, p))
        return 4.0 if p.kind == "param" else 1.0

    pcfg = PCFG.from_weights(g, weight)
    assert len(seen) == sum(len(rules) for rules in g.rules.values())
    for nt, rules in g.rules.items():
        n_params = sum(r.production.kind == "param" for r in rules)
        total = len(rules) + 3 * n_params
        for r, lp in zip(rules, pcfg.logprobs[nt], strict=True):
            expected = (4.0 if r.production.kind == "param" else 1.0) / total
            assert math.exp(lp) == pytest.approx(expected)


def test_zero_weight_removes_a_rule() -> None:
    g = Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=3)
    pcfg = PCFG.from_weights(g, {(START, "head"): 0})
    assert pcfg.probability(g.start, "head") == 0.0
    idx = [r.production.name for r in g.rules[g.start]].index("head")
    assert pcfg.logprobs[g.start][idx] == -math.inf
    assert math.fsum(math.exp(lp) for lp in pcfg.logprobs[g.start]) == pytest.approx(1.0)
    for e in itertools.islice(synth.enumerate(pcfg), 500):
        body = e.program.body
        assert not (isinstance(body, dsl.Call) and body.func == "head"), dsl.pretty(body)
        assert e.log_probability > -math.inf


def test_all_zero_weights_fall_back_to_uniform() -> None:
    g = Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=3)
    pcfg = PCFG.from_weights(g, lambda nt, p: 0.0)
    assert pcfg.logprobs == g.uniform().logprobs


@pytest.mark.parametrize("bad", [-1.0, -1e-9, float("nan")])
def test_negative_or_nan_weights_raise(bad: float) -> None:
    g = Grammar.from_library(dsl.CORE, "(list[int]) -> int", max_depth=3)
    with pytest.raises(ValueError, match="non-negative"):
        PCFG.from_weights(g, {(START, "head"): bad})
    with pytest.raises(ValueError, match="non-negative"):
        PCFG.from_weights(g, lambda nt, p: bad if p.name == "head" else 1.0)


# ---- options ---------------------------------------------------------------------------------


def test_exclude_removes_primitives_everywhere() -> None:
    g = Grammar.from_library(
        dsl.CORE, "(list[int]) -> list[int]", max_depth=4, exclude=["reverse", "map", "fold"]
    )
    names = {r.production.name for rules in g.rules.values() for r in rules}
    assert not names & {"reverse", "map", "fold"}
    assert {"filter", "tail", "param0"} <= names
    full = Grammar.from_library(dsl.CORE, "(list[int]) -> list[int]", max_depth=4)
    assert {"reverse", "map", "fold"} <= {
        r.production.name for rules in full.rules.values() for r in rules
    }


def test_synthesize_with_exclude_avoids_the_primitive() -> None:
    result = synth.synthesize(
        REVERSE_SPEC,
        budget=Budget(seconds=10),
        space=synth.SearchSpace(max_depth=4, exclude=("reverse",)),
    )
    assert result.solved
    assert result.program is not None
    assert "reverse" not in set(_calls(result.program.body))


def test_allow_recursion_adds_self() -> None:
    sig = "(list[int], int) -> list[int]"
    plain = Grammar.from_library(dsl.CORE, sig, max_depth=3)
    rec = Grammar.from_library(dsl.CORE, sig, max_depth=3, allow_recursion=True)
    assert rec.allow_recursion
    assert not plain.allow_recursion
    assert all(r.production.kind != "self" for rules in plain.rules.values() for r in rules)
    selves = [r for rules in rec.rules.values() for r in rules if r.production.name == "self"]
    assert selves
    for r in selves:
        assert r.production.kind == "self"
        assert r.production.type == rec.signature.ret
        assert r.production.args == rec.signature.params
    assert "self" in {r.production.name for r in rec.rules[rec.start]}


def test_recursive_programs_are_named_after_the_spec() -> None:
    g = Grammar.from_library(
        dsl.CORE, "(list[int]) -> list[int]", max_depth=3, allow_recursion=True
    )
    found = 0
    for e in itertools.islice(synth.enumerate(g.uniform(), name="rec"), 400):
        assert dsl.typecheck(e.program) == g.signature
        if "rec" in set(_calls(e.program.body)):
            found += 1
    assert found > 0


def test_no_program_of_the_type_is_a_spec_error() -> None:
    tiny = dsl.Library("tiny", (dsl.CORE["add"],))
    with pytest.raises(SpecError, match="no program"):
        Grammar.from_library(tiny, "(int) -> bool", max_depth=3)
    # no list primitive, no [] constant and no int to put in a singleton list
    with pytest.raises(SpecError, match="no program"):
        Grammar.from_library(tiny, "(bool) -> list[int]", max_depth=3, constants=())
    spec = Spec.from_examples([((1,), True), ((2,), False)])
    with pytest.raises(SpecError):
        synth.synthesize(spec, library=tiny, space=synth.SearchSpace(max_depth=3))


def test_tiny_library_grammar_uses_only_its_primitive() -> None:
    tiny = dsl.Library("tiny", (dsl.CORE["add"],))
    g = Grammar.from_library(tiny, "(int) -> int", max_depth=3)
    prims = {r.production.name for rules in g.rules.values() for r in rules}
    assert prims == {"add", "param0", "0", "1", "2"}


# ---- guides ----------------------------------------------------------------------------------


class OnlyGuide:
    """Weight 1 for the parameters and the named productions, 0 for everything else."""

    def __init__(self, keep: set[str]) -> None:
        self.keep = keep
        self.calls: list[tuple[Spec, Grammar]] = []

    def weights(self, spec: Spec, grammar: Grammar) -> PCFG:
        self.calls.append((spec, grammar))
        return PCFG.from_weights(
            grammar,
            lambda nt, p: 1.0 if p.name in self.keep or p.kind == "param" else 0.0,
        )


class BanGuide:
    """Weight 0 for the named productions, 1 for everything else."""

    def __init__(self, ban: set[str]) -> None:
        self.ban = ban

    def weights(self, spec: Spec, grammar: Grammar) -> PCFG:
        return PCFG.from_weights(grammar, lambda nt, p: 0.0 if p.name in self.ban else 1.0)


def test_guide_protocol_is_structural() -> None:
    assert isinstance(OnlyGuide({"reverse"}), synth.Guide)
    assert isinstance(BanGuide(set()), synth.Guide)
    assert not isinstance(object(), synth.Guide)
    assert not isinstance(Grammar, synth.Guide)


@pytest.mark.parametrize("enumerator", [synth.heap(), synth.bottom_up()])
def test_synthesize_uses_the_guide(enumerator: synth.Enumerator) -> None:
    guide = OnlyGuide({"reverse"})
    result = synth.synthesize(
        REVERSE_SPEC,
        guide=guide,
        enumerator=enumerator,
        budget=Budget(seconds=10),
        space=synth.SearchSpace(max_depth=4),
    )
    assert result.solved
    assert result.program is not None
    assert dsl.pretty(result.program.body) == "reverse(xs)"
    assert len(guide.calls) == 1
    spec, grammar = guide.calls[0]
    assert spec is REVERSE_SPEC
    assert grammar.signature == REVERSE_SPEC.signature
    assert grammar.max_depth == 4
    # everything but xs and reverse weighs nothing: very few programs to try
    assert result.programs_explored <= 3


@pytest.mark.parametrize("enumerator", [synth.heap(), synth.bottom_up()])
def test_guide_that_bans_reverse(enumerator: synth.Enumerator) -> None:
    result = synth.synthesize(
        REVERSE_SPEC,
        guide=BanGuide({"reverse"}),
        enumerator=enumerator,
        budget=Budget(seconds=2, programs=20_000),
        space=synth.SearchSpace(max_depth=4),
    )
    if result.program is not None:
        assert "reverse" not in set(_calls(result.program.body))
        compiled = dsl.compile_definition(result.program)
        for ex in REVERSE_SPEC.examples:
            assert compiled.run(ex.args) == ex.output
    else:
        assert not result.solved


def test_guide_weights_for_another_grammar_are_refused_clearly() -> None:
    # A guide must weight the grammar it is given; a PCFG over another grammar should be
    # refused at the door, not crash inside the search ("bad operand type for unary -").
    other = Grammar.from_library(dsl.CORE, "(int) -> int", max_depth=3)

    class WrongGrammarGuide:
        def weights(self, spec: Spec, grammar: Grammar) -> PCFG:
            return other.uniform()

    with pytest.raises((ValueError, TypeError), match="grammar"):
        synth.synthesize(
            REVERSE_SPEC, guide=WrongGrammarGuide(), space=synth.SearchSpace(max_depth=3)
        )
