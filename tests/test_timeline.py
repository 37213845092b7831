"""The timeline (engine.tools.timeline) and `chronicle timeline`, on real scenarios through the real loader;
the check that shared events agree (E705) through `chronicle check`."""

from __future__ import annotations

import html.parser
import subprocess
import sys
from pathlib import Path

import pytest

from engine.build.loader import list_scenarios, load_story
from engine.cli import main
from engine.tools.timeline import conflicts, place, timeline
from tests.helpers import ROOT

MINI = ROOT / "tests" / "fixtures" / "mini"
QUOTE = "This ultimatum expires at 7:10, after which we will immediately open fire."


def scenario(root: Path, name: str, *, calendar: str = "julian", date: str = "1917-10-25", time: str = "21:40",
             title: str = "The shot", event: str = "aurora_shot") -> Path:
    """A two-scene scenario whose second scene shares `event` at `time` on the day after `date`."""
    folder = root / name
    (folder / "scenes").mkdir(parents=True)
    (folder / "scenario.yaml").write_text(f"""\
format: 1
id: {name}
title: Room {name}
summary: A room.
role: Someone
start: first
clock: {{date: {date}, calendar: {calendar}, time: "20:00"}}
questions: [Why?]
""", encoding="utf-8")
    (folder / "scenes" / "main.yaml").write_text(f"""\
format: 1
scenes:
  first:
    title: Waiting
    place: A room
    text: You wait.
    record:
      - source: rabinowitch
        quote: "{QUOTE}"
    choices:
      - text: Listen
        goto: shot
  shot:
    title: {title!r}
    place: The river
    time: "{time}"
    events: [{event}]
    text: A sound.
    record:
      - source: rabinowitch
        quote: "{QUOTE}"
    ending: {{kind: historical, debrief: Done.}}
""", encoding="utf-8")
    return folder


def test_scenes_are_placed_at_the_earliest_clock_a_path_reaches() -> None:
    story = load_story(MINI)
    at = {m.scene: (str(m.julian), str(m.gregorian), m.time, m.exact) for m in place(story)}
    assert at["hall"] == ("1917-10-25", "1917-11-07", "19:00", True)
    assert at["hall_again"] == ("1917-10-25", "1917-11-07", "19:05", True)
    assert at["late"] == ("1917-10-26", "1917-11-08", "01:50", True)  # across midnight
    assert at["arrest"] == ("1917-10-26", "1917-11-08", "01:50", False)  # no time of its own: after late
    assert at["surrender"] == ("1917-10-25", "1917-11-07", "19:00", False)


def test_both_calendars_share_one_clock(tmp_path: Path) -> None:
    old = load_story(scenario(tmp_path, "old_style"))
    new = load_story(scenario(tmp_path, "new_style", calendar="gregorian", date="1917-11-07"))
    line = timeline([old, new])
    shot = [m for m in line.moments if m.scene == "shot"]
    assert [(m.scenario, m.jdn, m.minutes) for m in shot] == [("new_style", shot[0].jdn, 1300),
                                                              ("old_style", shot[0].jdn, 1300)]
    assert set(line.events()) == {"aurora_shot"}
    assert conflicts([old, new]) == []


def test_check_fails_when_two_scenarios_give_an_event_different_times(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    first = scenario(tmp_path, "first")
    second = scenario(tmp_path, "second", time="21:45")
    assert main(["check", str(first)]) == 0
    assert main(["check", str(second)]) == 0
    capsys.readouterr()
    assert main(["check", str(first), str(second)]) == 1
    out = capsys.readouterr().out
    assert "error E705" in out
    assert 'the event "aurora_shot" is at 25 October 1917 O.S. (7 November N.S.), 21:45 in second' in out
    where = next(line for line in out.splitlines() if "E705" in line).split(": error")[0]
    path, lineno, col = where.rsplit(":", 2)
    text = Path(path).read_text(encoding="utf-8").splitlines()[int(lineno) - 1]
    assert text[int(col) - 1:] == '"21:45"'
    # the same hour on another day is another time
    (second / "scenes" / "main.yaml").write_text(
        (second / "scenes" / "main.yaml").read_text(encoding="utf-8").replace('time: "21:45"', 'time: "21:40"\n'
                                                                            "    date: 1917-10-26"),
        encoding="utf-8")
    assert main(["check", str(first), str(second)]) == 1


def test_the_shipped_scenarios_share_events_at_one_time() -> None:
    stories = [load_story(p) for p in list_scenarios(ROOT / "scenarios")]
    assert conflicts(stories) == []
    events = timeline(stories).events()
    # one hour of 25 October across four rooms: the Aurora's shot in the fortress, the palace,
    # the Duma and Smolny
    assert {m.scenario for m in events["aurora_shot"]} >= {"fortress_aurora", "malachite_hall", "duma_march",
                                                         "second_congress"}


def timeline_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", "timeline", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=120)


def test_the_command_lists_one_hour_in_both_calendars(tmp_path: Path) -> None:
    scenario(tmp_path, "palace")
    scenario(tmp_path, "fortress", title="The gun")
    r = timeline_cli(str(tmp_path / "palace"), str(tmp_path / "fortress"), "--from", "21:30", "--to", "22:00")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "25 October 1917 (7 November N.S.)" in lines
    rows = [line for line in lines if line.strip().startswith("21:40")]
    assert [row.split()[1] for row in rows] == ["fortress", "palace"]
    assert "<-> aurora_shot: also in palace" in r.stdout
    assert "Waiting" not in r.stdout  # 20:00: outside the hour
    # across midnight: from 23:00 to 20:30 takes in the 20:00 scenes and leaves out 21:40
    r = timeline_cli(str(tmp_path / "palace"), "--from", "23:00", "--to", "20:30")
    assert "Waiting" in r.stdout and "The shot" not in r.stdout


def test_a_bad_time_is_a_usage_error() -> None:
    r = timeline_cli("--from", "9pm")
    assert r.returncode == 2 and "write HH:MM" in r.stderr and "Traceback" not in r.stderr


HOSTILE = "<script>alert(1)</script> *bold* | pipe \x1b[31mred"


def test_every_format_escapes_what_a_scenario_says(tmp_path: Path) -> None:
    scenario(tmp_path, "one", title=HOSTILE)
    scenario(tmp_path, "two")
    folders = [str(tmp_path / "one"), str(tmp_path / "two")]
    text = timeline_cli(*folders)
    assert text.returncode == 0, text.stderr
    assert "\x1b" not in text.stdout and "<script>alert(1)</script>" in text.stdout
    md = timeline_cli(*folders, "--format", "md").stdout
    assert "\\<script\\>" in md and "\\*bold\\*" in md and "\\| pipe" in md and "\x1b" not in md
    out = tmp_path / "line.html"
    assert timeline_cli(*folders, "--format", "html", "-o", str(out)).returncode == 0
    page = out.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x1b" not in page

    class Links(html.parser.HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.ids: set[str] = set()
            self.hrefs: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if a.get("id"):
                self.ids.add(str(a["id"]))
            if tag == "a" and a.get("href"):
                self.hrefs.append(str(a["href"]))

    links = Links()
    links.feed(page)
    # the scenes that share the event link to each other and to the event; every link lands
    assert {"#one--shot", "#two--shot", "#event-aurora_shot"} <= set(links.hrefs)
    assert all(h[1:] in links.ids for h in links.hrefs)
