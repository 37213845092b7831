"""Chronicle's expression language: conditions (``when``) and effects (``do``).

Author text is never given to ``eval``/``exec``/``compile``/``ast``.  A hand-written tokenizer
and a Pratt parser turn it into a small typed tree, checked completely at load time; ``bind``
then compiles the tree once into nested closures that cannot raise.

Grammar (by increasing precedence)::

    condition  := expr                                  (must be true/false)
    effects    := statement (";" statement)* [";"]       (or a list of such strings)
    statement  := NAME ("=" | "+=" | "-=") expr
    expr       := expr "or" expr
                | expr "and" expr
                | "not" expr
                | sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)?   (no chaining)
    sum        := sum ("+" | "-") product
    product    := product "*" unary
    unary      := "-" unary | atom
    atom       := INT | "true" | "false" | STRING | NAME | "(" expr ")"
                | BUILTIN "(" argument ("," argument)* ")"
    argument   := STRING (a scene id, where the built-in takes one) | expr

The built-ins, their arguments and their results are the rows of ``engine.expressions.builtins.BUILTINS``.

``not`` may only start an operand of ``and``/``or``/``not`` or a whole (parenthesised)
expression: ``a == not b`` must be written ``a == (not b)``.

Types are ``int``, ``bool`` and ``str``.  ``and``/``or``/``not`` take bools; ``+ - *`` and
unary ``-`` take ints (``+`` also joins two strings); ``< <= > >=`` take ints;
``== !=`` take two values of the same type; a built-in takes and gives the types of its row
(``visited`` gives a bool, ``visits``/``min``/``max`` an int).  A condition must be a bool.
``x += e`` works on int and str variables, ``x -= e`` on int variables, ``x = e`` needs ``e`` of
the variable's type.  A str variable with declared
``values`` accepts only constant strings from that list (checked at load time); a computed
string that is not in the list leaves the variable unchanged at run time.  Expressions made
only of constants are folded at load time, so ``'ca' + 'lm'`` counts as the constant
``'calm'``.

Limits (all checked at load time, so evaluation cost is bounded by a few hundred closure
calls per condition or effect):

* ``MAX_SOURCE`` = 500 characters per expression (per list item for effects);
* ``MAX_TOKENS`` = 200 tokens per expression;
* ``MAX_DEPTH`` = 32 levels of nesting.  Nesting depth is the parser's recursion depth: the
  whole expression is level 1, and one level is added for each open parenthesis, each
  expression argument of a built-in (``min``/``max``), each prefix ``not`` or ``-``, and each right-hand operand of a
  binary operator.  A flat chain ``a + b + c + d`` therefore stays at level 2 however long it
  is; ``a + (b + (c + d))`` reaches level 6 at ``d``.  The depth is checked *before*
  recursing, so no input can exhaust Python's stack;
* integer literals at most ``MAX_INT_LITERAL`` = 1,000,000,000 (apply unary ``-`` for
  negatives); string literals at most ``MAX_STRING_LITERAL`` = 200 characters;
* at most ``MAX_STATEMENTS`` = 64 assignments in one effect (all list items together).

Run-time semantics (nothing can raise):

* int results of ``+ - *`` and unary ``-`` saturate at +/- ``SATURATION`` (10**15);
* an int assignment clamps into the variable's ``min``/``max`` (or +/- ``SATURATION``);
* joined strings are cut to ``MAX_STRING_VALUE`` = 1000 characters;
* ``visited(s)`` is ``visits[i] > 0`` and ``visits(s)`` is ``visits[i]``;
* effects apply their assignments in order; each sees the values written before it.

Errors are ``ExprError`` with a code from ``CODES``, a plain-English message, a 0-based
character offset into the source (relative to the failing list item for effect lists, whose
index is ``item``) and a hint.  Lexical problems are reported before syntax and type problems;
within each, the leftmost problem wins.
"""

from __future__ import annotations

import keyword
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal, NamedTuple

from engine.base.codes import codes_with
from engine.base.diagnostics import did_you_mean
from engine.base.valueclass import FrozenValueClass, set_field
from engine.expressions.builtins import BUILTINS, Builtin, Fn, Operand, VarType, names_in_words

__all__ = [
    "CODES",
    "MAX_DEPTH",
    "MAX_INT_LITERAL",
    "MAX_SOURCE",
    "MAX_STATEMENTS",
    "MAX_STRING_LITERAL",
    "MAX_STRING_VALUE",
    "MAX_TOKENS",
    "SATURATION",
    "Condition",
    "Effect",
    "ExprError",
    "Value",
    "VarSpec",
    "evaluate",
    "parse_condition",
    "parse_effects",
    "parse_value",
]

MAX_SOURCE = 500
MAX_TOKENS = 200
MAX_DEPTH = 32
MAX_INT_LITERAL = 1_000_000_000
MAX_STRING_LITERAL = 200
MAX_STATEMENTS = 64
SATURATION = 10**15
MAX_STRING_VALUE = 1000

CODES: dict[str, str] = {c: m for c, m in codes_with("E3").items() if not c.startswith("E34")}  # engine.base.codes


class VarSpec(FrozenValueClass):
    """A variable as the expression language sees it: its name, place in the state and type.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("name", "index", "type", "min", "max", "values")
    name: str
    index: int  # position in the State's variable tuple
    type: VarType
    min: int | None
    max: int | None
    values: tuple[str, ...] | None  # allowed strings for str variables

    def __init__(
        self,
        name: str,
        index: int,
        type: VarType,
        min: int | None = None,
        max: int | None = None,
        values: tuple[str, ...] | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "index", index)
        set_field(self, "type", type)
        set_field(self, "min", min)
        set_field(self, "max", max)
        set_field(self, "values", values)


class ExprError(Exception):
    """A problem in an expression, found at load time."""

    def __init__(self, code: str, message: str, offset: int, hint: str = "", item: int = 0) -> None:
        super().__init__(code, message, offset, hint, item)
        self.code = code
        self.message = message
        self.offset = offset
        self.hint = hint
        self.item = item

    def __str__(self) -> str:
        text = f"{self.code} at offset {self.offset}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


# ---------------------------------------------------------------------------------------------
# Tokenizer

_DIGITS = frozenset("0123456789")
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_IDENT = _IDENT_START | _DIGITS
_SPACE = frozenset(" \t\r\n")
_WORD_OPS = frozenset({"and", "or", "not", "true", "false"})
_STRING_PREFIXES = frozenset({"f", "r", "b", "u", "rb", "br", "fr", "rf"})
_FORBIDDEN_KEYWORDS = frozenset(keyword.kwlist) - _WORD_OPS
_NO_CONDITIONALS = "conditional expressions are not supported; give each case its own choice with `when`"
_KEYWORD_HINTS = {
    "True": "write `true` in lowercase",
    "False": "write `false` in lowercase",
    "None": "there is no empty value; give the variable an initial value instead",
    "is": "to compare values use `==` or `!=`",
    "in": "test each value with `==` and join the tests with `or`",
    "if": _NO_CONDITIONALS,
    "else": _NO_CONDITIONALS,
    "elif": _NO_CONDITIONALS,
    "lambda": "functions cannot be defined in an expression",
    "for": "loops and comprehensions are not supported",
    "while": "loops are not supported",
    "import": "nothing can be imported into an expression",
    "from": "nothing can be imported into an expression",
}
_TWO_CHAR_OPS = frozenset({"==", "!=", "<=", ">=", "+=", "-="})
_ONE_CHAR_OPS = frozenset("+-*<>(),;=")
_NO_DIVISION = "only whole-number `+`, `-` and `*` are available"
_BAD_OPS: dict[str, tuple[str, str, str]] = {
    "**=": ("E311", "`**=` is not supported", "only `=`, `+=` and `-=` assign"),
    "//=": ("E311", "`//=` is not supported", "only `=`, `+=` and `-=` assign"),
    "**": ("E311", "`**` (power) is not supported", "multiply explicitly, e.g. `x * x`"),
    "//": ("E311", "`//` (division) is not supported", _NO_DIVISION),
    "*=": ("E324", "`*=` is not supported", "only `=`, `+=` and `-=` assign"),
    "/=": ("E324", "`/=` is not supported", "only `=`, `+=` and `-=` assign"),
    "%=": ("E324", "`%=` is not supported", "only `=`, `+=` and `-=` assign"),
    ":=": ("E311", "`:=` is not supported", "effects assign with `=`; conditions cannot assign"),
    "&&": ("E311", "`&&` is not an operator here", "use `and`"),
    "||": ("E311", "`||` is not an operator here", "use `or`"),
    "<<": ("E311", "bit shifts are not supported", ""),
    ">>": ("E311", "bit shifts are not supported", ""),
    "<>": ("E311", "`<>` is not an operator here", "use `!=`"),
    "/": ("E311", "`/` (division) is not supported", _NO_DIVISION),
    "%": ("E311", "`%` (remainder) is not supported", _NO_DIVISION),
    "&": ("E311", "`&` is not supported", "use `and`"),
    "|": ("E311", "`|` is not supported", "use `or`"),
    "^": ("E311", "`^` is not supported", "use `!=` to test that two true/false values differ"),
    "~": ("E311", "`~` is not supported", "use `not` or unary `-`"),
    "@": ("E311", "`@` is not supported", ""),
    "!": ("E311", "`!` is not an operator here", "use `not`; `!=` means 'is not equal to'"),
    ".": ("E312", "attribute access with `.` is not allowed", "only variables, numbers, text, "
          f"true/false and the built-ins {', '.join(BUILTINS)} can be used"),
    "[": ("E313", "square brackets are not allowed (no lists, subscripts or comprehensions)", ""),
    "]": ("E313", "square brackets are not allowed (no lists, subscripts or comprehensions)", ""),
    "{": ("E313", "braces are not allowed (no sets, dicts or comprehensions)", ""),
    "}": ("E313", "braces are not allowed (no sets, dicts or comprehensions)", ""),
}


class _Tok(NamedTuple):
    kind: str  # "int" | "str" | "name" | "word" | "op" | "end"
    text: str  # the source text of the token ("" for end)
    offset: int
    value: object = None  # int value, decoded string


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    n = len(src)
    i = 0
    while i < n:
        c = src[i]
        if c in _SPACE:
            i += 1
            continue
        if len(toks) >= MAX_TOKENS:
            raise ExprError("E302", f"expression has more than {MAX_TOKENS} tokens", i,
                            "split it into simpler conditions or effects")
        j = i + 1
        if c in _DIGITS:
            while j < n and src[j] in _DIGITS:
                j += 1
            if j < n and (src[j] in _IDENT or src[j] == "."):
                k = j
                while k < n and (src[k] in _IDENT or src[k] == "."):
                    k += 1
                raise ExprError("E330", f"`{src[i:k]}` is not a whole decimal number", i,
                                "write numbers with digits only, e.g. `3000`")
            text = src[i:j]
            digits = text.lstrip("0")
            if len(digits) > 10 or int(text) > MAX_INT_LITERAL:
                raise ExprError("E308", f"the number {text} is too large", i,
                                f"numbers are limited to {MAX_INT_LITERAL:,}")
            toks.append(_Tok("int", text, i, int(text)))
        elif c in _IDENT_START:
            while j < n and src[j] in _IDENT:
                j += 1
            word = src[i:j]
            if j < n and src[j] in "'\"" and word.lower() in _STRING_PREFIXES:
                raise ExprError("E328", f"string prefix `{word}` is not allowed", i,
                                "write plain text in quotes; f-strings and raw strings are not supported")
            if word.startswith("_") or "__" in word:
                raise ExprError("E310", f"`{word}` is a reserved name", i,
                                "names may not start with `_` or contain `__`")
            if word in _WORD_OPS:
                toks.append(_Tok("word", word, i))
            elif word in _FORBIDDEN_KEYWORDS:
                raise ExprError("E314", f"`{word}` is not part of Chronicle's expression language", i,
                                _KEYWORD_HINTS.get(word, ""))
            else:
                toks.append(_Tok("name", word, i))
        elif c == "'" or c == '"':
            chars: list[str] = []
            while True:
                if j >= n or src[j] == "\n":
                    raise ExprError("E305", "this string is never closed", i,
                                    f"end it with a matching {c}")
                ch = src[j]
                if ch == c:
                    break
                if ch == "\\":
                    if j + 1 < n and src[j + 1] in "'\"\\":
                        chars.append(src[j + 1])
                        j += 2
                    else:
                        raise ExprError("E306", "unsupported escape in a string", j,
                                        "only \\' \\\" and \\\\ may follow a backslash")
                else:
                    chars.append(ch)
                    j += 1
                if len(chars) > MAX_STRING_LITERAL:
                    raise ExprError("E307", f"string longer than {MAX_STRING_LITERAL} characters", i, "")
            toks.append(_Tok("str", src[i : j + 1], i, "".join(chars)))
            j += 1
        else:
            for size in (3, 2, 1):
                piece = src[i : i + size]
                bad = _BAD_OPS.get(piece)
                if bad is not None:
                    raise ExprError(bad[0], bad[1], i, bad[2])
                if (size == 2 and piece in _TWO_CHAR_OPS) or (size == 1 and piece in _ONE_CHAR_OPS):
                    toks.append(_Tok("op", piece, i))
                    j = i + size
                    break
            else:
                hint = "names use only the letters A-Z, a-z, digits and _" if c.isalpha() else ""
                raise ExprError("E304", f"the character {c!r} cannot appear in an expression", i, hint)
        i = j
    toks.append(_Tok("end", "", len(src.rstrip())))
    return toks


# ---------------------------------------------------------------------------------------------
# Tree


class _Node(FrozenValueClass):
    """One node of a parsed expression (written out rather than a frozen slotted dataclass: issue 16)."""

    __match_args__ = __slots__ = ("kind", "type", "offset", "value", "index", "args")
    kind: str  # const var scene call neg not and or eq ne lt le gt ge add sub mul concat
    type: VarType
    offset: int
    value: Any  # constant value, scene id for scene, the `Builtin` for call
    index: int  # variable index for var
    args: tuple[_Node, ...]

    def __init__(self, kind: str, type: VarType, offset: int, value: Any = None, index: int = -1,
                 args: tuple[_Node, ...] = ()) -> None:
        set_field(self, "kind", kind)
        set_field(self, "type", type)
        set_field(self, "offset", offset)
        set_field(self, "value", value)
        set_field(self, "index", index)
        set_field(self, "args", args)


class _Stmt(FrozenValueClass):
    """One assignment of an effect (written out rather than a frozen slotted dataclass: issue 16)."""

    __match_args__ = __slots__ = ("var", "op", "expr")
    var: VarSpec
    op: str  # "=", "+=", "-="
    expr: _Node

    def __init__(self, var: VarSpec, op: str, expr: _Node) -> None:
        set_field(self, "var", var)
        set_field(self, "op", op)
        set_field(self, "expr", expr)


_INFIX_BP = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6}
_NOT_BP = 3
_UNARY_BP = 6
_CMP_KIND = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_TYPE_WORDS = {"int": "a number", "bool": "true/false", "str": "text"}
_EXAMPLE = {"int": "3", "bool": "true", "str": "'calm'"}
_ASSIGN_OPS = ("=", "+=", "-=")


def _desc(t: str) -> str:
    return _TYPE_WORDS.get(t, t)


def _plural(t: str) -> str:
    return {"int": "numbers", "bool": "true/false values", "str": "texts"}.get(t, t)


def _count(n: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(n, str(n))


def _show(tok: _Tok) -> str:
    return "the end of the expression" if tok.kind == "end" else f"`{tok.text}`"


class _Parser:
    def __init__(self, src: str, variables: Mapping[str, VarSpec], scene_ids: Collection[str],
                 context: Literal["condition", "effect", "value"]) -> None:
        self.src = src
        self.variables = variables
        self.scene_ids = scene_ids
        self.context = context
        self.toks = _tokenize(src)
        self.pos = 0
        self.reads: set[str] = set()
        self.scenes: set[str] = set()

    def peek(self) -> _Tok:
        return self.toks[self.pos]

    def advance(self) -> _Tok:
        tok = self.toks[self.pos]
        if tok.kind != "end":
            self.pos += 1
        return tok

    # -- errors -------------------------------------------------------------------------------

    def unexpected(self, tok: _Tok) -> ExprError:
        """The error for a token left over where an operator, `)` or the end was expected."""
        t = tok.text
        if tok.kind == "op" and t in _ASSIGN_OPS:
            if self.context != "effect":
                return ExprError("E321", f"`{t}` assigns a value and cannot appear in a {self.context}",
                                 tok.offset, "to compare, use `==`" if t == "=" else "")
            return ExprError("E321", f"unexpected `{t}`: one effect assigns only once", tok.offset,
                             "separate effects with `;`, e.g. `a = 1; b = 2`")
        if t == ")":
            return ExprError("E322", "this `)` has no matching `(`", tok.offset, "")
        if t == ";":
            return ExprError("E322", "`;` separates effects; a condition is a single expression",
                             tok.offset, "combine tests with `and` or `or`")
        if t == ",":
            hint = "combine tests with `and` or `or`"
            if self.context == "effect":
                hint = "separate effects with `;`"
            return ExprError("E322", "unexpected `,`", tok.offset, hint)
        if t == "not":
            return ExprError("E322", "`not` cannot follow a value", tok.offset,
                             "use `!=`, or write `not (a == b)`")
        if tok.kind == "end":
            return ExprError("E329", "the expression ends too early", tok.offset, "")
        return ExprError("E322", f"expected an operator such as `and`, `==` or `+` before {_show(tok)}",
                         tok.offset, "")

    # -- expressions --------------------------------------------------------------------------

    def expr(self, min_bp: int, depth: int) -> _Node:
        if depth > MAX_DEPTH:
            raise ExprError("E303", f"expression is nested more than {MAX_DEPTH} levels deep",
                            self.peek().offset, "simplify it or split it into several choices")
        left = self.prefix(min_bp, depth)
        after_comparison = False
        while True:
            tok = self.peek()
            if tok.kind not in ("op", "word"):
                return left
            bp = _INFIX_BP.get(tok.text)
            if bp is None or bp <= min_bp:
                return left
            if after_comparison and bp == 4:
                raise ExprError("E319", "comparisons cannot be chained", tok.offset,
                                "write `a < b and b < c`")
            self.advance()
            right = self.expr(bp, depth + 1)
            left = self.binary(tok, left, right)
            after_comparison = bp == 4

    def prefix(self, min_bp: int, depth: int) -> _Node:
        tok = self.advance()
        kind, text = tok.kind, tok.text
        if kind == "int":
            return _Node("const", "int", tok.offset, tok.value)
        if kind == "str":
            return _Node("const", "str", tok.offset, tok.value)
        if kind == "word":
            if text in ("true", "false"):
                return _Node("const", "bool", tok.offset, text == "true")
            if text == "not":
                if min_bp > _NOT_BP:
                    raise ExprError("E333", "`not` must be in parentheses here", tok.offset,
                                    "write e.g. `a == (not b)`, or use `!=`")
                operand = self.expr(_NOT_BP, depth + 1)
                if operand.type != "bool":
                    raise ExprError("E318", "`not` needs a true/false value, but this is "
                                    f"{_desc(operand.type)}", operand.offset,
                                    "compare it first, e.g. `not (x > 0)`")
                return _fold(_Node("not", "bool", tok.offset, args=(operand,)))
            raise ExprError("E322", f"expected a value, found `{text}`", tok.offset, "")
        if kind == "name":
            if self.peek().text == "(":
                return self.call(tok, depth)
            return self.variable(tok)
        if text == "(":
            inner = self.expr(0, depth + 1)
            self.close(tok)
            return inner
        if text == "-":
            operand = self.expr(_UNARY_BP, depth + 1)
            if operand.type != "int":
                raise ExprError("E318", f"unary `-` needs a number, but this is {_desc(operand.type)}",
                                operand.offset, "only numbers can be negated; for true/false use `not`"
                                if operand.type == "bool" else "only numbers can be negated")
            return _fold(_Node("neg", "int", tok.offset, args=(operand,)))
        if kind == "end":
            return self.missing(tok)
        if text in _ASSIGN_OPS or text in (")", ";", ","):
            if text in _ASSIGN_OPS or text == ";":
                raise self.unexpected(tok)
            raise ExprError("E322", f"expected a value before `{text}`", tok.offset, "")
        hint = "unary `+` is not supported; just write the number" if text == "+" else ""
        raise ExprError("E322", f"expected a value, found `{text}`", tok.offset, hint)

    def missing(self, tok: _Tok) -> _Node:
        raise ExprError("E329", "the expression ends where a value is expected", tok.offset,
                        "finish the expression or remove the dangling operator")

    def close(self, opener: _Tok) -> None:
        tok = self.peek()
        if tok.text == ")" and tok.kind == "op":
            self.advance()
            return
        if tok.kind == "end":
            raise ExprError("E332", "this `(` is never closed", opener.offset, "add a matching `)`")
        raise self.unexpected(tok)

    def variable(self, tok: _Tok) -> _Node:
        name = tok.text
        spec = self.variables.get(name)
        if spec is None:
            hint = did_you_mean(name, self.variables)
            if not hint and (near := did_you_mean(name, BUILTINS)):
                hint = f"{near[:-1]} — a built-in, called with parentheses?"
            if not hint:
                if (row := BUILTINS.get(name)) is not None:
                    how = "call it" if "scene" in row.params else f"call it with {row.takes}"
                    hint = f"`{name}` is a built-in; {how}, e.g. {row.example}"
                elif name.lower() in _WORD_OPS:
                    hint = f"write `{name.lower()}` in lowercase"
                else:
                    hint = "declare it under `variables:` in scenario.yaml"
            raise ExprError("E309", f"unknown variable `{name}`", tok.offset, hint)
        self.reads.add(name)
        return _Node("var", spec.type, tok.offset, index=spec.index)

    def call(self, name_tok: _Tok, depth: int) -> _Node:
        """A call of a built-in, checked against its row in `BUILTINS`: arguments, their types, the scenes."""
        name = name_tok.text
        row = BUILTINS.get(name)
        if row is None:
            hint = did_you_mean(name, BUILTINS) or f"the only built-ins are {names_in_words()}"
            raise ExprError("E315", f"`{name}` cannot be called", name_tok.offset, hint)
        opener = self.advance()
        args: list[_Node] = []
        for n, param in enumerate(row.params):
            if n:
                sep = self.peek()
                if sep.text != ",":
                    if sep.text == ")":
                        raise ExprError("E316", f"{name}() needs {row.takes}, got {_count(n)}", sep.offset,
                                        f"write e.g. {row.example}")
                    if sep.kind == "end":
                        raise ExprError("E332", "this `(` is never closed", opener.offset, "add a matching `)`")
                    raise self.unexpected(sep)
                self.advance()
            if param == "scene":
                args.append(self.scene_argument(row, opener))
                continue
            if n == 0 and self.peek().text == ")":
                raise ExprError("E316", f"{name}() needs {row.takes}", self.peek().offset,
                                f"write e.g. {row.example}")
            args.append(self.expr(0, depth + 1))
        if self.peek().text == ",":
            raise ExprError("E316", f"{name}() takes exactly {row.takes}", self.peek().offset, "")
        self.close(opener)
        for param, arg_node in zip(row.params, args, strict=True):
            if param == "scene":
                self.check_scene(arg_node)
            elif arg_node.type != param:
                raise ExprError("E318", f"{name}() works on {_plural(param)}, but this is {_desc(arg_node.type)}",
                                arg_node.offset, f"give {name}() {row.takes}, e.g. {row.example}")
        return _fold(_Node("call", row.result, name_tok.offset, row, args=tuple(args)))

    def scene_argument(self, row: Builtin, opener: _Tok) -> _Node:
        """A scene id in quotes, as a built-in's argument (checked by `check_scene` once the call is closed)."""
        arg = self.peek()
        if arg.kind != "str":
            if arg.kind == "end":
                raise ExprError("E332", "this `(` is never closed", opener.offset, "add a matching `)`")
            raise ExprError("E316", f"{row.name}() needs a scene id in quotes", arg.offset,
                            f"write e.g. {row.example}")
        self.advance()
        return _Node("scene", "int", arg.offset, str(arg.value))

    def check_scene(self, node: _Node) -> None:
        """A scene argument must name a scene of the scenario."""
        scene = node.value
        if scene not in self.scene_ids:
            hint = did_you_mean(scene, self.scene_ids) or "use the id of a scene in this scenario"
            raise ExprError("E317", f"there is no scene `{scene}`", node.offset, hint)
        self.scenes.add(scene)

    def binary(self, op: _Tok, left: _Node, right: _Node) -> _Node:
        t = op.text
        lt, rt = left.type, right.type
        if t in ("and", "or"):
            for side, node in (("left", left), ("right", right)):
                if node.type != "bool":
                    raise ExprError("E318", f"`{t}` joins true/false values, but its {side} side is "
                                    f"{_desc(node.type)}", node.offset, "compare it, e.g. `x > 0`")
            kind = t
            result: VarType = "bool"
        elif t in ("==", "!="):
            if lt != rt:
                side = self.src[left.offset:op.offset].strip() or "the left side"
                hint = f"`{side}` is {_desc(lt)}: compare it with {_desc(lt)}, e.g. `{side} {t} {_EXAMPLE[lt]}`"
                if lt == "int" and rt == "str":
                    hint += "; for words, declare the variable as type: str with values"
                raise ExprError("E318", f"`{t}` compares two values of the same kind, but here "
                                f"{_desc(lt)} is compared with {_desc(rt)}", op.offset, hint)
            kind, result = _CMP_KIND[t], "bool"
        elif t in ("<", "<=", ">", ">="):
            for side, node in (("left", left), ("right", right)):
                if node.type != "int":
                    raise ExprError("E318", f"`{t}` compares numbers, but its {side} side is "
                                    f"{_desc(node.type)}", node.offset,
                                    "text and true/false values can only be compared with `==` and `!=`")
            kind, result = _CMP_KIND[t], "bool"
        elif t == "+":
            if lt == rt == "int":
                kind, result = "add", "int"
            elif lt == rt == "str":
                kind, result = "concat", "str"
            else:
                bad = left if lt == "bool" else right if rt == "bool" else None
                raise ExprError("E318", f"`+` adds two numbers or joins two texts, but here it has "
                                f"{_desc(lt)} and {_desc(rt)}", op.offset if bad is None else bad.offset,
                                "give both sides the same kind: numbers with numbers, text with text "
                                "(a number cannot be joined to text in an expression; in a text template, "
                                "write `{name}` instead)")
        else:  # "-" or "*"
            for side, node in (("left", left), ("right", right)):
                if node.type != "int":
                    hint = "text cannot be repeated or subtracted" if node.type == "str" else \
                        "true/false values cannot be counted: use a number variable, or `if`-style conditions"
                    raise ExprError("E318", f"`{t}` works only on numbers, but its {side} side is "
                                    f"{_desc(node.type)}", node.offset, hint)
            kind, result = ("sub" if t == "-" else "mul"), "int"
        return _fold(_Node(kind, result, left.offset, args=(left, right)))

    # -- entry points ---------------------------------------------------------------------------

    def condition(self) -> _Node:
        if self.peek().kind == "end":
            raise ExprError("E323", "the condition is empty", 0, "write a test such as `resolve > 3`")
        node = self.expr(0, 1)
        tok = self.peek()
        if tok.kind != "end":
            raise self.unexpected(tok)
        if node.type != "bool":
            raise ExprError("E320", f"a condition must be true or false, but this is {_desc(node.type)}",
                            node.offset, "compare it, e.g. `x > 0` or `mood == 'calm'`")
        return node

    def value(self) -> _Node:
        if self.peek().kind == "end":
            raise ExprError("E323", "the value is empty", 0, "write the name of a variable, e.g. `{resolve}`")
        node = self.expr(0, 1)
        tok = self.peek()
        if tok.kind != "end":
            raise self.unexpected(tok)
        return node

    def statements(self) -> tuple[list[_Stmt], set[str]]:
        stmts: list[_Stmt] = []
        writes: set[str] = set()
        if self.peek().kind == "end":
            raise ExprError("E323", "the effect is empty", 0, "write an assignment such as `resolve -= 1`")
        while self.peek().kind != "end":
            target = self.advance()
            if target.text == ";":
                raise ExprError("E322", "empty effect before `;`", target.offset, "remove the extra `;`")
            if target.kind != "name":
                raise ExprError("E324", "an effect must start with the name of a variable, "
                                f"not {_show(target)}", target.offset, "write e.g. `resolve -= 1`")
            spec = self.variables.get(target.text)
            if spec is None and self.peek().text == "(":
                raise ExprError("E324", f"an effect must assign to a variable; `{target.text}(...)` "
                                "is not one", target.offset, "write e.g. `resolve -= 1`")
            if spec is None:
                self.variable(target)  # raises E309 with a suggestion
                raise AssertionError("unreachable")  # pragma: no cover
            op = self.advance()
            if op.kind != "op" or op.text not in _ASSIGN_OPS:
                hint = "to assign, use `=`" if op.text == "==" else "write e.g. `resolve -= 1`"
                raise ExprError("E324", f"expected `=`, `+=` or `-=` after `{target.text}`, "
                                f"found {_show(op)}", op.offset, hint)
            node = self.expr(0, 1)
            self.check_assignment(spec, op, node)
            if op.text != "=":
                self.reads.add(spec.name)
            writes.add(spec.name)
            stmts.append(_Stmt(spec, op.text, node))
            tok = self.peek()
            if tok.text == ";" and tok.kind == "op":
                self.advance()
            elif tok.kind != "end":
                raise self.unexpected(tok)
        return stmts, writes

    def check_assignment(self, spec: VarSpec, op: _Tok, node: _Node) -> None:
        name = spec.name
        mismatch = f"`{name}` holds {_desc(spec.type)}, but this value is {_desc(node.type)}"
        fix = f"give it {_desc(spec.type)}, e.g. `{name} {op.text} {_EXAMPLE[spec.type]}`"
        if op.text == "=":
            if node.type != spec.type:
                raise ExprError("E325", mismatch, node.offset, fix)
        elif spec.type == "bool" or (spec.type == "str" and op.text == "-="):
            raise ExprError("E326", f"`{op.text}` cannot be used on `{name}`, which holds {_desc(spec.type)}",
                            op.offset, "assign with `=` instead")
        elif node.type != spec.type:
            raise ExprError("E325", mismatch, node.offset, fix)
        if spec.type == "str" and spec.values is not None and op.text == "=" and node.kind == "const":
            if node.value not in spec.values:
                hint = did_you_mean(str(node.value), spec.values) or (
                    "allowed: " + ", ".join(repr(v) for v in spec.values))
                raise ExprError("E327", f"{node.value!r} is not one of the values declared for `{name}`",
                                node.offset, hint)


# ---------------------------------------------------------------------------------------------
# Compilation into closures

_Fn = Fn
_EffectFn = Callable[[tuple[Any, ...], Sequence[int]], tuple[Any, ...]]
_S = SATURATION
_MIRROR = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le", "eq": "eq", "ne": "ne"}
# `not (a < b)` is `a >= b`: ordering compares only ints (checked at load time), a total order
_NEGATE = {"lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "eq": "ne", "ne": "eq"}
_OPERATOR: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}

# comparison of a variable with a constant
_CMP_VC: dict[str, Callable[[int, Any], _Fn]] = {
    "eq": lambda i, c: lambda v, s: v[i] == c,
    "ne": lambda i, c: lambda v, s: v[i] != c,
    "lt": lambda i, c: lambda v, s: v[i] < c,
    "le": lambda i, c: lambda v, s: v[i] <= c,
    "gt": lambda i, c: lambda v, s: v[i] > c,
    "ge": lambda i, c: lambda v, s: v[i] >= c,
}
# comparison of a visit count with a constant
_CMP_SC: dict[str, Callable[[int, Any], _Fn]] = {
    "eq": lambda j, c: lambda v, s: s[j] == c,
    "ne": lambda j, c: lambda v, s: s[j] != c,
    "lt": lambda j, c: lambda v, s: s[j] < c,
    "le": lambda j, c: lambda v, s: s[j] <= c,
    "gt": lambda j, c: lambda v, s: s[j] > c,
    "ge": lambda j, c: lambda v, s: s[j] >= c,
}
# comparison of two variables
_CMP_VV: dict[str, Callable[[int, int], _Fn]] = {
    "eq": lambda i, k: lambda v, s: v[i] == v[k],
    "ne": lambda i, k: lambda v, s: v[i] != v[k],
    "lt": lambda i, k: lambda v, s: v[i] < v[k],
    "le": lambda i, k: lambda v, s: v[i] <= v[k],
    "gt": lambda i, k: lambda v, s: v[i] > v[k],
    "ge": lambda i, k: lambda v, s: v[i] >= v[k],
}
# comparison of a general expression with a constant
_CMP_FC: dict[str, Callable[[_Fn, Any], _Fn]] = {
    "eq": lambda f, c: lambda v, s: f(v, s) == c,
    "ne": lambda f, c: lambda v, s: f(v, s) != c,
    "lt": lambda f, c: lambda v, s: f(v, s) < c,
    "le": lambda f, c: lambda v, s: f(v, s) <= c,
    "gt": lambda f, c: lambda v, s: f(v, s) > c,
    "ge": lambda f, c: lambda v, s: f(v, s) >= c,
}
# comparison of two general expressions
_CMP_FF: dict[str, Callable[[_Fn, _Fn], _Fn]] = {
    "eq": lambda f, g: lambda v, s: f(v, s) == g(v, s),
    "ne": lambda f, g: lambda v, s: f(v, s) != g(v, s),
    "lt": lambda f, g: lambda v, s: f(v, s) < g(v, s),
    "le": lambda f, g: lambda v, s: f(v, s) <= g(v, s),
    "gt": lambda f, g: lambda v, s: f(v, s) > g(v, s),
    "ge": lambda f, g: lambda v, s: f(v, s) >= g(v, s),
}


def _fold(node: _Node) -> _Node:
    """Replace an operation on constants by its (run-time-identical) value."""
    if all(a.kind == "const" for a in node.args):
        return _Node("const", node.type, node.offset, _compile(node, {})((), ()))
    return node


def _compile(node: _Node, vi: Mapping[str, int]) -> _Fn:
    kind = node.kind
    if kind == "const":
        c = node.value
        return lambda v, s: c
    if kind == "var":
        i = node.index
        return lambda v, s: v[i]
    if kind == "call":
        row: Builtin = node.value
        return row.compile(*(vi[a.value] if a.kind == "scene" else
                             Operand(_compile(a, vi), a.kind == "const", a.value) for a in node.args))
    args = node.args
    if kind == "not":
        a = args[0]
        if a.kind in _NEGATE:
            return _compile_comparison(_NEGATE[a.kind], a.args[0], a.args[1], vi)
        if a.kind == "var":
            i = a.index
            return lambda v, s: not v[i]
        if _is_call(a, "visited"):  # a fast path: not (s[j] > 0)
            j = vi[a.args[0].value]
            return lambda v, s: s[j] < 1
        f = _compile(a, vi)
        return lambda v, s: not f(v, s)
    if kind == "neg":
        a = args[0]
        if a.kind == "var":
            i = a.index
            return lambda v, s: x if -_S <= (x := -v[i]) <= _S else (_S if x > 0 else -_S)
        f = _compile(a, vi)
        return lambda v, s: x if -_S <= (x := -f(v, s)) <= _S else (_S if x > 0 else -_S)
    left, right = args
    if kind in _MIRROR:
        return _compile_comparison(kind, left, right, vi)
    if kind in ("add", "sub", "mul"):
        return _compile_arithmetic(kind, left, right, vi)
    if kind in ("and", "or"):
        both = _var_const(left), _var_const(right)
        if both[0] is not None and both[1] is not None:
            (o1, i, c), (o2, k, d) = both[0], both[1]
            if kind == "and":
                return lambda v, s: o1(v[i], c) and o2(v[k], d)
            return lambda v, s: o1(v[i], c) or o2(v[k], d)
    f = _compile(left, vi)
    g = _compile(right, vi)
    if kind == "and":
        return lambda v, s: f(v, s) and g(v, s)
    if kind == "or":
        return lambda v, s: f(v, s) or g(v, s)
    if kind == "concat":
        return lambda v, s: (f(v, s) + g(v, s))[:MAX_STRING_VALUE]
    raise AssertionError(f"unknown node kind {kind}")  # pragma: no cover


def _is_call(node: _Node, name: str) -> bool:
    """The node is a call of the built-in `name` (for the compiler's fast paths; a new built-in needs none)."""
    return node.kind == "call" and node.value.name == name


def _var_const(node: _Node) -> tuple[Callable[[Any, Any], bool], int, Any] | None:
    """(operator, variable index, constant) for a comparison of a variable with a constant."""
    if node.kind not in _MIRROR:
        return None
    left, right, kind = node.args[0], node.args[1], node.kind
    if left.kind == "const":
        left, right, kind = right, left, _MIRROR[kind]
    if left.kind == "var" and right.kind == "const":
        return _OPERATOR[kind], left.index, right.value
    return None


def _compile_comparison(kind: str, left: _Node, right: _Node, vi: Mapping[str, int]) -> _Fn:
    if left.kind == "const":
        left, right, kind = right, left, _MIRROR[kind]
    if right.kind == "const":
        c = right.value
        if left.kind == "var":
            return _CMP_VC[kind](left.index, c)
        if (left.kind in ("add", "sub") and left.args[0].kind == "var" and left.args[1].kind == "var"
                and -_S < c < _S):
            # saturating the sum cannot change how it compares with a constant inside the range
            o, i, k = _OPERATOR[kind], left.args[0].index, left.args[1].index
            if left.kind == "add":
                return lambda v, s: o(v[i] + v[k], c)
            return lambda v, s: o(v[i] - v[k], c)
        if _is_call(left, "visits"):  # a fast path: the visit count itself
            return _CMP_SC[kind](vi[left.args[0].value], c)
        return _CMP_FC[kind](_compile(left, vi), c)
    if left.kind == "var" and right.kind == "var":
        return _CMP_VV[kind](left.index, right.index)
    return _CMP_FF[kind](_compile(left, vi), _compile(right, vi))


def _compile_arithmetic(kind: str, left: _Node, right: _Node, vi: Mapping[str, int]) -> _Fn:
    if kind != "sub" and left.kind == "const":
        left, right = right, left
    if right.kind == "const" and left.kind == "var":
        i, c = left.index, right.value
        if kind == "add":
            return lambda v, s: x if -_S <= (x := v[i] + c) <= _S else (_S if x > 0 else -_S)
        if kind == "sub":
            return lambda v, s: x if -_S <= (x := v[i] - c) <= _S else (_S if x > 0 else -_S)
        return lambda v, s: x if -_S <= (x := v[i] * c) <= _S else (_S if x > 0 else -_S)
    f = _compile(left, vi)
    if right.kind == "const":
        c = right.value
        if kind == "add":
            return lambda v, s: x if -_S <= (x := f(v, s) + c) <= _S else (_S if x > 0 else -_S)
        if kind == "sub":
            return lambda v, s: x if -_S <= (x := f(v, s) - c) <= _S else (_S if x > 0 else -_S)
        return lambda v, s: x if -_S <= (x := f(v, s) * c) <= _S else (_S if x > 0 else -_S)
    g = _compile(right, vi)
    if kind == "add":
        return lambda v, s: x if -_S <= (x := f(v, s) + g(v, s)) <= _S else (_S if x > 0 else -_S)
    if kind == "sub":
        return lambda v, s: x if -_S <= (x := f(v, s) - g(v, s)) <= _S else (_S if x > 0 else -_S)
    return lambda v, s: x if -_S <= (x := f(v, s) * g(v, s)) <= _S else (_S if x > 0 else -_S)


def _bounds(spec: VarSpec) -> tuple[int, int]:
    return (-_S if spec.min is None else spec.min), (_S if spec.max is None else spec.max)


def _compile_value(st: _Stmt, vi: Mapping[str, int]) -> _Fn:
    """A function computing the new value of the statement's variable (clamped, checked)."""
    spec, op, node = st.var, st.op, st.expr
    i = spec.index
    if spec.type == "int":
        lo, hi = _bounds(spec)
        if node.kind == "const":
            c = node.value
            if op == "=":
                k = lo if c < lo else hi if c > hi else c
                return lambda v, s: k
            if op == "-=":
                c = -c
            return lambda v, s: x if lo <= (x := v[i] + c) <= hi else (lo if x < lo else hi)
        f = _compile(node, vi)
        if op == "=":
            return lambda v, s: x if lo <= (x := f(v, s)) <= hi else (lo if x < lo else hi)
        if op == "+=":
            return lambda v, s: x if lo <= (x := v[i] + f(v, s)) <= hi else (lo if x < lo else hi)
        return lambda v, s: x if lo <= (x := v[i] - f(v, s)) <= hi else (lo if x < lo else hi)
    f = _compile(node, vi)
    if spec.type == "bool" or (op == "=" and (node.kind == "const" or spec.values is None)):
        return f
    if op == "=":
        allowed = frozenset(spec.values or ())
        return lambda v, s: x if (x := f(v, s)) in allowed else v[i]
    if spec.values is None:
        return lambda v, s: (v[i] + f(v, s))[:MAX_STRING_VALUE]
    allowed = frozenset(spec.values)
    return lambda v, s: x if (x := (v[i] + f(v, s))[:MAX_STRING_VALUE]) in allowed else v[i]


def _add_const(st: _Stmt) -> tuple[int, int, int, int] | None:
    """(index, signed constant, min, max) for `x += constant` or `x -= constant` on an int."""
    if st.var.type != "int" or st.op == "=" or st.expr.kind != "const":
        return None
    lo, hi = _bounds(st.var)
    return st.var.index, (st.expr.value if st.op == "+=" else -st.expr.value), lo, hi


def _compile_effect(stmts: Sequence[_Stmt], vi: Mapping[str, int]) -> _EffectFn:
    # Copying to a list, storing and converting back is faster than slicing and
    # concatenating tuples (measured on CPython 3.11), so every shape below does that.
    if len(stmts) == 1:
        st = stmts[0]
        spec, node = st.var, st.expr
        i = spec.index
        if node.kind == "const" and st.op == "=":
            k = _compile_value(st, vi)((), ())

            def assign_const(v: tuple[Any, ...], s: Sequence[int]) -> tuple[Any, ...]:
                new = list(v)
                new[i] = k
                return tuple(new)

            return assign_const
        if node.kind == "const" and spec.type == "int":
            lo, hi = _bounds(spec)
            c = node.value if st.op == "+=" else -node.value

            def add_const(v: tuple[Any, ...], s: Sequence[int]) -> tuple[Any, ...]:
                new = list(v)
                x = new[i] + c
                new[i] = x if lo <= x <= hi else (lo if x < lo else hi)
                return tuple(new)

            return add_const
        if spec.type == "int" and st.op == "=":
            lo, hi = _bounds(spec)
            f = _compile(node, vi)

            def assign_int(v: tuple[Any, ...], s: Sequence[int]) -> tuple[Any, ...]:
                new = list(v)
                x = f(v, s)
                new[i] = x if lo <= x <= hi else (lo if x < lo else hi)
                return tuple(new)

            return assign_int
        g = _compile_value(st, vi)

        def assign(v: tuple[Any, ...], s: Sequence[int]) -> tuple[Any, ...]:
            new = list(v)
            new[i] = g(v, s)
            return tuple(new)

        return assign
    adds = [_add_const(st) for st in stmts]
    if len(adds) == 2 and adds[0] is not None and adds[1] is not None:
        (i, c, lo, hi), (k, d, lo2, hi2) = adds[0], adds[1]

        def add_two(v: tuple[Any, ...], s: Sequence[int]) -> tuple[Any, ...]:
            new = list(v)
            x = new[i] + c
            new[i] = x if lo <= x <= hi else (lo if x < lo else hi)
            x = new[k] + d
            new[k] = x if lo2 <= x <= hi2 else (lo2 if x < lo2 else hi2)
            return tuple(new)

        return add_two
    steps = tuple((st.var.index, _compile_value(st, vi)) for st in stmts)

    def run(v: tuple[Any, ...], s: Sequence[int]) -> tuple[Any, ...]:
        new = list(v)
        for index, g in steps:
            new[index] = g(new, s)
        return tuple(new)

    return run


# ---------------------------------------------------------------------------------------------
# The tree as JSON, for runtimes in other languages (the HTML player's JavaScript)
#
# A node is a list: ["c", value] a constant, ["v", i] variable i, [name, *args] a call of a
# built-in (its row's `json` name; a scene argument is the position j of the tracked scene: ["vd",
# j] is visited, ["vs", j] visits, ["min", a, b]), [kind, *args] an operation (kinds as in `_Node`). An
# effect is a list of statements [variable index, op, type, min, max, allowed values or None,
# node], with min/max the clamping bounds (+/- SATURATION when the author gave none). The
# semantics are the run-time semantics in this module's docstring; the JSON runtime must match
# `_compile` exactly (tests/test_player.py runs both on the same games).


def _tree_json(node: _Node, vi: Mapping[str, int]) -> list[Any]:
    kind = node.kind
    if kind == "const":
        return ["c", node.value]
    if kind == "var":
        return ["v", node.index]
    if kind == "call":
        return [node.value.json, *(vi[a.value] if a.kind == "scene" else _tree_json(a, vi) for a in node.args)]
    return [kind, *(_tree_json(a, vi) for a in node.args)]


def _statement_json(st: _Stmt, vi: Mapping[str, int]) -> list[Any]:
    spec = st.var
    lo, hi = _bounds(spec) if spec.type == "int" else (None, None)
    return [spec.index, st.op, spec.type, lo, hi, list(spec.values) if spec.values is not None else None,
            _tree_json(st.expr, vi)]


def _check_scenes(scenes: frozenset[str], visit_index: Mapping[str, int]) -> None:
    missing = [s for s in sorted(scenes) if s not in visit_index]
    if missing:
        raise ValueError(f"visit_index has no position for scene(s): {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------
# Public interface


class Condition(FrozenValueClass):
    """A boolean expression (a choice's or a text's condition), parsed and checked.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("source", "reads", "scenes", "tree")
    _unshown = ("tree",)
    _uncompared = ("tree",)
    source: str
    reads: frozenset[str]  # variable names read
    scenes: frozenset[str]  # scene ids given to visited()/visits()
    tree: _Node

    def __init__(self, source: str, reads: frozenset[str], scenes: frozenset[str], tree: _Node) -> None:
        set_field(self, "source", source)
        set_field(self, "reads", reads)
        set_field(self, "scenes", scenes)
        set_field(self, "tree", tree)

    @property
    def constant(self) -> bool | None:
        """True/False when the condition does not depend on the state, else None."""
        return bool(self.tree.value) if self.tree.kind == "const" else None

    def bind(self, visit_index: Mapping[str, int]) -> Callable[[tuple[object, ...], tuple[int, ...]], bool]:
        """Compile into fn(vars, visits) -> bool; visit_index maps scene ids to visit positions."""
        _check_scenes(self.scenes, visit_index)
        return _compile(self.tree, visit_index)

    def to_json(self, visit_index: Mapping[str, int]) -> list[Any]:
        """The (folded) tree as JSON lists; see `_tree_json`."""
        _check_scenes(self.scenes, visit_index)
        return _tree_json(self.tree, visit_index)


class Value(FrozenValueClass):
    """An expression of any type whose value is shown (a text template's `{...}`).

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("source", "type", "reads", "scenes", "tree")
    _unshown = ("tree",)
    _uncompared = ("tree",)
    source: str
    type: VarType
    reads: frozenset[str]
    scenes: frozenset[str]
    tree: _Node

    def __init__(self, source: str, type: VarType, reads: frozenset[str], scenes: frozenset[str], tree: _Node) -> None:
        set_field(self, "source", source)
        set_field(self, "type", type)
        set_field(self, "reads", reads)
        set_field(self, "scenes", scenes)
        set_field(self, "tree", tree)

    def bind(self, visit_index: Mapping[str, int]) -> Callable[[tuple[object, ...], tuple[int, ...]], object]:
        """Compile into fn(vars, visits) -> the value (int, bool or str)."""
        _check_scenes(self.scenes, visit_index)
        return _compile(self.tree, visit_index)

    def to_json(self, visit_index: Mapping[str, int]) -> list[Any]:
        """The (folded) tree as JSON lists; see `_tree_json`."""
        _check_scenes(self.scenes, visit_index)
        return _tree_json(self.tree, visit_index)


class Effect(FrozenValueClass):
    """The assignments a choice makes to the variables, parsed and checked.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("source", "reads", "writes", "scenes", "statements")
    _unshown = ("statements",)
    _uncompared = ("statements",)
    source: str
    reads: frozenset[str]  # variables read, including the targets of += and -=
    writes: frozenset[str]
    scenes: frozenset[str]
    statements: tuple[_Stmt, ...]

    def __init__(
        self,
        source: str,
        reads: frozenset[str],
        writes: frozenset[str],
        scenes: frozenset[str],
        statements: tuple[_Stmt, ...],
    ) -> None:
        set_field(self, "source", source)
        set_field(self, "reads", reads)
        set_field(self, "writes", writes)
        set_field(self, "scenes", scenes)
        set_field(self, "statements", statements)

    def bind(
        self, visit_index: Mapping[str, int]
    ) -> Callable[[tuple[object, ...], tuple[int, ...]], tuple[object, ...]]:
        """Compile into fn(vars, visits) -> new vars tuple, assignments applied in order."""
        _check_scenes(self.scenes, visit_index)
        return _compile_effect(self.statements, visit_index)

    def to_json(self, visit_index: Mapping[str, int]) -> list[list[Any]]:
        """The statements as JSON lists, applied in order; see `_statement_json`."""
        _check_scenes(self.scenes, visit_index)
        return [_statement_json(st, visit_index) for st in self.statements]


def _check_source(source: object, what: str) -> str:
    if not isinstance(source, str):
        raise ExprError("E331", f"{what} must be text, not {type(source).__name__}", 0,
                        "put the expression in quotes")
    if len(source) > MAX_SOURCE:
        raise ExprError("E301", f"{what} is {len(source)} characters long; the limit is {MAX_SOURCE}",
                        MAX_SOURCE, "split it into simpler parts")
    return source


def parse_condition(source: str, variables: Mapping[str, VarSpec], scene_ids: Collection[str]) -> Condition:
    """Parse and type-check a condition; raise ExprError on any problem."""
    text = _check_source(source, "a condition")
    parser = _Parser(text, variables, scene_ids, "condition")
    tree = parser.condition()
    return Condition(text, frozenset(parser.reads), frozenset(parser.scenes), tree)


def parse_value(source: str, variables: Mapping[str, VarSpec], scene_ids: Collection[str]) -> Value:
    """Parse and type-check an expression of any type (shown by a text template)."""
    text = _check_source(source, "a value")
    parser = _Parser(text, variables, scene_ids, "value")
    tree = parser.value()
    return Value(text, tree.type, frozenset(parser.reads), frozenset(parser.scenes), tree)


def parse_effects(
    source: str | Sequence[str], variables: Mapping[str, VarSpec], scene_ids: Collection[str]
) -> Effect:
    """Parse and type-check effects given as one `;`-separated string or a list of them.

    For a list, an ExprError's offset is relative to the failing item and `item` is its index.
    """
    items: Sequence[object]
    if isinstance(source, str):
        items = (source,)
    elif isinstance(source, list | tuple):
        items = source
        if not items:
            raise ExprError("E323", "the list of effects is empty", 0, "remove it or add an assignment")
    else:
        raise ExprError("E331", f"effects must be text or a list of texts, not {type(source).__name__}", 0)
    stmts: list[_Stmt] = []
    reads: set[str] = set()
    writes: set[str] = set()
    scenes: set[str] = set()
    for n, item in enumerate(items):
        try:
            text = _check_source(item, "an effect")
            parser = _Parser(text, variables, scene_ids, "effect")
            new, wrote = parser.statements()
            if len(stmts) + len(new) > MAX_STATEMENTS:
                raise ExprError("E334", f"more than {MAX_STATEMENTS} assignments in one effect", 0,
                                "split the work between several choices or scenes")
        except ExprError as error:
            error.item = n
            raise
        stmts.extend(new)
        reads |= parser.reads
        writes |= wrote
        scenes |= parser.scenes
    joined = "; ".join(str(i) for i in items)
    return Effect(joined, frozenset(reads), frozenset(writes), frozenset(scenes), tuple(stmts))


def evaluate(
    expr: Condition | Effect,
    vars: tuple[object, ...],
    visits: tuple[int, ...] = (),
    visit_index: Mapping[str, int] | None = None,
) -> object:
    """Bind and run once (a convenience for tests and tools; bind once for speed)."""
    fn = expr.bind(visit_index or {})
    return fn(vars, visits)
