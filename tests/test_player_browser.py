"""The exported HTML player in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Played to an ending by keyboard and by mouse, saved, reloaded, loaded, undone; save files going
both ways between the page and the terminal's save code; a transcript downloaded and read by
`chronicle report`; axe-core finding no WCAG 2.2 A/AA violation; XSS payloads in every field
shown as text with nothing run and no CSP violation. `.ci/run` installs chromium (apt) and
axe-core (npm, into .ci/js); where no browser can be had, these tests skip and say why.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.base.safe_text import clean_line
from engine.bench.synthetic import write_scenario
from engine.bench.webplayer import CHROMIUM_ARGS, chromium, node_modules
from engine.build.loader import load_story
from engine.classroom.player import player_page
from engine.core import machine
from engine.core.model import Choice, Game, State, Story
from engine.play.session import Session
from engine.record.sources import load_record
from engine.tools.playtime import chapter_minutes, whole_minutes
from tests.helpers import run_cli

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    exe = chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium; .ci/run installs it as root)")
    if sync_playwright is None:
        pytest.skip("playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    page = folder / "malachite_hall.html"
    page.write_text(player_page([load_story("malachite_hall")], load_record()), encoding="utf-8")
    return page


class Watch:
    """Console errors, page errors, dialogs and CSP violations of a page."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type in (
            "error", "warning") else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


def open_page(browser: Browser, path: Path, **context: Any) -> tuple[Page, Watch]:
    ctx = browser.new_context(accept_downloads=True, **context)
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("#scene-title")
    return page, watch


def open_as(browser: Browser, path: Path, student: str, class_name: str | None = None) -> tuple[Page, Watch]:
    """The page opened, and the student's name (and class) typed under Saves & name, as a student begins."""
    page, watch = open_page(browser, path)
    page.click("#b-saves")
    page.fill("#student", student)
    if class_name is not None:
        page.fill("#class-name", class_name)
    page.click("#saves-close")
    return page, watch


def game_of(page: Page, story: Story) -> Game:
    """The game on the page (its seed orders the choices), from its transcript's start event."""
    start = page.evaluate(f"JSON.parse(localStorage.getItem({json.dumps('chronicle/' + story.id + '/transcript')}))"
                          ".events[0]")
    return Game(start["game"], start["seed"], None)


def session_of(page: Page, story: Story, state: State) -> Session:
    """A terminal session showing `state` in the page's game: its choices in the page's order."""
    return Session(story, state=state, game=game_of(page, story))


def number_of(page: Page, story: Story, state: State, choice: Choice) -> int:
    return [c.id for c in session_of(page, story, state).open_choices()].index(choice.id) + 1


def check_scene(page: Page, story: Story, state: State) -> None:
    title = clean_line(story.scenes[state.scene].title)
    assert page.inner_text("#scene-title") == title
    assert page.evaluate("document.activeElement.id") == "scene-title"
    # the live region holds the new scene only
    assert page.evaluate("document.getElementById('announce').children.length") == 1
    assert page.inner_text("#announce").startswith(title)


def play_by_keys(page: Page, story: Story, state: State, path: list[Choice]) -> State:
    for choice in path:
        n = number_of(page, story, state, choice)
        assert n <= 9
        page.keyboard.press(str(n))
        state = machine.choose(story, state, choice)
        check_scene(page, story, state)
    return state


def test_keyboard_to_the_ending(browser: Browser, exported: Path) -> None:
    story = load_story("malachite_hall")
    page, watch = open_page(browser, exported)
    state = machine.start(story)
    check_scene(page, story, state)
    assert "Malachite Hall" in page.inner_text("#where") and "N.S." in page.inner_text("#where")
    path = machine.historical_path(story)
    # the first choice by Tab and Enter, the rest by number keys
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.choices') !== null")
    for _ in range(number_of(page, story, state, path[0]) - 1):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    state = machine.choose(story, state, path[0])
    check_scene(page, story, state)
    state = play_by_keys(page, story, state, path[1:])
    assert machine.is_ending(story, state)
    body = page.inner_text("#scene-body")
    assert "The end — What really happened" in body and "Debrief: your path beside the record" in body
    assert "You never left the record" in body and "Questions for discussion" in body
    assert story.questions[0].split()[0] in body
    assert not watch.problems and page.evaluate("window.__csp") == []


def test_mouse_to_an_ending_with_closed_choices_and_panels(browser: Browser, exported: Path) -> None:
    story = load_story("malachite_hall")
    page, watch = open_page(browser, exported)
    rng = random.Random(21)
    state = machine.start(story)
    saw_closed = False
    for _ in range(200):
        if machine.is_ending(story, state):
            break
        session = session_of(page, story, state)
        closed = [c for n, c, _ in session.rows() if n is None]
        shown = page.locator("#scene-body .choices .closed")
        assert shown.count() == len(closed)
        for k, c in enumerate(closed):
            saw_closed = True
            assert clean_line(c.locked or "") in shown.nth(k).inner_text()
        opened = session.open_choices()
        # the walk is drawn in the author's order, so that it does not depend on the page's seed
        choice = rng.choice(Session(story, state=state).open_choices())
        page.locator("#scene-body .choices button").nth(opened.index(choice)).click()
        state = machine.choose(story, state, choice)
        assert page.inner_text("#scene-title") == clean_line(story.scenes[state.scene].title)
        if choice.note:
            assert page.inner_text("#scene-body .note") == " ".join(choice.note.split())
    assert machine.is_ending(story, state)
    assert "Debrief" in page.inner_text("#scene-body")
    # the panels show the same pages as the terminal
    page.click("#b-undo")
    page.click("#b-sources")
    assert page.inner_text("#panel-title").startswith("Sources for")
    assert page.locator("#panel-body blockquote").count() >= 1
    assert "In context:" in page.inner_text("#panel-body") and "References" in page.inner_text("#panel-body")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "scene-title"
    page.click("#b-history")
    assert page.inner_text("#panel-title") == "Your path so far"
    page.click("#panel-close")
    assert not watch.problems and saw_closed


def test_saves_reload_load_undo_save_files_and_the_transcript(browser: Browser, exported: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main
    from engine.saves.savefile import decode
    from engine.saves.store import SaveStore

    story = load_story("malachite_hall")
    path = machine.historical_path(story)
    states = [machine.start(story)]
    for c in path:
        states.append(machine.choose(story, states[-1], c))
    page, watch = open_as(browser, exported, "Anna Petrova", "9B")
    play_by_keys(page, story, states[0], path[:3])
    page.click("#b-saves")
    page.fill("#slot", "before the storm")
    page.click("#b-save")
    assert 'Saved as "before the storm"' in page.inner_text("#message")
    page.click("#saves-close")
    play_by_keys(page, story, states[3], path[3:4])
    # a reload goes on where the game stood
    page.reload()
    page.wait_for_selector("#scene-title")
    assert page.inner_text("#scene-title") == clean_line(story.scenes[states[4].scene].title)
    assert "Welcome back" in page.inner_text("#message")
    page.click("#b-saves")
    assert page.input_value("#student") == "Anna Petrova"
    page.click("button[aria-label='Load before the storm']")
    check_scene(page, story, states[3])
    page.click("#b-undo")
    check_scene(page, story, states[2])
    # the page's save file is a terminal save
    page.click("#b-saves")
    with page.expect_download() as got:
        page.click("#b-export")
    doc = decode(Path(got.value.path()).read_bytes())
    store = SaveStore(tmp_path / "saves")
    assert store.restore(doc, story).state == states[2]
    # and a terminal save loads in the page
    saved = store.save("terminal", story, states[5])
    page.set_input_files("#import", str(saved))
    page.wait_for_selector("#message:has-text('Loaded the save file')")
    check_scene(page, story, states[5])
    # a damaged one is refused with the terminal's reason
    bad = tmp_path / "bad.json"
    bad.write_bytes(saved.read_bytes().replace(b'"clock"', b'"clocks"', 1))
    page.click("#b-saves")
    page.set_input_files("#import", str(bad))
    page.wait_for_selector("#message:has-text('Not loaded')")
    assert "checksum" in page.inner_text("#message")
    page.click("#saves-close")
    end = play_by_keys(page, story, states[5], path[5:])
    assert machine.is_ending(story, end)
    with page.expect_download() as got:
        page.click("text=Download my playthrough")
    folder = tmp_path / "transcripts"
    folder.mkdir()
    name = got.value.suggested_filename
    assert re.fullmatch(r"\d{8}-\d{6}-anna-petrova-malachite_hall-[0-9a-f]{16}\.jsonl", name)
    got.value.save_as(folder / name)
    events = [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]
    assert events[0]["event"] == "start" and events[0]["student"] == "Anna Petrova" and events[0]["class"] == "9B"
    assert events[-1]["event"] == "end" and any(e["event"] == "restore" for e in events)
    capsys.readouterr()
    assert main(["report", str(folder), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    text = json.dumps(report)
    assert "Anna Petrova" in text and story.id in text
    assert not watch.problems


def _axe(page: Page) -> list[dict[str, Any]]:
    modules = node_modules()
    assert modules is not None
    page.add_script_tag(path=str(modules / "axe-core" / "axe.min.js"))
    result = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(WCAG)}}}}})")
    return [{"id": v["id"], "help": v["help"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
            for v in result["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility(browser: Browser, exported: Path, scheme: str, tmp_path: Path) -> None:
    modules = node_modules()
    if modules is None or not (modules / "axe-core" / "axe.min.js").is_file():
        pytest.skip("axe-core is not installed (npm install --prefix .ci/js axe-core; .ci/run does)")
    story = load_story("malachite_hall")
    # axe is injected as a script, which the page's policy would (rightly) refuse
    page, _ = open_page(browser, exported, bypass_csp=True, color_scheme=scheme)
    assert _axe(page) == []
    page.click("#b-sources")
    assert _axe(page) == []
    page.click("#b-saves")
    assert _axe(page) == []
    page.click("#saves-close")
    page.click("#b-chapters")
    assert _axe(page) == []
    page.click("#panel-close")
    state = machine.start(story)
    play_by_keys(page, story, state, machine.historical_path(story))
    assert _axe(page) == []
    # readable at 320 px (and so at 200% zoom of 640 px): no sideways scrolling, targets 24 px and more
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    sizes = page.evaluate("[...document.querySelectorAll('button, input')].filter(e => e.offsetParent)"
                          ".map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    assert sizes and all(w >= 24 and h >= 24 for w, h in sizes)
    picker = tmp_path / "all.html"
    picker.write_text(player_page([load_story("malachite_hall"), load_story("duma_march")], load_record()),
                      encoding="utf-8")
    ctx = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = ctx.new_page()
    page.goto(picker.as_uri())
    page.wait_for_selector("#picker-title")
    assert _axe(page) == []


PAYLOAD = ("<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"></script>"
           "<a href=\"javascript:window.__xss=3\">link</a>\u2028{{DATA}} {{ x }}")


def _xss_scenario(parent: Path) -> Path:
    folder = write_scenario(parent, 25)
    q = json.dumps(PAYLOAD)
    meta = (folder / "scenario.yaml").read_text(encoding="utf-8")
    meta = meta.replace("title: Synthetic night (25 scenes)", f"title: {q}")
    meta = meta.replace("summary: A generated scenario for measuring the engine; not a story.", f"summary: {q}")
    meta = meta.replace("role: A minister", f"role: {q}")
    meta = meta.replace("visible: true}", f"visible: true, label: {q}}}")
    meta = meta.replace("  - Did the engine keep up?", f"  - {q}")
    (folder / "scenario.yaml").write_text(meta, encoding="utf-8")
    part = folder / "scenes" / "part000.yaml"
    text = part.read_text(encoding="utf-8")
    text = re.sub(r"title: Scene \d+ of the long night", lambda m: f"title: {q}", text)
    text = text.replace("place: Malachite Hall, Winter Palace", f"place: {q}")
    text = re.sub(r"(    text: >\n)((?:      .*\n)+)", lambda m: f"    text: {q}\n", text)
    text = re.sub(r"(        text: )\".*\"", lambda m: m.group(1) + q, text)
    text = text.replace("locked: The moment for that has passed.", f"locked: {q}")
    text = re.sub(r"(        goto: s\d+\n)", lambda m: m.group(1) + f"        note: {q}\n", text)
    text = text.replace("epilogue: The night ends here, one way among many.", f"epilogue: {q}")
    text = text.replace("debrief: A synthetic ending, written for the benchmark.", f"debrief: {q}")
    part.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("enforce_csp", [True, False])
def test_xss_payloads_are_shown_as_text(browser: Browser, tmp_path: Path, enforce_csp: bool) -> None:
    story = load_story(_xss_scenario(tmp_path))
    assert story.title == PAYLOAD
    html = tmp_path / "xss.html"
    html.write_text(player_page([story], load_record()), encoding="utf-8")
    # without the policy too: the page itself must never turn text into markup
    page, watch = open_page(browser, html, bypass_csp=not enforce_csp)
    shown = PAYLOAD.replace("\u2028", " ")
    state = machine.start(story)
    rng = random.Random(5)
    for _ in range(60):
        assert page.inner_text("#scene-title") == PAYLOAD.replace("\u2028", "\u2028")
        assert shown in page.inner_text("#scene-body").replace("\u2028", " ")
        page.click("#b-sources")
        page.click("#panel-close")
        page.click("#b-status")
        assert shown in page.inner_text("#panel-body").replace("\u2028", " ")
        page.click("#panel-close")
        if machine.is_ending(story, state):
            break
        opened = session_of(page, story, state).open_choices()
        choice = rng.choice(Session(story, state=state).open_choices())
        page.locator("#scene-body .choices button").nth(opened.index(choice)).click()
        state = machine.choose(story, state, choice)
    assert machine.is_ending(story, state)
    assert "Questions for discussion" in page.inner_text("#scene-body")
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed, a[href]').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2 + 2  # data, first chunk, code, cites
    assert page.evaluate("window.__csp") == [] and not watch.problems
    if enforce_csp:  # the policy really holds, and the watch would have seen a violation
        page.evaluate("document.body.appendChild(Object.assign(document.createElement('script'), "
                      "{textContent: 'window.__xss = 9'}))")
        page.wait_for_function("() => window.__csp.length > 0")
        assert page.evaluate("window.__xss") is None


def test_all_scenarios_with_a_picker(browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stories = [load_story("malachite_hall"), load_story("duma_march")]
    html = tmp_path / "class.html"
    html.write_text(player_page(stories, load_record()), encoding="utf-8")
    ctx = browser.new_context()
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(html.as_uri())
    page.wait_for_selector("#picker-title")
    assert page.evaluate("document.activeElement.id") == "picker-title"
    assert page.locator("#picker-list > li > button").count() == 2
    # the chapters under each scenario, with their minutes as `chronicle list` prints them
    code, listed, _ = run_cli(capsys, "list")
    assert code == 0
    for k, story in enumerate(stories):
        shown = page.locator("#picker-list > li").nth(k).locator("p.chapters button").all_inner_texts()
        assert shown == [f"{n} (about {whole_minutes(m)} min)" for n, _, m in chapter_minutes(story)]
        assert ", ".join(f"{n} ~{whole_minutes(m)} min" for n, _, m in chapter_minutes(story)) in listed
    for k, story in enumerate(stories):
        page.locator("#picker-list > li > button").nth(k).click()
        state = machine.start(story)
        check_scene(page, story, state)
        play_by_keys(page, story, state, machine.historical_path(story)[:2])
        page.click("#b-picker")
        page.wait_for_selector("#picker-title")
    # each scenario keeps its own game
    page.locator("#picker-list > li > button").nth(0).click()
    state = machine.replay(stories[0], [c.id for c in machine.historical_path(stories[0])[:2]])
    assert page.inner_text("#scene-title") == clean_line(stories[0].scenes[state.scene].title)
    assert not watch.problems


# ---- chapters, continued games and restarts: as the terminal game records them ---------------


def _report(capsys: pytest.CaptureFixture[str], folder: Path) -> dict[str, Any]:
    from engine.cli import main

    capsys.readouterr()
    assert main(["report", str(folder), "--format", "json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def _download(page: Page, folder: Path, selector: str = "#b-transcript") -> Path:
    folder.mkdir(exist_ok=True)
    with page.expect_download() as got:
        page.click(selector)
    target = folder / got.value.suggested_filename
    assert not target.exists()
    got.value.save_as(target)
    return target


def _row(report: dict[str, Any], story: Story) -> dict[str, Any]:
    """The one playthrough the report has of `story`."""
    sections = report["scenarios"] if "scenarios" in report else [report]
    section = next(s for s in sections if s["scenario"]["id"] == story.id) if "scenarios" in report else sections[0]
    assert len(section["roster"]) == 1, section["roster"]
    row: dict[str, Any] = section["roster"][0]
    return row


def test_a_chapter_from_the_page(browser: Browser, exported: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Chapters by keyboard: the game begins with machine.chapter_start's state, undo stops there,
    and the save file and the transcript carry the chapter as the terminal's do."""
    from engine.saves.savefile import decode
    from engine.saves.store import SaveStore

    story = load_story("malachite_hall")
    name = story.chapters[1][0]
    begin = machine.chapter_start(story, name)
    page, watch = open_page(browser, exported)
    assert "begin at a chapter" in page.inner_text("#message")
    page.focus("#b-chapters")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "panel-title"
    assert page.locator("#panel-body button").count() == 1 + len(story.chapters)
    target = page.locator("#panel-body button", has_text=f"\u201c{name}\u201d")
    assert clean_line(story.scenes[begin.scene].title) in page.inner_text("#panel-body")
    # each chapter with the minutes `chronicle list` gives it; the beginning without
    rows = page.locator("#panel-body li")
    assert "min)" not in rows.nth(0).inner_text()
    minutes = {chapter: m for chapter, _, m in chapter_minutes(story)}
    assert set(minutes) == {n for n, _ in story.chapters}
    for k, (chapter, _) in enumerate(story.chapters, start=1):
        assert rows.nth(k).inner_text().endswith(f"(about {whole_minutes(minutes[chapter])} min)")
    target.focus()
    page.keyboard.press("Enter")
    check_scene(page, story, begin)
    assert f'chapter "{name}"' in page.inner_text("#message")
    assert page.is_disabled("#b-undo")
    # the state is the terminal's: the page's save file restores to exactly chapter_start's state
    page.click("#b-saves")
    page.fill("#student", "Clara Zetkin")
    with page.expect_download() as got:
        page.click("#b-export")
    doc = decode(Path(got.value.path()).read_bytes())
    assert doc.chapter == name and doc.path == begin.path
    assert SaveStore(tmp_path / "saves").restore(doc, story).state == begin
    page.click("#saves-close")
    rest = list(machine.historical_path(story))[len(begin.path):]
    game = game_of(page, story)._replace(chapter=name)
    actions: list[str | int] = [number_of(page, story, begin, rest[0]), "undo"]
    state = play_by_keys(page, story, begin, rest[:1])
    page.click("#b-undo")
    check_scene(page, story, begin)
    assert page.is_disabled("#b-undo")  # nothing before the chapter to take back
    state = begin
    for c in rest:
        actions.append(number_of(page, story, state, c))
        state = play_by_keys(page, story, state, [c])
    assert machine.is_ending(story, state)
    history = page.locator("#scene-body")
    assert "Debrief" in history.inner_text()
    file = _download(page, tmp_path / "tr", "text=Download my playthrough")
    start = json.loads(file.read_text(encoding="utf-8").splitlines()[0])
    assert start["chapter"] == name and start["given"] == list(begin.path) and start["format"] == 2
    row = _row(_report(capsys, tmp_path / "tr"), story)
    assert row["chapter"] == name and row["student"] == "Clara Zetkin"
    assert row["choices"] == [c.id for c in rest] and row["undos"] == 1 and row["finished"]
    assert row["decisions"] == sum(1 for c in rest if len(story.scenes[c.scene].choices) > 1)
    # the terminal's game at the same chapter, by the same keys, writes the same transcript
    terminal, events = _terminal_row(story, game, tmp_path, capsys, actions, "Clara Zetkin")
    assert _events(file) == events and terminal["choices"] == row["choices"]
    assert not watch.problems


def test_a_chapter_from_the_picker(browser: Browser, tmp_path: Path) -> None:
    stories = [load_story("malachite_hall"), load_story("duma_march")]
    html = tmp_path / "class.html"
    html.write_text(player_page(stories, load_record()), encoding="utf-8")
    page = browser.new_context().new_page()
    watch = Watch(page)
    page.goto(html.as_uri())
    page.wait_for_selector("#picker-title")
    story = stories[1]
    name = story.chapters[-1][0]
    page.get_by_role("button", name=f"{story.title}: begin at the chapter \u201c{name}\u201d").click()
    check_scene(page, story, machine.chapter_start(story, name))
    assert not watch.problems


def test_a_continued_game_is_one_playthrough(browser: Browser, exported: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Played, downloaded, saved, reloaded, loaded, played to the end and downloaded again: the
    report joins the two downloads by the game's id into one playthrough, nothing counted twice."""
    story = load_story("malachite_hall")
    path = machine.historical_path(story)
    states = [machine.start(story)]
    for c in path:
        states.append(machine.choose(story, states[-1], c))
    folder = tmp_path / "handed-in"
    page, watch = open_as(browser, exported, "Boris Pasternak")
    play_by_keys(page, story, states[0], path[:3])
    page.click("#b-undo")
    play_by_keys(page, story, states[2], path[2:3])
    page.click("#b-saves")
    first = _download(page, folder)
    page.fill("#slot", "evening")
    page.click("#b-save")
    page.click("#saves-close")
    play_by_keys(page, story, states[3], path[3:5])
    page.reload()
    page.wait_for_selector("#scene-title")
    check_scene(page, story, states[5])
    page.click("#b-saves")
    page.click("button[aria-label='Load evening']")
    check_scene(page, story, states[3])
    end = play_by_keys(page, story, states[3], path[3:])
    assert machine.is_ending(story, end)
    second = _download(page, folder, "text=Download my playthrough")
    # pressed twice: a third part, with nothing new in it, changes no count
    third = _download(page, folder, "text=Download my playthrough")
    assert third.name.endswith("-3.jsonl") and second.name.endswith("-2.jsonl")
    heads = [json.loads(f.read_text(encoding="utf-8").splitlines()[0]) for f in (first, second, third)]
    assert heads[0]["game"] == heads[1]["game"] == heads[2]["game"]
    assert heads[0]["started"] < heads[1]["started"] <= heads[2]["started"]
    report = _report(capsys, folder)
    assert report["playthroughs"] == 1 if "playthroughs" in report else True
    row = _row(report, story)
    assert row["student"] == "Boris Pasternak" and row["finished"] and row["ending"] == end.scene
    assert row["choices"] == [c.id for c in path]
    assert row["undos"] == 1 and row["restarts"] == 0
    assert row["decisions"] == sum(1 for c in path if len(story.scenes[c.scene].choices) > 1)
    assert any("continued later" in f for f in row["flags"])
    assert not watch.problems


def _events(file: Path) -> list[dict[str, Any]]:
    """A transcript's events without what depends on the clock."""
    events = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    return [{k: v for k, v in e.items() if k not in ("started", "ended", "seconds")} for e in events]


def _terminal_row(story: Story, game: Game, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                  actions: list[str | int], student: str = "Boris Pasternak",
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report's row of the same actions in the terminal game (its session, its transcript),
    and the transcript's events."""
    from engine.saves.store import SaveStore

    folder = tmp_path / "terminal"
    session = Session(story, store=SaveStore(tmp_path / "terminal-saves"), student=student,
                      transcripts=folder, game=game)
    session.begin()
    for act in actions:
        if act == "restart":
            session.restart()
        elif act == "undo":
            session.undo()
        else:
            assert isinstance(act, int)
            session.take(act)
    session.close()
    (file,) = folder.iterdir()
    return _row(_report(capsys, folder), story), _events(file)


def test_a_restart_is_one_playthrough_as_in_the_terminal(browser: Browser, exported: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    story = load_story("malachite_hall")
    path = machine.historical_path(story)
    page, watch = open_as(browser, exported, "Boris Pasternak")
    game = game_of(page, story)
    actions: list[str | int] = []
    state = machine.start(story)
    for c in path[:2]:
        actions.append(number_of(page, story, state, c))
        state = play_by_keys(page, story, state, [c])
    # "Play again" at the end and "Restart" are one action: asked first, then the same game again
    page.click("#b-restart")
    page.click("text=Yes, start again")
    actions.append("restart")
    state = machine.start(story)
    check_scene(page, story, state)
    assert "You start again from the beginning." in page.inner_text("#message")
    assert "earlier-malachite_hall-" in page.inner_text("#message")
    assert game_of(page, story) == game  # the same game: one playthrough
    for c in path:
        actions.append(number_of(page, story, state, c))
        state = play_by_keys(page, story, state, [c])
    file = _download(page, tmp_path / "page", "text=Download my playthrough")
    row = _row(_report(capsys, file.parent), story)
    assert row["restarts"] == 1 and row["choices"] == [c.id for c in path] and row["finished"]
    terminal, events = _terminal_row(story, game, tmp_path, capsys, actions)
    assert _events(file) == events  # the same transcript, event for event
    keep = ("student", "chapter", "choices", "decisions", "departures", "undos", "restarts", "ending", "ending_kind",
            "finished", "closed_before_the_end")
    assert {k: row[k] for k in keep} == {k: terminal[k] for k in keep}
    page.click("#b-saves")
    assert page.locator("#slot-list li", has_text="earlier-malachite_hall-").count() == 1
    assert not watch.problems


def test_a_terminal_game_finished_in_the_page_is_one_playthrough(browser: Browser, exported: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Begun in the terminal, saved to a file, loaded in the page, finished and downloaded: the
    page goes on with the terminal's game (its id and order), and the report joins the terminal's
    transcript and the page's into one playthrough."""
    from engine.saves.store import SaveStore

    story = load_story("malachite_hall")
    path = machine.historical_path(story)
    folder = tmp_path / "class"
    game = Game("00c0ffee00c0ffee", 4242, None)
    # the two computers' files, handed in to one folder of the teacher's (the page's part may begin
    # in the same second as the terminal's here, as no student could: the file names would meet)
    session = Session(story, store=SaveStore(tmp_path / "saves"), student="Dora Kaplan",
                      transcripts=folder / "terminal", game=game)
    session.begin()
    for c in path[:4]:
        session.take([x.id for x in session.open_choices()].index(c.id) + 1)
    session.undo()
    session.take([x.id for x in session.open_choices()].index(path[3].id) + 1)
    session.save("to-the-browser")
    session.close()
    saved = tmp_path / "saves" / "to-the-browser.save.json"
    assert saved.is_file()
    page, watch = open_page(browser, exported)
    page.click("#b-saves")
    page.fill("#student", "Dora Kaplan")
    page.set_input_files("#import", str(saved))
    page.wait_for_selector("#message:has-text('Loaded the save file')")
    state = machine.replay(story, [c.id for c in path[:4]])
    check_scene(page, story, state)
    assert game_of(page, story) == game  # the terminal's game goes on, in its own order
    end = play_by_keys(page, story, state, path[4:])
    assert machine.is_ending(story, end)
    _download(page, folder / "page", "text=Download my playthrough")
    assert len(list(folder.rglob("*.jsonl"))) == 2
    row = _row(_report(capsys, folder), story)
    assert row["student"] == "Dora Kaplan" and row["finished"] and row["choices"] == [c.id for c in path]
    assert row["undos"] == 1 and row["restarts"] == 0
    assert not watch.problems


def test_a_game_set_aside_is_handed_in_with_the_next_download(browser: Browser, exported: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A student plays, then begins a chapter (another game takes the screen) and downloads: the
    first game's moves come too, in their own file, and the report has both games, nothing twice."""
    story = load_story("malachite_hall")
    path = machine.historical_path(story)
    page, watch = open_as(browser, exported, "Alexandra Kollontai")
    first_game = game_of(page, story)
    play_by_keys(page, story, machine.start(story), path[:2])
    name = story.chapters[1][0]
    begin = machine.chapter_start(story, name)
    page.click("#b-chapters")
    page.locator("#panel-body button", has_text=f"\u201c{name}\u201d").click()
    check_scene(page, story, begin)
    second_game = game_of(page, story)
    assert second_game.id != first_game.id
    rest = list(path[len(begin.path):])
    play_by_keys(page, story, begin, rest[:1])
    got: list[Any] = []
    page.on("download", lambda d: got.append(d))
    folder = tmp_path / "handed-in"
    folder.mkdir()

    def downloads(count: int) -> tuple[list[Path], str]:
        got.clear()
        page.click("#b-saves")  # the download is in the Saves & name panel
        page.click("#b-transcript")
        for _ in range(200):  # each download is an event; a guard of ten seconds against none coming
            if len(got) >= count:
                break
            page.wait_for_timeout(50)
        page.wait_for_timeout(200)  # and no more than asked for
        assert len(got) == count, [d.suggested_filename for d in got]
        message = page.inner_text("#message")
        page.click("#saves-close")
        files = []
        for d in got:
            files.append(folder / d.suggested_filename)
            assert not files[-1].exists()
            d.save_as(files[-1])
        return files, message

    files, message = downloads(2)
    assert "the moves of your other game" in message
    games = {json.loads(f.read_text(encoding="utf-8").splitlines()[0])["game"]: f for f in files}
    assert set(games) == {first_game.id, second_game.id}
    report = _report(capsys, folder)
    sections = report["scenarios"] if "scenarios" in report else [report]
    rows = [r for s in sections for r in s["roster"]]
    assert len(rows) == 2
    first = next(r for r in rows if r["chapter"] is None)
    second = next(r for r in rows if r["chapter"] == name)
    assert first["choices"] == [c.id for c in path[:2]] and first["student"] == "Alexandra Kollontai"
    assert second["choices"] == [c.id for c in rest[:1]] and not second["finished"]
    # handed in once: the next download is the game on screen alone
    (again,), message = downloads(1)
    assert "other game" not in message
    assert json.loads(again.read_text(encoding="utf-8").splitlines()[0])["game"] == second_game.id
    report = _report(capsys, folder)
    sections = report["scenarios"] if "scenarios" in report else [report]
    assert sum(len(s["roster"]) for s in sections) == 2  # still two games, joined by id, nothing twice
    assert not watch.problems
