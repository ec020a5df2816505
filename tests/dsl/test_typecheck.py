"""Examples for ``dsl.typecheck``: expressions, definitions, modules and their errors."""

from __future__ import annotations

import pytest

import dsl
from dsl import BOOL, INT, TFun, TList, TVar


def expr_type(source: str, **env: dsl.Type) -> str:
    return str(dsl.typecheck(dsl.parse_expr(source), env=env))


def check(source: str, library: dsl.Library | None = None) -> dict[str, TFun]:
    return dsl.typecheck(dsl.parse(source), library=library)


# ---- expressions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1", "int"),
        ("-3", "int"),
        ("true", "bool"),
        ("[]", "list[a]"),
        ("[[]]", "list[list[a]]"),
        ("[1, 2]", "list[int]"),
        ("[[1], []]", "list[list[int]]"),
        ("1 + 2 * 3", "int"),
        ("1 < 2 and not false", "bool"),
        ("[1] ++ []", "list[int]"),
        ("if true then [] else [false]", "list[bool]"),
        ("let y = 3 in y * y", "int"),
        ("fn x => x", "(a) -> a"),
        ("fn x => x + 1", "(int) -> int"),
        ("fn (x, acc) => x + acc", "(int, int) -> int"),
        ("fn (x, y) => x", "(a, b) -> a"),
        ("map", "(list[a], (a) -> b) -> list[b]"),
        ("head", "(list[a]) -> a"),
        ("range(3)", "list[int]"),
        ("map(range(3), fn i => i > 0)", "list[bool]"),
        ("fold([1], [], fn (x, acc) => cons(x, acc))", "list[int]"),
        ("loop(3, true, fn (i, acc) => not acc)", "bool"),
        ("while_(0, fn s => s < 10, fn s => s + 1)", "int"),
    ],
)
def test_expression_types_without_env(source: str, expected: str) -> None:
    assert expr_type(source) == expected


def test_expression_types_with_env() -> None:
    assert expr_type("x + 1", x=INT) == "int"
    assert expr_type("map(xs, fn x => x > 0)", xs=TList(INT)) == "list[bool]"
    assert expr_type("xs[0]", xs=TList(TList(BOOL))) == "list[bool]"
    assert expr_type("g(1)", g=TFun((INT,), BOOL)) == "bool"
    assert expr_type("map(xs, g)", xs=TList(INT), g=TFun((INT,), BOOL)) == "list[bool]"
    assert expr_type("head(ys)", ys=TList(TVar("e"))) == "a"


def test_returns_type_objects() -> None:
    t = dsl.typecheck(dsl.parse_expr("[x]"), env={"x": BOOL})
    assert t == TList(BOOL)
    t = dsl.typecheck(dsl.parse_expr("fn x => x"))
    assert t == TFun((TVar("a"),), TVar("a"))


def test_env_variable_of_wrong_type() -> None:
    with pytest.raises(dsl.TypeCheckError) as info:
        dsl.typecheck(dsl.parse_expr("x + 1"), env={"x": BOOL})
    assert (info.value.expected, info.value.found) == ("int", "bool")


def test_expression_may_call_module_definitions() -> None:
    m = dsl.parse("def pos(x: int) -> bool = x > 0")
    assert dsl.typecheck(dsl.parse_expr("map([1], pos)"), module=m) == TList(BOOL)
    with pytest.raises(dsl.UnknownNameError):
        dsl.typecheck(dsl.parse_expr("pos(1)"))


def test_occurs_check_rejects_self_application() -> None:
    with pytest.raises(dsl.TypeCheckError):
        dsl.typecheck(dsl.parse_expr("fn f => f(f)"))


# ---- polymorphism -----------------------------------------------------------------------


def test_polymorphic_primitive_instantiated_per_use_in_expression() -> None:
    assert expr_type("length(xs) + length(bs)", xs=TList(INT), bs=TList(BOOL)) == "int"
    assert expr_type("head(xs) > 0 and head(bs)", xs=TList(INT), bs=TList(BOOL)) == "bool"
    assert expr_type("[1] == [2] and true == false") == "bool"


def test_polymorphic_primitive_instantiated_per_use_in_definition() -> None:
    sigs = check("def f(xs: list[int], bs: list[bool]) -> int = length(xs) + length(bs)")
    assert sigs == {"f": TFun((TList(INT), TList(BOOL)), INT)}


def test_polymorphic_primitive_used_at_two_types_via_map() -> None:
    src = (
        "def f(xss: list[list[int]], xs: list[int]) -> list[int] = map(xss, length) ++ [length(xs)]"
    )
    assert str(check(src)["f"]) == "(list[list[int]], list[int]) -> list[int]"


def test_rigid_type_variable_is_not_int() -> None:
    with pytest.raises(dsl.TypeCheckError) as info:
        check("def f(x: a) -> a = x + 1")
    assert info.value.expected == "int"
    assert info.value.found == "a"


def test_rigid_type_variables_are_distinct() -> None:
    with pytest.raises(dsl.TypeCheckError) as info:
        check("def f(x: a) -> b = x")
    assert (info.value.expected, info.value.found) == ("b", "a")
    with pytest.raises(dsl.TypeCheckError):
        check("def g(x: a, y: b) -> a = if true then x else y")


def test_rigid_list_type_variable_rejects_concrete_list() -> None:
    with pytest.raises(dsl.TypeCheckError):
        check("def f(xs: list[a]) -> list[a] = cons(1, xs)")


def test_generic_identity_passes() -> None:
    assert check("def id(x: a) -> a = x") == {"id": TFun((TVar("a"),), TVar("a"))}


def test_generic_definitions_pass() -> None:
    src = """
    def first(xs: list[a]) -> a = head(xs)
    def swap_if(c: bool, x: a, y: a) -> a = if c then y else x
    def twice(g: (a) -> a, x: a) -> a = g(g(x))
    def mapped(xs: list[a], g: (a) -> b) -> list[b] = map(xs, g)
    """
    sigs = check(src)
    assert str(sigs["first"]) == "(list[a]) -> a"
    assert str(sigs["twice"]) == "((a) -> a, a) -> a"
    assert str(sigs["mapped"]) == "(list[a], (a) -> b) -> list[b]"


def test_generic_definition_used_at_two_types() -> None:
    src = """
    def id(x: a) -> a = x
    def twice(g: (a) -> a, x: a) -> a = g(g(x))
    def flip(b: bool) -> bool = not b
    def use(n: int, b: bool) -> bool = id(n) > 0 and id(b) and twice(flip, b) and twice(neg, n) > 0
    """
    sigs = check(src)
    assert sigs["use"] == TFun((INT, BOOL), BOOL)


def test_generic_definition_instantiation_must_agree() -> None:
    src = "def pick(x: a, y: a) -> a = x\ndef bad(n: int) -> int = pick(n, true)"
    with pytest.raises(dsl.TypeCheckError) as info:
        check(src)
    assert info.value.line == 2


def test_local_let_is_not_polymorphic() -> None:
    # documented: Hindley-Milner without let-polymorphism for local lets
    with pytest.raises(dsl.TypeCheckError):
        check("def f(x: int) -> int = let g = fn y => y in if g(true) then g(x) else 0")


# ---- definitions and modules ------------------------------------------------------------


def test_typecheck_module_returns_signatures_in_order() -> None:
    src = """
    def insert(x: int, ys: list[int]) -> list[int] =
      filter(ys, fn y => y < x) ++ [x] ++ filter(ys, fn y => y >= x)
    def sort(xs: list[int]) -> list[int] = fold(xs, [], fn (x, acc) => insert(x, acc))
    def nonempty(xs: list[int]) -> bool = xs != []
    """
    sigs = check(src)
    assert isinstance(sigs, dict)
    assert list(sigs) == ["insert", "sort", "nonempty"]
    assert sigs["insert"] == TFun((INT, TList(INT)), TList(INT))
    assert sigs["sort"] == TFun((TList(INT),), TList(INT))
    assert sigs["nonempty"] == TFun((TList(INT),), BOOL)
    assert all(isinstance(t, TFun) for t in sigs.values())


def test_typecheck_definition_returns_its_signature() -> None:
    m = dsl.parse("def a(x: int) -> int = x\ndef b(x: int) -> bool = a(x) > 0")
    assert dsl.typecheck(m["b"]) == TFun((INT,), BOOL)
    # a definition detached from its module cannot see the module's other definitions
    with pytest.raises(dsl.UnknownNameError):
        dsl.typecheck(m.definitions[1])


def test_recursion() -> None:
    sigs = check("def len2(xs: list[int]) -> int = if xs == [] then 0 else 1 + len2(tail(xs))")
    assert str(sigs["len2"]) == "(list[int]) -> int"


def test_mutual_recursion() -> None:
    src = """
    def is_even(n: int) -> bool = if n == 0 then true else is_odd(n - 1)
    def is_odd(n: int) -> bool = if n == 0 then false else is_even(n - 1)
    """
    sigs = check(src)
    assert sigs == {"is_even": TFun((INT,), BOOL), "is_odd": TFun((INT,), BOOL)}


def test_recursive_call_must_respect_the_signature() -> None:
    with pytest.raises(dsl.TypeCheckError):
        check("def f(n: int) -> int = if n == 0 then 0 else f(n > 1)")


def test_body_type_must_match_return_type() -> None:
    with pytest.raises(dsl.TypeCheckError, match="body of 'f'") as info:
        check("def f(x: int) -> bool =\n  x + 1")
    err = info.value
    assert (err.line, err.column) == (2, 3)
    assert (err.expected, err.found) == ("bool", "int")


def test_function_typed_parameter() -> None:
    sigs = check("def apply(g: (int) -> bool, x: int) -> bool = g(x)")
    assert sigs["apply"] == TFun((TFun((INT,), BOOL), INT), BOOL)
    with pytest.raises(dsl.TypeCheckError):
        check("def apply(g: (int) -> bool, x: bool) -> bool = g(x)")


def test_primitive_and_definition_as_values() -> None:
    src = """
    def pos(x: int) -> bool = x > 0
    def f(xs: list[int]) -> list[bool] = map(map(xs, neg), pos)
    """
    assert str(check(src)["f"]) == "(list[int]) -> list[bool]"
    with pytest.raises(dsl.TypeCheckError):
        check("def f(xs: list[int]) -> list[int] = map(xs, head)")


def test_let_bound_lambda_called_by_name() -> None:
    assert str(check("def f(x: int) -> int = let g = fn y => y * 2 in g(g(x))")["f"]) == (
        "(int) -> int"
    )


def test_duplicate_parameters() -> None:
    with pytest.raises(dsl.TypeCheckError, match="must differ"):
        check("def f(x: int, x: int) -> int = x")


def test_duplicate_lambda_parameters() -> None:
    with pytest.raises(dsl.TypeCheckError, match="must differ"):
        check("def f(xs: list[int]) -> int = fold(xs, 0, fn (y, y) => y)")


# ---- errors: arity, non-functions, names ------------------------------------------------


def test_lambda_arity_mismatch_too_many() -> None:
    src = "def f(xs: list[int]) -> list[int] = map(xs, fn (x, y) => x)"
    with pytest.raises(dsl.TypeCheckError, match="lambda takes 2") as info:
        check(src)
    err = info.value
    assert err.column == src.index("fn") + 1
    assert err.expected == "(int) -> a"
    assert err.found == "fn of 2"


def test_lambda_arity_mismatch_too_few() -> None:
    src = "def f(xs: list[int]) -> int = fold(xs, 0, fn x => x)"
    with pytest.raises(dsl.TypeCheckError, match="argument 3 of 'fold'") as info:
        check(src)
    assert info.value.expected == "(int, int) -> int"
    assert info.value.found == "fn of 1"


def test_let_bound_lambda_arity_mismatch() -> None:
    with pytest.raises(dsl.TypeCheckError):
        check("def f(xs: list[int]) -> list[int] = let g = fn (a, b) => a in map(xs, g)")


@pytest.mark.parametrize(
    ("body", "func", "takes", "got"),
    [
        ("add(x)", "add", 2, 1),
        ("add(x, 1, 2)", "add", 2, 3),
        ("head()", "head", 1, 0),
        ("f(x, x)", "f", 1, 2),
        ("let g = fn y => y in g(1, 2)", "g", 1, 2),
    ],
)
def test_wrong_argument_count(body: str, func: str, takes: int, got: int) -> None:
    src = f"def f(x: int) -> int = {body}"
    with pytest.raises(dsl.TypeCheckError) as info:
        check(src)
    assert f"'{func}' takes {takes} argument(s), got {got}" in str(info.value)
    assert info.value.line == 1
    assert info.value.column > 0


@pytest.mark.parametrize("body", ["x(1)", "let y = 1 in y(2)", "xs(0)"])
def test_calling_a_non_function(body: str) -> None:
    with pytest.raises(dsl.TypeCheckError, match="is not a function") as info:
        check(f"def f(x: int, xs: list[int]) -> int = {body}")
    assert info.value.expected == "a function"
    assert info.value.found in ("int", "list[int]")


def test_unknown_function_suggests_primitive() -> None:
    src = "def f(xs: list[int]) -> int = lenght(xs)"
    with pytest.raises(dsl.UnknownNameError, match="did you mean 'length'") as info:
        check(src)
    err = info.value
    assert err.name == "lenght"
    assert "length" in err.suggestions
    assert (err.line, err.column) == (1, src.index("lenght") + 1)


def test_unknown_variable_suggests_parameter() -> None:
    with pytest.raises(dsl.UnknownNameError, match="did you mean 'counter'") as info:
        check("def f(counter: int) -> int = countr + 1")
    assert info.value.suggestions[0] == "counter"


def test_unknown_variable_suggests_env_name() -> None:
    with pytest.raises(dsl.UnknownNameError) as info:
        dsl.typecheck(dsl.parse_expr("totl + 1"), env={"total": INT})
    assert "total" in info.value.suggestions


def test_unknown_name_suggests_definition() -> None:
    with pytest.raises(dsl.UnknownNameError) as info:
        check("def insert(x: int) -> int = x\ndef f(x: int) -> int = insrt(x)")
    assert "insert" in info.value.suggestions
    assert info.value.line == 2


def test_unknown_name_without_suggestion() -> None:
    with pytest.raises(dsl.UnknownNameError) as info:
        check("def f(x: int) -> int = qqqqqqq")
    assert info.value.suggestions == ()
    assert "did you mean" not in str(info.value)


def test_unknown_name_is_a_type_check_error_and_name_error() -> None:
    with pytest.raises(dsl.TypeCheckError):
        check("def f(x: int) -> int = y")
    with pytest.raises(NameError):
        check("def f(x: int) -> int = y")


def test_extended_names_are_unknown_in_core() -> None:
    src = "def f(xs: list[int]) -> list[int] = sort(xs)"
    with pytest.raises(dsl.UnknownNameError):
        check(src)
    assert str(check(src, library=dsl.EXTENDED)["f"]) == "(list[int]) -> list[int]"


def test_lambda_parameter_out_of_scope() -> None:
    with pytest.raises(dsl.UnknownNameError):
        check("def f(xs: list[int]) -> int = length(map(xs, fn y => y)) + y")


def test_let_variable_out_of_scope() -> None:
    with pytest.raises(dsl.UnknownNameError):
        check("def f(x: int) -> int = (let y = 1 in y) + y")


# ---- errors: location and fields --------------------------------------------------------


def test_error_location_expected_and_found() -> None:
    src = "def f(x: int) -> int =\n  x + true"
    with pytest.raises(dsl.TypeCheckError) as info:
        check(src)
    err = info.value
    assert (err.line, err.column) == (2, 7)
    assert err.expected == "int"
    assert err.found == "bool"
    assert str(err).startswith("line 2, column 7: ")
    assert "argument 2 of 'add'" in str(err)
    assert "(expected int, found bool)" in str(err)


def test_list_element_mismatch_location() -> None:
    with pytest.raises(dsl.TypeCheckError, match="list element 1") as info:
        dsl.typecheck(dsl.parse_expr("[1, true]"))
    assert (info.value.line, info.value.column) == (1, 5)
    assert (info.value.expected, info.value.found) == ("int", "bool")


def test_if_branches_must_agree() -> None:
    with pytest.raises(dsl.TypeCheckError) as info:
        dsl.typecheck(dsl.parse_expr("if true then 1 else false"))
    assert (info.value.expected, info.value.found) == ("int", "bool")


def test_if_condition_must_be_bool() -> None:
    with pytest.raises(dsl.TypeCheckError) as info:
        dsl.typecheck(dsl.parse_expr("if 1 then 2 else 3"))
    assert (info.value.expected, info.value.found) == ("bool", "int")


def test_eq_needs_equal_types() -> None:
    with pytest.raises(dsl.TypeCheckError):
        dsl.typecheck(dsl.parse_expr("[1] == 1"))


def test_type_check_error_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check("def f(x: int) -> int = x + true")
    assert issubclass(dsl.TypeCheckError, TypeError)
    assert issubclass(dsl.TypeCheckError, dsl.AbstraxError)
    assert not issubclass(dsl.TypeCheckError, ValueError)


def test_error_reports_first_definition_in_source_order() -> None:
    src = "def ok(x: int) -> int = x\ndef bad1(x: int) -> int = true\ndef bad2(x: int) -> bool = 1"
    with pytest.raises(dsl.TypeCheckError, match="bad1") as info:
        check(src)
    assert info.value.line == 2
