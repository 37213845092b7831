"""The class report, on the synthetic class in tests/fixtures/classroom (made by make_class.py)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from engine.build.loader import load_story
from engine.classroom.report import build_report, collect, render_report
from engine.core import machine
from engine.core.model import Game, Story
from engine.saves.transcript import Transcript
from tests.helpers import CLASSROOM, ROOT, GameProcess, pdf_pages, run_cli

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
     "counts": {"ultimatum.ignore": 7, "ultimatum.surrender": 2}},
    {"scene": "aurora", "historical_choice": "aurora.wait", "counts": {"aurora.wait": 5, "aurora.flee": 1}},
    {"scene": "the_end", "historical_choice": "the_end.give_up",
     "counts": {"the_end.give_up": 3, "the_end.resist": 1}},
]


def test_report_numbers_are_exactly_what_the_class_did(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["students"] == 8  # Anna played twice
    assert data["playthroughs"] == 9  # Hanna's cut transcript counts, up to its last complete line
    assert data["finished"] == 7 and data["stopped"] == 2 and data["closed_before_the_end"] == 1
    assert data["endings"] == {"arrest": 3, "early_surrender": 2, "escape": 1, "bloodshed": 1}
    assert [{k: d[k] for k in ("scene", "historical_choice", "counts")} for d in data["decisions"]] \
        == EXPECTED_DECISIONS
    assert [d["reached"] for d in data["decisions"]] == [9, 7, 5]  # Fyodor and Hanna stopped on the way
    # times: only choices that stand (Dmitri's undone "flee" after 3 s does not count)
    assert [d["seconds"] for d in data["decisions"]] == [
        {"n": 9, "median": 9.0, "mean": 11.0},
        {"n": 6, "median": 10.5, "mean": 74 / 6},
        {"n": 4, "median": 9.0, "mean": 9.5},
    ]
    assert data["seconds"] == {"n": 19, "median": 10.0, "mean": 211 / 19}
    # departures among those who made the decision on the record; who stopped is shown apart
    assert [(p["scene"], p["made"], p["stayed"], p["left"], p["stopped"]) for p in data["path"]] == [
        ("ultimatum", 9, 7, {"ultimatum.surrender": 2}, 0), ("aurora", 6, 5, {"aurora.flee": 1}, 1),
        ("the_end", 4, 3, {"the_end.resist": 1}, 1)]
    assert [p["share"] for p in data["path"]] == pytest.approx([7 / 9, 7 / 9 * 5 / 6, 7 / 9 * 5 / 6 * 3 / 4])
    assert data["largest_drop"] == "ultimatum"
    roster = {(r["student"], r["started"][11:16]): r for r in data["roster"]}
    assert roster[("Dmitri Orlov", "10:04")]["undos"] == 1
    assert roster[("Dmitri Orlov", "10:04")]["choices"] == ["ultimatum.ignore", "aurora.wait", "the_end.resist"]
    assert roster[("Fyodor Lazarev", "10:06")]["finished"] is False
    hanna = roster[("Hanna Berg", "10:08")]
    assert hanna["closed_before_the_end"] and hanna["choices"] == ["ultimatum.ignore", "aurora.wait"]
    assert roster[(ELENA, "10:05")]["departures"] == 0
    assert roster[("Clara Wu", "10:03")]["departures"] == 1
    # the cut transcript: counted and marked; the old version: counted and flagged
    assert data["skipped"] == []
    assert [Path(f["file"]).name for f in data["flagged"]] == [GRIGORY, HANNA]
    assert "another version" in data["flagged"][0]["reason"]
    assert "closed before the end" in data["flagged"][1]["reason"]
    assert err == ""
    assert roster[("Grigory Sokolov", "10:07")]["ending"] == "arrest"


def test_report_reads_single_files_too(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(CLASS / n) for n in ("20240305-100100-anna-petrova-lesson.jsonl", HANNA)]
    code, out, err = run_cli(capsys, "report", *files, "--scenarios", str(CLASSROOM), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["playthroughs"] == 2 and data["endings"]["arrest"] == 1
    assert data["closed_before_the_end"] == 1 and HANNA in data["flagged"][0]["file"] and err == ""


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
    assert "9 by 8 students: 7 finished, 2 stopped early, of them 1 closed before the end" in text
    # the first screen is the summary: endings, then where the class left the record; students after the charts
    assert text.index("Where the class left the record") < text.index("Endings reached") \
        < text.index("Still on the record") < text.index("Decision points") < text.index("Who played") \
        < text.index("Notes on the transcripts")
    assert "2 of the 9 who made this decision left the record" in text
    assert f"{HANNA}: closed before the end" in text and f"{GRIGORY}: made with another version" in text
    assert "★ Arrest (what happened)" in text
    cells = page.cells
    assert cells.count("stopped at: The Aurora") == 1 and cells.count("ending: Arrest") == 3
    assert cells.count("closed before the end at: The door opens") == 1
    # charts: HTML bars (no SVG, labels wrap), a legend for every colour, a 100% baseline, the drop marked
    assert "svg" not in page.tags
    assert html.count('class="chart') == 2 + 3
    assert "Start: the whole class" in text and "100% (9 playthroughs)" in text
    assert html.count("▼ largest drop</span>") == 1
    assert "78% (7 of 9 stayed)" in text and "65% (5 of 6 stayed, 1 stopped here)" in text
    for kind in ("historical", "counterfactual", "stopped", "baseline"):
        assert f'swatch k-{kind}' in html, kind
    assert "Order the cadets to fight" in text and "1 of 5" in text


def test_markdown_and_text_reports(capsys: pytest.CaptureFixture[str]) -> None:
    code, md, _ = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM), "--format", "md")
    assert code == 0
    assert "<script>" not in md and "\\<script\\>" in md
    assert "| Anna Petrova | 7B | 2024-03-05 10:01 | ending: Arrest | 3 of 3 | 0 | 0 |" in md
    assert "78% (7 of 9 stayed)" in md and "▼ largest drop: 1. Twenty minutes to answer" in md
    assert "★ Arrest (what happened)" in md
    assert "blue" not in md and "orange" not in md  # no colour captions over uncoloured bars
    code, text, _ = run_cli(capsys, "report", str(CLASS), "--scenarios", str(CLASSROOM))
    assert code == 0
    assert "8 students, 9 playthroughs (7 finished, 2 stopped early, 1 closed before the end)" in text
    assert "\x1b[" not in text  # not a terminal: no colour codes
    assert "78%" in text and "★ Ignore the ultimatum" in text and "Came to this decision" in text
    assert "▼" in text and "largest" in text and "9.0 s" in text and "10.5 s" in text


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
    assert err == ""


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
        [bad.name, mini.name, "garbage.jsonl"])  # mini: its scenario is not in --scenarios
    assert good.name not in err and anon.name not in err
    assert bad.name in err and "do not fit" in err and mini.name in err and 'scenario "mini" cannot be' in err


def test_nothing_to_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = run_cli(capsys, "report", str(tmp_path / "empty"), str(tmp_path / "missing"))
    assert code == 1 and out == ""
    assert "no transcripts to report on" in err and "missing: no such file" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "report", str(CLASS), "--scenarios", str(tmp_path))
    assert code == 1 and 'no scenario "lesson"' in err


def test_build_report_api() -> None:
    got = collect([CLASS], scenarios=CLASSROOM)
    report = build_report(got.story, got.playthroughs, got.skipped)
    assert report.playthroughs == 9 and report.students == 8 and report.classes == ("7B",)
    for fmt in ("text", "md", "html", "json", "csv"):
        assert render_report(report, fmt)
    with pytest.raises(ValueError):
        render_report(report, "pdf")


def two_parts(folder: Path, began: datetime, continued: datetime,
              game: Game | None = None) -> tuple[Transcript, Transcript]:
    """Nina's game of the classroom lesson in two transcripts: one choice (4 s), the bell, and
    the game continued (`chronicle play --continue`) to its ending (7 s)."""
    story = load_story(CLASSROOM / "lesson")
    first = Transcript(folder, story, "Nina", "7B", game=game, now=lambda: began)
    start = machine.start(story)
    first.scene(start)
    saved = machine.choose(story, start, "ultimatum.ignore")
    first.choice(story.choices_by_id["ultimatum.ignore"], saved, 4)
    first.scene(saved)
    first.close()
    then = Transcript(folder, story, "Nina", "7B", game=game, now=lambda: continued)
    then.scene(saved)
    end = machine.choose(story, saved, "aurora.flee")
    then.choice(story.choices_by_id["aurora.flee"], end, 7)
    then.scene(end)
    then.ending(end)
    then.close()
    return first, then


def test_a_continued_game_is_joined_to_its_first_part(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    first, _ = two_parts(tmp_path, datetime(2024, 3, 5, 10, 0), datetime(2024, 3, 12, 10, 0))
    code, out, err = run_cli(capsys, "report", str(tmp_path), "--scenarios", str(CLASSROOM), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["skipped"] == [] and data["endings"]["escape"] == 1
    assert data["playthroughs"] == 1 and data["stopped"] == 0
    assert data["decisions"][0]["counts"]["ultimatum.ignore"] == 1
    assert data["decisions"][0]["seconds"]["mean"] == 4.0 and data["decisions"][1]["seconds"]["mean"] == 7.0
    assert data["path"][0]["made"] == data["path"][0]["stayed"] == 1 and data["roster"][0]["departures"] == 1
    assert data["roster"][0]["started"].startswith("2024-03-05")
    assert first.path.name in data["roster"][0]["flags"][0]
    # alone, the continuation still counts in full (without the first part's times)
    first.path.unlink()
    data = json.loads(run_cli(capsys, "report", str(tmp_path), "--scenarios", str(CLASSROOM),
                              "--format", "json")[1])
    assert data["playthroughs"] == 1 and data["decisions"][0]["counts"]["ultimatum.ignore"] == 1
    assert data["decisions"][0]["seconds"]["n"] == 0


def test_a_game_s_parts_are_ordered_by_the_moment_they_began_not_by_their_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Part one begun at 22:00 in Tokyo (13:00 UTC), part two at 09:00 in New York (14:00 UTC):
    by their text the second comes first; the report orders them by time and joins them."""
    from datetime import timedelta, timezone

    tokyo, new_york = timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))
    first, t = two_parts(tmp_path, datetime(2024, 3, 5, 22, 0, tzinfo=tokyo),
                         datetime(2024, 3, 5, 9, 0, tzinfo=new_york), Game("0123456789abcdef", None, None))
    assert t.path.name < first.path.name  # by text, the continuation sorts first
    data = json.loads(run_cli(capsys, "report", str(tmp_path), "--scenarios", str(CLASSROOM), "--format", "json")[1])
    assert data["playthroughs"] == 1 and data["endings"]["escape"] == 1
    assert data["roster"][0]["choices"] == ["ultimatum.ignore", "aurora.flee"]
    assert data["roster"][0]["started"].startswith("2024-03-05T22:00")  # the game began in Tokyo


# --- the 24-student lesson, end to end --------------------------------------------------------



class Student:
    """One student at one computer: a real Session on the shared folder, and their own record of
    what they did (the choices that stand, by id), to check the report against."""

    def __init__(self, folder: Path, story: Story, name: str | None, seed: int, chapter: str | None = None,
                 *, load: str | None = None) -> None:
        from engine.play.session import Session, new_game
        from engine.saves.store import SaveStore

        ticks = iter(range(0, 1_000_000, 5))
        self.session = Session(story, store=SaveStore(folder), student=name, class_name="9A",
                               transcripts=folder / "transcripts", clock=lambda: float(next(ticks)),
                               game=new_game(seed, chapter))
        if load is not None:
            assert self.session.load(load).messages[0][1].startswith("Loaded")
        self.session.begin()
        self.story = story

    def pick(self, choice_id: str) -> None:
        numbers = {c.id: n for n, c, _ in self.session.rows() if n is not None}
        self.session.handle(str(numbers[choice_id]))

    def step(self, leave: bool = False) -> None:
        """Take what happened, or (leave) the first other open option as shown."""
        opened = self.session.open_choices()
        hist = next((c for c in opened if c.mark == "historical"), None)
        other = next((c for c in opened if c is not hist), None)
        self.pick((other if leave and other is not None else hist or opened[0]).id)

    def decisions(self, n: int, leave_at: int | None = None) -> None:
        """Play until `n` more decisions (scenes with 2+ open choices) were made."""
        made = 0
        while made < n and not self.session.is_ending():
            multi = len(self.session.open_choices()) > 1
            self.step(leave=multi and made == leave_at)
            made += multi

    def to_end(self, leave_at: int | None = None) -> None:
        self.decisions(10_000, leave_at)

    @property
    def own(self) -> tuple[str, ...]:
        return self.session.state.path[len(self.session.origin.path):]


def _expected(story: Story, games: list[tuple[tuple[str, ...], tuple[str, ...], bool]]) -> dict[str, Any]:
    """The numbers by definition, from what the students did: (given, own path, finished) per game."""
    hist = [c.id for c in machine.historical_path(story)]
    counts: dict[str, int] = {}
    for _, own, _ in games:
        for cid in own:
            if len(story.scenes[story.choices_by_id[cid].scene].choices) > 1:
                counts[cid] = counts.get(cid, 0) + 1
    steps = []
    for j, cid in enumerate(hist):
        if len(story.scenes[story.choices_by_id[cid].scene].choices) < 2:
            continue
        here = [(g + o, fin) for g, o, fin in games if len(g) <= j and (g + o)[:j] == tuple(hist[:j])]
        made = [p for p, _ in here if len(p) > j]
        steps.append((story.choices_by_id[cid].scene, len(made), sum(p[j] == cid for p in made),
                      sum(1 for p, fin in here if len(p) == j and not fin)))
    return {"counts": counts, "steps": steps}


def test_the_24_student_lesson_in_one_shared_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shared"
    hall = load_story(ROOT / "scenarios" / "malachite_hall")
    duma = load_story(ROOT / "scenarios" / "duma_march")
    games: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], bool]]] = {"malachite_hall": [], "duma_march": []}

    def done(s: Student) -> None:
        games[s.story.id].append((s.session.origin.path, s.own, s.session.is_ending()))

    for i in range(6):  # what happened, all the way
        s = Student(folder, hall, f"Hist {i}", seed=i)
        s.to_end()
        s.session.handle("quit")
        done(s)
    for i in range(6):  # leave the record at decision i, then keep typing 1
        s = Student(folder, hall, f"Leaver {i}", seed=100 + i)
        s.decisions(i + 1, leave_at=i)
        while not s.session.is_ending():
            s.session.handle("1")
        s.session.handle("quit")
        done(s)
    s = Student(folder, hall, "Undoer", seed=200)  # undoes twice on the way
    s.decisions(3, leave_at=2)
    s.session.handle("undo")
    s.session.handle("undo")
    s.to_end()
    s.session.handle("quit")
    done(s)
    s = Student(folder, hall, "Quitter", seed=201)  # quits after 5 decisions
    s.decisions(5)
    s.session.handle("quit")
    done(s)
    def played(g: GameProcess, *more: GameProcess) -> None:
        own = tuple(cid for part in (g, *more) for cid in part.taken)
        games[g.story.id].append(((), own, machine.is_ending(g.story, (more[-1] if more else g).state)))

    def process(name: str, seed: int, *args: str) -> GameProcess:
        return GameProcess(hall, folder, "malachite_hall", "--student", name, "--class", "9A", *args, seed=seed)

    g = process("Killed", 202, "--seed", "202")  # a real game, SIGKILLed after 8 decisions ...
    g.decide(8)
    g.kill()
    played(g)
    (killed,) = (folder / "transcripts").glob("*-killed-malachite_hall-*.jsonl")
    with killed.open("ab") as f:  # ... as it wrote a line
        f.write(b'{"event": "choice", "choice": "half')
    s = Student(folder, hall, "Restarter", seed=203)  # restarts after leaving, then plays it as it happened
    s.decisions(4, leave_at=1)
    s.session.handle("restart")
    s.session.handle("yes")
    s.to_end()
    s.session.handle("quit")
    done(s)
    for k in range(2):  # plays twice
        s = Student(folder, hall, "Twice", seed=300 + k)
        s.to_end(leave_at=3 if k else None)
        s.session.handle("quit")
        done(s)
    g = process("Continuer", 400, "--seed", "400")  # the window closed after 6 decisions ...
    g.decide(6, leave_at=5)
    g.kill()
    later = process("Continuer", 400, "--continue")  # ... and the student continues next lesson
    assert "Your game continues." in later.screen
    later.state = g.state
    later.to_end()
    later.quit()
    played(g, later)
    parts = sorted((folder / "transcripts").glob("*-continuer-malachite_hall-*.jsonl"))
    assert len(parts) == 2 and len({json.loads(p.read_text().splitlines()[0])["game"] for p in parts}) == 1
    s = Student(folder, hall, "Анна Петрова", seed=500)  # types 1 every time
    while not s.session.is_ending():
        s.session.handle("1")
    s.session.handle("quit")
    done(s)
    g = process("<b>Eve</b> ../../x", 501, "--seed", "501")  # reached the ending, then SIGKILLed
    g.to_end(leave_at=4)
    g.kill()
    played(g)

    for i, chapter in enumerate((None, None, "march", "vote")):  # four on the Duma, two of them a chapter
        s = Student(folder, duma, f"Duma {i}", seed=600 + i, chapter=chapter)
        s.to_end(leave_at=1 if i % 2 else None)
        s.session.handle("quit")
        done(s)

    transcripts = sorted((folder / "transcripts").glob("*.jsonl"))
    assert len(transcripts) == 26 and len({p.name for p in transcripts}) == 26  # the continuation: a file of its own
    code, out, err = run_cli(capsys, "report", str(folder / "transcripts"), "--format", "json")
    assert code == 0 and err == ""  # nothing left out, no warnings: two scenarios, two sections
    data = json.loads(out)["reports"]
    assert [d["scenario"] for d in data] == ["malachite_hall", "duma_march"]
    for d, story in zip(data, (hall, duma), strict=True):
        mine = games[story.id]
        assert d["skipped"] == []
        assert d["playthroughs"] == len(mine)
        assert d["finished"] == sum(1 for *_, fin in mine if fin)
        want = _expected(story, mine)
        got_counts = {cid: n for dec in d["decisions"] for cid, n in dec["counts"].items() if n}
        assert got_counts == want["counts"]
        assert [(p["scene"], p["made"], p["stayed"], p["stopped"]) for p in d["path"]] == want["steps"]
        endings: dict[str, int] = {}
        for given, own, fin in mine:
            if fin:
                end = machine.replay(story, given + own).scene
                endings[end] = endings.get(end, 0) + 1
        assert {k: v for k, v in d["endings"].items() if v} == endings
    hall_data = data[0]
    assert hall_data["playthroughs"] == 21 and hall_data["students"] == 20
    roster = {r["student"]: r for r in hall_data["roster"] if r["student"] != "Twice"}
    assert roster["Killed"]["closed_before_the_end"] and not roster["Killed"]["finished"]
    assert roster["<b>Eve</b> ../../x"]["finished"] and roster["<b>Eve</b> ../../x"]["closed_before_the_end"]
    assert roster["Restarter"]["restarts"] == 1 and roster["Restarter"]["departures"] == 0
    assert roster["Continuer"]["finished"] and roster["Continuer"]["departures"] == 1
    assert "continued later" in " ".join(roster["Continuer"]["flags"])
    assert roster["Undoer"]["undos"] == 2 and roster["Quitter"]["finished"] is False
    on_the_record = sum(1 for c in machine.historical_path(hall) if len(hall.scenes[c.scene].choices) > 1)
    assert roster["Hist 0"]["departures"] == 0 and roster["Hist 0"]["decisions"] == on_the_record
    assert roster["Анна Петрова"]["decisions"] > roster["Анна Петрова"]["decisions"] - roster["Анна Петрова"][
        "departures"]  # typing 1 did not find the record
    duma_roster = {r["student"]: r for r in data[1]["roster"]}
    assert duma_roster["Duma 2"]["chapter"] == "march" and duma_roster["Duma 2"]["decisions"] < \
        duma_roster["Duma 0"]["decisions"]

    # the gradebook: one row per student and scenario; projected: no names
    code, csv_text, _ = run_cli(capsys, "report", str(folder / "transcripts"), "--format", "csv")
    rows = csv_text.strip().splitlines()
    assert code == 0 and len(rows) == 1 + 20 + 4
    assert any(line.startswith("malachite_hall,Twice,9A,2,") for line in rows)
    code, html, _ = run_cli(capsys, "report", str(folder / "transcripts"), "--format", "html", "--anonymize")
    page = check_safe_html(html)
    assert code == 0 and "Student 24" in page.all_text and "Student 25" not in page.all_text
    assert "Hist 0" not in html and "Анна" not in html and ".jsonl" not in html and "&lt;b&gt;Eve" not in html
    pdf_pages(tmp_path, html, limit=4)


def test_a_transcript_names_its_scenario_by_id_never_by_path(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A student's file that names its scenario by a path (a folder that really holds one, or one
    reached with ..) is skipped with the reason: the report never loads a scenario from where a file points."""
    folder = tmp_path / "t"
    good = _play(folder, CLASSROOM / "lesson", "Kira", ["ultimatum.ignore", "aurora.flee"])
    text = good.read_text(encoding="utf-8")
    for n, name in enumerate([str(CLASSROOM / "lesson"), "../classroom/lesson", "lesson/."]):
        planted = text.replace('"scenario": "lesson"', f'"scenario": {json.dumps(name)}')
        planted = planted.replace('"scenario":"lesson"', f'"scenario":{json.dumps(name)}')
        assert json.dumps(name) in planted
        (folder / f"planted-{n}.jsonl").write_text(planted, encoding="utf-8")
    code, out, err = run_cli(capsys, "report", str(folder), "--scenarios", str(CLASSROOM), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["playthroughs"] == 1  # Kira's own file only
    assert sorted(Path(s["file"]).name for s in data["skipped"]) == [f"planted-{n}.jsonl" for n in range(3)]
    assert err.count("is not a scenario id") == 3 and "Traceback" not in err
    # without --scenarios: the same (an absolute path is not an id either)
    code, out, err = run_cli(capsys, "report", str(folder / "planted-0.jsonl"), "--format", "json")
    assert code == 1 and "is not a scenario id" in err and "Traceback" not in err
