"""The class report, on the synthetic class in tests/fixtures/classroom (made by make_class.py)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

from engine.build.loader import load_story
from engine.classroom.report import build_report, collect, render
from engine.cli import main
from engine.core import machine
from engine.saves.transcript import Transcript

CLASSROOM = Path(__file__).resolve().parent / "fixtures" / "classroom"
CLASS = CLASSROOM / "class"
HANNA = "20240305-100800-hanna-berg-lesson.jsonl"
GRIGORY = "20240305-100700-grigory-sokolov-lesson.jsonl"
ELENA = 'Elena <script>alert("name")</script>'


def _make_class() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_class", CLASSROOM / "make_class.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class Page(HTMLParser):
    """Collects tags, attributes, text and table cells of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def check_safe_html(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert html.startswith("<!DOCTYPE html>")
    assert "script" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    assert "link" not in page.tags and "object" not in page.tags and "embed" not in page.tags
    for tag, key, value in page.attrs:
        assert not key.startswith("on"), (tag, key)
        assert key not in ("src", "href", "srcset", "action"), (tag, key, value)
        assert "http" not in (value or "") and "//" not in (value or ""), (tag, key, value)
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("<!DOCTYPE", "")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    csp = [v for t, k, v in page.attrs if t == "meta" and k == "content" and v and "default-src" in v]
    assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0]
    return page


def test_fixture_class_is_what_the_writer_makes(tmp_path: Path) -> None:
    """The committed class is reproducible from make_class.py (regenerate it if this fails)."""
    fresh = _make_class().generate(tmp_path / "class")
    committed = sorted(p.name for p in CLASS.glob("*.jsonl"))
    assert sorted(p.name for p in fresh) == committed
    for f in fresh:
        ours = f.read_text(encoding="utf-8").split("\n")
        theirs = (CLASS / f.name).read_text(encoding="utf-8").split("\n")
        for a, b in zip(ours, theirs, strict=True):  # the engine version may move on
            if a.startswith('{"event": "start"'):
                a, b = json.loads(a), json.loads(b)
                a.pop("engine"), b.pop("engine")
            assert a == b, f"{f.name}: regenerate with python tests/fixtures/classroom/make_class.py"


EXPECTED_DECISIONS = [
    {"scene": "ultimatum", "historical_choice": "ultimatum.ignore",
     "counts": {"ultimatum.ignore": 6, "ultimatum.surrender": 2}},
    {"scene": "aurora", "historical_choice": "aurora.wait", "counts": {"aurora.wait": 4, "aurora.flee": 1}},
    {"scene": "the_end", "historical_choice": "the_end.give_up",
     "counts": {"the_end.give_up": 3, "the_end.resist": 1}},
]


def test_report_numbers_are_exactly_what_the_class_did(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["students"] == 7  # Anna played twice
    assert data["playthroughs"] == 8  # Hanna's cut transcript is skipped
    assert data["finished"] == 7 and data["stopped"] == 1
    assert data["endings"] == {"arrest": 3, "early_surrender": 2, "escape": 1, "bloodshed": 1}
    assert [{k: d[k] for k in ("scene", "historical_choice", "counts")} for d in data["decisions"]] \
        == EXPECTED_DECISIONS
    assert [d["reached"] for d in data["decisions"]] == [8, 6, 4]
    # times: only choices that stand (Dmitri's undone "flee" after 3 s does not count)
    assert [d["seconds"] for d in data["decisions"]] == [
        {"n": 8, "median": 9.5, "mean": 11.5},
        {"n": 5, "median": 11.0, "mean": 13.0},
        {"n": 4, "median": 9.0, "mean": 9.5},
    ]
    assert data["seconds"] == {"n": 17, "median": 10.0, "mean": 195 / 17}
    assert [(p["scene"], p["reached"], p["on_path"], p["share"]) for p in data["path"]] == [
        ("ultimatum", 8, 6, 0.75), ("aurora", 6, 4, 0.5), ("the_end", 4, 3, 0.375)]
    roster = {(r["student"], r["started"][11:16]): r for r in data["roster"]}
    assert roster[("Dmitri Orlov", "10:04")]["undos"] == 1
    assert roster[("Dmitri Orlov", "10:04")]["choices"] == ["ultimatum.ignore", "aurora.wait", "the_end.resist"]
    assert roster[("Fyodor Lazarev", "10:06")]["finished"] is False
    assert roster[(ELENA, "10:05")]["departures"] == 0
    assert roster[("Clara Wu", "10:03")]["departures"] == 1
    # the cut transcript: skipped, named on stderr; the old version: counted and flagged
    assert [Path(s["file"]).name for s in data["skipped"]] == [HANNA]
    assert [Path(f["file"]).name for f in data["flagged"]] == [GRIGORY]
    assert "another version" in data["flagged"][0]["reason"]
    assert f"skipped {CLASS / HANNA}" in err and "cut short" in err
    assert GRIGORY in err and "another version" in err
    assert roster[("Grigory Sokolov", "10:07")]["ending"] == "arrest"


def test_report_reads_single_files_too(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(CLASS / n) for n in ("20240305-100100-anna-petrova-lesson.jsonl", HANNA)]
    code, out, err = run_cli(capsys, "report", *files, "--scenarios", str(CLASSROOM), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["playthroughs"] == 1 and data["endings"]["arrest"] == 1
    assert HANNA in err


def test_html_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    code, out, err = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM),
                             "--format", "html", "-o", str(target))
    assert code == 0 and out == ""
    html = target.read_text(encoding="utf-8")
    page = check_safe_html(html)
    text = page.all_text
    # the stranger's text is there, as text
    assert ELENA in page.cells
    assert "Surrender at once <img src=x onerror=alert(1)>" in text
    assert "&lt;script&gt;" in html
    assert "Class report: Night in the Winter Palace" in text
    assert "Students" in text and "8 (7 finished, 1 stopped early)" in text
    assert f"Skipped {HANNA}" in text and f"Flagged {GRIGORY}" in text
    # the tables hold the numbers
    cells = page.cells
    i = cells.index("Ignore the ultimatum and stay at the table ★ what happened")
    assert cells[i + 1: i + 3] == ["historical", "6"]
    i = cells.index("Order the cadets to fight")
    assert cells[i + 1: i + 3] == ["counterfactual", "1"]
    assert cells.count("stopped at: The Aurora") == 1 and cells.count("ending: Arrest") == 3
    # inline SVG charts: one for endings, one for the path, one per decision
    assert page.tags.count("svg") == 5
    assert "75% (6 of 8)" in text and "50% (4 of 8)" in text and "38% (3 of 8)" in text
    assert "3 of 8" in text
    widths = [float(v) for t, k, v in page.attrs if t == "rect" and k == "width" and v]
    assert widths, "bars are drawn"


def test_markdown_and_text_reports(capsys: pytest.CaptureFixture[str]) -> None:
    code, md, _ = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM), "--format", "md")
    assert code == 0
    assert "<script>" not in md and "\\<script\\>" in md
    assert "| Anna Petrova | 7B | 2024-03-05 10:01 | ending: Arrest | 3 of 3 | 0 |" in md
    assert "75% (6 of 8)" in md
    code, text, _ = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM))
    assert code == 0
    assert "7 students, 8 playthroughs (7 finished, 1 stopped early)" in text
    assert "\x1b[" not in text  # not a terminal: no colour codes
    assert "6 of 8" in text and "75%" in text and "★ Ignore the ultimatum" in text
    assert "9.5 s" in text and "11.5 s" in text


def test_force_color_colours_the_text_report_without_a_terminal(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, text, _ = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM))
    assert code == 0 and "\x1b[" in text
    monkeypatch.setenv("NO_COLOR", "1")  # NO_COLOR wins
    code, text, _ = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM))
    assert code == 0 and "\x1b[" not in text


def _story_variant(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "variant" / "lesson"
    shutil.copytree(CLASSROOM / "lesson", folder)
    night = folder / "scenes" / "night.yaml"
    text = night.read_text(encoding="utf-8")
    assert old in text
    night.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def _play(folder: Path, story_dir: Path, student: str | None, picks: list[str]) -> Path:
    story = load_story(story_dir)
    t = Transcript(folder, story, student, "7B")
    state = machine.start(story)
    t.scene(state)
    for cid in picks:
        state = machine.choose(story, state, cid)
        t.choice(story.choices_by_id[cid], state, 1.0)
        t.scene(state)
    if machine.is_ending(story, state):
        t.ending(state)
    t.close()
    return t.path


def test_old_version_with_a_choice_that_is_gone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _story_variant(tmp_path, "id: resist", "id: fight_on")
    folder = tmp_path / "t"
    _play(folder, old, "Ivan", ["ultimatum.ignore", "aurora.wait", "the_end.fight_on"])
    _play(folder, CLASSROOM / "lesson", "Jana", ["ultimatum.ignore", "aurora.flee"])
    code, out, err = run_cli(capsys, "report", str(folder), "--scenarios", str(CLASSROOM), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["playthroughs"] == 2
    assert data["decisions"][2]["counts"] == {"the_end.give_up": 0, "the_end.resist": 0}
    assert data["decisions"][0]["counts"] == {"ultimatum.ignore": 2, "ultimatum.surrender": 0}
    ivan = next(r for r in data["roster"] if r["student"] == "Ivan")
    assert ivan["choices"] == ["ultimatum.ignore", "aurora.wait"]
    assert "the_end.fight_on" in " ".join(ivan["flags"]) and "another version" in " ".join(ivan["flags"])
    assert data["endings"]["bloodshed"] == 1  # the same ending scene, matched by its id
    assert "the_end.fight_on" in err


def test_tampered_and_foreign_transcripts_are_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "t"
    good = _play(folder, CLASSROOM / "lesson", "Kira", ["ultimatum.ignore", "aurora.flee"])
    bad = _play(folder, CLASSROOM / "lesson", "Lev", ["ultimatum.surrender"])
    bad.write_text(bad.read_text().replace('"ultimatum.surrender"', '"aurora.flee"'))  # path and ending agree
    anon = _play(folder, CLASSROOM / "lesson", None, ["ultimatum.surrender"])
    mini = _play(folder, Path(__file__).resolve().parent / "fixtures" / "mini", "Mo", ["hall.ignore"])
    (folder / "garbage.jsonl").write_bytes(b"\x00\x01 not json\n")
    code, out, err = run_cli(capsys, "report", str(folder), "--scenarios", str(CLASSROOM), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["playthroughs"] == 2 and data["students"] == 1  # Kira, and an anonymous player
    assert sorted(Path(s["file"]).name for s in data["skipped"]) == sorted(
        [bad.name, mini.name, "garbage.jsonl"])
    assert good.name not in err and anon.name not in err
    assert bad.name in err and "do not fit" in err and mini.name in err and "another scenario" in err


def test_nothing_to_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = run_cli(capsys, "report", str(tmp_path / "empty"), str(tmp_path / "missing"))
    assert code == 1 and out == ""
    assert "no complete transcripts" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "report", str(CLASS), "--scenarios", str(tmp_path))
    assert code == 1 and 'no scenario "lesson"' in err


def test_build_report_api() -> None:
    got = collect([CLASS], scenarios=CLASSROOM)
    report = build_report(got.story, got.playthroughs, got.skipped)
    assert report.playthroughs == 8 and report.students == 7 and report.classes == ("7B",)
    for fmt in ("text", "md", "html", "json"):
        assert render(report, fmt)
    with pytest.raises(ValueError):
        render(report, "pdf")


def test_a_continued_game_is_joined_to_its_first_part(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    story = load_story(CLASSROOM / "lesson")
    first = Transcript(tmp_path, story, "Nina", "7B", now=lambda: datetime(2024, 3, 5, 10, 0))
    start = machine.start(story)
    first.scene(start)
    saved = machine.choose(story, start, "ultimatum.ignore")
    first.choice(story.choices_by_id["ultimatum.ignore"], saved, 4)
    first.scene(saved)
    first.close()  # the bell rings; next lesson: chronicle play --continue
    t = Transcript(tmp_path, story, "Nina", "7B", now=lambda: datetime(2024, 3, 12, 10, 0))
    t.scene(saved)
    end = machine.choose(story, saved, "aurora.flee")
    t.choice(story.choices_by_id["aurora.flee"], end, 7)
    t.scene(end)
    t.ending(end)
    t.close()
    code, out, err = run_cli(capsys, "report", str(tmp_path), "--scenarios", str(CLASSROOM), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["skipped"] == [] and data["endings"]["escape"] == 1
    assert data["playthroughs"] == 1 and data["stopped"] == 0
    assert data["decisions"][0]["counts"]["ultimatum.ignore"] == 1
    assert data["decisions"][0]["seconds"]["mean"] == 4.0 and data["decisions"][1]["seconds"]["mean"] == 7.0
    assert data["path"][0]["on_path"] == 1 and data["roster"][0]["departures"] == 1
    assert data["roster"][0]["started"].startswith("2024-03-05")
    assert first.path.name in data["roster"][0]["flags"][0]
    # alone, the continuation still counts in full (without the first part's times)
    first.path.unlink()
    data = json.loads(run_cli(capsys, "report", str(tmp_path), "--scenarios", str(CLASSROOM),
                              "--format", "json")[1])
    assert data["playthroughs"] == 1 and data["decisions"][0]["counts"]["ultimatum.ignore"] == 1
    assert data["decisions"][0]["seconds"]["n"] == 0
