"""The safe YAML reader: limits enforced before objects are built, every error located."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.base.diagnostics import ChronicleError
from engine.format import safeyaml


def error_of(data: bytes | str) -> tuple[str, int, int]:
    with pytest.raises(ChronicleError) as info:
        safeyaml.load(data, "f.yaml")
    d = info.value.diagnostics[0]
    assert d.path == "f.yaml" and d.severity == "error"
    return d.code, d.line, d.column


def test_values_and_marks() -> None:
    doc = safeyaml.load("a: 1\nb:\n  - x\n  - {c: true}\n", "f.yaml")
    assert doc.value == {"a": 1, "b": ["x", {"c": True}]}
    assert doc.mark(("a",)) == (1, 4)
    assert doc.mark(("b", 1, "c")) == (4, 9)
    assert doc.mark(("b",), key=True) == (2, 1)
    assert doc.mark(("nope", "deeper")) == (1, 1)


def test_yaml11_surprises_stay_text() -> None:
    doc = safeyaml.load('a: [no, on, yes, off, 12:30, 1.10, 1917-10-25, 0x1f, "7"]\n')
    assert doc.value["a"] == ["no", "on", "yes", "off", "12:30", "1.10", "1917-10-25", "0x1f", "7"]
    assert safeyaml.load("a: [true, false, ~, null, 42, -3]").value["a"] == [True, False, None, None, 42, -3]


def test_quoted_style_recorded() -> None:
    doc = safeyaml.load("a: 'x'\nb: y\n")
    assert doc.style(("a",)) == "'" and doc.style(("b",)) is None


@pytest.mark.parametrize(
    "data, code, line",
    [
        (b"x" * (safeyaml.MAX_BYTES + 1), "E001", 1),
        (b"a: 1\nb: \xff\n", "E002", 2),
        (b"a: 1\nb: x\x00\n", "E003", 2),
        (b"a: 1\nb: \x1b[31m\n", "E003", 2),
        (b"a: [1,\n", "E004", 2),
        (b"a: 1\na: 2\n", "E008", 2),
        (b"a: !!python/object:os.system x\n", "E007", 1),
        (b"a: !!str x\n", "E007", 1),
        (b"a: !custom {b: 1}\n", "E007", 1),
        (b"a: 1\n---\nb: 2\n", "E009", 2),
        (b"? [a, b]\n: 1\n", "E010", 1),
        (b"a: *nowhere\n", "E012", 1),
    ],
)
def test_hostile_files_give_located_errors(data: bytes, code: str, line: int) -> None:
    got = error_of(data)
    assert got[0] == code
    assert got[1] == line


def test_bom_and_crlf_are_fine() -> None:
    assert safeyaml.load(b"\xef\xbb\xbfa: 1\r\nb: 2\r\n").value == {"a": 1, "b": 2}


def test_alias_bomb_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    assert error_of("\n".join(lines))[0] == "E006"  # refused by count, before anything is expanded


def test_many_aliases_refused() -> None:
    data = "a: &a x\nb: [" + ", ".join(["*a"] * (safeyaml.MAX_ALIASES + 1)) + "]\n"
    assert error_of(data)[0] == "E006"


def test_nesting_limit() -> None:
    ok = "[" * 64 + "]" * 64
    safeyaml.load(ok)
    assert error_of("[" * 65 + "]" * 65)[0] == "E005"


_DEEP = """
import sys
from engine.format import safeyaml
from engine.base.diagnostics import ChronicleError
n, style = int(sys.argv[1]), sys.argv[2]
if style == "flow":
    data = b"[" * n
elif style == "map":
    data = b"{a: " * n
else:
    parts, size = [], 0
    for i in range(n):
        line = b"  " * i + b"- \\n"
        size += len(line)
        if size > safeyaml.MAX_BYTES + 10:
            break
        parts.append(line)
    data = b"".join(parts)
try:
    safeyaml.load(data, "deep.yaml")
except ChronicleError as e:
    d = e.diagnostics[0]
    print(d.code, d.line, d.column)
"""


@pytest.mark.parametrize("n", [1_000, 25_000, 1_000_000])
@pytest.mark.parametrize("style", ["flow", "map", "block"])
def test_deep_nesting_never_crashes(n: int, style: str) -> None:
    """Run in a subprocess: a crash (segfault) would show as a non-zero exit."""
    proc = subprocess.run([sys.executable, "-c", _DEEP, str(n), style], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr
    code, line, _col = proc.stdout.split()
    assert code in ("E005", "E001")
    assert int(line) >= 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("problem", ["exceeded maximum nesting depth", "maximum nesting level exceeded"])
def test_libyaml_nesting_limit_is_a_depth_error(monkeypatch: pytest.MonkeyPatch, problem: str) -> None:
    """Whatever libyaml's own nesting limit says, the author sees E005 at its line, not a syntax error."""
    import yaml

    class Limited:
        def __init__(self, text: str) -> None:
            pass

        def get_event(self) -> None:
            mark = yaml.Mark("<unicode string>", 0, 6, 3, None, None)
            raise yaml.scanner.ScannerError("while increasing flow level", mark, problem, mark)

        def dispose(self) -> None:
            pass

    monkeypatch.setattr(safeyaml, "_Loader", Limited)
    with pytest.raises(ChronicleError) as info:
        safeyaml.load("[[[[", "deep.yaml")
    d = info.value.diagnostics[0]
    assert (d.code, d.line, d.column) == ("E005", 7, 4)
    assert "nesting is deeper than" in d.message
