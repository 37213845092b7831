"""Every problem in one run: a scenario with a dozen different mistakes across its files is
checked once, and each mistake is reported at its file, line and column, in the author's
terms, with a fix — errors and warnings together; a file that cannot be parsed hides nothing
else, and references into it are counted in one note instead of being reported as missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.cli import main
from tests.helpers import FIXTURES

# (file, line, column, severity, code, words of the message or hint)
EXPECTED = [
    ("scenario.yaml", 7, 8, "error", "E201", 'did you mean "hall"?'),
    ("scenario.yaml", 11, 32, "error", "E208", "write a whole number"),
    ("scenario.yaml", 13, 3, "warning", "W502", 'variable "spare" is never used'),
    ("scenes/a.yaml", 9, 7, "error", "E344", "add `{end}`"),
    ("scenes/a.yaml", 13, 16, "error", "E401", "it differs at: 7:20 → 7:10"),
    ("scenes/a.yaml", 15, 9, "error", "E402", "add record:"),
    ("scenes/a.yaml", 19, 15, "error", "E309", 'did you mean "resolve"?'),
    # a decision with a historical option whose other options claim nothing (the fidelity lint)
    ("scenes/a.yaml", 21, 15, "error", "E701", "Count the guards"),
    ("scenes/a.yaml", 25, 15, "error", "E701", "Listen at the door"),
    ("scenes/a.yaml", 30, 15, "error", "E701", "Ask the cadets"),
    ("scenes/a.yaml", 22, 15, "error", "E201", 'goto "nowhere"'),
    ("scenes/a.yaml", 23, 22, "error", "E318", "`guards` is a number: compare it with a number"),
    ("scenes/a.yaml", 27, 15, "error", "E315", 'did you mean "visited"?'),
    ("scenes/a.yaml", 28, 22, "error", "E325", "e.g. `warned = true`"),
    ("scenes/a.yaml", 33, 21, "error", "E211", 'did you mean "rabinowitch"?'),
    ("scenes/a.yaml", 42, 5, "warning", "W506", 'ending "late" has no debrief'),
    ("scenes/b.yaml", 6, 25, "error", "E004", "put the text in quotes"),
    ("scenes/c.yaml", 3, 11, "error", "E013", "write the value out in full"),
    ("scenes/b.yaml", 0, 0, "note", "N001", "1 reference(s) to a scene of a file that could not be read"),
]


@pytest.fixture
def twelve(tmp_path: Path) -> Path:
    dest = tmp_path / "twelve"
    shutil.copytree(FIXTURES / "twelve", dest)
    return dest


def test_every_mistake_is_reported_in_one_run(twelve: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(twelve), "--format", "json"]) == 1
    import json

    got = json.loads(capsys.readouterr().out)["diagnostics"]
    rows = {(Path(d["path"]).relative_to(twelve).as_posix(), d["line"], d["column"], d["severity"], d["code"]): d
            for d in got}
    for file, line, col, severity, code, words in EXPECTED:
        d = rows.get((file, line, col, severity, code))
        assert d is not None, (file, line, col, code, sorted(rows))
        assert words in d["message"] + " " + d["hint"], d
        assert d["hint"], d
    assert len(got) == len(EXPECTED), sorted(rows)
    # the goto into the unreadable b.yaml is not "no such scene"; `guards`, declared with a bad
    # initial value, is still declared (no "unknown variable" follows)
    assert not any('"corridor"' in d["message"] for d in got)
    assert not any("unknown variable `guards`" in d["message"] for d in got)
    assert len({d["path"] for d in got}) == 4  # scenario.yaml and three scene files


def test_the_text_summary_counts_errors_warnings_and_notes_apart(twelve: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(twelve)]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().endswith("16 error(s), 2 warning(s)")
    assert "a.yaml:19:15: error E309: unknown variable `resolv`\n    hint: did you mean \"resolve\"?" in out
