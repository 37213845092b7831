"""Transcript and worksheet exports, through the real CLI, on the classroom fixtures."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.classroom.document import Bullets, Document, Para, Quote, Table, md, to_markdown
from tests.helpers import CLASSROOM, ROOT, pdf_pages, run_cli

CLASS = CLASSROOM / "class"
DMITRI = CLASS / "20240305-100400-dmitri-orlov-lesson.jsonl"
ELENA = CLASS / "20240305-100500-elena-script-alert-name-script-lesson.jsonl"
HANNA = CLASS / "20240305-100800-hanna-berg-lesson.jsonl"
GRIGORY = CLASS / "20240305-100700-grigory-sokolov-lesson.jsonl"


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
    assert "- **When:** 25 October 1917 (7 November N.S.), 19:00" in out
    timeline = out.split("## Timeline", 1)[1].split("##", 1)[0]
    rows = [r for r in timeline.splitlines() if r.startswith("| ") and "When" not in r]
    assert [r.split(" | ")[0] for r in rows] == [
        "| 25 October 1917 (7 November N.S.), 19:00", "| 21:40",  # the date only when the day changes
        "| 26 October 1917 (8 November N.S.), 01:50", "| 02:10"]
    # the events are told by the record (quotes), not by the scenes' titles
    assert all(" | “" in r for r in rows) and "The Aurora |" not in timeline
    passages = out.split("## Key passages from the record", 1)[1].split("## Decisions", 1)[0]
    assert passages.count("> — Rabinowitch, The Bolsheviks Come to Power (1976), ch. 15, paragraph") == 4
    decisions = out.split("## Decisions", 1)[1].split("## Questions", 1)[0]
    assert decisions.count("\n### ") == 3 and decisions.count("\n____") == 3  # a line to answer each
    assert "Surrender at once \\<img src=x onerror=alert(1)\\>" in decisions
    assert "what really happened" not in decisions.lower()  # the worksheet does not give it away
    assert "Why did the ministers stay in the palace" in out.split("## Questions for discussion", 1)[1]


def test_worksheet_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "export", "worksheet", "lesson", "--format", "html",
                             "--scenarios", str(CLASSROOM))
    assert code == 0
    page, text = parse_safe(out)
    assert "Surrender at once <img src=x onerror=alert(1)>" in text
    assert text.count("what would you do, and why?") == 1  # asked once, with a line to answer each decision
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




def test_shipped_worksheet_neutral_order_whole_scenario_and_4_pages(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from engine.build.loader import load_story
    from engine.core import machine

    story = load_story(ROOT / "scenarios" / "malachite_hall")
    code, out, _ = run_cli(capsys, "export", "worksheet", "malachite_hall")
    assert code == 0
    decisions = out.split("## Decisions", 1)[1].split("## Questions", 1)[0]
    # the historical option is not always first: the options are in a neutral (alphabetical) order
    firsts = [block.split("\n1. ", 1)[1].split("\n", 1)[0] for block in decisions.split("\n### ")[1:]]
    hist_texts = {c.text for c in machine.historical_path(story)}
    assert firsts and sum(f.replace("\\", "") in hist_texts for f in firsts) < len(firsts)
    # the timeline is real events (quotes), and the key passages reach the end of the night
    timeline = out.split("## Timeline", 1)[1].split("##", 1)[0]
    titles = {sc.title for sc in story.scenes.values()}
    rows = [r for r in timeline.splitlines() if r.startswith("| 2")]
    assert rows and not any(r.split(" | ")[1] in titles for r in rows)
    passages = out.split("## Key passages from the record", 1)[1].split("## Decisions", 1)[0]
    path = machine.historical_path(story)
    late = {story.scenes[c.scene].record[0].quote[:40] for c in path[2 * len(path) // 3:]}
    assert any(q in passages.replace("\\", "") for q in late)  # not only from the first hours
    # a chapter's worksheet is a chapter's
    code, part, _ = run_cli(capsys, "export", "worksheet", "malachite_hall", "--chapter", "night")
    assert code == 0 and "(chapter night)" in part and part.count("\n### ") < out.count("\n### ")
    assert run_cli(capsys, "export", "worksheet", "malachite_hall", "--chapter", "x")[0] == 1
    code, html, _ = run_cli(capsys, "export", "worksheet", "malachite_hall", "--format", "html")
    parse_safe(html)
    pdf_pages(tmp_path, html, limit=4)


def test_teachers_guide(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.build.loader import load_story
    from engine.core import machine

    story = load_story(ROOT / "scenarios" / "duma_march")
    code, out, err = run_cli(capsys, "export", "guide", "duma_march")
    assert code == 0
    for heading in ("## Teacher's note", "## Running the lesson", "## Chapters", "## The decisions and what happened",
                    "## Where the sources disagree", "## Questions for discussion", "## Sources"):
        assert heading in out, heading
    assert "Expected playing time:** about" in out and "chronicle play duma\\_march --chapter vote" in out
    hist = [c for c in machine.historical_path(story) if len(story.scenes[c.scene].choices) > 1]
    for c in hist:
        assert f"What happened: {c.text}"[:60] in out.replace("\\", "")
    code, html, _ = run_cli(capsys, "export", "guide", "duma_march", "--format", "html")
    _, text = parse_safe(html)
    assert code == 0 and "Teacher's guide: The Duma March" in text


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
