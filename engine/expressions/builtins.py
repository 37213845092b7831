"""The table of the expression language's built-in functions: one row per built-in.

A row says everything the rest of Chronicle needs to know about a built-in: its name, the
types of its arguments (``scene`` is a scene id in quotes, read as that scene's visit count),
the type of its result, what state it reads, how it compiles into a closure, the name of its
node in the HTML player's data (``engine/classroom/assets/runtime.js`` evaluates it) and a
one-line description. The parser's name check and argument checks, the type checker, the
compiler, the player data, the "did you mean" and "the only built-ins are" hints, the editor's
completion and the authoring guide's list all read `BUILTINS` (name -> row): adding a built-in is adding a
row here, a ``case`` in ``runtime.js``, its ink form in ``engine/bench/webplayer.py``'s ``INK_CALLS``
(the bench's inkjs story) and a line in ``scenarios/README.md`` (tests check all four).

A row's ``compile`` gets one argument per parameter: a scene's position in the visit counts
(an int) for a ``scene`` parameter, else the compiled argument as an `Operand`. It returns
``fn(vars, visits) -> value``, which must never raise, and must give what the JavaScript
runtime gives for the same node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

from engine.base.valueclass import FrozenValueClass, set_field

__all__ = ["BUILTINS", "Builtin", "Fn", "Operand", "ParamType", "VarType", "names_in_words"]

VarType = Literal["int", "bool", "str"]
ParamType = Literal["scene", "int", "bool", "str"]
Fn = Callable[[Sequence[Any], Sequence[int]], Any]  # fn(vars, visits) -> value


class Operand(NamedTuple):
    """A compiled argument: its function, and its value when it is a constant (known at load time)."""

    fn: Fn
    constant: bool = False
    value: Any = None


_NOUNS = {"scene": ("scene id", "scene ids"), "int": ("number", "numbers"), "str": ("text", "texts"),
          "bool": ("true/false value", "true/false values")}
_COUNTS = {1: "one", 2: "two", 3: "three", 4: "four"}


class Builtin(FrozenValueClass):
    """One built-in function of the expression language.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("name", "params", "result", "compile", "json", "doc", "example")
    name: str
    params: tuple[ParamType, ...]
    result: VarType
    compile: Callable[..., Fn]  # one argument per parameter: a visit position (scene) or an Operand
    json: str  # its node's name in the player data: [json, *arguments], a scene given as its visit position
    doc: str  # one line: what it gives
    example: str  # a call as an author writes it

    def __init__(
        self,
        name: str,
        params: tuple[ParamType, ...],
        result: VarType,
        compile: Callable[..., Fn],
        json: str,
        doc: str,
        example: str,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "params", params)
        set_field(self, "result", result)
        set_field(self, "compile", compile)
        set_field(self, "json", json)
        set_field(self, "doc", doc)
        set_field(self, "example", example)

    @property
    def reads(self) -> str:
        """What state it reads."""
        return "the visit counts of the scenes it names" if "scene" in self.params else "only its arguments"

    @property
    def takes(self) -> str:
        """Its arguments in words: "one scene id", "two numbers"."""
        if len(set(self.params)) == 1:
            n = len(self.params)
            singular, plural = _NOUNS[self.params[0]]
            return f"{_COUNTS.get(n, str(n))} {singular if n == 1 else plural}"
        return " and ".join(f"a {_NOUNS[p][0]}" for p in self.params)

    @property
    def line(self) -> str:
        """The one line the editor and the guide show: the call and what it gives."""
        return f"{self.example} — {self.doc}"


def _visited(j: int) -> Fn:
    return lambda v, s: s[j] > 0


def _visits(j: int) -> Fn:
    return lambda v, s: s[j]


def _min(a: Operand, b: Operand) -> Fn:
    if a.constant:
        a, b = b, a
    f = a.fn
    if b.constant:
        c = b.value
        return lambda v, s: x if (x := f(v, s)) <= c else c
    g = b.fn
    return lambda v, s: x if (x := f(v, s)) <= (y := g(v, s)) else y


def _max(a: Operand, b: Operand) -> Fn:
    if a.constant:
        a, b = b, a
    f = a.fn
    if b.constant:
        c = b.value
        return lambda v, s: x if (x := f(v, s)) >= c else c
    g = b.fn
    return lambda v, s: x if (x := f(v, s)) >= (y := g(v, s)) else y


BUILTINS: dict[str, Builtin] = {b.name: b for b in (
    Builtin("visited", ("scene",), "bool", _visited, "vd",
            "true once the scene has been visited in this game", 'visited("scene_id")'),
    Builtin("visits", ("scene",), "int", _visits, "vs",
            "how many times the scene has been visited", 'visits("scene_id")'),
    Builtin("min", ("int", "int"), "int", _min, "min", "the smaller of two numbers", "min(a, b)"),
    Builtin("max", ("int", "int"), "int", _max, "max", "the larger of two numbers", "max(a, b)"),
)}


def names_in_words() -> str:
    """The built-ins' names as a list in words: "visited, visits, min and max"."""
    names = list(BUILTINS)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
