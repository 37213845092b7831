"""Text templates: prose that answers the player, checked at load time like `when`.

A text (scene text, choice text, note, epilogue, debrief) is a template when it holds a brace.
The syntax, which a player in another language must reproduce exactly::

    {EXPR}                      the value of an expression (usually a variable: {resolve})
    {if COND}...{elif COND}...{else}...{end}
                                the text of the first arm whose condition is true (or the
                                {else} arm; nothing when no arm is true and there is no
                                {else}); arms nest to MAX_NESTING levels
    {{  and  }}                 a literal { and }

* A tag runs from `{` to the first `}` after it, on the same line of the text; the words
  `if`, `elif`, `else`, `end` open a control tag, anything else is an expression to show.
  COND and EXPR are in the expression language of `when` (`engine.expressions.language`):
  a COND must be true/false; an EXPR may be a number, true/false or text.
* A value shows as: a number in decimal digits with a leading `-` when negative; true/false
  as `true` or `false`; text as it is.
* Whitespace: a control tag alone on its line (only spaces and tabs beside it) takes the whole
  line with it, its line break included, so block-scalar prose can put each tag on its own
  line; everything else is kept exactly, spaces next to tags included.
* Errors are `ExprError`s with a 0-based offset into the text: expression errors inside a tag
  point at their place in the tag.

Rendering cannot fail: it is a function of the variables and visit counts only. Each arm
(`{if}`, `{elif}` and `{else}` written in the text) has a number, in the order of the text;
rendering also says which arms were shown, for `explore` and `randomtest`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, NamedTuple

from engine.base.codes import codes_with
from engine.base.valueclass import FrozenValueClass, set_field
from engine.expressions.language import (
    MAX_STRING_VALUE,
    Condition,
    ExprError,
    Value,
    VarSpec,
    parse_condition,
    parse_value,
)

__all__ = ["CODES", "MAX_NESTING", "MAX_TAGS", "Arm", "BoundTemplate", "Template", "is_template", "outline",
           "parse_template", "show"]

MAX_TAGS = 200
MAX_NESTING = 16

CODES: dict[str, str] = codes_with("E34")  # this area of the one table, engine.base.codes

_CONTROL = ("if", "elif", "else", "end")
_MISSPELT = {"endif": "end", "end if": "end", "fi": "end", "/if": "end", "elsif": "elif", "elseif": "elif",
             "else if": "elif", "otherwise": "else", "when": "if", "unless": "if not"}


def is_template(text: object) -> bool:
    """Whether a text is a template (holds a brace); any other text shows as it is."""
    return isinstance(text, str) and ("{" in text or "}" in text)


_TAG = re.compile(r"\{\{|\}\}|\{[^{}\n]*\}")


def outline(text: str) -> str:
    """A template as a label where no state is at hand (a class report, a story map): the text of
    every arm, control tags left out, each shown value as `…`, escapes decoded."""
    if not is_template(text):
        return text

    def one(m: re.Match[str]) -> str:
        tag = m.group()
        if tag in ("{{", "}}"):
            return tag[0]
        return "" if _keyword(tag[1:-1])[0] else "…"

    return " ".join(_TAG.sub(one, text).split())


def show(value: object) -> str:
    """How a value prints: true/false, decimal numbers, text as it is."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


class Arm(FrozenValueClass):
    """One arm of a text's `{if}` block.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("number", "offset", "tag")
    number: int
    offset: int  # where its tag starts in the text
    tag: str  # the tag as written, e.g. "{elif resolve > 2}"

    def __init__(self, number: int, offset: int, tag: str) -> None:
        set_field(self, "number", number)
        set_field(self, "offset", offset)
        set_field(self, "tag", tag)


# the tree: a part is a str, a Value, or an If: ((condition or None for else, arm number, parts), ...)
class _If(NamedTuple):
    arms: tuple[tuple[Condition | None, int, tuple[Any, ...]], ...]


class Template(FrozenValueClass):
    """A text with `{...}` values and `{if}` blocks, parsed.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("source", "reads", "scenes", "arms", "parts")
    _unshown = ("parts",)
    _uncompared = ("parts",)
    source: str
    reads: frozenset[str]
    scenes: frozenset[str]
    arms: tuple[Arm, ...]
    parts: tuple[Any, ...]

    def __init__(
        self, source: str, reads: frozenset[str], scenes: frozenset[str], arms: tuple[Arm, ...], parts: tuple[Any, ...]
    ) -> None:
        set_field(self, "source", source)
        set_field(self, "reads", reads)
        set_field(self, "scenes", scenes)
        set_field(self, "arms", arms)
        set_field(self, "parts", parts)

    def bind(self, visit_index: Mapping[str, int]) -> BoundTemplate:
        return BoundTemplate(self, _compile(self.parts, visit_index))

    def to_json(self, visit_index: Mapping[str, int]) -> list[Any]:
        """The parsed form as JSON, for another runtime: a list of parts, each a literal string,
        ["=", value tree] (a value shown) or ["if", [[condition tree or null, arm number, parts], ...]]
        (the first arm whose condition is true, or whose condition is null, is shown)."""
        return _parts_json(self.parts, visit_index)


Render = Callable[[tuple[object, ...], tuple[int, ...], list[int] | None], str]


class BoundTemplate(NamedTuple):
    """A template compiled: `run(vars, visits, shown)` gives the text (and appends the numbers
    of the arms shown to `shown`, when given)."""

    template: Template
    run: Render


class _Tag(NamedTuple):
    start: int
    end: int  # after the `}`
    body: str


def _scan(text: str) -> list[str | _Tag]:
    """Literal pieces (escapes decoded) and tags, in order."""
    out: list[str | _Tag] = []
    buf: list[str] = []
    i, n = 0, len(text)
    tags = 0
    while i < n:
        c = text[i]
        if c == "{" and text.startswith("{{", i):
            buf.append("{")
            i += 2
        elif c == "}" and text.startswith("}}", i):
            buf.append("}")
            i += 2
        elif c == "}":
            raise ExprError("E341", "a `}` that closes no tag", i, "write `}}` to show a brace")
        elif c == "{":
            close = text.find("}", i + 1)
            newline = text.find("\n", i + 1)
            inner_open = text.find("{", i + 1)
            if close < 0 or 0 <= newline < close or 0 <= inner_open < close:
                raise ExprError("E340", "this `{` starts a tag that is not closed on its line", i,
                                "close the tag with `}`, or write `{{` to show a brace")
            tags += 1
            if tags > MAX_TAGS:
                raise ExprError("E346", f"more than {MAX_TAGS} tags in one text", i, "split the text")
            if buf:
                out.append("".join(buf))
                buf = []
            out.append(_Tag(i, close + 1, text[i + 1:close]))
            i = close + 1
        else:
            j = i + 1
            while j < n and text[j] not in "{}":
                j += 1
            buf.append(text[i:j])
            i = j
    if buf:
        out.append("".join(buf))
    return out


def _keyword(body: str) -> tuple[str, str, int]:
    """(keyword or "", the rest, offset of the rest in the body)."""
    stripped = body.lstrip(" \t")
    lead = len(body) - len(stripped)
    for word in _CONTROL:
        if stripped == word or stripped.startswith(word + " ") or stripped.startswith(word + "\t") \
                or stripped.startswith(word + "("):
            rest = stripped[len(word):]
            return word, rest, lead + len(word)
    return "", body, 0


def _standalone(text: str, tag: _Tag) -> bool:
    line_start = text.rfind("\n", 0, tag.start) + 1
    line_end = text.find("\n", tag.end)
    line_end = len(text) if line_end < 0 else line_end
    return not text[line_start:tag.start].strip(" \t") and not text[tag.end:line_end].strip(" \t")


def parse_template(text: str, variables: Mapping[str, VarSpec], scene_ids: Collection[str]) -> Template:
    """Parse and type-check a template; raise ExprError (offset into `text`) on any problem."""
    pieces = _scan(text)
    # a control tag alone on its line takes its line: the spaces before it and after it, and
    # its line break, go (a line break taken from the text after it, else none)
    items: list[str | _Tag] = list(pieces)
    for k, item in enumerate(items):
        if isinstance(item, _Tag) and _keyword(item.body)[0] and _standalone(text, item):
            if k > 0 and isinstance(items[k - 1], str):
                items[k - 1] = str(items[k - 1]).rstrip(" \t")
            if k + 1 < len(items) and isinstance(items[k + 1], str):
                after = str(items[k + 1]).lstrip(" \t")
                items[k + 1] = after[1:] if after.startswith("\n") else after
    reads: set[str] = set()
    scenes: set[str] = set()
    arms: list[Arm] = []
    root: list[Any] = []
    stack: list[_Open] = []
    current = root

    def expression_error(exc: ExprError, tag: _Tag, at: int) -> ExprError:
        return ExprError(exc.code, exc.message, tag.start + 1 + at + exc.offset, exc.hint)

    for item in items:
        if isinstance(item, str):
            if item:
                current.append(item)
            continue
        tag = item
        word, rest, at = _keyword(tag.body)
        shown_tag = text[tag.start:tag.end]
        if not word:
            words = tag.body.lower().split()
            if not words:
                raise ExprError("E342", "an empty tag `{}`", tag.start,
                                "put a variable in it, e.g. `{resolve}`, or write `{{}}` to show braces")
            fix = _MISSPELT.get(" ".join(words))
            if fix is None and words[0] in ("endif", "elsif", "elseif"):
                fix = _MISSPELT[words[0]]
            if fix is not None and tag.body.strip() not in variables:
                raise ExprError("E322", f"`{shown_tag}` is not a tag", tag.start,
                                f"write `{{{fix}}}`" if fix in ("end", "else") else f"write `{{{fix} CONDITION}}`")
            try:
                value = parse_value(tag.body, variables, scene_ids)
            except ExprError as exc:
                raise expression_error(exc, tag, 0) from None
            reads |= value.reads
            scenes |= value.scenes
            current.append(value)
            continue
        cond: Condition | None = None
        if word in ("if", "elif"):
            try:
                cond = parse_condition(rest, variables, scene_ids)
            except ExprError as exc:
                if exc.code == "E323":
                    raise ExprError("E323", f"`{{{word}}}` needs a condition", tag.start,
                                    f'write e.g. `{{{word} visited("scene_id")}}`') from None
                raise expression_error(exc, tag, at) from None
            reads |= cond.reads
            scenes |= cond.scenes
        elif rest.strip():
            raise ExprError("E322", f"`{{{word}}}` takes no condition",
                            tag.start + 1 + at + len(rest) - len(rest.lstrip()),
                            "write `{elif CONDITION}` for another test" if word == "else" else "write `{end}` alone")
        if word == "if":
            if len(stack) >= MAX_NESTING:
                raise ExprError("E346", f"text tags nested more than {MAX_NESTING} deep", tag.start,
                                "simplify the text")
            arms.append(Arm(len(arms), tag.start, shown_tag))
            stack.append(_Open(tag, current, cond, arms[-1].number))
            current = []
            continue
        if not stack:
            raise ExprError("E343", f"`{shown_tag}` has no `{{if}}` before it", tag.start,
                            "start the conditional text with `{if CONDITION}`, or remove this tag")
        top = stack[-1]
        if word in ("elif", "else") and top.has_else:
            raise ExprError("E345", f"`{shown_tag}` comes after the `{{else}}` of this `{{if}}`", tag.start,
                            "put `{else}` last")
        top.done.append((top.cond, top.number, tuple(current)))
        current = []
        if word == "end":
            stack.pop()
            top.outer.append(_If(tuple(top.done)))
            current = top.outer
            continue
        arms.append(Arm(len(arms), tag.start, shown_tag))
        top.cond, top.number = cond, arms[-1].number
        top.has_else = word == "else"
    if stack:
        raise ExprError("E344", f"this `{stack[-1].tag.body.strip()[:40]}` is never closed", stack[-1].tag.start,
                        "add `{end}` where the conditional text stops")
    return Template(text, frozenset(reads), frozenset(scenes), tuple(arms), tuple(root))


def _parts_json(parts: tuple[Any, ...], vi: Mapping[str, int]) -> list[Any]:
    out: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Value):
            out.append(["=", part.to_json(vi)])
        else:
            out.append(["if", [[None if c is None else c.to_json(vi), n, _parts_json(p, vi)] for c, n, p in part.arms]])
    return out


class _Open:
    """An `{if}` being read: the arms done, the current arm's condition and number."""

    def __init__(self, tag: _Tag, outer: list[Any], cond: Condition | None, number: int) -> None:
        self.tag, self.outer, self.cond, self.number = tag, outer, cond, number
        self.done: list[tuple[Condition | None, int, tuple[Any, ...]]] = []
        self.has_else = False


def _literal(text: str) -> Render:
    return lambda v, s, shown: text


def _shown(f: Callable[[tuple[object, ...], tuple[int, ...]], object]) -> Render:
    return lambda v, s, shown: show(f(v, s))


def _compile(parts: tuple[Any, ...], vi: Mapping[str, int]) -> Render:
    steps: list[Render] = []
    for part in parts:
        if isinstance(part, str):
            steps.append(_literal(part))
        elif isinstance(part, Value):
            steps.append(_shown(part.bind(vi)))
        else:
            arms = tuple((None if c is None else c.bind(vi), n, _compile(p, vi)) for c, n, p in part.arms)

            def choose(v: tuple[object, ...], s: tuple[int, ...], shown: list[int] | None,
                       arms: Any = arms) -> str:
                for test, number, body in arms:
                    if test is None or test(v, s):
                        if shown is not None:
                            shown.append(number)
                        return str(body(v, s, shown))
                return ""

            steps.append(choose)
    if len(steps) == 1:
        return steps[0]

    def run(v: tuple[object, ...], s: tuple[int, ...], shown: list[int] | None = None) -> str:
        return "".join([step(v, s, shown) for step in steps])[:MAX_TEXT]

    return run


MAX_TEXT = max(MAX_STRING_VALUE, 1 << 20)  # a rendered text is never longer than a file may be
