"""A small VT100 screen for tests: feed it a full-screen app's output, read the screen as text.

A differential renderer (prompt_toolkit's) writes only what changed, with cursor movements
in between, so a pseudo-terminal's raw output cannot be searched for words. This emulator
keeps the grid of characters the way a terminal would, for the sequences such apps use:
printable text with auto-wrap, CR, LF, BS, TAB, CSI cursor moves (A B C D E F G H f d),
erase in display and line (J K), insert/delete/erase characters (@ P X), scroll regions
(r), and it ignores SGR, modes, OSC and other strings. Enough to check what a player sees.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"\x1b\[([0-?]*)([ -/]*)([@-~])"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC and other strings
    r"|\x1b[()][0-~]"  # charset designation
    r"|\x1b[ -/]*[0-~]"  # other escapes
    r"|[\x00-\x1f]"  # C0 controls
    r"|[^\x00-\x1f\x1b]+"  # text
)


class Screen:
    def __init__(self, rows: int, columns: int) -> None:
        self.rows, self.columns = rows, columns
        self.grid = [[" "] * columns for _ in range(rows)]
        self.x = self.y = 0
        self.top, self.bottom = 0, rows - 1
        self.pending_wrap = False
        self._tail = ""

    # --- reading ---

    @property
    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.grid]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def __contains__(self, needle: str) -> bool:
        return needle in self.text

    # --- writing ---

    def feed(self, data: str) -> None:
        data = self._tail + data
        self._tail = ""
        # keep an incomplete escape sequence for the next feed
        cut = data.rfind("\x1b")
        if cut >= 0 and not _TOKEN.match(data, cut):
            data, self._tail = data[:cut], data[cut:]
        pos = 0
        while pos < len(data):
            m = _TOKEN.match(data, pos)
            if m is None:  # a lone ESC that matches nothing: drop it
                pos += 1
                continue
            pos = m.end()
            tok = m.group()
            if m.group(3) is not None:
                self._csi(m.group(1), m.group(3))
            elif tok[0] == "\x1b":
                continue
            elif len(tok) == 1 and tok < " ":
                self._control(tok)
            else:
                self._text(tok)

    def _text(self, text: str) -> None:
        for ch in text:
            if self.pending_wrap:
                self.x = 0
                self._linefeed()
                self.pending_wrap = False
            self.grid[self.y][self.x] = ch
            if self.x == self.columns - 1:
                self.pending_wrap = True
            else:
                self.x += 1

    def _linefeed(self) -> None:
        if self.y == self.bottom:
            del self.grid[self.top]
            self.grid.insert(self.bottom, [" "] * self.columns)
        elif self.y < self.rows - 1:
            self.y += 1

    def _control(self, ch: str) -> None:
        self.pending_wrap = False if ch in "\r\n\b" else self.pending_wrap
        if ch == "\r":
            self.x = 0
        elif ch == "\n":
            self._linefeed()
        elif ch == "\b":
            self.x = max(0, self.x - 1)
        elif ch == "\t":
            self.x = min(self.columns - 1, (self.x // 8 + 1) * 8)

    def _csi(self, params: str, final: str) -> None:
        private = params.startswith("?") or params.startswith(">")
        nums = [int(p) if p.isdigit() else 0 for p in params.lstrip("?>=").split(";")] if params else []

        def arg(i: int, default: int = 1) -> int:
            return nums[i] if i < len(nums) and nums[i] else default

        self.pending_wrap = False
        if private or final in "mhlnqtsu":
            return
        if final == "A":
            self.y = max(0, self.y - arg(0))
        elif final == "B":
            self.y = min(self.rows - 1, self.y + arg(0))
        elif final == "C":
            self.x = min(self.columns - 1, self.x + arg(0))
        elif final == "D":
            self.x = max(0, self.x - arg(0))
        elif final == "E":
            self.x, self.y = 0, min(self.rows - 1, self.y + arg(0))
        elif final == "F":
            self.x, self.y = 0, max(0, self.y - arg(0))
        elif final == "G":
            self.x = min(self.columns - 1, arg(0) - 1)
        elif final == "d":
            self.y = min(self.rows - 1, arg(0) - 1)
        elif final in "Hf":
            self.y = min(self.rows - 1, arg(0) - 1)
            self.x = min(self.columns - 1, arg(1) - 1)
        elif final == "J":
            mode = nums[0] if nums else 0
            if mode == 0:
                self.grid[self.y][self.x:] = [" "] * (self.columns - self.x)
                for r in range(self.y + 1, self.rows):
                    self.grid[r] = [" "] * self.columns
            elif mode == 1:
                for r in range(self.y):
                    self.grid[r] = [" "] * self.columns
                self.grid[self.y][: self.x + 1] = [" "] * (self.x + 1)
            else:
                self.grid = [[" "] * self.columns for _ in range(self.rows)]
        elif final == "K":
            mode = nums[0] if nums else 0
            row = self.grid[self.y]
            if mode == 0:
                row[self.x:] = [" "] * (self.columns - self.x)
            elif mode == 1:
                row[: self.x + 1] = [" "] * (self.x + 1)
            else:
                self.grid[self.y] = [" "] * self.columns
        elif final == "X":
            n = min(arg(0), self.columns - self.x)
            self.grid[self.y][self.x: self.x + n] = [" "] * n
        elif final == "P":
            row = self.grid[self.y]
            n = min(arg(0), self.columns - self.x)
            del row[self.x: self.x + n]
            row.extend([" "] * n)
        elif final == "@":
            row = self.grid[self.y]
            n = min(arg(0), self.columns - self.x)
            row[self.x: self.x] = [" "] * n
            del row[self.columns:]
        elif final == "r":
            self.top = arg(0) - 1
            self.bottom = min(self.rows - 1, arg(1, self.rows) - 1)
            self.x = self.y = 0
