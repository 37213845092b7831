"""The HTML player's JavaScript runtime against the Python engine, and the exported page itself.

The differential test runs the runtime in Node (engine/classroom/assets/node_driver.js) on
thousands of seeded random games — choices and undos drawn from one xorshift32 generator that
both sides run — on every shipped scenario and on synthetic ones, and compares every state and
every page (scene, sources, disputes: the blocks of engine.play.pages) with the Python engine.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from engine.bench.synthetic import write_scenario
from engine.build.loader import list_scenarios, load_story
from engine.classroom.player import asset, csp, player_page, script_json, story_json
from engine.core import machine
from engine.core.model import Game, State, Story
from engine.core.prose import render
from engine.play import pages
from engine.play.session import Session
from engine.record.sources import load_record
from engine.saves.store import snapshot

ASSETS = Path(__file__).resolve().parent.parent / "engine" / "classroom" / "assets"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript runtime cannot run")


class XorShift:
    def __init__(self, seed: int) -> None:
        self.x = (seed & 0xFFFFFFFF) or 1

    def __call__(self) -> int:
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x


def _blocks(blocks: list[pages.PageBlock]) -> list[list[Any]]:
    return [[b.kind, b.text, b.number, b.extra, b.after, b.level] for b in blocks]


def game_seed(seed: int, run: int) -> int:
    """The seed of game `run` (its choice order): node_driver.js `gameSeed`."""
    return XorShift(seed * 7919 + run * 104729 + 17)()


def python_games(story: Story, runs: int, max_steps: int, seed: int,
                 chapter: str | None = None) -> list[list[tuple[State, list[Any]]]]:
    """The same games as node_driver.js `diff`, played by the Python engine."""
    scene_pages: dict[object, list[Any]] = {}
    panels: dict[object, list[Any]] = {}
    game = Game("test", 0, None)

    def page(state: State, note: str) -> list[Any]:
        # a scene page depends on the path only at an ending (the debrief) and for "after HH:MM"
        ending = machine.is_ending(story, state)
        key = (state, note) if ending else (state.scene, state.vars, state.visits, state.clock, bool(state.path), note)
        key = (key, game.seed)
        session = Session(story, state=state, game=game)
        if key not in scene_pages:
            scene_pages[key] = _blocks(pages.scene_page(session, note))
        shown = (state.scene, tuple(c.id for _, c, _ in session.rows()))
        if shown not in panels:
            panels[shown] = [_blocks(pages.sources_page(session)), _blocks(pages.disputes_page(session))]
        return [scene_pages[key], *panels[shown]]

    games = []
    for r in range(runs):
        rng = XorShift((seed + 1) * 1000003 + r * 7919 + 1)
        game = Game(f"game-{r}", game_seed(seed, r), chapter)
        state, note = machine.chapter_start(story, chapter), ""
        steps = [(state, page(state, note))]
        for _ in range(max_steps):
            if machine.is_ending(story, state):
                break
            x = rng()
            opened = Session(story, state=state, game=game).open_choices()
            if x % 11 == 0 and state.path:
                state, note = machine.undo(story, state), ""
            elif not opened:
                break
            else:
                choice = opened[x % len(opened)]
                state = machine.choose(story, state, choice)
                note = render(story, state, choice.note)  # as Session.choose: in the state it leads to
            steps.append((state, page(state, note)))
        games.append(steps)
    return games


def node_games(story: Story, tmp_path: Path, runs: int, max_steps: int, seed: int,
               chapter: str | None = None) -> dict[str, Any]:
    data = tmp_path / f"{story.id}.json"
    data.write_text(story_json(story, load_record()), encoding="utf-8")
    out = subprocess.run([str(NODE), str(ASSETS / "node_driver.js"), "diff", str(ASSETS / "runtime.js"), str(data),
                          str(runs), str(max_steps), str(seed), chapter or ""], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _js_state(story: Story, js: dict[str, Any]) -> dict[str, Any]:
    return {"scene": js["scene"], "vars": js["vars"], "visits": js["visits"], "clock": js["clock"],
            "path": js["path"]}


def compare(story: Story, tmp_path: Path, runs: int, max_steps: int, seed: int = 0,
            chapter: str | None = None) -> dict[str, int]:
    """Play the same games on both sides; assert every state and page agree; what was compared."""
    js = node_games(story, tmp_path, runs, max_steps, seed, chapter)
    py = python_games(story, runs, max_steps, seed, chapter)
    assert len(js["games"]) == len(py) == runs
    seen = {"steps": 0, "undos": 0, "endings": 0, "closed": 0}
    for n, (game, pg) in enumerate(zip(js["games"], py, strict=True)):
        jg = game["steps"]
        assert len(jg) == len(pg), f"game {n}: {len(jg)} steps in JavaScript, {len(pg)} in Python"
        last = Session(story, state=pg[-1][0], game=Game(f"game-{n}", game_seed(seed, n), chapter))
        expected_last = [_blocks(pages.history_page(last)), _blocks(pages.status_page(last))]
        assert game["last"] == json.loads(json.dumps(expected_last)), f"game {n}: history or status differ"
        for k, ((jstate, jpage), (pstate, ppage)) in enumerate(zip(jg, pg, strict=True)):
            expected = {"scene": pstate.scene, "vars": list(pstate.vars), "visits": list(pstate.visits),
                        "clock": pstate.clock, "path": list(pstate.path)}
            assert _js_state(story, jstate) == json.loads(json.dumps(expected)), f"game {n}, step {k}"
            assert js["renders"][jpage] == json.loads(json.dumps(ppage)), f"game {n}, step {k}: the pages differ"
            seen["steps"] += 1
            seen["undos"] += k > 0 and len(pstate.path) < len(pg[k - 1][0].path)
            seen["closed"] += any(b[0] == "closed" for b in ppage[0])
        seen["endings"] += machine.is_ending(story, pg[-1][0])
    return seen


@needs_node
@pytest.mark.parametrize("scenario", [p.name for p in list_scenarios()])
def test_runtime_matches_python_on_shipped_scenarios(scenario: str, tmp_path: Path) -> None:
    story = load_story(scenario)
    seen = compare(story, tmp_path, runs=1500, max_steps=80, seed=21)
    assert seen["steps"] > 10_000 and seen["undos"] > 500 and seen["endings"] > 500


CHAPTERS = [(p.name, name) for p in list_scenarios() for name, _ in load_story(p.name).chapters]


@needs_node
@pytest.mark.parametrize(("scenario", "chapter"), CHAPTERS)
def test_runtime_matches_python_from_each_chapter(scenario: str, chapter: str, tmp_path: Path) -> None:
    """A game started at a chapter: the historical path before it, its history page ("Before this
    chapter, as it happened"), and a debrief that counts only the player's decisions."""
    story = load_story(scenario)
    seen = compare(story, tmp_path, runs=100, max_steps=50, seed=5, chapter=chapter)
    assert seen["steps"] > 500


@needs_node
def test_the_runtime_reads_rows_by_the_field_names_the_data_sends(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Scene and choice rows are read through `fields`, never by position: with every field in
    the opposite place, the runtime still plays exactly as Python does."""
    from engine.classroom import player

    monkeypatch.setattr(player, "SCENE_FIELDS", player.SCENE_FIELDS[::-1])
    monkeypatch.setattr(player, "CHOICE_FIELDS", player.CHOICE_FIELDS[::-1])
    story = load_story("duma_march")
    data = player.story_data(story, None)
    assert data["fields"] == {"scene": list(player.SCENE_FIELDS), "choice": list(player.CHOICE_FIELDS)}
    assert [row[-1] for row in data["scenes"]] == list(story.scenes)  # "id" is now the last place of a row
    metas, before, after = player._chunked([story], None)  # a page's chunks name their scenes through the fields
    assert [sid for chunk in metas[0]["index"] for sid in chunk] == list(story.scenes)
    seen = compare(story, tmp_path, runs=200, max_steps=60, seed=3)
    assert seen["steps"] > 1000 and seen["endings"] > 50


@needs_node
@pytest.mark.parametrize("scenes", [100, 1000])
def test_runtime_matches_python_on_synthetic_scenarios(scenes: int, tmp_path: Path) -> None:
    story = load_story(write_scenario(tmp_path, scenes))
    seen = compare(story, tmp_path, runs=1000 if scenes == 100 else 300, max_steps=60, seed=scenes)
    assert seen["steps"] > 5000 and seen["undos"] > 100 and seen["endings"] > 50 and seen["closed"] > 100


@needs_node
def test_saves_and_checksums_match_the_terminal(tmp_path: Path) -> None:
    """A save made by the runtime is one the terminal's save code reads, and the other way round."""
    from engine.saves.savefile import decode
    from engine.saves.store import SaveStore

    story = load_story("malachite_hall")
    path = [c.id for c in machine.historical_path(story)][:6]
    state = machine.replay(story, path)
    data = tmp_path / "story.json"
    data.write_text(story_json(story, None), encoding="utf-8")
    store = SaveStore(tmp_path / "saves")
    saved = store.save("py", story, state)
    script = f"""
      const C = require({json.dumps(str(ASSETS / 'runtime.js'))});
      const fs = require('fs');
      const story = C.load(JSON.parse(fs.readFileSync({json.dumps(str(data))}, 'utf8')));
      const state = C.replay(story, {json.dumps(path)});
      process.stdout.write(C.saveDocument(story, state, 'js', '2026-01-01T00:00:00.000+00:00', {{id: 'g1', seed: 1}}));
      const back = C.readSave(story, fs.readFileSync({json.dumps(str(saved))}, 'utf8'));
      process.stderr.write(JSON.stringify(back.state));
    """
    out = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = decode(out.stdout.encode("utf-8"))
    assert doc.path == tuple(path) and doc.scenario == story.id and doc.content_hash == story.content_hash
    assert {"scene": doc.scene, "variables": doc.variables, "visits": doc.visits, "clock": doc.clock} == \
        snapshot(story, state)
    back = json.loads(out.stderr)
    assert back["path"] == path and back["scene"] == state.scene


def test_script_json_escapes_what_could_close_or_break_the_script() -> None:
    text = script_json({"a": "</script><!-- & \u2028\u2029 >"})
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029 >"}


@needs_node
def test_assets_are_valid_javascript() -> None:
    for name in ("runtime.js", "ui.js", "node_driver.js"):
        out = subprocess.run([str(NODE), "--check", str(ASSETS / name)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr


def test_assets_never_close_their_element_and_use_no_eval() -> None:
    for name in ("runtime.js", "ui.js", "player.css"):
        text = asset(name)
        assert "</" not in text, name
        assert not re.search(r"\beval\s*\(|new\s+Function|setTimeout\s*\(\s*['\"]|innerHTML|outerHTML|"
                             r"insertAdjacentHTML|document\.write", text), name


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.inline: dict[str, str] = {}
        self.handlers: list[str] = []
        self.external: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.handlers += [k for k in a if k.startswith("on")]
        self.external += [str(a[k]) for k in ("src", "href") if a.get(k)]
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.meta["csp"] = str(a.get("content"))
        if tag in ("script", "style"):
            self._in = f"{tag}:{a.get('type') or ''}:{a.get('id') or ''}"

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.inline[self._in] = self.inline.get(self._in, "") + data


def test_page_is_self_contained_with_a_hashed_policy() -> None:
    story = load_story("duma_march")
    html = player_page([story], load_record())
    p = _Page()
    p.feed(html)
    assert not p.handlers and not p.external
    script, style = p.inline["script::"], p.inline["style::"]
    assert p.meta["csp"].replace("&#x27;", "'") == csp(script, style)
    assert "default-src 'none'" in p.meta["csp"] and "unsafe" not in p.meta["csp"]
    data = json.loads(p.inline["script:application/json:chronicle-data"])
    assert data["stories"][0]["id"] == "duma_march" and "scenes" not in data["stories"][0]
    # every scene is in one of the chunks, and the start scene's chunk comes before the code
    chunks = [json.loads(v) for k, v in p.inline.items() if k.startswith("script:application/json:chronicle-0-chunk-")]
    assert sorted(row[0] for chunk in chunks for row in chunk) == sorted(story.scenes)
    first = html.index('id="chronicle-0-chunk-0"')
    assert first < html.index("<script>") < html.index('id="chronicle-0-cites"')


def test_export_html_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    one, every = tmp_path / "story.html", tmp_path / "class.html"
    assert main(["export", "html", "duma_march", "-o", str(one)]) == 0
    assert main(["export", "html", "--all", "-o", str(every)]) == 0
    page = one.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<title>The Duma March</title>" in page
    p = _Page()
    p.feed(every.read_text(encoding="utf-8"))
    ids = [s["id"] for s in json.loads(p.inline["script:application/json:chronicle-data"])["stories"]]
    assert sorted(ids) == sorted(folder.name for folder in list_scenarios())
    capsys.readouterr()
    assert main(["export", "html", "-o", str(tmp_path / "x.html")]) == 2
    assert main(["export", "html", "duma_march", "--all"]) == 2
    assert "give one scenario, or --all" in capsys.readouterr().err
    assert main(["export", "html", "no_such_scenario", "-o", str(tmp_path / "x.html")]) == 1
    assert not (tmp_path / "x.html").exists()


CONDITIONS = [
    "a * b > 5", "-a < b", "a + b == 7", "a - b >= -3", "min(a, b) <= max(c, 2)", "visited('x') or visits('y') > 2",
    "not f and a != 0", "s + 'x' == m", "not (a < b)", "not visited('x')", "a * a * a * a > 0",
    "(a + b) * 1000000000 < 5", "f == (c > 3)", "m != 'calm' and s == ''", "-(-a) == a", "max(a * b, -a * b) >= 0",
]
EFFECTS = [
    "a += b * 1000000000", "c = a", "c -= b", "s += s", "s = s + m", "m = s", "m += 'calm'", "f = not f",
    "a = -a * b; b = a + 1", "c += 1; c += 1", "a = min(a, 3) * max(b, -2)", "a = visits('x') + c",
    "s = m + s; m = 'angry'", "b -= a * a * a", "c = c * 1000 - a",
]


@needs_node
def test_expressions_evaluate_alike_at_the_edges(tmp_path: Path) -> None:
    """Saturation, clamping, long and astral strings, declared values, visits: both runtimes agree."""
    from engine.expressions.language import SATURATION, VarSpec, parse_condition, parse_effects

    specs = {"a": VarSpec("a", 0, "int"), "b": VarSpec("b", 1, "int"), "c": VarSpec("c", 2, "int", 0, 10),
             "f": VarSpec("f", 3, "bool"), "s": VarSpec("s", 4, "str"),
             "m": VarSpec("m", 5, "str", values=("calm", "angry", "calmcalm"))}
    vi = {"x": 0, "y": 1}
    rng = random.Random(20)
    ints = [0, 1, -1, 3, 7, 10, SATURATION, -SATURATION, SATURATION - 1, 10**14, 999_999_999, -31_622_777]
    texts = ["", "calm", "x" * 999, "\U0001F600" * 600, "ab\U0001F600" * 400, "angry"]
    cases = []
    for _ in range(400):
        v = (rng.choice(ints + [rng.randint(-10**6, 10**6)]), rng.choice(ints), rng.randint(0, 10),
             rng.random() < 0.5, rng.choice(texts), rng.choice(["calm", "angry", "calmcalm"]))
        cases.append((v, (rng.randint(0, 3), rng.randint(0, 20))))
    trees, expected = [], []
    for src in CONDITIONS:
        cond = parse_condition(src, specs, ["x", "y"])
        fn = cond.bind(vi)
        trees.append(["cond", cond.to_json(vi)])
        expected.append([fn(v, s) for v, s in cases])
    for src in EFFECTS:
        eff = parse_effects(src, specs, ["x", "y"])
        apply = eff.bind(vi)
        trees.append(["eff", eff.to_json(vi)])
        expected.append([list(apply(v, s)) for v, s in cases])
    data = tmp_path / "cases.json"
    data.write_text(json.dumps({"trees": trees, "cases": [[list(v), list(s)] for v, s in cases]}), encoding="utf-8")
    script = f"""
      const C = require({json.dumps(str(ASSETS / 'runtime.js'))});
      const d = JSON.parse(require('fs').readFileSync({json.dumps(str(data))}, 'utf8'));
      process.stdout.write(JSON.stringify(d.trees.map(([kind, t]) => d.cases.map(([v, s]) =>
        kind === 'cond' ? C.evaluate(t, v, s) : C.applyEffect(t, v, s)))));
    """
    out = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    sources = CONDITIONS + EFFECTS
    for k, (mine, theirs) in enumerate(zip(got, json.loads(json.dumps(expected)), strict=True)):
        for n, (x, y) in enumerate(zip(mine, theirs, strict=True)):
            assert x == y, (f"{sources[k]!r} on {repr(cases[n])[:200]}: "
                            f"JavaScript {repr(x)[:200]}, Python {repr(y)[:200]}")


@needs_node
def test_runtime_orders_choices_as_the_order_vectors_say() -> None:
    """The runtime's permutation is engine.core.order's (the vectors of tests/test_order.py)."""
    from tests.test_order import VECTORS

    script = f"""
      const C = require({json.dumps(str(ASSETS / 'runtime.js'))});
      const cases = {json.dumps([[s, sc, n] for s, sc, n, _ in VECTORS])};
      process.stdout.write(JSON.stringify(cases.map(([s, sc, n]) => C.permutation(s, sc, n))));
    """
    out = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [want for *_, want in VECTORS]


TEMPLATES = [
    "{a}", "a={a}, f={f}, s={s}!", "{{literal}} {a + b}", "{if f}yes{else}no{end}",
    "Line one\n  {if a > 0}\nPositive {a}\n  {elif a < 0}\nNegative\n{else}\nzero\n{end}\nafter",
    "{if visited('x')}seen {visits('x')} times{end}.", "{if f}{if a > 3}big{else}small{end}{end}|{m}",
    "x {if not f} {s} {end} y", "{s + m}", "{-a}", "{a * 1000000000}", "{max(a, b)} {min(a, b)}",
    "{if m == 'calm'}\n\ncalm\n\n{end}\n", "}} {{ {{if}}",
]


@needs_node
def test_templates_render_alike(tmp_path: Path) -> None:
    """Values of every type, nested and standalone tags, escapes: runtime.js renderText is
    engine.expressions.template's rendering."""
    from engine.expressions.language import SATURATION, VarSpec
    from engine.expressions.template import parse_template

    specs = {"a": VarSpec("a", 0, "int"), "b": VarSpec("b", 1, "int"), "f": VarSpec("f", 2, "bool"),
             "s": VarSpec("s", 3, "str"), "m": VarSpec("m", 4, "str", values=("calm", "angry"))}
    vi = {"x": 0}
    rng = random.Random(3)
    cases = [([rng.choice([0, 1, -1, 5, SATURATION, -SATURATION]), rng.randint(-9, 9), rng.random() < 0.5,
               rng.choice(["", "a b", "\U0001F600"]), rng.choice(["calm", "angry"])], [rng.randint(0, 3)])
             for _ in range(60)]
    parsed = {t: parse_template(t, specs, ["x"]) for t in TEMPLATES}
    expected = [[parsed[t].bind(vi).run(tuple(v), tuple(s), None) for v, s in cases] for t in TEMPLATES]
    data = tmp_path / "templates.json"
    data.write_text(json.dumps({"templates": {t: p.to_json(vi) for t, p in parsed.items()}, "texts": TEMPLATES,
                                "cases": cases}), encoding="utf-8")
    script = f"""
      const C = require({json.dumps(str(ASSETS / 'runtime.js'))});
      const d = JSON.parse(require('fs').readFileSync({json.dumps(str(data))}, 'utf8'));
      process.stdout.write(JSON.stringify(d.texts.map(t => d.cases.map(([v, s]) =>
        C.renderText({{templates: d.templates}}, t, {{vars: v, visits: s}})))));
    """
    out = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == expected


def _node(script: str) -> Any:
    out = subprocess.run([str(NODE), "-e", f"const C = require({json.dumps(str(ASSETS / 'runtime.js'))});\n" + script],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@needs_node
def test_chapter_starts_equal_python_for_every_chapter(tmp_path: Path) -> None:
    """C.chapterStart is machine.chapter_start on every chapter of every shipped scenario: the same
    scene, variables, visits, clock and path (the historical choices before the chapter)."""
    files, expected = {}, {}
    for folder in list_scenarios():
        story = load_story(folder.name)
        data = tmp_path / f"{story.id}.json"
        data.write_text(story_json(story, None), encoding="utf-8")
        files[story.id] = str(data)
        for name, _ in story.chapters:
            st = machine.chapter_start(story, name)
            expected[f"{story.id}/{name}"] = {"scene": st.scene, "vars": list(st.vars), "visits": list(st.visits),
                                              "clock": st.clock, "path": list(st.path)}
    assert len(expected) >= 2 * len(files)
    got = _node(f"""
      const fs = require('fs'), out = {{}};
      for (const [id, file] of Object.entries({json.dumps(files)})) {{
        const story = C.load(JSON.parse(fs.readFileSync(file, 'utf8')));
        for (const [name] of story.chapters) {{
          const st = C.chapterStart(story, name, C.newGame(story, 1, 'g', name));
          out[id + '/' + name] = {{scene: st.scene, vars: st.vars, visits: st.visits, clock: st.clock, path: st.path}};
        }}
      }}
      process.stdout.write(JSON.stringify(out));
    """)
    assert got == json.loads(json.dumps(expected))


# casefold's special cases: full folds (ß, ẞ, ﬁ, ŉ, ǰ), final sigma, the dotless ı and dotted İ,
# Cherokee (folds to capitals), the micro sign, long s, U+FEFF (no space to Python), astral letters
ACCOUNT_NAMES = ["Rabinowitch", "Strauß", "STRASSE", "Straẞe", "ﬁnn", "FINN", "ŉa", "ʼNA", "ǰan", "J̌AN", "ΟΔΟΣ",
                 "οδος", "οδοσ", "Iıl", "IIL", "İz", "i̇z", "Ꭰꭰ", "ꭰꭰ", "ᏸ", "Ᏸ", "µ", "μ", "ſun", "SUN", "\ufeffName",
                 "Name", "𐐀b", "𐐨B", "Gr\u00fc\u00dfe", "GRÜSSE", "Καλός", "ΚΑΛΟΣ"]


@needs_node
def test_dispute_lines_fold_case_as_python() -> None:
    """pages.account_line (str.casefold) and the runtime's accountLine (casefold) agree on every
    pair of names: "Strauß says ..." under the source "STRASSE" is not shown the name twice."""
    from engine.play.pages import account_line

    pairs = [[name, says + " says so, and more"] for name in ACCOUNT_NAMES for says in ACCOUNT_NAMES]
    pairs += [["Name", "\ufeffName: says"], ["Name,", "name; so"], ["A", ""], ["A", " \u3000 "]]
    got = _node(f"""
      const pairs = {json.dumps(pairs)};
      process.stdout.write(JSON.stringify([pairs.map(([n, s]) => C.accountLine(n, s)),
        {json.dumps(ACCOUNT_NAMES)}.map(C.casefold)]));
    """)
    assert got[0] == [account_line(n, s) for n, s in pairs]
    assert got[1] == [n.casefold() for n in ACCOUNT_NAMES]


STRIPPED = ["\ufeff", "\ufeffa\ufeff", " \t\n", "\u3000x\u2003", "\x1c\x1dx\x1e\x1f", "\u00a0", "\u200bx", "\u180ex",
            "\u0085a\u0085", "a b"]


@needs_node
def test_stripping_and_empty_saves_as_python(tmp_path: Path) -> None:
    """Python's str.strip and split (no U+FEFF, U+180E or U+200B; the \\x1c-\\x1f separators) in the
    runtime's pyStrip and words, and a save file of nothing but spaces, a BOM or a no-break space
    refused for the terminal's reason (bytes.strip: ASCII spaces only)."""
    from engine.saves.errors import SaveError
    from engine.saves.savefile import parse

    story = load_story("duma_march")
    data = tmp_path / "story.json"
    data.write_text(story_json(story, None), encoding="utf-8")
    files = ["", " \n\t", "\ufeff", "\u00a0", "\ufeff{}", "\u3000"]
    got = _node(f"""
      const story = C.load(JSON.parse(require('fs').readFileSync({json.dumps(str(data))}, 'utf8')));
      const texts = {json.dumps(STRIPPED)};
      const refused = {json.dumps(files)}.map(t => {{
        try {{ C.readSave(story, t); return null; }} catch (e) {{ return e.message; }}
      }});
      process.stdout.write(JSON.stringify([texts.map(C.pyStrip), texts.map(C.words), refused]));
    """)
    assert got[0] == [t.strip() for t in STRIPPED]
    assert got[1] == [" ".join(t.split()) for t in STRIPPED]
    for text, message in zip(files, got[2], strict=True):
        with pytest.raises(SaveError) as exc:
            parse(text.encode("utf-8"))
        assert message is not None and message.split(" (")[0] == str(exc.value).split(" (")[0], text


@needs_node
def test_chapter_games_in_saves_and_transcripts_as_the_terminal(tmp_path: Path) -> None:
    """A chapter game's save goes both ways with its chapter; its transcript header is the terminal's
    (format 2: game, seed, chapter and the given choices before the chapter)."""
    from engine.saves.savefile import decode
    from engine.saves.store import SaveStore
    from engine.saves.transcript import Transcript

    story = load_story("malachite_hall")
    name = story.chapters[-1][0]
    game = Game("0123456789abcdef", 77, name)
    state = machine.chapter_start(story, name)
    data = tmp_path / "story.json"
    data.write_text(story_json(story, None), encoding="utf-8")
    saved = SaveStore(tmp_path / "saves").save("py", story, state, game)
    header = json.loads((Transcript(tmp_path / "tr", story, "Anna", "9B", game=game, given=state.path).path)
                        .read_text(encoding="utf-8").splitlines()[0])
    got = _node(f"""
      const fs = require('fs');
      const story = C.load(JSON.parse(fs.readFileSync({json.dumps(str(data))}, 'utf8')));
      const game = C.newGame(story, 77, '0123456789abcdef', {json.dumps(name)});
      const state = C.origin(story, game);
      const back = C.readSave(story, fs.readFileSync({json.dumps(str(saved))}, 'utf8'));
      process.stdout.write(JSON.stringify([C.saveDocument(story, state, 'js', '2026-01-01T00:00:00.000+00:00', game),
        back.game, back.state.path, C.transcriptStart(story, 'Anna', '9B', 'now', game)]));
    """)
    doc = decode(got[0].encode("utf-8"))
    assert (doc.game_id, doc.seed, doc.chapter, doc.path) == (game.id, game.seed, name, state.path)
    assert got[1] == {"id": game.id, "seed": 77, "chapter": name} and got[2] == list(state.path)
    header.pop("started")
    got[3].pop("started")
    assert got[3] == header


GAMES: list[Any] = [None, 5, [], {}, {"id": ""}, {"id": 5}, {"id": "g"}, {"id": "g", "seed": True},
                    {"id": "g", "seed": -1}, {"id": "g", "seed": 2**32}, {"id": "g", "seed": None, "chapter": None},
                    {"id": "g", "seed": 3, "chapter": ""}, {"id": "g", "seed": 3, "chapter": 7},
                    {"id": "g", "seed": 3, "chapter": "x" * 101}, {"id": "g" * 101},
                    {"id": "g", "seed": 3, "chapter": "night"}, {"id": "g", "seed": 3, "chapter": "no such chapter"}]


@needs_node
def test_a_saves_game_is_judged_as_the_terminal_judges_it(tmp_path: Path) -> None:
    """The "game" of a save file (id, seed, chapter): refused or read alike by savefile.decode and
    the runtime's readSave; a chapter this version lacks is played from the beginning (session._adopt)."""
    from engine.saves.errors import SaveError
    from engine.saves.savefile import decode, encode
    from engine.saves.store import SaveStore

    story = load_story("malachite_hall")
    assert "night" in dict(story.chapters)
    saved = SaveStore(tmp_path / "saves").save("py", story, machine.start(story))
    base = json.loads(saved.read_text(encoding="utf-8"))
    base.pop("checksum")
    texts, expected = [], []
    for game in GAMES:
        doc = dict(base)
        if game is None:
            doc.pop("game", None)
        else:
            doc["game"] = game
        data = encode(doc)
        texts.append(data.decode("utf-8"))
        try:
            got = decode(data)
        except SaveError:
            expected.append(None)
            continue
        chapter = got.chapter if got.chapter in dict(story.chapters) else None
        expected.append({"id": got.game_id, "seed": got.seed, "chapter": chapter} if got.game_id else "no game")
    data = tmp_path / "story.json"
    data.write_text(story_json(story, None), encoding="utf-8")
    got = _node(f"""
      const story = C.load(JSON.parse(require('fs').readFileSync({json.dumps(str(data))}, 'utf8')));
      process.stdout.write(JSON.stringify({json.dumps(texts)}.map(t => {{
        try {{ const r = C.readSave(story, t); return r.game || 'no game'; }} catch (e) {{ return null; }}
      }})));
    """)
    assert got == expected
    assert expected.count(None) >= 8
