"""The incremental check (the language server's memos): after every edit, `analyze` and `lint` with the memos
the server keeps give exactly what they give without them — the same diagnostics, hints included — and the
quick `did_you_mean` gives exactly difflib's answer."""

from __future__ import annotations

import difflib
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.base.diagnostics import did_you_mean
from engine.build import compiler
from engine.build.compiler import analyze
from engine.tools.lint import lint
from tests.helpers import SCENARIOS


def everything(folder: Path, memo: dict[Any, Any] | None = None,
               lint_memo: dict[Any, Any] | None = None) -> list[tuple[str, str]]:
    """Every diagnostic of `chronicle check` for the folder, with its hint."""
    analysis = analyze(folder, file_memo=memo)
    found = list(analysis.diagnostics)
    if analysis.ir is not None or analysis.partial is not None:
        found += lint(folder, analysis, lint_memo)
    return [(d.format(), d.hint) for d in found]


def test_with_the_memos_every_edit_gives_what_a_fresh_check_gives(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "RACY_NS", -(1 << 62))  # files read once are kept at once (times checked)
    folder = tmp_path / "malachite_hall"
    shutil.copytree(SCENARIOS / "malachite_hall", folder, ignore=shutil.ignore_patterns("plans"))
    shutil.copy(SCENARIOS / "scenario.schema.json", tmp_path)
    scenes = folder / "scenes"
    evening, afternoon, night, meta = scenes / "evening.yaml", scenes / "afternoon.yaml", scenes / "night.yaml", \
        folder / "scenario.yaml"
    original = {p: p.read_text(encoding="utf-8") for p in (evening, afternoon, night, meta)}

    def write(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        st = path.stat()  # a new modification time even within the clock's step
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))

    def sub(path: Path, pattern: str, new: str, count: int = 1) -> Callable[[], None]:
        def edit() -> None:
            text, n = re.subn(pattern, new, path.read_text(encoding="utf-8"), count=count)
            assert n, pattern
            write(path, text)
        return edit

    def restore() -> None:
        for path, text in original.items():
            if path.read_text(encoding="utf-8") != text:
                write(path, text)

    edits: list[tuple[str, Callable[[], None]]] = [
        ("a wrong goto", sub(evening, "goto: supper", "goto: suppr")),
        ("fixed", sub(evening, "goto: suppr", "goto: supper")),
        ("a file that stops parsing", sub(evening, "    title: ", "    title: Twenty: minutes ")),
        ("repaired", restore),
        ("a scene id other files goto, renamed", sub(evening, r"\n  artillery_leaves:\n", "\n  guns_leave:\n")),
        ("their gotos follow", sub(afternoon, "goto: artillery_leaves", "goto: guns_leave", 0)),
        ("repaired", restore),
        ("a condition always true", sub(evening, r"when: .*", "when: 1 == 1")),
        ("an unknown variable", sub(evening, r"when: .*", "when: resolv > 2")),
        ("repaired", restore),
        ("a debrief removed", sub(afternoon, r"      debrief: >-\n(        .*\n)+", "")),
        ("every scene invented", sub(night, r"(\n  [a-z_]+:\n)(    title:)", r'\1    invented: "ours"\n\2', 0)),
        ("times that the texts contradict", sub(evening, r'time: "\d\d:\d\d"', 'time: "03:00"', 0)),
        ("repaired", restore),
        ("a variable never used",
         sub(meta, "variables:\n", "variables:\n  never_used:\n    type: int\n    initial: 0\n")),
        ("the historical path broken", sub(night, "historical: true", "neutral: true", 0)),
        ("scenario.yaml broken", sub(meta, "title:", "title: a: b")),
        ("repaired", restore),
    ]
    memo: dict[Any, Any] = {}
    lint_memo: dict[Any, Any] = {}
    assert everything(folder, memo, lint_memo) == everything(folder)
    seen = set()
    for name, edit in edits:
        edit()
        fresh = everything(folder)
        assert everything(folder, memo, lint_memo) == fresh, name
        seen.update(code for line, _ in fresh for code in re.findall(r" ([EWN]\d{3}):", line))
    assert {"E201", "E004", "N001", "W509", "E309", "W506", "E702", "W513", "W502", "W510"} <= seen


def test_did_you_mean_is_difflibs_answer() -> None:
    rng = random.Random(1917)
    for _ in range(300):
        alphabet = rng.choice(["ab", "abc_", "abcdef0123_", "s0123456789"])
        pool = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(rng.randint(1, 400))]
        for _ in range(10):
            word = rng.choice(pool) if rng.random() < 0.3 else \
                "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
            close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
            assert did_you_mean(word, pool) == (f'did you mean "{close[0]}"?' if close else ""), (word, pool)
    ids = [f"s{i:05d}" for i in range(1000)]
    assert did_you_mean("s00123x", ids) == 'did you mean "s00123"?'
