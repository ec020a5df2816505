"""Examples for ``dsl.Library``, ``dsl.primitive``, ``CORE``, ``EXTENDED`` and ``to_python``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import dsl
from dsl import INT, TFun


def d(source: str, name: str | None = None) -> dsl.Definition:
    m = dsl.parse(source)
    return m[name or m.names[0]]


def exec_python(source: str, name: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<exported>", "exec"), namespace)
    return namespace[name]


# ---- CORE and EXTENDED ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["sort", "min", "max", "sum", "count", "maximum", "minimum", "product"]
)
def test_core_lacks_what_must_be_synthesised(name: str) -> None:
    assert name not in dsl.CORE
    assert dsl.CORE.get(name) is None
    with pytest.raises(dsl.UnknownNameError):
        dsl.CORE[name]


@pytest.mark.parametrize(
    "name",
    ["map", "filter", "fold", "loop", "while_", "head", "tail", "cons", "range", "if", "index"],
)
def test_core_has_the_basics(name: str) -> None:
    assert name in dsl.CORE
    assert isinstance(dsl.CORE[name], dsl.Primitive)


@pytest.mark.parametrize(
    "name", ["sort", "sum", "maximum", "minimum", "count", "zipwith", "scanl1"]
)
def test_extended_adds_list_functions(name: str) -> None:
    assert name in dsl.EXTENDED
    assert name not in dsl.CORE


def test_extended_contains_core() -> None:
    assert set(dsl.CORE.names) <= set(dsl.EXTENDED.names)
    assert dsl.CORE.name == "core"
    assert dsl.EXTENDED.name == "extended"


@pytest.mark.parametrize(
    ("body", "arg", "expected"),
    [
        ("sort(xs)", [3, 1, 2], [1, 2, 3]),
        ("[sum(xs)]", [3, 1, 2], [6]),
        ("[sum(xs)]", [], [0]),
        ("[maximum(xs), minimum(xs)]", [3, -1, 2], [3, -1]),
        ("[count(xs, fn x => x > 1)]", [3, 1, 2], [2]),
        ("zipwith(xs, reverse(xs), fn (a, b) => a - b)", [1, 2, 4], [-3, 0, 3]),
        ("scanl1(xs, fn (a, b) => a + b)", [1, 2, 3], [1, 3, 6]),
        ("scanl1(xs, fn (a, b) => a + b)", [], []),
        ("[last(xs), product(xs)]", [2, 3, 4], [4, 24]),
        ("replicate(3, abs(head(xs)))", [-2], [2, 2, 2]),
    ],
)
def test_extended_primitives_run(body: str, arg: list[int], expected: list[int]) -> None:
    f = d(f"def f(xs: list[int]) -> list[int] = {body}")
    assert dsl.evaluate(f, [arg], library=dsl.EXTENDED) == expected


def test_extended_partial_functions_raise_empty_list() -> None:
    for name in ("maximum", "minimum", "last"):
        f = d(f"def f(xs: list[int]) -> int = {name}(xs)")
        with pytest.raises(dsl.EmptyListError):
            dsl.evaluate(f, [[]], library=dsl.EXTENDED)


def test_extended_program_fails_to_typecheck_with_core() -> None:
    f = d("def f(xs: list[int]) -> list[int] = sort(xs)")
    with pytest.raises(dsl.UnknownNameError):
        dsl.evaluate(f, [[1]])


# ---- primitive() ------------------------------------------------------------------------


def test_primitive_parses_its_type() -> None:
    p = dsl.primitive("double", "(int) -> int", lambda x: 2 * x, "2 * x")
    assert p.name == "double"
    assert p.type == TFun((INT,), INT)
    assert p.arity == 1
    assert p.returns == INT
    assert p.doc == "2 * x"


def test_constant_primitive_has_arity_zero() -> None:
    p = dsl.primitive("zero", "int", lambda: 0)
    assert p.arity == 0
    assert p.returns == INT


@pytest.mark.parametrize("bad_type", ["(int) -> Int", "(int -> int", "list[", "", "Foo"])
def test_bad_primitive_type_string(bad_type: str) -> None:
    with pytest.raises(dsl.LibraryError, match="bad type"):
        dsl.primitive("p", bad_type, abs)


def test_primitive_impl_must_be_callable() -> None:
    with pytest.raises(dsl.LibraryError, match="callable"):
        dsl.primitive("p", "(int) -> int", 3)  # type: ignore[arg-type]


def test_library_error_is_a_value_error() -> None:
    assert issubclass(dsl.LibraryError, ValueError)
    assert issubclass(dsl.LibraryError, dsl.AbstraxError)


# ---- Library.extend ---------------------------------------------------------------------


def test_extend_with_user_primitive() -> None:
    triple = dsl.primitive("triple", "(int) -> int", lambda x: 3 * x)
    lib = dsl.CORE.extend(primitives=[triple])
    assert "triple" in lib
    assert "triple" not in dsl.CORE  # the original is unchanged
    assert lib["triple"] is triple
    assert lib.name == "core+"
    f = d("def f(xs: list[int]) -> list[int] = map(xs, fn x => triple(x) + 1)")
    assert dsl.evaluate(f, [[1, 2]], library=lib) == [4, 7]
    g = d("def g(xs: list[int]) -> list[int] = map(xs, triple)")
    assert dsl.evaluate(g, [[1, 2]], library=lib) == [3, 6]


def test_extend_with_named_library() -> None:
    lib = dsl.CORE.extend(name="mine", primitives=[dsl.primitive("one", "int", lambda: 1)])
    assert lib.name == "mine"


def test_extend_with_definitions_as_source() -> None:
    lib = dsl.CORE.extend(
        definitions="def inc(x: int) -> int = x + 1\ndef inc2(x: int) -> int = inc(inc(x))"
    )
    assert isinstance(lib["inc"], dsl.Definition)
    assert [x.name for x in lib.definitions] == ["inc", "inc2"]
    f = d("def f(xs: list[int]) -> list[int] = map(xs, fn x => inc2(x))")
    assert dsl.evaluate(f, [[1, 2]], library=lib) == [3, 4]
    assert f([1, 2], library=lib) == [3, 4]
    # library definitions are values too
    g = d("def g(xs: list[int]) -> list[int] = map(xs, inc)")
    assert dsl.evaluate(g, [[0]], library=lib) == [1]
    # without the library the name is unknown
    with pytest.raises(dsl.UnknownNameError):
        dsl.evaluate(f, [[1]])


def test_extend_with_definitions_as_module_and_iterable() -> None:
    m = dsl.parse("def inc(x: int) -> int = x + 1")
    assert "inc" in dsl.CORE.extend(definitions=m)
    assert "inc" in dsl.CORE.extend(definitions=list(m.definitions))


def test_extend_definitions_may_be_mutually_recursive() -> None:
    lib = dsl.CORE.extend(
        definitions=(
            "def ev(n: int) -> bool = if n == 0 then true else od(n - 1)\n"
            "def od(n: int) -> bool = if n == 0 then false else ev(n - 1)"
        )
    )
    f = d("def f(n: int) -> bool = ev(n)")
    assert dsl.evaluate(f, [10], library=lib) is True
    assert dsl.evaluate(f, [7], library=lib) is False


def test_extend_chains() -> None:
    lib1 = dsl.CORE.extend(definitions="def inc(x: int) -> int = x + 1")
    lib2 = lib1.extend(definitions="def inc3(x: int) -> int = inc(inc(inc(x)))")
    assert "inc" in lib2
    assert "inc3" not in lib1
    assert dsl.evaluate(d("def f(x: int) -> int = inc3(x)"), [0], library=lib2) == 3


def test_extend_type_checks_definitions() -> None:
    with pytest.raises(dsl.TypeCheckError):
        dsl.CORE.extend(definitions="def bad(x: int) -> int = x + true")


def test_extend_parses_definitions() -> None:
    with pytest.raises(dsl.ParseProgramError):
        dsl.CORE.extend(definitions="def bad(x: int) -> int = ")


def test_duplicate_primitive_name() -> None:
    with pytest.raises(dsl.LibraryError, match="'head'"):
        dsl.CORE.extend(primitives=[dsl.primitive("head", "(list[a]) -> a", lambda xs: xs[0])])


def test_duplicate_primitive_in_one_extend() -> None:
    p = dsl.primitive("one", "int", lambda: 1)
    with pytest.raises(dsl.LibraryError, match="'one'"):
        dsl.CORE.extend(primitives=[p, p])


def test_duplicate_definition_name() -> None:
    lib = dsl.CORE.extend(definitions="def inc(x: int) -> int = x + 1")
    with pytest.raises(dsl.LibraryError, match="'inc'"):
        lib.extend(definitions="def inc(x: int) -> int = x + 2")


def test_primitive_clashing_with_definition() -> None:
    lib = dsl.CORE.extend(definitions="def inc(x: int) -> int = x + 1")
    with pytest.raises(dsl.LibraryError, match="'inc'"):
        lib.extend(primitives=[dsl.primitive("inc", "(int) -> int", abs)])


def test_library_constructor_rejects_duplicates() -> None:
    p = dsl.primitive("a", "int", lambda: 1)
    with pytest.raises(dsl.LibraryError):
        dsl.Library("x", (p, p))
    defs = dsl.parse("def b() -> int = 1").definitions
    with pytest.raises(dsl.LibraryError):
        dsl.Library("x", (p,), defs + defs)


def test_library_lookup() -> None:
    assert dsl.CORE.get("nope") is None
    with pytest.raises(dsl.UnknownNameError, match="did you mean 'head'"):
        dsl.CORE["haed"]
    assert len(dsl.CORE) == len(dsl.CORE.names)
    assert list(dsl.CORE) == list(dsl.CORE.names)


# ---- save / load ------------------------------------------------------------------------


def _learned() -> dsl.Library:
    return dsl.CORE.extend(
        name="learned",
        definitions=(
            "def inc(x: int) -> int = x + 1\n"
            "def inc2(x: int) -> int = inc(inc(x))\n"
            "def insert(x: int, ys: list[int]) -> list[int] =\n"
            "  filter(ys, fn y => y < x) ++ [x] ++ filter(ys, fn y => y >= x)\n"
        ),
    )


def test_save_load_round_trip(tmp_path: Path) -> None:
    lib = _learned()
    path = tmp_path / "learned.abx"
    lib.save(path)
    text = path.read_text(encoding="utf-8")
    assert "def insert(" in text
    loaded = dsl.Library.load(path, base=dsl.CORE)
    assert loaded.definitions == lib.definitions
    assert [x.name for x in loaded.definitions] == ["inc", "inc2", "insert"]
    assert loaded.name == "learned"  # the file's stem
    assert set(loaded.names) == set(lib.names)
    f = d("def f(xs: list[int]) -> list[int] = fold(xs, [], fn (x, acc) => insert(inc2(x), acc))")
    assert dsl.evaluate(f, [[3, 1, 2]], library=loaded) == [3, 4, 5]


def test_save_load_with_name_and_str_path(tmp_path: Path) -> None:
    path = tmp_path / "lib.abx"
    _learned().save(str(path))
    loaded = dsl.Library.load(str(path), base=dsl.CORE, name="again")
    assert loaded.name == "again"
    assert "inc2" in loaded


def test_load_onto_base_that_already_has_the_definitions(tmp_path: Path) -> None:
    lib = _learned()
    path = tmp_path / "lib.abx"
    lib.save(path)
    loaded = dsl.Library.load(path, base=lib)
    assert [x.name for x in loaded.definitions] == ["inc", "inc2", "insert"]


def test_saved_source_parses_to_the_same_definitions(tmp_path: Path) -> None:
    lib = _learned()
    assert dsl.parse(lib.to_source()).definitions == lib.definitions


def test_load_corrupt_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.abx"
    path.write_text("def ok() -> int = 1\n\ndef inc(x: int) -> int = x $ 1\n", encoding="utf-8")
    with pytest.raises(dsl.ParseProgramError) as info:
        dsl.Library.load(path, base=dsl.CORE)
    assert str(path) in str(info.value)
    assert info.value.filename == str(path)
    assert (info.value.line, info.value.column) == (3, 28)


def test_load_ill_typed_file(tmp_path: Path) -> None:
    path = tmp_path / "illtyped.abx"
    path.write_text("def inc(x: int) -> int = x + true\n", encoding="utf-8")
    with pytest.raises(dsl.TypeCheckError):
        dsl.Library.load(path, base=dsl.CORE)


# ---- to_python --------------------------------------------------------------------------


def test_to_python_standalone_simple() -> None:
    src = d("def inc(x: int) -> int = x + 1").to_python()
    assert "import dsl" not in src
    assert "from dsl" not in src
    assert exec_python(src, "inc")(41) == 42


def test_to_python_uses_library_definition() -> None:
    lib = _learned()
    f = d("def f(xs: list[int]) -> list[int] = fold(xs, [], fn (x, acc) => insert(inc2(x), acc))")
    src = f.to_python(library=lib)
    assert "dsl" not in src.replace("abstrax", "")
    fn = exec_python(src, "f")
    assert fn([3, 1, 2]) == [3, 4, 5]
    assert fn([]) == []
    assert src == dsl.to_python(f, library=lib)


def test_to_python_module_helpers_and_lists() -> None:
    m = dsl.parse(
        "def sq(x: int) -> int = x * x\n"
        "def unused(x: int) -> int = x\n"
        "def f(xss: list[list[int]]) -> list[list[int]] = map(xss, fn xs => map(xs, sq))"
    )
    src = m["f"].to_python()
    assert "def unused" not in src
    fn = exec_python(src, "f")
    out = fn([[1, 2], [], [3]])
    assert out == [[1, 4], [], [9]]
    assert type(out) is list
    assert type(out[0]) is list


def test_to_python_keeps_runtime_errors() -> None:
    src = d("def f(xs: list[int]) -> int = head(xs)").to_python()
    fn = exec_python(src, "f")
    assert fn([5]) == 5
    with pytest.raises(Exception, match="empty"):
        fn([])
