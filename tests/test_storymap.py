"""map: Mermaid and DOT text with escaped labels, the historical path thick, endings by kind."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.cli import main
from engine.tools.storymap import dot_text, mermaid_text, to_dot, to_mermaid

TOOLS = Path(__file__).parent / "fixtures" / "tools"


def test_mermaid_structure() -> None:
    text = to_mermaid(load_story(TOOLS / "good"), "hour")
    assert text.startswith("flowchart TD\n")
    # nodes get safe ids (s0..), never the scene ids themselves (a scene called `end` breaks Mermaid)
    assert 's0["12:00 The cabinet meets<br/>#40;noon#41;"]' in text
    assert re.search(r's2\(\[".*"\]\):::historical', text) and re.search(r's3\(\[".*"\]\):::counterfactual', text)
    assert 'subgraph g1["19:00"]' in text
    # the historical path (noon.stay, evening.refuse) is thick; the rest is not
    assert 's0 ==>|"Stay with the cabinet"| s1' in text
    assert 's1 ==>|"Refuse to answer #91;if#93;"| s2' in text
    assert 's0 -->|"Go home"| s3' in text
    assert "linkStyle 0,2 " in text


def test_mermaid_group_by_place() -> None:
    text = to_mermaid(load_story(TOOLS / "good"), "place")
    assert 'subgraph g0["Malachite Hall"]' in text and 'subgraph g2["Millionnaya Street"]' in text


def test_escaping_hostile_labels(tmp_path: Path) -> None:
    folder = tmp_path / "good"
    shutil.copytree(TOOLS / "good", folder)
    day = folder / "scenes" / "day.yaml"
    nasty = 'Say "end" <b>#1</b> | [x] {y} \\\\ ; done'
    day.write_text(day.read_text().replace("title: The cabinet meets", f"title: '{nasty}'"))
    story = load_story(folder)
    m = to_mermaid(story)
    label = next(line for line in m.splitlines() if line.strip().startswith("s0["))
    inner = label.strip()[len('s0["'):-len('"]')]
    assert not any(ch in inner for ch in '"<>|[]{}') or inner.count("<br/>") == 1
    assert "#34;end#34;" in inner and "#60;b#62;" in inner
    d = to_dot(story)
    assert '"noon" [label="12:00 Say \\"end\\" <b>#1</b> | [x] {y} \\\\\\\\ ; done\\n(noon)"' in d


def test_escape_functions() -> None:
    assert mermaid_text('a"b') == "a#34;b"
    assert dot_text('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


def test_dot_structure() -> None:
    text = to_dot(load_story(TOOLS / "good"), "place")
    assert text.startswith('digraph "good" {') and text.rstrip().endswith("}")
    assert 'subgraph "cluster_0"' in text and 'label="Malachite Hall"' in text
    assert '"noon" -> "evening" [label="Stay with the cabinet", penwidth=4' in text
    assert '"noon" -> "home" [label="Go home"];' in text
    assert "shape=doubleoctagon" in text and "shape=octagon" in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_real_graphviz_accepts_the_dot(tmp_path: Path) -> None:
    out = tmp_path / "map.svg"
    assert main(["map", str(TOOLS / "broken"), "--format", "svg", "-o", str(out)]) == 0
    assert "<svg" in out.read_text()


def test_svg_without_graphviz(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["map", str(TOOLS / "good"), "--format", "svg"]) == 1
    err = capsys.readouterr().err
    assert "Graphviz" in err and "--format mermaid" in err and "Traceback" not in err


def test_svg_through_a_dot_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A stand-in `dot` on PATH: the DOT text goes in on stdin and its output is written out."""
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nif grep -q 'digraph \"good\"'; then echo '<svg>ok</svg>'; else exit 3; fi\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "m.svg"
    assert main(["map", str(TOOLS / "good"), "--format", "svg", "-o", str(out)]) == 0
    assert out.read_text().strip() == "<svg>ok</svg>"
    fake.write_text("#!/bin/sh\necho 'syntax error' >&2\nexit 1\n")
    assert main(["map", str(TOOLS / "good"), "--format", "svg"]) == 1
    assert "Graphviz failed: syntax error" in capsys.readouterr().err


def test_cli_mermaid_to_file(tmp_path: Path) -> None:
    out = tmp_path / "map.mmd"
    assert main(["map", str(TOOLS / "good"), "-o", str(out)]) == 0
    assert out.read_text() == to_mermaid(load_story(TOOLS / "good"))
