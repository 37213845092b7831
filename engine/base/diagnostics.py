"""Diagnostics: every problem an author can cause, with file, line, column, code and a hint.

Like YarnSpinner's compiler, Chronicle collects diagnostics instead of stopping at the
first one; `ChronicleError` carries all of them when loading cannot go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from engine.base.valueclass import FrozenValueClass, set_field

Severity = Literal["error", "warning", "note"]  # a note: what was not checked, and why


class Diagnostic(FrozenValueClass):
    """One problem found in a scenario: where it is, its code, its severity and what it says.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__`, ordering
    and frozen-ness (the hint is shown but neither compared nor hashed): creating a dataclass costs start-up
    time (issue 16)."""

    __match_args__ = ("path", "line", "column", "severity", "code", "message", "hint")
    _uncompared = ("hint",)
    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based
    severity: Severity
    code: str
    message: str
    hint: str

    def __init__(self, path: str, line: int, column: int, severity: Severity, code: str, message: str,
                 hint: str = "") -> None:
        set_field(self, "path", path)
        set_field(self, "line", line)
        set_field(self, "column", column)
        set_field(self, "severity", severity)
        set_field(self, "code", code)
        set_field(self, "message", message)
        set_field(self, "hint", hint)

    def __lt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Diagnostic)
        return self._key() < other._key()

    def __le__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Diagnostic)
        return self._key() <= other._key()

    def __gt__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Diagnostic)
        return self._key() > other._key()

    def __ge__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Diagnostic)
        return self._key() >= other._key()

    def format(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.severity} {self.code}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


class ChronicleError(Exception):
    """Raised when a scenario, save or transcript cannot be used; carries its diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics) or "unknown error")

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")


CUTOFF = 0.6  # how alike (difflib's ratio) a candidate must be to be suggested
_BAGS: dict[tuple[str, ...], dict[tuple[str, int], frozenset[str]]] = {}  # a few big pools' letter index


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ' Did you mean "x"?' for the closest candidate, or ''.

    Exactly what `difflib.get_close_matches(word, pool, n=1, cutoff=0.6)` gives (the highest ratio, the
    greater text among equals); for a big pool (the scene ids of a large scenario) without comparing every
    candidate: an index of the pool's letters (kept for the last few pools) gives each candidate difflib's
    quick_ratio, an upper bound of its ratio, and candidates are compared best bound first until no bound
    left can beat, or equal, the best ratio found."""
    import difflib  # only when a name was not found

    pool = [c for c in candidates if isinstance(c, str)]
    if len(pool) <= 64:
        close = difflib.get_close_matches(word, pool, n=1, cutoff=CUTOFF)
        return f'did you mean "{close[0]}"?' if close else ""
    best = _closest(word, pool)
    return f'did you mean "{best}"?' if best is not None else ""


def _closest(word: str, pool: list[str]) -> str | None:
    import difflib
    from collections import Counter

    key = tuple(pool)
    index = _BAGS.get(key)
    if index is None:
        found: dict[tuple[str, int], set[str]] = {}
        for c in set(pool):
            for letter, n in Counter(c).items():
                for k in range(1, n + 1):
                    found.setdefault((letter, k), set()).add(c)
        index = {k: frozenset(v) for k, v in found.items()}
        if len(_BAGS) >= 4:
            _BAGS.pop(next(iter(_BAGS)))
        _BAGS[key] = index
    shared: Counter[str] = Counter()
    for letter, n in Counter(word).items():
        for k in range(1, n + 1):
            shared.update(index.get((letter, k), ()))
    la = len(word)
    bounds = []
    for c in set(pool):  # difflib's own arithmetic: 2.0 * matches / (len(a) + len(b)), 1.0 for two empty texts
        bound = 2.0 * shared[c] / (la + len(c)) if la + len(c) else 1.0
        if bound >= CUTOFF:
            bounds.append((bound, c))
    bounds.sort(reverse=True)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    best: tuple[float, str] | None = None
    for bound, c in bounds:
        if best is not None and bound < best[0]:
            break  # no candidate left can reach the best ratio
        matcher.set_seq1(c)
        ratio = matcher.ratio()
        if ratio >= CUTOFF and (best is None or (ratio, c) > best):
            best = (ratio, c)
    return best[1] if best is not None else None


def differing_words(quote: str, passage: str, limit: int = 3, same: Iterable[tuple[str, str]] = ()) -> str:
    """The words where a near-miss quote differs from the passage, e.g. "Fifth → Fourth";
    `same` lists pairs of spellings that are not a difference (a scan's errata)."""
    alike = {(x, y) for p, c in same for x, y in ((p, c), (c, p))}
    strip = ".,;:!?\"'“”‘’()"
    a = [w.strip(strip) for w in quote.split()]
    b = [w.strip(strip) for w in passage.split()]
    import difflib

    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    ops = sm.get_opcodes()
    out = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal" or (tag != "replace" and n in (0, len(ops) - 1)):
            continue  # the passage's window may run on at either end
        if tag == "replace" and j2 - j1 > i2 - i1 and n in (0, len(ops) - 1):
            j1, j2 = (j2 - (i2 - i1), j2) if n == 0 else (j1, j1 + (i2 - i1))
        was, now = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if (was, now) in alike:
            continue
        out.append(f"{was} → {now}" if was and now else f"{was} → (nothing)" if was else f"(missing) → {now}")
    if len(out) > limit:
        out = out[:limit] + ["…"]
    return "; ".join(out)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)
