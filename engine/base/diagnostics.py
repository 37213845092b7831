"""Diagnostics: every problem an author can cause, with file, line, column, code and a hint.

Like YarnSpinner's compiler, Chronicle collects diagnostics instead of stopping at the
first one; `ChronicleError` carries all of them when loading cannot go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import FrozenInstanceError
from typing import Literal

Severity = Literal["error", "warning", "note"]  # a note: what was not checked, and why


_set = object.__setattr__  # how a frozen class sets its fields in __init__


class Diagnostic:
    """One problem found in a scenario: where it is, its code, its severity and what it says.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__`, ordering
    and frozen-ness (the hint is shown but neither compared nor hashed): creating a dataclass costs start-up
    time (issue 16)."""

    __match_args__ = ("path", "line", "column", "severity", "code", "message", "hint")
    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based
    severity: Severity
    code: str
    message: str
    hint: str

    def __init__(self, path: str, line: int, column: int, severity: Severity, code: str, message: str,
                 hint: str = "") -> None:
        _set(self, "path", path)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "severity", severity)
        _set(self, "code", code)
        _set(self, "message", message)
        _set(self, "hint", hint)

    def _key(self) -> tuple[str, int, int, str, str, str]:
        return (self.path, self.line, self.column, self.severity, self.code, self.message)

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(path={self.path!r}, line={self.line!r}, column={self.column!r}, "
                f"severity={self.severity!r}, code={self.code!r}, message={self.message!r}, hint={self.hint!r})")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Diagnostic)
        return self._key() == other._key()

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

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

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


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ' Did you mean "x"?' for the closest candidate, or ''."""
    import difflib  # only when a name was not found

    pool = [c for c in candidates if isinstance(c, str)]
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else ""


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
