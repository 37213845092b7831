"""Safe YAML reading for files that may come from strangers.

One pass over libyaml's parse events (the C parser when present) both checks the limits and
builds plain Python values, so nothing is built from a file that breaks a limit, and no
recursion happens anywhere (the C composer crashes on deep nesting; this never calls it):

* at most 1 MiB, valid UTF-8, no control characters (a leading byte-order mark is allowed);
* nesting at most 64 levels, at most 64 aliases expanding to at most 100,000 values;
* no tags at all (``!!python/object`` and friends), no duplicate keys, no complex keys,
  exactly one document.

Plain scalars are resolved by a small YAML 1.2-style rule set: ``true``/``false``, ``null``/``~``,
decimal integers; everything else stays a string, so YAML 1.1 surprises such as ``no``, ``on``,
``12:30`` and ``1.10`` stay what the author wrote. Every mapping and sequence gets its source
marks (line and column of each key and value) in a side table, for precise diagnostics.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.paths import MAX_FILE_BYTES

try:  # libyaml's C parser when present
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the build of PyYAML
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]
from yaml.events import AliasEvent as _AliasEvent
from yaml.events import DocumentStartEvent as _DocumentStartEvent
from yaml.events import MappingEndEvent as _MappingEndEvent
from yaml.events import MappingStartEvent as _MappingStartEvent
from yaml.events import ScalarEvent as _ScalarEvent
from yaml.events import SequenceEndEvent as _SequenceEndEvent
from yaml.events import SequenceStartEvent as _SequenceStartEvent

MAX_BYTES = MAX_FILE_BYTES
MAX_DEPTH = 64
MAX_ALIASES = 64
MAX_EXPANDED = 100_000

Mark = tuple[int, int]  # 1-based line and column

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})\Z")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")
YAML11_WORDS = frozenset(
    w for base in ("yes", "no", "on", "off", "y", "n") for w in (base, base.title(), base.upper())
)


@dataclass
class Doc:
    """A parsed file: its value and the marks of every key and item."""

    path: str
    value: Any
    root: Mark = (1, 1)
    # id(mapping) -> {key: (key mark, value mark)}; id(list) -> [item marks]; a mark is the
    # parser's own mark object (its 0-based line and column) until `mark` converts it
    marks: dict[int, Any] = field(default_factory=dict)
    # id(mapping) -> {key: style} for scalar values that were quoted ("'", '"', '|', '>') or None
    styles: dict[int, dict[str, str | None]] = field(default_factory=dict)
    # a document read with `marks_depth` keeps its text: deeper marks are read again when asked
    source: bytes | None = field(default=None, repr=False, compare=False)
    # the decoded text, for `locate`
    text: str | None = field(default=None, repr=False, compare=False)

    def locate(self, path: tuple[Any, ...], offset: int) -> Mark:
        """The line and column of character `offset` of the text value at `path` (plain, quoted
        or block scalar, over several lines too); the value's own mark when it cannot tell."""
        line, col = self.mark(path)
        node: Any = self.value
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return line, col
        text = self.text
        if text is None or not isinstance(node, str):
            return line, col
        style = self.style(path)
        q = 0
        for _ in range(line - 1):
            q = text.find("\n", q) + 1
            if q <= 0:
                return line, col
        q += col - 1
        skip = 1 << 30  # spaces skipped after a line break inside the value
        if style in ("|", ">"):
            q = text.find("\n", q) + 1
            if q <= 0:
                return line, col
            k = q
            while k < len(text) and text[k] == "\n":
                k += 1
            rest = text[k:k + 200]
            skip = len(rest) - len(rest.lstrip(" "))
            q = k + skip
        elif style in ("'", '"'):
            q += 1
        n = len(text)
        for ch in node[:offset]:
            if q >= n:
                break
            if text[q] == "\n":
                q += 1
                k = 0
                while q < n and k < skip and text[q] in " \t":
                    q += 1
                    k += 1
                if ch in " \n":
                    continue
            if style == '"' and text[q] == "\\" and ch != "\\":
                q += 2
            elif style == "'" and ch == "'" and text.startswith("''", q):
                q += 2
            else:
                q += 1
        return _position(text, q)

    def mark(self, path: tuple[Any, ...], *, key: bool = False) -> Mark:
        """The mark of the value at ``path`` (or of its key), or of the nearest ancestor."""
        node: Any = self.value
        best: Any = self.root
        for step in path:
            table = self.marks.get(id(node))
            if table is None:
                if self.source is not None and isinstance(node, (dict, list)):
                    self._complete()
                    return self.mark(path, key=key)
                break
            if isinstance(node, dict) and isinstance(table, dict) and step in table:
                kmark, vmark = table[step]
                best = kmark if (key and step == path[-1]) else vmark
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(table):
                best = table[step]
                node = node[step]
            else:
                break
        return position(best)

    def style(self, path: tuple[Any, ...]) -> str | None:
        node: Any = self.value
        for step in path[:-1]:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return None
        if self.source is not None and isinstance(node, dict) and id(node) not in self.styles:
            self._complete()
        return self.styles.get(id(node), {}).get(path[-1]) if path else None

    def _complete(self) -> None:
        """Read the text again with every mark, and attach the marks to this document's values."""
        assert self.source is not None
        full = load(self.source, self.path)
        self.source = None
        pending = [(self.value, full.value)]
        seen: set[int] = set()
        while pending:
            mine, theirs = pending.pop()
            if id(mine) in seen or not isinstance(mine, (dict, list)):
                continue
            seen.add(id(mine))
            self.marks[id(mine)] = full.marks[id(theirs)]
            if isinstance(mine, dict):
                self.styles[id(mine)] = full.styles[id(theirs)]
                pending.extend((mine[k], theirs[k]) for k in mine)
            else:
                pending.extend(zip(mine, theirs, strict=True))


def _fail(path: str, mark: Mark, code: str, message: str, hint: str = "") -> ChronicleError:
    return ChronicleError([Diagnostic(path, mark[0], mark[1], "error", code, message, hint)])


def _position(text: str, index: int) -> Mark:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _resolve_plain(text: str) -> Any:
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    return text


def decode_text(data: bytes, path: str) -> str:
    """Check size, encoding and control characters; return the text without a BOM."""
    if len(data) > MAX_BYTES:
        raise _fail(
            path, (1, 1), "E001", f"the file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (1 MiB)",
            "split the scenes over several files",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        raise _fail(
            path, _position(good, len(good)), "E002",
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8", "save the file as UTF-8",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _CONTROL.search(text)
    if bad:
        raise _fail(
            path, _position(text, bad.start()), "E003",
            f"control character U+{ord(bad.group()):04X} is not allowed", "delete it; use plain text",
        )
    return text


def position(mark: Any) -> Mark:
    """A stored mark as (line, column), 1-based: marks are kept as the parser's objects until asked."""
    if isinstance(mark, tuple):
        return mark
    return mark.line + 1, mark.column + 1




_SPECIAL: dict[str, Any] = {**dict.fromkeys(_NULL), **dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_NUMERIC_START = frozenset("+-0123456789")
_MISSING = object()


def _tag_error(path: str, ev: Any) -> ChronicleError:
    return _fail(path, position(ev.start_mark), "E007", f"YAML tags such as {ev.tag!r} are not allowed",
                 "remove the tag; write plain values")


class _NeedAllMarks(Exception):
    """A diagnostic needs a mark that a shallow read did not keep."""


def load(data: bytes | str, path: str = "<string>", *, marks_depth: int | None = None,
         aliases: bool = True) -> Doc:
    """Parse one YAML document safely. Raises ChronicleError with one located diagnostic.

    With `marks_depth`, only mappings and sequences nested at most that deep keep their marks
    and styles as they are read (faster, smaller); asking the document for a deeper mark reads
    the text again, so every answer is the same as without it. With `aliases` False (scenario
    files), an anchor (`&name`) or alias (`*name`) is refused (E013): it hides content from the
    checks and adds nothing an author needs.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    text = decode_text(raw, path)
    if marks_depth is None:
        return _load(text, path, None, aliases)
    try:
        doc = _load(text, path, marks_depth, aliases)
    except _NeedAllMarks:
        return _load(text, path, None, aliases)  # raises the same error, with every mark at hand
    doc.source = raw  # the bytes, not the text: often half the size
    return doc


def _no_anchor(path: str, ev: Any) -> ChronicleError:
    what = f'the alias "*{ev.anchor}"' if isinstance(ev, _AliasEvent) else f'the anchor "&{ev.anchor}"'
    return _fail(path, position(ev.start_mark), "E013",
                 f"{what}: YAML anchors and aliases are not allowed in scenario files",
                 "write the value out in full everywhere it is needed (an alias hides it from the checks)")


def _load(text: str, path: str, marks_depth: int | None, aliases: bool = True) -> Doc:
    doc = Doc(path, None, text=text)
    deep = MAX_DEPTH + 1 if marks_depth is None else marks_depth
    marks = doc.marks
    styles = doc.styles
    anchors: dict[str, tuple[Any, int]] = {}
    alias_count = 0
    expanded = 0  # values built, counting each alias as the size of what it repeats
    documents = 0
    # frame: [container, marks table, styles table or None, pending key, key mark, anchor, start size,
    #         start mark, is a mapping, keeps marks]
    stack: list[list[Any]] = []
    top: list[Any] | None = None
    result: Any = None
    have_result = False
    ev: Any = None
    # one pass over the parser's events; marks stay the parser's objects (converted when asked)
    loader = _Loader(text)
    get = loader.get_event
    special = _SPECIAL
    numeric = _NUMERIC_START
    int_match = _INT.match
    missing = _MISSING
    intern = sys.intern  # keys repeat in every scene: one string each

    try:
        while True:
            ev = get()
            if ev is None:
                break
            cls = ev.__class__
            if cls is _ScalarEvent:
                if ev.tag is not None:
                    raise _tag_error(path, ev)
                expanded += 1
                if top is not None and top[8] and top[3] is None:  # a key: keys stay text
                    value: Any = intern(ev.value)
                    if ev.anchor is not None:
                        if not aliases:
                            raise _no_anchor(path, ev)
                        anchors[ev.anchor] = (value, 1)
                    if value in top[0]:
                        if not top[9]:
                            raise _NeedAllMarks
                        first = position(top[1][value][0])
                        raise _fail(path, position(ev.start_mark), "E008",
                                    f'duplicate key "{value}" (first at line {first[0]})',
                                    "each key may appear once in a mapping; merge or rename one of them")
                    top[3] = value
                    top[4] = ev.start_mark
                else:
                    style = ev.style
                    value = ev.value
                    if not style:  # plain: '' from the C parser, None from the Python one
                        style = None
                        got = special.get(value, missing)
                        if got is not missing:
                            value = got
                        elif value and value[0] in numeric and int_match(value):
                            value = int(value)
                    if ev.anchor is not None:
                        if not aliases:
                            raise _no_anchor(path, ev)
                        anchors[ev.anchor] = (value, 1)
                    if top is None:
                        result, have_result = value, True
                        doc.root = position(ev.start_mark)
                    elif top[8]:
                        key = top[3]
                        top[0][key] = value
                        if top[9]:
                            top[1][key] = (top[4], ev.start_mark)
                            if style is not None:
                                top[2][key] = style
                        top[3] = None
                    else:
                        top[0].append(value)
                        if top[9]:
                            top[1].append(ev.start_mark)
            elif cls is _MappingStartEvent or cls is _SequenceStartEvent:
                if ev.tag is not None:
                    raise _tag_error(path, ev)
                if len(stack) >= MAX_DEPTH:
                    raise _fail(path, position(ev.start_mark), "E005", f"nesting is deeper than {MAX_DEPTH} levels",
                                "flatten the structure")
                if top is not None and top[8] and top[3] is None:
                    raise _fail(path, position(ev.start_mark), "E010", "a key must be a plain word or string",
                                "write the key as text, not a list or mapping")
                expanded += 1
                if ev.anchor is not None and not aliases:
                    raise _no_anchor(path, ev)
                keep = len(stack) < deep
                if cls is _MappingStartEvent:
                    container: Any = {}
                    table: Any = {} if keep else None
                    style_table: Any = {} if keep else None
                    if keep:
                        styles[id(container)] = style_table
                    top = [container, table, style_table, None, None, ev.anchor, expanded, ev.start_mark, True, keep]
                else:
                    container, table = [], [] if keep else None
                    top = [container, table, None, None, None, ev.anchor, expanded, ev.start_mark, False, keep]
                stack.append(top)
                if keep:
                    marks[id(container)] = table
            elif cls is _MappingEndEvent or cls is _SequenceEndEvent:
                frame = stack.pop()
                top = stack[-1] if stack else None
                value = frame[0]
                if frame[5] is not None:
                    anchors[frame[5]] = (value, expanded - frame[6] + 1)
                _attach(top, value, frame[7])
                if top is None:
                    result, have_result = value, True
                    doc.root = position(frame[7])
                continue
            elif cls is _AliasEvent:
                if not aliases:
                    raise _no_anchor(path, ev)
                alias_count += 1
                if ev.anchor not in anchors:
                    raise _fail(path, position(ev.start_mark), "E012", f'unknown alias "*{ev.anchor}"',
                                "define the anchor (&name) before using it")
                value, size = anchors[ev.anchor]
                expanded += size
                if alias_count > MAX_ALIASES or expanded > MAX_EXPANDED:
                    raise _fail(path, position(ev.start_mark), "E006",
                                f"too many aliases (more than {MAX_ALIASES}, or expanding past "
                                f"{MAX_EXPANDED:,} values)", "write the values out instead of aliasing them")
                if top is not None and top[8] and top[3] is None:
                    raise _fail(path, position(ev.start_mark), "E010", "a key must be a plain word or string",
                                "write the key as text, not a list, mapping or alias")
                if top is None:
                    result, have_result = value, True
                    doc.root = position(ev.start_mark)
                else:
                    _attach(top, value, ev.start_mark)
            elif cls is _DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _fail(path, position(ev.start_mark), "E009", "the file holds several YAML documents",
                                "keep one document per file; remove the '---' separators or split the file")
                continue
            else:
                continue
            if expanded > MAX_EXPANDED:
                raise _fail(path, position(ev.start_mark), "E006", f"the file holds more than {MAX_EXPANDED:,} values",
                            "split it into several files")
    except yaml.MarkedYAMLError as exc:
        pm = exc.problem_mark or exc.context_mark
        where = (pm.line + 1, pm.column + 1) if pm is not None else _last(ev)
        msg = (exc.problem or exc.context or "invalid YAML").strip()
        if "nesting" in msg and ("depth" in msg or "level" in msg):  # libyaml's own nesting limit
            raise _fail(path, where, "E005", f"nesting is deeper than {MAX_DEPTH} levels",
                        "flatten the structure") from None
        said, fix = _plain_words(msg, exc.context or "", text, where[0])
        raise _fail(path, where, "E004", f"{said} (YAML: {msg})", fix) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked libyaml errors
        raise _fail(path, _last(ev), "E004", f"YAML syntax: {exc}", "check the file's syntax") from None
    except (RecursionError, MemoryError):  # pragma: no cover - defensive: the limits above prevent these
        raise _fail(path, _last(ev), "E005", "the file is too deeply nested or too large to read",
                    "simplify the file") from None
    finally:
        loader.dispose()
    if not have_result:
        result = None
    doc.value = result
    return doc


# what the YAML reader's complaints mean in an author's terms, and the fix: (words in the
# problem, words in the context or "", message, hint); the first row that matches is used
_PLAIN: tuple[tuple[str, str, str, str], ...] = (
    ("mapping values are not allowed", "", "a colon followed by a space inside text that is not in quotes",
     'put the text in quotes ("..."), or write it as a block: `text: >` with the text on the lines below'),
    ("could not find expected ':'", "", "a line here is neither `key: value` nor part of a quoted text",
     "a text over several lines needs quotes or a block (`text: >`); otherwise check the indentation"),
    ("found character '\\t'", "", "a tab character", "indent with spaces, not tabs"),
    ("found a tab character", "", "a tab character", "indent with spaces, not tabs"),
    ("found unexpected end of stream", "quoted scalar", "a quote that is never closed",
     "close the quote at the end of the text"),
    ("found unknown escape character", "", "an unknown escape after a backslash in double quotes",
     "write \\\\ for a backslash, or use single quotes"),
    ("did not find expected ',' or ']'", "", "a `[` opens a YAML list here",
     "put text that starts with `[` in quotes"),
    ("did not find expected ',' or '}'", "", "a `{` opens a YAML mapping here",
     'put text that starts with `{` in quotes (a text template: "{if ...}...")'),
    ("did not find expected key", "", "this line is not lined up with the keys around it",
     "indent it like the other keys of the same block, or quote a text that runs over several lines"),
    ("did not find expected '-' indicator", "", "a list item is not lined up with the others",
     "start every item of the list with `- ` at the same indentation"),
    ("expected <block end>", "", "this line is not lined up with the keys around it",
     "indent it like the other keys of the same block"),
    ("found character that cannot start any token", "", "text that starts with a character YAML reserves",
     "put the text in quotes"),
    ("found undefined", "", "an alias to an anchor that does not exist", "write the value out in full"),
)


_FLOW_START = re.compile(r"^\s*(?:- )?(?:[^\s:#][^:#]*:\s+)?[\[{]")


def _plain_words(problem: str, context: str, text: str = "", line: int = 0) -> tuple[str, str]:
    lines = text.split("\n", line)[line - 1:line] if line else []
    if any(ln[:len(ln) - len(ln.lstrip())].count("\t") for ln in lines):
        return "a tab character", "indent with spaces, not tabs"
    if any(_FLOW_START.match(ln) for ln in lines):
        return ("a text that starts with `{` or `[` is read by YAML as a mapping or a list",
                'put the whole text in quotes, e.g. text: "{if calm}...{end}"')
    for words, where, said, fix in _PLAIN:
        if words in problem and where in context:
            return said, fix
    return "YAML syntax error", "check indentation, colons and quotes on this line and the one before"


def _last(ev: Any) -> Mark:
    return (1, 1) if ev is None else position(ev.start_mark)


def _attach(top: list[Any] | None, value: Any, mark: Any) -> None:
    """Attach a finished mapping or sequence, or an alias's value, to the frame below it."""
    if top is None:
        return
    if not top[8]:
        top[0].append(value)
        if top[9]:
            top[1].append(mark)
        return
    key = top[3]
    top[0][key] = value
    if top[9]:
        top[1][key] = (top[4], mark)
    top[3] = None
