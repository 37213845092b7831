"""The one terminal writer: every byte a command writes to stdout or stderr goes through it.

`chronicle` (engine.cli.main) installs a `SafeWriter` over `sys.stdout` and `sys.stderr` before
it runs any command, so a plain `print()` in a command, an argparse message, a warning or even a
traceback is scrubbed: escape sequences (CSI, OSC such as clipboard writes, DCS ...), C0 and C1
control characters, BEL and the bidirectional overrides and isolates are removed; newline and tab
are kept. A new command cannot forget it, because it never sees the raw stream.

Two callers draw on a terminal on purpose and take the raw stream with `raw()`: the full-screen
game (prompt_toolkit) and the coloured class report (rich). Both build their output from text that
has been `clean()`ed piece by piece; only their own styling sequences reach the terminal.

Machine formats are escaped for their format where they are made (JSON by `json.dumps`, DOT,
Mermaid and SVG in engine.tools.storymap); the writer is the last guard, not the only one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from engine.base.safe_text import scrub

__all__ = ["SafeWriter", "guarded", "install", "raw", "scrub"]


class SafeWriter:
    """A text stream that scrubs everything written to it and passes the rest to `inner`."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    @property
    def inner(self) -> TextIO:
        return self._inner

    def write(self, text: str) -> int:
        self._inner.write(scrub(text))
        return len(text)  # what the caller gave: print() and io expect that count

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._inner.flush()

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding, reconfigure, buffer ...
        if name == "buffer":  # raw bytes would pass the scrubber: there is none
            raise AttributeError("a SafeWriter has no byte buffer; write text")
        return getattr(self._inner, name)


def raw(stream: TextIO | SafeWriter) -> TextIO:
    """The stream under the writer (for the full-screen game and the coloured report only)."""
    while isinstance(stream, SafeWriter):
        stream = stream.inner
    return stream


def install() -> tuple[TextIO, TextIO]:
    """Put a SafeWriter over sys.stdout and sys.stderr; returns the streams that were there."""
    before = (sys.stdout, sys.stderr)
    if sys.stdout is not None and not isinstance(sys.stdout, SafeWriter):
        sys.stdout = SafeWriter(sys.stdout)
    if sys.stderr is not None and not isinstance(sys.stderr, SafeWriter):
        sys.stderr = SafeWriter(sys.stderr)
    return before


@contextmanager
def guarded() -> Iterator[None]:
    """sys.stdout and sys.stderr scrubbed for the duration (what cli.main runs every command in)."""
    out, err = install()
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        sys.stdout, sys.stderr = out, err
