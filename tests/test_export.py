"""Transcript and worksheet exports, through the real CLI, on the classroom fixtures."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.classroom.document import Bullets, Document, Para, Quote, Table, md, to_markdown
from engine.cli import main

CLASSROOM = Path(__file__).resolve().parent / "fixtures" / "classroom"
CLASS = CLASSROOM / "class"
DMITRI = CLASS / "20240305-100400-dmitri-orlov-lesson.jsonl"
ELENA = CLASS / "20240305-100500-elena-script-alert-name-script-lesson.jsonl"
HANNA = CLASS / "20240305-100800-hanna-berg-lesson.jsonl"
GRIGORY = CLASS / "20240305-100700-grigory-sokolov-lesson.jsonl"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_safe(html: str) -> tuple[Page, str]:
    page = Page()
    page.feed(html)
    page.close()
    assert not {"script", "img", "iframe", "link", "object", "embed"} & set(page.tags)
    for tag, key, value in page.attrs:
        assert not key.startswith("on") and key not in ("src", "href", "srcset"), (tag, key)
        assert "http" not in (value or "") and "//" not in (value or "")
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html
    return page, " ".join("".join(page.text).split())


def test_transcript_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "export", "transcript", str(DMITRI), "--scenarios", str(CLASSROOM))
    assert code == 0 and err == ""
    assert out.startswith("# Night in the Winter Palace: the playthrough of Dmitri Orlov\n")
    assert "- **Student:** Dmitri Orlov" in out and "- **Class:** 7B" in out
    assert "- **Started:** 2024-03-05 10:04" in out
    # every scene of the final path, in order, and the undone choice is not there
    titles = re.findall(r"^### (.+)$", out, re.MULTILINE)
    assert titles[:5] == ["Twenty minutes to answer", "The Aurora", "The door opens", "A last stand",
                          "Ending: A last stand *(counterfactual)*"]
    assert "Slip out through the east wing" not in out
    assert "Chose: Order the cadets to fight (counterfactual: this did not happen) — decided in 4 s" in out
    # citations with their places in the record
    assert "> — Rabinowitch, The Bolsheviks Come to Power (1976), ch. 15, paragraph 44" in out
    assert "> — Pearson, The Sealed Train (1975), ch. 16, paragraph" in out
    # the debrief: the departure, what happened, its citation; disputes; questions; sources
    debrief = out.split("## Debrief", 1)[1]
    assert "2 of 3 decisions matched what really happened." in debrief
    assert "### Decision 3: The door opens" in debrief
    assert "What really happened: Tell the cadets to lay down their arms" in debrief
    assert "defense was useless and sacrifices aimless" in debrief
    assert "What the Aurora fired, and when (The Aurora)" in debrief
    assert "1. Why did the ministers stay in the palace after the ultimatum?" in debrief
    assert "\\<script\\>alert(\"q\")\\</script\\>" in debrief and "<script>" not in out
    sources = out.split("## Sources", 1)[1]
    assert "Alexander Rabinowitch, The Bolsheviks Come to Power" in sources and "Pearson" in sources


def test_transcript_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elena.html"
    code, out, err = run_cli(capsys, "export", "transcript", str(ELENA), "--format", "html",
                             "--scenarios", str(CLASSROOM), "-o", str(target))
    assert code == 0 and out == "" and "wrote" in err
    html = target.read_text(encoding="utf-8")
    page, text = parse_safe(html)
    assert 'the playthrough of Elena <script>alert("name")</script>' in text  # shown, as text
    assert "At every decision this playthrough followed the historical path." in text
    assert "3 of 3 decisions matched what really happened." in text
    assert page.tags.count("blockquote") >= 6
    assert "Ending: Arrest" in text and "historical" in text


def test_transcript_damaged_and_old(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "export", "transcript", str(HANNA), "--scenarios", str(CLASSROOM))
    assert code == 0 and "cut short" in err
    assert "incomplete or damaged" in out and "The game was stopped here, before an ending." in out
    assert "Chose: Wait in the hall with the others" in out  # what the file still holds
    code, out, err = run_cli(capsys, "export", "transcript", str(GRIGORY), "--scenarios", str(CLASSROOM))
    assert code == 0 and "another version of the scenario" in out


def test_transcript_that_is_not_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text("hello\n")
    code, out, err = run_cli(capsys, "export", "transcript", str(junk))
    assert code == 1 and out == "" and "cannot use" in err and "Traceback" not in err
    code, out, err = run_cli(capsys, "export", "transcript", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "cannot use" in err


def test_worksheet_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "export", "worksheet", str(CLASSROOM / "lesson"))
    assert code == 0
    assert out.startswith("# Worksheet: Night in the Winter Palace\n")
    assert "**Name:** ________________" in out
    assert "- **You are:** A minister of the Provisional Government" in out
    assert "- **Date:** 25 October 1917 (7 November N.S.)" in out
    timeline = out.split("## Timeline", 1)[1].split("##", 1)[0]
    rows = [r for r in timeline.splitlines() if r.startswith("| ") and "When" not in r]
    assert [r.split(" | ")[0] for r in rows] == [
        "| 25 October 1917 (7 November N.S.), 19:00", "| 25 October 1917 (7 November N.S.), 21:40",
        "| 26 October 1917 (8 November N.S.), 01:50", "| 26 October 1917 (8 November N.S.), 02:10"]
    passages = out.split("## Key passages from the record", 1)[1].split("## Decisions", 1)[0]
    assert passages.count("> — Rabinowitch, The Bolsheviks Come to Power (1976), ch. 15, paragraph") == 4
    decisions = out.split("## Decisions", 1)[1].split("## Questions", 1)[0]
    assert decisions.count("What would you do, and why?") == 3
    assert "Surrender at once \\<img src=x onerror=alert(1)\\>" in decisions
    assert "what really happened" not in decisions.lower()  # the worksheet does not give it away
    assert "Why did the ministers stay in the palace" in out.split("## Questions for discussion", 1)[1]


def test_worksheet_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "export", "worksheet", "lesson", "--format", "html",
                             "--scenarios", str(CLASSROOM))
    assert code == 0
    page, text = parse_safe(out)
    assert "Surrender at once <img src=x onerror=alert(1)>" in text
    assert text.count("What would you do, and why?") == 3
    assert page.tags.count("blockquote") == 4 and page.tags.count("table") == 1
    code, _, err = run_cli(capsys, "export", "worksheet", "no_such_scenario")
    assert code == 1 and "no scenario" in err


def test_markdown_escaping() -> None:
    assert md("<b>x</b> *y* [a](b) | `c`") == "\\<b\\>x\\</b\\> \\*y\\* \\[a\\](b) \\| \\`c\\`"
    assert md("1. one") == "1\\. one" and md("- dash") == "\\- dash" and md("# head") == "\\# head"
    assert md("line\nbreak") == "line break"
    doc = Document("T <i>", [Para("<script>x</script>"), Quote("“already quoted”", "ref"),
                             Bullets(["a|b"]), Table(["h"], [["x|y"]])])
    out = to_markdown(doc)
    assert "<" not in out.replace("\\<", "")
    assert "> “already quoted”" in out and "““" not in out


def test_transcript_shows_what_is_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copytree(CLASSROOM / "lesson", tmp_path / "lesson")
    scenes = tmp_path / "lesson" / "scenes" / "night.yaml"
    text = scenes.read_text(encoding="utf-8")
    scenes.write_text(text.replace("  bloodshed:\n", "  bloodshed:\n    invented: the last stand and its dead\n", 1),
                      encoding="utf-8")
    code, out, err = run_cli(capsys, "export", "transcript", str(DMITRI), "--scenarios", str(tmp_path))
    assert code == 0, err
    scene = out.split("### A last stand", 1)[1].split("###", 1)[0]
    assert "*Ours, not the record's: the last stand and its dead*" in scene
    debrief = out.split("## Debrief", 1)[1]
    assert "### What was ours on this path (invented, not in the record)" in debrief
    assert "A last stand: the last stand and its dead" in debrief
