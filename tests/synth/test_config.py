"""A search's options as data: SearchSpace, the enumerator factories, Verification and
SynthesisConfig (dicts, TOML, the command line), as synthesize() records them.

Laws: ``SynthesisConfig.from_dict(c.to_dict()) == c`` for every config, through JSON and
TOML too; every bad input is a ``ConfigError`` (a ``ValueError``) that names where it is;
``synthesize`` records the config it ran with, resolved, and ``**config.options()`` runs
the same search as the explicit keywords.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import dsl
import synth
from synth import (
    Budget,
    ConfigError,
    SearchLimits,
    SearchSpace,
    Spec,
    SynthesisConfig,
    Verification,
)
from tasks._cli import app

# dsl.compile_definition raises the recursion limit the first time it runs; Hypothesis warns
# that it cannot restore it. That is the interpreter's business, not these laws'.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

INT64 = 2**63 - 1

PREPEND_7 = Spec.from_examples([(([1, 2],), [7, 1, 2]), (([],), [7]), (([5],), [7, 5])])
"""Needs the constant 7: ``cons(7, xs)``; CORE's 0, 1, 2 make 7 only deeper than 3."""

WITH_7 = dsl.CORE.extend(constants=[0, 1, 2, 3, 7, []])

REVERSE = Spec.from_examples([(([1, 2, 3],), [3, 2, 1]), (([4, 5],), [5, 4]), (([],), [])])


def _toml_value(value: Any) -> str:
    # JSON's ints, bools, strings and arrays are TOML's too
    return json.dumps(value)


def _toml(data: dict[str, Any], prefix: str = "") -> str:
    """``data`` as TOML text: the keys with plain values first, then one table per dict."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}{k}"
            lines += ["", f"[{name}]", _toml(v, f"{name}.")]
    return "\n".join(lines)


def _write(directory: Path, text: str, name: str = "config.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- the round trip ---------------------------------------------------------------------

ints = st.integers(-INT64, INT64)  # what TOML can hold
constants = st.one_of(
    ints,
    st.booleans(),
    st.lists(ints, max_size=3),
    st.lists(st.lists(ints, max_size=2), max_size=2),
)
limits = st.builds(
    SearchLimits,
    fuel=st.none() | st.integers(1, 10**6),
    max_list_len=st.none() | st.integers(1, 10**4),
    max_int=st.none() | st.integers(1, INT64),
    list_factor=st.integers(1, 8),
    list_margin=st.integers(0, 64),
    int_factor=st.integers(1, 64),
    min_int=st.integers(1, 10**9),
)
spaces = st.builds(
    SearchSpace,
    max_depth=st.integers(1, 12),
    constants=st.none() | st.lists(constants, max_size=5).map(tuple),
    allow_recursion=st.booleans(),
    exclude=st.lists(st.sampled_from(dsl.CORE.names), max_size=4, unique=True).map(tuple),
    limits=limits,
)
enumerators = st.one_of(
    st.none(),
    st.just(synth.heap()),
    st.builds(
        synth.bottom_up,
        prune=st.booleans(),
        lift_penalty=st.integers(0, 10),
        max_cost=st.integers(0, 200),
        costs=st.sampled_from([None, "mean", "usage", "context"]),
    ),
)
verifications = st.none() | st.builds(
    Verification,
    max_examples=st.integers(1, 5000),
    max_len=st.integers(0, 200),
    value_range=st.tuples(st.integers(-(10**6), 0), st.integers(0, 10**6)),
)
configs = st.builds(
    SynthesisConfig,
    space=spaces,
    enumerator=enumerators,
    verify=verifications,
    seed=st.integers(0, INT64),
)


@given(config=configs)
def test_config_round_trips_through_dicts_json_and_toml(config: SynthesisConfig) -> None:
    data = config.to_dict()
    assert SynthesisConfig.from_dict(data) == config
    assert SynthesisConfig.from_dict(json.loads(json.dumps(data))) == config
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), _toml(data))
        assert SynthesisConfig.from_toml(path) == config


def test_to_dict_is_plain_data_with_the_settings() -> None:
    config = SynthesisConfig(
        space=SearchSpace(max_depth=4, constants=(0, [1, 2], []), exclude=("reverse",)),
        enumerator=synth.bottom_up(prune=False, max_cost=30),
        verify=Verification(max_examples=50, value_range=(-9, 9)),
        seed=7,
    )
    data = config.to_dict()
    assert data["space"]["constants"] == [0, [1, 2], []]
    assert data["space"]["exclude"] == ["reverse"]
    assert data["enumerator"] == {
        "name": "bottom_up",
        "prune": False,
        "lift_penalty": 3,
        "max_cost": 30,
    }
    assert data["verify"] == {
        "max_examples": 50,
        "max_len": 50,
        "value_range": [-9, 9],
        "min_len": 0,
    }
    assert data["seed"] == 7
    # nothing is None (TOML has no null), nothing is a tuple
    assert "null" not in json.dumps(data)
    assert json.loads(json.dumps(data)) == data
    # no enumerator, no verification: the defaults choose
    assert set(SynthesisConfig().to_dict()) == {"space", "seed"}


def test_verify_true_in_a_dict_is_the_default_verification() -> None:
    assert SynthesisConfig.from_dict({"verify": True}).verify == Verification()
    assert SynthesisConfig.from_dict({"verify": False}).verify is None
    assert SynthesisConfig.from_dict({}) == SynthesisConfig()


# ---- TOML files and the command line -------------------------------------------------------

TOML = """\
seed = 3

[space]
max_depth = 3
constants = [0, 1, 7, []]
exclude = ["reverse"]

[space.limits]
max_list_len = 40

[enumerator]
name = "heap"

[verify]
max_examples = 50
value_range = [-10, 10]
"""


def test_toml_file_loads(tmp_path: Path) -> None:
    config = SynthesisConfig.from_toml(_write(tmp_path, TOML))
    assert config == SynthesisConfig(
        space=SearchSpace(
            max_depth=3,
            constants=(0, 1, 7, ()),
            exclude=("reverse",),
            limits=SearchLimits(max_list_len=40),
        ),
        enumerator=synth.heap(),
        verify=Verification(max_examples=50, value_range=(-10, 10)),
        seed=3,
    )
    assert SynthesisConfig.from_toml(str(tmp_path / "config.toml")) == config  # a str too


runner = CliRunner()

CLI_EXAMPLES = ["[[1, 2]] => [7, 1, 2]", "[[]] => [7]", "[[5]] => [7, 5]"]


def test_cli_synth_reads_a_config_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[space]\nmax_depth = 3\nconstants = [0, 1, 7, []]\n\n[enumerator]\nname = "heap"\n',
    )
    result = runner.invoke(app, ["synth", *CLI_EXAMPLES, "--seconds", "5", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "cons(7, xs)" in result.stdout
    assert "(heap)" in result.stderr  # the config's enumerator ran
    # --enumerator overrides the file's; the file's constants still hold
    both = [*CLI_EXAMPLES, "--seconds", "5", "--config", str(path), "--enumerator", "bottom_up"]
    result = runner.invoke(app, ["synth", *both])
    assert result.exit_code == 0, result.output
    assert "cons(7, xs)" in result.stdout
    assert "(bottom_up)" in result.stderr


def test_cli_synth_without_the_config_lacks_its_constant(tmp_path: Path) -> None:
    path = _write(tmp_path, "[space]\nmax_depth = 3\n")
    result = runner.invoke(app, ["synth", *CLI_EXAMPLES, "--seconds", "2", "--config", str(path)])
    assert result.exit_code == 1
    assert "not solved" in result.output


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[space]\nmax_depth = 0\n", ".space"),
        ("[space]\ncolour = 1\n", ".space"),
        ('[enumerator]\nname = "depth_first"\n', ".enumerator.name"),
        ("seed = \n", ""),
    ],
)
def test_cli_synth_with_a_bad_config_is_a_usage_error(
    tmp_path: Path, text: str, where: str
) -> None:
    path = _write(tmp_path, text)
    result = runner.invoke(app, ["synth", *CLI_EXAMPLES, "--config", str(path)])
    assert result.exit_code == 2
    assert f"{path}{where}" in result.stderr
    assert result.stdout == ""


# ---- bad input -------------------------------------------------------------------------------

BAD: list[tuple[str, dict[str, Any], str, str]] = [
    # (what, data, the path below the root, a word the message must name)
    ("unknown key at the top", {"colour": 1}, "", "colour"),
    ("unknown key in space", {"space": {"colour": 1}}, ".space", "colour"),
    ("unknown key in limits", {"space": {"limits": {"colour": 1}}}, ".space.limits", "colour"),
    (
        "unknown key of bottom_up",
        {"enumerator": {"name": "bottom_up", "colour": 1}},
        ".enumerator",
        "colour",
    ),
    ("unknown key of heap", {"enumerator": {"name": "heap", "colour": 1}}, ".enumerator", "colour"),
    ("unknown key in verify", {"verify": {"colour": 1}}, ".verify", "colour"),
    (
        "unknown enumerator",
        {"enumerator": {"name": "depth_first"}},
        ".enumerator.name",
        "depth_first",
    ),
    ("enumerator without a name", {"enumerator": {"prune": False}}, ".enumerator.name", "heap"),
    ("enumerator as a string", {"enumerator": "heap"}, ".enumerator", "heap"),
    ("space as a number", {"space": 3}, ".space", "3"),
    ("limits as a number", {"space": {"limits": 3}}, ".space.limits", "3"),
    ("verify as a number", {"verify": 3}, ".verify", "3"),
    ("max_depth a string", {"space": {"max_depth": "deep"}}, ".space", "max_depth"),
    ("max_depth zero", {"space": {"max_depth": 0}}, ".space", "max_depth"),
    ("fuel a string", {"space": {"limits": {"fuel": "lots"}}}, ".space.limits", "fuel"),
    ("max_int zero", {"space": {"limits": {"max_int": 0}}}, ".space.limits", "max_int"),
    ("constants a float", {"space": {"constants": [0, 1.5]}}, ".space", "constants"),
    ("constants a number", {"space": {"constants": 3}}, ".space", "constants"),
    ("exclude a string", {"space": {"exclude": "head"}}, ".space", "exclude"),
    (
        "allow_recursion a string",
        {"space": {"allow_recursion": "false"}},
        ".space",
        "allow_recursion",
    ),
    (
        "max_cost a string",
        {"enumerator": {"name": "bottom_up", "max_cost": "x"}},
        ".enumerator",
        "max_cost",
    ),
    (
        "prune a string",
        {"enumerator": {"name": "bottom_up", "prune": "false"}},
        ".enumerator",
        "prune",
    ),
    ("max_examples a string", {"verify": {"max_examples": "many"}}, ".verify", "max_examples"),
    ("value_range a number", {"verify": {"value_range": 5}}, ".verify", "value_range"),
    ("value_range reversed", {"verify": {"value_range": [5, 1]}}, ".verify", "value_range"),
    ("seed a string", {"seed": "x"}, "", "seed"),
    ("seed a bool", {"seed": True}, "", "seed"),
]


@pytest.mark.parametrize(("data", "path", "word"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_dict_is_a_config_error_that_names_where(
    data: dict[str, Any], path: str, word: str
) -> None:
    with pytest.raises(ConfigError) as info:
        SynthesisConfig.from_dict(data)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert f"config{path}" in message, message
    assert word in message, message
    # the root's name is the caller's
    with pytest.raises(ConfigError, match=r"^options\b"):
        SynthesisConfig.from_dict(data, where="options")


@pytest.mark.parametrize(("data", "path", "word"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_toml_file_is_a_config_error_that_names_the_file(
    tmp_path: Path, data: dict[str, Any], path: str, word: str
) -> None:
    file = _write(tmp_path, _toml(data))
    with pytest.raises(ConfigError) as info:
        SynthesisConfig.from_toml(file)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert f"{file}{path}" in message, message
    assert word in message, message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("seed = \n", 1),
        ("[space]\nmax_depth = 3\nmax_depth = 4\n", 3),  # a key defined twice
        ("[space\nmax_depth = 3\n", 1),
        ('[enumerator]\nname = "heap\n', 2),
    ],
)
def test_bad_toml_syntax_is_a_config_error_with_file_and_line(
    tmp_path: Path, text: str, line: int
) -> None:
    file = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        SynthesisConfig.from_toml(file)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(file) in message
    assert f"line {line}" in message, message


def test_bad_settings_of_the_records_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="max_depth"):
        SearchSpace(max_depth=0)
    with pytest.raises(ConfigError, match="limits"):
        SearchSpace(limits={"fuel": 10})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="lift_penalty"):
        synth.bottom_up(lift_penalty=-1)
    with pytest.raises(ConfigError, match="max_examples"):
        Verification(max_examples=0)
    with pytest.raises(ConfigError, match="value_range"):
        Verification(value_range=(3, -3))
    with pytest.raises(ConfigError, match="min_len"):
        Verification(max_len=5, min_len=6)
    with pytest.raises(ConfigError, match="min_len"):
        Verification(min_len=-1)


# ---- synthesize records its config -----------------------------------------------------------


def test_synthesize_records_the_resolved_config() -> None:
    budget = Budget(seconds=5)
    larger = Spec.from_examples([((3, 8), 8), ((9, 2), 9), ((-4, -6), -4)])
    plain = synth.synthesize(
        larger, library=dsl.DREAMCODER, budget=budget, space=SearchSpace(max_depth=3), seed=4
    )
    assert plain.solved
    assert plain.config.enumerator == synth.bottom_up(costs="mean", unit=1)  # none given, unguided
    assert plain.config.space.constants == dsl.DREAMCODER.constants  # the library's
    assert plain.config.space.max_depth == 3
    assert plain.config.verify is None
    assert plain.config.seed == 4
    assert plain.library is dsl.DREAMCODER
    assert plain.budget == budget
    # the record is data: it round-trips like any config
    assert SynthesisConfig.from_dict(plain.config.to_dict()) == plain.config

    recursive = synth.synthesize(
        REVERSE, budget=budget, space=SearchSpace(max_depth=3, allow_recursion=True)
    )
    assert recursive.config.enumerator == synth.heap()
    assert recursive.enumerator == "heap"
    assert recursive.config.space.allow_recursion

    given_ = synth.synthesize(
        REVERSE,
        budget=budget,
        enumerator=synth.bottom_up(prune=False),
        space=SearchSpace(max_depth=3, constants=(5, [])),
    )
    assert given_.config.enumerator == synth.bottom_up(prune=False, costs="mean", unit=1)
    assert given_.config.space.constants == (5, ())


def test_synthesize_records_the_verification() -> None:
    spec = Spec(
        "(list[int]) -> list[int]",
        REVERSE.examples,
        reference=lambda xs: xs[::-1],
    )
    space = SearchSpace(max_depth=3)
    default = synth.synthesize(spec, budget=Budget(seconds=10), space=space, verify=True)
    assert default.solved
    assert default.config.verify == Verification()
    assert default.verification is not None and default.verification.passed
    settings = Verification(max_examples=20, max_len=5, value_range=(-3, 3), min_len=1)
    chosen = synth.synthesize(spec, budget=Budget(seconds=10), space=space, verify=settings)
    assert chosen.config.verify == settings
    assert SynthesisConfig.from_dict(chosen.config.to_dict()).verify == settings
    assert chosen.verification is not None
    assert chosen.verification.examples_tried + chosen.verification.outside_domain <= 20
    off = synth.synthesize(spec, budget=Budget(seconds=10), space=space, verify=False)
    assert off.config.verify is None
    assert off.verification is None


def test_cegis_draws_counterexamples_no_shorter_than_min_len() -> None:
    # head(xs) is right on every non-empty list and raises on []: with min_len 1 that is
    # a solution, with the default the empty list becomes a counterexample.
    examples = [(([3, 1],), 3), (([5],), 5), (([2, 7, 1],), 2)]
    spec = Spec("(list[int]) -> int", examples, reference=lambda xs: xs[0] if xs else 0)
    space = SearchSpace(max_depth=3)
    ran = {
        n: synth.synthesize(
            spec,
            budget=Budget(seconds=5),
            space=space,
            verify=Verification(max_examples=50, min_len=n),
        )
        for n in (0, 1)
    }
    assert ran[1].solved and ran[1].counterexamples == ()
    assert ran[1].program is not None and "head" in dsl.pretty(ran[1].program)
    assert [cex.args for cex in ran[0].counterexamples][:1] == [([],)]


APPEND_7 = Spec.from_examples([(([1, 2, 3],), [3, 2, 1, 7]), (([4, 5],), [5, 4, 7])])


@pytest.mark.parametrize(
    ("config", "spec"),
    [
        (
            SynthesisConfig(
                space=SearchSpace(max_depth=4, exclude=("reverse",)),
                enumerator=synth.heap(),
                seed=3,
            ),
            REVERSE,
        ),
        (
            SynthesisConfig(
                space=SearchSpace(max_depth=3, constants=(0, 7)),
                enumerator=synth.bottom_up(prune=False, lift_penalty=1),
            ),
            APPEND_7,
        ),
        (SynthesisConfig(space=SearchSpace(max_depth=3)), REVERSE),
    ],
)
def test_options_give_the_same_search_as_the_keywords(config: SynthesisConfig, spec: Spec) -> None:
    budget = Budget(seconds=10)
    by_options = synth.synthesize(spec, budget=budget, **config.options())
    by_keywords = synth.synthesize(
        spec,
        budget=budget,
        space=config.space,
        enumerator=config.enumerator,
        verify=False,
        seed=config.seed,
    )
    assert by_options.solved and by_keywords.solved
    assert by_options.program == by_keywords.program
    assert by_options.config == by_keywords.config
    # and the recorded config runs the same search again
    again = synth.synthesize(spec, budget=budget, **by_options.config.options())
    assert again.program == by_options.program
    assert again.config == by_options.config
    assert by_options.program is not None
    for name in config.space.exclude:
        assert name not in dsl.pretty(by_options.program)


def test_bottom_up_with_recursion_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="recursi") as info:
        synth.synthesize(
            REVERSE,
            enumerator=synth.bottom_up(),
            space=SearchSpace(max_depth=3, allow_recursion=True),
        )
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "enumerator", ["heap", object(), SearchSpace(), synth.bottom_up, {"name": "heap"}]
)
def test_an_enumerator_that_is_no_enumerator_is_a_type_error(enumerator: Any) -> None:
    with pytest.raises(TypeError, match="enumerator"):
        synth.synthesize(REVERSE, enumerator=enumerator, space=SearchSpace(max_depth=2))


def test_other_options_of_the_wrong_type_are_type_errors() -> None:
    with pytest.raises(TypeError, match="space"):
        synth.synthesize(REVERSE, space={"max_depth": 2})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="verify"):
        synth.synthesize(REVERSE, verify="yes")  # type: ignore[arg-type]


# ---- a library's constants -------------------------------------------------------------------


def test_libraries_name_their_constants() -> None:
    assert dsl.CORE.constants == (0, 1, 2, ())
    assert dsl.EXTENDED.constants == (0, 1, 2, ())
    assert {3, 4, 5} <= set(dsl.DREAMCODER.constants)
    assert WITH_7.constants == (0, 1, 2, 3, 7, ())  # lists in the interpreter's form
    assert dsl.CORE.extend(name="same").constants == dsl.CORE.constants


@pytest.mark.parametrize("enumerator", [synth.bottom_up(), synth.heap()])
def test_a_library_constant_reaches_the_search(enumerator: synth.Enumerator) -> None:
    space = SearchSpace(max_depth=3)
    found = synth.synthesize(
        PREPEND_7, library=WITH_7, enumerator=enumerator, budget=Budget(seconds=5), space=space
    )
    assert found.solved
    assert found.program is not None
    assert dsl.pretty(found.program.body) == "cons(7, xs)"
    assert found.config.space.constants == WITH_7.constants
    assert found.program([3, 4]) == [7, 3, 4]
    # plain CORE has no 7, and no program of depth 3 makes one
    core = synth.synthesize(
        PREPEND_7, enumerator=enumerator, budget=Budget(seconds=0.5), space=space
    )
    assert not core.solved
    assert core.config.space.constants == dsl.CORE.constants


def test_search_space_constants_override_the_library() -> None:
    space = SearchSpace(max_depth=3, constants=(0, 1))
    without = synth.synthesize(PREPEND_7, library=WITH_7, budget=Budget(seconds=2), space=space)
    assert not without.solved
    assert without.config.space.constants == (0, 1)
    space = SearchSpace(max_depth=3, constants=(7,))
    with_ = synth.synthesize(PREPEND_7, budget=Budget(seconds=2), space=space)
    assert with_.solved
    assert with_.program is not None
    assert dsl.pretty(with_.program.body) == "cons(7, xs)"
    assert with_.config.space.constants == (7,)


def test_a_search_space_gives_the_grammar_of_its_settings() -> None:
    space = SearchSpace(max_depth=3, constants=(7,), exclude=("reverse",))
    grammar = space.grammar(dsl.CORE, REVERSE)
    assert grammar.max_depth == 3 and grammar.signature == REVERSE.signature
    names = {r.production.name for rules in grammar.rules.values() for r in rules}
    assert "7" in names and "0" not in names and "reverse" not in names
    assert grammar.param_names == REVERSE.param_names and not grammar.allow_recursion
    # the grammar the search derives its programs in: a program it finds derives there
    found = synth.synthesize(REVERSE, budget=Budget(seconds=5), space=SearchSpace(max_depth=3))
    assert found.program is not None
    SearchSpace(max_depth=3).grammar(dsl.CORE, REVERSE).derive(found.program)
