"""Examples for ``dsl.parse``, ``dsl.parse_expr`` and ``dsl.parse_type``."""

from __future__ import annotations

import pytest

import dsl
from dsl import BOOL, INT, BoolLit, Call, IntLit, Lambda, Let, ListLit, TFun, TList, TVar, Var


def call(func: str, *args: dsl.Expr) -> Call:
    return Call(func, args)


a, b, c, d, x, xs = Var("a"), Var("b"), Var("c"), Var("d"), Var("x"), Var("xs")


# ---- definitions ------------------------------------------------------------------------


def test_definition_without_parameters() -> None:
    m = dsl.parse("def one() -> int = 1")
    (one,) = m.definitions
    assert one.name == "one"
    assert one.params == ()
    assert one.ret == INT
    assert one.body == IntLit(1)
    assert one.signature == TFun((), INT)


def test_definition_with_one_parameter() -> None:
    (f,) = dsl.parse("def inc(x: int) -> int = x + 1").definitions
    assert f.params == (dsl.Param("x", INT),)
    assert f.body == call("add", x, IntLit(1))


def test_definition_with_several_parameters() -> None:
    (f,) = dsl.parse(
        "def f(x: int, ys: list[int], flag: bool, zss: list[list[bool]]) -> list[int] = ys"
    ).definitions
    assert [p.name for p in f.params] == ["x", "ys", "flag", "zss"]
    assert [p.type for p in f.params] == [INT, TList(INT), BOOL, TList(TList(BOOL))]
    assert f.ret == TList(INT)


def test_function_typed_parameter() -> None:
    (f,) = dsl.parse("def apply(g: (int) -> int, x: int) -> int = g(x)").definitions
    assert f.params[0].type == TFun((INT,), INT)
    assert f.body == call("g", x)
    assert f.signature == TFun((TFun((INT,), INT), INT), INT)


def test_type_variables_in_signature() -> None:
    (f,) = dsl.parse("def first(xs: list[a], y: elem) -> a = head(xs)").definitions
    assert f.params[0].type == TList(TVar("a"))
    assert f.params[1].type == TVar("elem")
    assert f.ret == TVar("a")


def test_module_keeps_source_order_and_positions() -> None:
    m = dsl.parse(
        "def b() -> int = 1\n\n# a comment\ndef a(x: int) -> int =\n  x\ndef c() -> bool = true\n"
    )
    assert [d.name for d in m.definitions] == ["b", "a", "c"]
    assert m.names == ("b", "a", "c")
    assert len(m) == 3
    assert [d.loc for d in m.definitions] == [(1, 1), (4, 1), (6, 1)]
    assert m.definitions[1].body.loc == (5, 3)


def test_empty_module() -> None:
    assert dsl.parse("") == dsl.Module(())
    assert dsl.parse("  # only a comment\n\n") == dsl.Module(())


def test_module_lookup_attaches_module() -> None:
    m = dsl.parse("def a() -> int = 1\ndef b() -> int = a() + 1")
    got = m["b"]
    assert got.name == "b"
    assert got.module is m
    assert got == m.definitions[1]
    assert got() == 2
    assert "a" in m
    assert "z" not in m
    assert [d.name for d in m] == ["a", "b"]


def test_module_lookup_unknown_name_suggests() -> None:
    m = dsl.parse("def sort(xs: list[int]) -> list[int] = xs\ndef insert(x: int) -> int = x")
    with pytest.raises(dsl.UnknownNameError, match="did you mean 'sort'") as info:
        m["sorr"]
    assert info.value.name == "sorr"
    assert info.value.suggestions == ("sort",)
    assert isinstance(info.value, KeyError | NameError)


def test_module_lookup_unknown_name_without_close_match() -> None:
    m = dsl.parse("def sort(xs: list[int]) -> list[int] = xs")
    with pytest.raises(dsl.UnknownNameError) as info:
        m["zzzzzz"]
    assert "did you mean" not in str(info.value)
    assert info.value.suggestions == ()


# ---- types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("int", INT),
        ("bool", BOOL),
        ("a", TVar("a")),
        ("elem_1", TVar("elem_1")),
        ("list[int]", TList(INT)),
        ("list[list[bool]]", TList(TList(BOOL))),
        ("() -> int", TFun((), INT)),
        ("(int) -> int", TFun((INT,), INT)),
        ("(int, bool) -> list[int]", TFun((INT, BOOL), TList(INT))),
        (
            "(list[a], (a) -> b) -> list[b]",
            TFun((TList(TVar("a")), TFun((TVar("a"),), TVar("b"))), TList(TVar("b"))),
        ),
        ("(int) -> (int) -> bool", TFun((INT,), TFun((INT,), BOOL))),
        ("list[(a) -> a]", TList(TFun((TVar("a"),), TVar("a")))),
    ],
)
def test_parse_type(source: str, expected: dsl.Type) -> None:
    assert dsl.parse_type(source) == expected


@pytest.mark.parametrize("source", ["Foo", "list[Int]", "(int) -> Bool", "(T) -> int"])
def test_parse_type_rejects_capitalised_names(source: str) -> None:
    with pytest.raises(dsl.ParseProgramError, match="unknown type"):
        dsl.parse_type(source)


def test_unknown_type_in_definition_is_located() -> None:
    with pytest.raises(dsl.ParseProgramError) as info:
        dsl.parse("def f(x: int) -> int = x\ndef g(x: Foo) -> int = 1")
    err = info.value
    assert "'Foo'" in str(err)
    assert (err.line, err.column) == (2, 10)
    assert err.source_line == "def g(x: Foo) -> int = 1"


@pytest.mark.parametrize("source", ["(int) ->", "list[int", "list", "(int, ) -> int", ""])
def test_parse_type_syntax_errors(source: str) -> None:
    with pytest.raises(dsl.ParseProgramError):
        dsl.parse_type(source)


# ---- expressions: atoms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("0", IntLit(0)),
        ("42", IntLit(42)),
        ("123456789012345678901234567890", IntLit(123456789012345678901234567890)),
        ("true", BoolLit(True)),
        ("false", BoolLit(False)),
        ("x", Var("x")),
        ("_tmp1", Var("_tmp1")),
        ("[]", ListLit(())),
        ("[1, 2]", ListLit((IntLit(1), IntLit(2)))),
        ("[[1], []]", ListLit((ListLit((IntLit(1),)), ListLit(())))),
        ("f()", Call("f", ())),
        ("f(x, 1)", call("f", x, IntLit(1))),
        ("(x)", x),
        ("((1))", IntLit(1)),
    ],
)
def test_atoms(source: str, expected: dsl.Expr) -> None:
    assert dsl.parse_expr(source) == expected


def test_bool_literal_is_not_an_int_literal() -> None:
    assert dsl.parse_expr("true") != IntLit(1)
    assert type(dsl.parse_expr("true")) is BoolLit


# ---- unary minus and indexing -----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("-3", IntLit(-3)),
        ("- 3", IntLit(-3)),
        ("-(3)", IntLit(-3)),
        ("-x", call("neg", x)),
        ("-(x)", call("neg", x)),
        ("-x * b", call("mul", call("neg", x), b)),
        ("-3 * x", call("mul", IntLit(-3), x)),
        ("a - -3", call("sub", a, IntLit(-3))),
        ("a - -x", call("sub", a, call("neg", x))),
        ("-xs[0]", call("neg", call("index", xs, IntLit(0)))),
    ],
)
def test_unary_minus(source: str, expected: dsl.Expr) -> None:
    assert dsl.parse_expr(source) == expected


def test_negative_literal_is_an_int_literal_not_a_call() -> None:
    e = dsl.parse_expr("-3")
    assert isinstance(e, IntLit)
    assert e.value == -3


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("xs[i]", call("index", xs, Var("i"))),
        ("xs[0][1]", call("index", call("index", xs, IntLit(0)), IntLit(1))),
        ("f(x)[0]", call("index", call("f", x), IntLit(0))),
        ("[1, 2][0]", call("index", ListLit((IntLit(1), IntLit(2))), IntLit(0))),
        ("xs[i + 1]", call("index", xs, call("add", Var("i"), IntLit(1)))),
        ("xs[i] + 1", call("add", call("index", xs, Var("i")), IntLit(1))),
    ],
)
def test_indexing(source: str, expected: dsl.Expr) -> None:
    assert dsl.parse_expr(source) == expected


# ---- binary operators -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "func"), [(s, f) for s, f in dsl.OPERATORS.items() if s not in ("and", "or")]
)
def test_each_infix_operator_is_its_primitive(symbol: str, func: str) -> None:
    assert dsl.parse_expr(f"a {symbol} b") == call(func, a, b)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # left-associative arithmetic
        ("a - b - c", call("sub", call("sub", a, b), c)),
        ("a + b - c", call("sub", call("add", a, b), c)),
        ("a / b * c", call("mul", call("div", a, b), c)),
        ("a % b % c", call("mod", call("mod", a, b), c)),
        # * binds tighter than +
        ("a + b * c", call("add", a, call("mul", b, c))),
        ("a * b + c", call("add", call("mul", a, b), c)),
        ("(a + b) * c", call("mul", call("add", a, b), c)),
        # ++ is right-associative and looser than +
        ("a ++ b ++ c", call("concat", a, call("concat", b, c))),
        ("(a ++ b) ++ c", call("concat", call("concat", a, b), c)),
        ("a + b ++ c", call("concat", call("add", a, b), c)),
        # comparisons are looser than ++
        ("a ++ b == c", call("eq", call("concat", a, b), c)),
        ("a + b < c ++ d", call("lt", call("add", a, b), call("concat", c, d))),
        ("(a < b) == c", call("eq", call("lt", a, b), c)),
        # not, and, or
        ("not a and b", call("and", call("not", a), b)),
        ("not a < b", call("not", call("lt", a, b))),
        ("not not a", call("not", call("not", a))),
        ("a or b and c", call("or", a, call("and", b, c))),
        ("a and b or c", call("or", call("and", a, b), c)),
        ("a or b or c", call("or", call("or", a, b), c)),
        ("a and b and c", call("and", call("and", a, b), c)),
        ("a < b and c > d", call("and", call("lt", a, b), call("gt", c, d))),
    ],
)
def test_precedence_and_associativity(source: str, expected: dsl.Expr) -> None:
    assert dsl.parse_expr(source) == expected


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("a < b < c", 7),
        ("a == b == c", 8),
        ("a < b == c", 7),
        ("a != b >= c", 8),
        ("a <= b > c", 8),
    ],
)
def test_comparisons_are_not_associative(source: str, column: int) -> None:
    with pytest.raises(dsl.ParseProgramError) as info:
        dsl.parse_expr(source)
    # the error points at the second comparison operator
    assert (info.value.line, info.value.column) == (1, column)


# ---- fn, if, let ------------------------------------------------------------------------


def test_lambda_one_parameter() -> None:
    assert dsl.parse_expr("fn x => x + 1") == Lambda(("x",), call("add", x, IntLit(1)))


def test_lambda_several_parameters() -> None:
    e = dsl.parse_expr("fn (x, acc) => x + acc")
    assert e == Lambda(("x", "acc"), call("add", x, Var("acc")))


def test_lambda_parenthesised_single_parameter() -> None:
    assert dsl.parse_expr("fn (x) => x") == Lambda(("x",), x)


def test_lambda_body_extends_right() -> None:
    assert dsl.parse_expr("fn x => fn y => x") == Lambda(("x",), Lambda(("y",), x))
    assert dsl.parse_expr("fn x => x or a") == Lambda(("x",), call("or", x, a))


def test_lambda_as_argument() -> None:
    e = dsl.parse_expr("fold(xs, 0, fn (x, acc) => x + acc)")
    assert e == call("fold", xs, IntLit(0), Lambda(("x", "acc"), call("add", x, Var("acc"))))
    e = dsl.parse_expr("f(fn x => x, 1)")
    assert e == call("f", Lambda(("x",), x), IntLit(1))


def test_if_is_a_call_and_else_extends_right() -> None:
    assert dsl.parse_expr("if a then b else c + 1") == call("if", a, b, call("add", c, IntLit(1)))


def test_nested_if_in_else() -> None:
    e = dsl.parse_expr("if a then b else if c then d else x")
    assert e == call("if", a, b, call("if", c, d, x))


def test_if_in_argument_and_parentheses() -> None:
    assert dsl.parse_expr("f(if a then 1 else 2, 3)") == call(
        "f", call("if", a, IntLit(1), IntLit(2)), IntLit(3)
    )
    assert dsl.parse_expr("(if a then 1 else 2) + 3") == call(
        "add", call("if", a, IntLit(1), IntLit(2)), IntLit(3)
    )


def test_let_body_extends_right() -> None:
    e = dsl.parse_expr("let x = 1 in x + 2")
    assert e == Let("x", IntLit(1), call("add", x, IntLit(2)))


def test_let_value_may_be_a_lambda_called_by_name() -> None:
    e = dsl.parse_expr("let f = fn y => y in f(1)")
    assert e == Let("f", Lambda(("y",), Var("y")), call("f", IntLit(1)))


def test_let_inside_then_branch() -> None:
    e = dsl.parse_expr("if c then let x = 1 in x else 2")
    assert e == call("if", c, Let("x", IntLit(1), x), IntLit(2))


def test_nested_let() -> None:
    e = dsl.parse_expr("let x = 1 in let y = x in y")
    assert e == Let("x", IntLit(1), Let("y", x, Var("y")))


# ---- comments and layout ----------------------------------------------------------------


def test_comments_are_ignored() -> None:
    src = (
        "# leading comment\n"
        "def f(x: int) -> int = # after the =\n"
        "  x + # between operands\n"
        "  1 # trailing\n"
        "# final comment"
    )
    (f,) = dsl.parse(src).definitions
    assert f.body == call("add", x, IntLit(1))


def test_hash_ends_the_line_only() -> None:
    assert dsl.parse_expr("x # + 1\n + 2") == call("add", x, IntLit(2))


def test_whitespace_and_newlines_are_insignificant() -> None:
    one_line = dsl.parse("def f(xs: list[int]) -> list[int] = map(xs, fn x => x + 1)")
    spread = dsl.parse("def f(\n  xs: list[int]\n)\n->\nlist[int]\n=\n map(xs,\n\tfn x =>\n x + 1)")
    assert one_line == spread


# ---- keywords ---------------------------------------------------------------------------


def test_keywords_set() -> None:
    assert {"def", "fn", "if", "then", "else", "let", "in", "true", "false"} <= dsl.KEYWORDS
    assert {"and", "or", "not"} <= dsl.KEYWORDS


@pytest.mark.parametrize(
    "template",
    [
        "def {kw}(x: int) -> int = x",
        "def f({kw}: int) -> int = 1",
        "def f(x: int) -> int = let {kw} = 1 in x",
        "def f(xs: list[int]) -> list[int] = map(xs, fn {kw} => 1)",
        "def f(xs: list[int]) -> int = fold(xs, 0, fn (x, {kw}) => x)",
        "def f(x: {kw}) -> int = 1",
    ],
)
def test_keywords_are_not_usable_as_names(template: str) -> None:
    accepted = []
    for kw in sorted(dsl.KEYWORDS):
        try:
            dsl.parse(template.format(kw=kw))
        except dsl.ParseProgramError:
            continue
        accepted.append(kw)
    assert accepted == []


def test_keywords_other_than_literals_are_not_expressions() -> None:
    accepted = []
    for kw in sorted(dsl.KEYWORDS - {"true", "false"}):
        try:
            dsl.parse_expr(kw)
        except dsl.ParseProgramError:
            continue
        accepted.append(kw)
    assert accepted == []


def test_keyword_in_operand_position_is_an_error() -> None:
    with pytest.raises(dsl.ParseProgramError):
        dsl.parse_expr("in + 1")


def test_names_that_contain_keywords_are_fine() -> None:
    e = dsl.parse_expr("let iff = index in iff + define + fnx + lets + truex")
    assert isinstance(e, Let)
    assert e.name == "iff"
    assert e.value == Var("index")


# ---- errors -----------------------------------------------------------------------------


def test_error_carries_position_source_line_and_expected() -> None:
    src = "def f(x: int) -> int =\n  x +* 1\n"
    with pytest.raises(dsl.ParseProgramError) as info:
        dsl.parse(src, filename="prog.abx")
    err = info.value
    assert (err.line, err.column) == (2, 6)
    assert err.source_line == "  x +* 1"
    assert err.filename == "prog.abx"
    assert isinstance(err.expected, tuple)
    assert "name" in err.expected
    assert "int" in err.expected
    assert "'('" in err.expected
    assert list(err.expected) == sorted(err.expected)


def test_error_str_shows_location_and_caret_under_column() -> None:
    src = "def f(x: int) -> int =\n  x +* 1\n"
    with pytest.raises(dsl.ParseProgramError) as info:
        dsl.parse(src, filename="prog.abx")
    text = str(info.value)
    assert text.startswith("prog.abx:2:6: ")
    lines = text.splitlines()
    shown = lines.index("  " + "  x +* 1")
    caret = lines[shown + 1]
    assert caret.strip() == "^"
    # the caret sits under the offending '*'
    assert caret.index("^") == lines[shown].index("*")


def test_error_is_a_value_error_and_abstrax_error() -> None:
    with pytest.raises(ValueError, match="unexpected"):
        dsl.parse("def f(x: int) -> int = )")
    with pytest.raises(dsl.AbstraxError):
        dsl.parse_expr("1 +")
    assert issubclass(dsl.ParseProgramError, ValueError)


def test_unexpected_character() -> None:
    src = "def f(x: int) -> int = x $ 1"
    with pytest.raises(dsl.ParseProgramError, match=r"unexpected character '\$'") as info:
        dsl.parse(src)
    assert (info.value.line, info.value.column) == (1, src.index("$") + 1)
    assert info.value.source_line == src


def test_default_filename_in_message() -> None:
    with pytest.raises(dsl.ParseProgramError, match=r"^<source>:1:"):
        dsl.parse("def")
    with pytest.raises(dsl.ParseProgramError, match=r"^<expr>:1:"):
        dsl.parse_expr("(")
    with pytest.raises(dsl.ParseProgramError, match=r"^<type>:1:"):
        dsl.parse_type("list[")


@pytest.mark.parametrize(
    "source",
    [
        "1 +",
        "f(x,",
        "if a then b",
        "let x = 1",
        "fn x =>",
        "[1, 2",
        "def f(x: int) -> int = (x + 1",
    ],
)
def test_unexpected_end_of_input(source: str) -> None:
    parse = dsl.parse if source.startswith("def") else dsl.parse_expr
    with pytest.raises(dsl.ParseProgramError, match="end of input") as info:
        parse(source)
    assert info.value.line == 1
    assert info.value.expected  # says what would have been accepted


@pytest.mark.parametrize("source", ["1 +", "f(x,", "def f(x: int) -> int = (x + 1"])
def test_end_of_input_caret_is_after_the_last_character(source: str) -> None:
    parse = dsl.parse if source.startswith("def") else dsl.parse_expr
    with pytest.raises(dsl.ParseProgramError) as info:
        parse(source)
    assert info.value.column == len(source) + 1


def test_missing_definition_body_reports_line() -> None:
    with pytest.raises(dsl.ParseProgramError) as info:
        dsl.parse("def a() -> int = 1\ndef b() -> int =\n")
    assert info.value.line == 2


def test_incomplete_definition_is_reported_at_the_next_def() -> None:
    src = "def f(x: int) -> int = x +\ndef g() -> int = 1"
    with pytest.raises(dsl.ParseProgramError, match="unexpected 'def'") as info:
        dsl.parse(src)
    assert (info.value.line, info.value.column) == (2, 1)


def test_duplicate_definition_names() -> None:
    src = "def f(x: int) -> int = 1\n\ndef g() -> int = 0\ndef f(y: bool) -> bool = y"
    with pytest.raises(dsl.ParseProgramError, match="'f' is defined twice") as info:
        dsl.parse(src, filename="dup.abx")
    assert (info.value.line, info.value.column) == (4, 1)
    assert info.value.source_line == "def f(y: bool) -> bool = y"
    assert str(info.value).startswith("dup.abx:4:1:")


def test_huge_integer_literal_is_a_parse_error_not_a_crash() -> None:
    # more digits than Python converts by default: must still be a ParseProgramError
    with pytest.raises(dsl.ParseProgramError):
        dsl.parse_expr("1" * 5000)


def test_parse_rejects_non_string() -> None:
    with pytest.raises(TypeError, match="str"):
        dsl.parse(b"def f() -> int = 1")  # type: ignore[arg-type]


def test_parse_expr_rejects_a_definition() -> None:
    with pytest.raises(dsl.ParseProgramError):
        dsl.parse_expr("def f() -> int = 1")


def test_parse_rejects_a_bare_expression() -> None:
    with pytest.raises(dsl.ParseProgramError):
        dsl.parse("x + 1")


def test_locations_are_not_part_of_equality() -> None:
    e1 = dsl.parse_expr("x+1")
    e2 = dsl.parse_expr("\n\n   x  +  1")
    assert e1 == e2
    assert hash(e1) == hash(e2)
    assert e1.loc != e2.loc
