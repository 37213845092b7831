"""`chronicle bench`: the engine's speed, measured the same way on any machine.

It writes deterministic synthetic scenarios (`engine.bench.synthetic`) of 100, 1,000 and 10,000 scenes
into a temporary folder and measures, with the real code paths:

* cold load (read, validate, compile; the seed texts included) and cached load (`load_story`
  with its compiled cache, whose scenes are decoded when first asked for), per size, and the
  cached load of the biggest with every scene decoded; the biggest cold load beside its baseline,
  PyYAML's C loader reading the same files, interleaved;
* the cold load of the biggest with its forked loading helper (`engine.build.workers`) and in one
  process (`CHRONICLE_JOBS=1`), interleaved, and what the helper saves: the numbers behind keeping it;
* peak memory of a whole process that cold-loads the 10,000-scene scenario, with the pages
  of its forked loading helper (`engine.build.workers`);
* random play (`engine.tools.randomtest.random_play`) in choice steps per second and exhaustive
  exploration (`engine.tools.explore.explore`) in states per second, on the 1,000-scene scenario,
  and the time to explore every shipped scenario completely;
* time to the first scene on screen, as whole processes: plain mode with stdin closed, and the
  full UI in a pseudo-terminal until the scene's title is drawn, each beside the time of
  `python -c "import yaml"` (plain) or `python -c "import rich, prompt_toolkit, yaml"` (UI)
  measured in the same run. Every one of these processes reads its compiled bytecode from one
  private folder (`PYTHONPYCACHEPREFIX`, filled by an untimed first run), as an installed
  Chronicle and its libraries do (pip compiles them), even where `PYTHONDONTWRITEBYTECODE` is set;
* an autosave (`engine.saves.store.SaveStore.autosave`);
* the HTML player (`engine.bench.webplayer`): its JavaScript runtime's random play on the
  1,000-scene scenario in Node next to inkjs 2.x on an ink story of the same shape in the same
  Node, the size of its code (minified by esbuild or terser where npm installed one), the size
  of the exported 10,000-scene page against the story's JSON, and the time from opening that
  page to its first scene painted in headless Chromium (each left out, with the reason, where
  node, inkjs, a minifier or chromium is missing).

Every figure is the median of several runs (one each with `--quick`) and carries the issue's
floor, when it has one, and whether it is met. `--only` runs some of the measurements (`STEPS`).
"""

from __future__ import annotations

import gc
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from engine.base import paths
from engine.base.paths import PROJECT

SIZES = (100, 1000, 10_000)
WALK_SIZE = 1000  # random play and exploration run on this scenario
# the measurements, in the order a full run makes them (`chronicle bench --only NAME,...`)
STEPS = ("generate", "loads", "fork", "memory", "walks", "shipped", "startup", "saving", "player", "editor")


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    floor: float | None = None  # the bound, in `unit`
    higher_is_better: bool = False
    note: str = ""

    @property
    def passes(self) -> bool | None:
        if self.floor is None:
            return None
        return self.value >= self.floor if self.higher_is_better else self.value <= self.floor

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit, "floor": self.floor,
                "floor_is": "minimum" if self.higher_is_better else "maximum", "passes": self.passes,
                "note": self.note}


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _yaml_loader() -> tuple[Any, str]:
    """PyYAML's own safe loader, libyaml's C one where present, and "C " when it is that one."""
    import yaml

    return (yaml.CSafeLoader, "C ") if hasattr(yaml, "CSafeLoader") else (yaml.SafeLoader, "")


def _yaml_read(folder: Path) -> list[Any]:
    """Every YAML file of a scenario read with `_yaml_loader()`: the baseline beside the cold load,
    what parsing alone costs on this machine this minute."""
    import yaml

    loader = _yaml_loader()[0]
    return [yaml.load(p.read_bytes(), Loader=loader) for p in sorted(folder.rglob("*.yaml"))]


def _timed(fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None) -> float:
    """The median wall time of `fn` over `runs` runs (with `before` run untimed each time)."""
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        gc.collect()
        t = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t)
        del result  # freeing what was loaded is not part of loading it
    return _median(samples)


@contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Bench:
    def __init__(self, quick: bool = False, progress: Callable[[str], None] | None = None) -> None:
        self.quick = quick
        self.runs = 1 if quick else 5
        self.progress = progress or (lambda _: None)
        self.figures: list[Figure] = []
        self.work = Path(tempfile.mkdtemp(prefix="chronicle-bench-"))
        self.cache = self.work / "cache"
        self.folders: dict[int, Path] = {}

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        self.progress(format_figure(figure))
        return figure

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    # -- the scenarios ---------------------------------------------------------------------------
    def generate(self) -> None:
        for n in SIZES:
            self.folder(n)

    def folder(self, n: int) -> Path:
        """The synthetic scenario of `n` scenes, written the first time it is asked for."""
        if n not in self.folders:
            from engine.bench.synthetic import write_scenario

            t = time.perf_counter()
            self.folders[n] = write_scenario(self.work / "scenarios", n)
            self.add(Figure(f"generate {n:,} scenes", round(time.perf_counter() - t, 3), "s",
                            note="writing the synthetic scenario (not a floor)"))
        return self.folders[n]

    # -- loading ---------------------------------------------------------------------------------
    def loads(self) -> None:
        from engine.build.loader import load_story
        from engine.record import sources

        fresh = iter(range(1_000_000))

        def cold_setup() -> None:  # an empty cache and no seed texts in memory: a first start
            os.environ["CHRONICLE_CACHE"] = str(self.cache / f"cold-{next(fresh)}")
            sources.load_record.cache_clear()  # type: ignore[attr-defined]

        for n in SIZES:
            folder = self.folder(n)
            load = partial(load_story, folder)
            if n == SIZES[-1]:  # the biggest beside its baseline, interleaved: both see the same minute
                samples: dict[str, list[float]] = {"cold": [], "yaml": []}
                for _ in range(self.runs):
                    samples["yaml"].append(_timed(partial(_yaml_read, folder), 1))
                    samples["cold"].append(_timed(load, 1, cold_setup))
                cold, base = _median(samples["cold"]), _median(samples["yaml"])
            else:
                cold = _timed(load, self.runs, cold_setup)
            self.add(Figure(f"cold load, {n:,} scenes", round(cold, 3), "s", 1.5 if n == 10_000 else None,
                            note="read, validate, compile, check every quote; seed texts and cache write included"))
            if n == SIZES[-1]:
                c = _yaml_loader()[1]
                self.add(Figure(f"read by PyYAML's {c}loader (baseline), {n:,} scenes", round(base, 3),
                                "s", note=f"yaml.load with {c and 'C'}SafeLoader over every file, one process, "
                                "measured interleaved with the cold load: what only parsing the YAML costs this "
                                "minute"))
                self.add(Figure(f"cold load / PyYAML read, {n:,} scenes", round(cold / base, 2), "x",
                                note="the whole cold load against the bare parse beside it (not a floor)"))
            with _env(CHRONICLE_CACHE=str(self.cache / "warm")):
                load_story(folder)  # fills the cache
                cached = _timed(load, max(3, self.runs))
            self.add(Figure(f"cached load, {n:,} scenes", round(cached, 4), "s", 0.15 if n == 10_000 else None,
                            note="unchanged since the last load: content hash, then the compiled cache "
                            "(scenes are decoded when first asked for)"))
            if n == SIZES[-1]:
                with _env(CHRONICLE_CACHE=str(self.cache / "warm")):
                    whole = _timed(partial(_every_scene, folder), max(3, self.runs))
                self.add(Figure(f"cached load and every scene decoded, {n:,} scenes", round(whole, 4), "s",
                                note="the same, then all the scenes asked for (not a floor)"))

    def fork(self) -> None:
        """The cold load of the biggest scenario with the forked loading helper (`engine.build.workers`)
        and in one process (`CHRONICLE_JOBS=1`), in interleaved pairs so that both see the same
        machine; and what the helper saves (one process / forked, above 1 when it pays)."""
        from engine.build import workers
        from engine.build.loader import load_story
        from engine.record import sources

        n = SIZES[-1]
        folder = self.folder(n)
        if not workers.can_fork():
            self.progress(f"  (no forked helper here: {workers.why_not() or 'it is turned off'}; no comparison)")
            return
        fresh = iter(range(1_000_000))
        samples: dict[str, list[float]] = {"1": [], "": []}
        for _ in range(max(3, self.runs)):
            for jobs in ("", "1"):  # "" = the default: the helper is forked
                with _env(CHRONICLE_CACHE=str(self.cache / f"fork-{next(fresh)}"), CHRONICLE_JOBS=jobs):
                    sources.load_record.cache_clear()  # type: ignore[attr-defined]
                    samples[jobs].append(_timed(partial(load_story, folder), 1))
        forked, alone = _median(samples[""]), _median(samples["1"])
        self.add(Figure(f"cold load {n:,}, one process", round(alone, 3), "s",
                        note="CHRONICLE_JOBS=1, interleaved with the next; baseline, same run"))
        self.add(Figure(f"cold load {n:,}, forked helper", round(forked, 3), "s",
                        note=f"the default on {workers.usable_cores()} usable cores"))
        self.add(Figure(f"cold load {n:,}, one process / forked", round(alone / forked, 2), "x", 1.0, True,
                        note="above 1: the helper pays for itself (medians of the pairs)"))

    def memory(self) -> None:
        """Peak memory of a whole process that cold-loads the biggest scenario, its forked helper
        (`engine.build.workers`) included: the process's resident size plus the helper's own pages,
        sampled every 2 ms from /proc (once it runs its own program), and never less than the process's
        own high-water mark (VmHWM). Without /proc, the two processes' `ru_maxrss` added (an upper bound)."""
        n = SIZES[-1]
        # its own peak: VmHWM where /proc has it (Linux's ru_maxrss of a started process also counts
        # what the process that started it held: it would report this big bench process instead)
        code = ("import resource, sys\nfrom engine.build.loader import load_story\nload_story(sys.argv[1])\n"
                "k = 1 << 20 if sys.platform == 'darwin' else 1024\n"
                "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / k\n"
                "try:\n"
                "    with open('/proc/self/status') as f:\n"
                "        own = next(int(x.split()[1]) for x in f if x.startswith('VmHWM:')) / 1024\n"
                "except (OSError, StopIteration, ValueError, IndexError):\n"
                "    pass\n"
                "print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / k)\n")
        samples = []
        for run in range(1 if self.quick else 3):
            env = {**os.environ, "CHRONICLE_CACHE": str(self.cache / f"memory-{run}"), "PYTHONPATH": _pythonpath()}
            proc = subprocess.Popen([sys.executable, "-c", code, str(self.folder(n))], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            sampled = _sample_tree(proc)
            out, err = proc.communicate(timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"the memory run failed: {err[-500:]}")
            own, helper = (float(x) for x in out.split())
            samples.append(max(sampled, own) if sampled is not None else own + helper)
        self.add(Figure(f"peak memory, cold load of {n:,} scenes", round(max(samples), 1), "MB", 120,
                        note="the whole process (interpreter included) and its loading helper's own pages; "
                        "the highest of the runs"))

    # -- playing ---------------------------------------------------------------------------------
    def walks(self) -> None:
        from engine.build.loader import load_story
        from engine.tools.explore import explore
        from engine.tools.randomtest import random_play

        with _env(CHRONICLE_CACHE=str(self.cache / "warm")):
            story = load_story(self.folder(WALK_SIZE))
        games = 2_000 if self.quick else 20_000
        rates = []
        for run in range(self.runs):
            t = time.perf_counter()
            report = random_play(story, games, seed=run + 1, max_steps=10_000)
            rates.append(report.steps / (time.perf_counter() - t))
        self.add(Figure(f"random play, {WALK_SIZE:,} scenes", round(_median(rates)), "steps/s", 1_000_000, True,
                        note=f"engine.tools.randomtest.random_play, {games:,} games"))
        rates = []
        states = 0
        for _ in range(self.runs):
            gc.collect()
            t = time.perf_counter()
            result = explore(story)
            rates.append(result.states / (time.perf_counter() - t))
            states = result.states
        self.add(Figure(f"exploration, {WALK_SIZE:,} scenes", round(_median(rates)), "states/s", 250_000, True,
                        note=f"engine.tools.explore.explore, {states:,} states"))

    def shipped(self) -> None:
        from engine.base.diagnostics import ChronicleError
        from engine.build.loader import list_scenarios, load_story
        from engine.tools.explore import explore

        with _env(CHRONICLE_CACHE=str(self.cache / "warm")):
            for folder in list_scenarios(paths.shipped("scenarios")):
                try:
                    story = load_story(folder)
                except ChronicleError:
                    self.progress(f"  (scenario {folder.name} does not check clean: not explored)")
                    continue
                results = []
                samples = []
                for _ in range(self.runs):
                    t = time.perf_counter()
                    results.append(explore(story))
                    samples.append(time.perf_counter() - t)
                complete = all(r.complete for r in results)
                self.add(Figure(f"explore all of {story.id}", round(_median(samples), 4) if complete else 99.0, "s",
                                1.0, note=f"{results[0].states:,} states" + ("" if complete else ", INCOMPLETE")))

    # -- starting --------------------------------------------------------------------------------
    def startup(self) -> None:
        from engine.base.diagnostics import ChronicleError
        from engine.build.loader import list_scenarios, load_story

        env = {**os.environ, "CHRONICLE_CACHE": str(self.cache / "warm"), "PYTHONPATH": _pythonpath(),
               # compiled bytecode for every process, as an installed package has it (pip compiles it): the
               # first, untimed run of each command writes it here, never into the project or site-packages
               "PYTHONPYCACHEPREFIX": str(self.work / "pycache")}
        env.pop("NO_COLOR", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        target: Path | None = None
        title = ""
        with _env(CHRONICLE_CACHE=env["CHRONICLE_CACHE"]):
            for folder in [*list_scenarios(paths.shipped("scenarios")), self.folder(SIZES[0])]:
                try:
                    story = load_story(folder)  # warms the cache, as a second start would find it
                except ChronicleError:
                    continue
                target, title = folder, story.scenes[story.start].title
                break
        assert target is not None
        saves = self.work / "saves"
        runs = 3 if self.quick else 9
        plain_cmd = [sys.executable, "-m", "engine", "play", str(target), "--plain", "--saves", str(saves)]
        tui_cmd = [sys.executable, "-m", "engine", "play", str(target), "--saves", str(saves)]
        yaml_cmd = [sys.executable, "-c", "import yaml"]
        ui_cmd = [sys.executable, "-c", "import rich, prompt_toolkit, yaml"]
        samples: dict[str, list[float]] = {"yaml": [], "plain": [], "ui": [], "tui": []}
        _process(plain_cmd, env, title)  # once untimed: the bytecode, and the operating system's file cache
        _pty_process(tui_cmd, env, title)
        _process(yaml_cmd, env, None)
        _process(ui_cmd, env, None)
        for _ in range(runs):  # interleaved, so that each pair sees the same machine
            samples["yaml"].append(_process(yaml_cmd, env, None))
            samples["plain"].append(_process(plain_cmd, env, title))
            samples["ui"].append(_process(ui_cmd, env, None))
            samples["tui"].append(_pty_process(tui_cmd, env, title))
        base_yaml, base_ui = _median(samples["yaml"]), _median(samples["ui"])
        self.add(Figure('python -c "import yaml"', round(base_yaml, 4), "s", note="baseline, same run"))
        self.add(Figure(f"plain mode, first scene ({target.name})", round(_median(samples["plain"]), 4), "s",
                        round(2 * base_yaml, 4), note="whole process, stdin closed; floor 2 x import yaml"))
        self.add(Figure("plain mode / import yaml", round(_median(samples["plain"]) / base_yaml, 2), "x",
                        note="the ratio behind the floor above"))
        self.add(Figure('python -c "import rich, prompt_toolkit, yaml"', round(base_ui, 4), "s",
                        note="baseline, same run"))
        self.add(Figure(f"full UI, first frame ({target.name})", round(_median(samples["tui"]), 4), "s",
                        round(1.2 * base_ui, 4), note="whole process in a pseudo-terminal until the scene's title "
                        "is drawn; floor 1.2 x import rich, prompt_toolkit, yaml"))
        self.add(Figure("full UI / import rich, prompt_toolkit, yaml", round(_median(samples["tui"]) / base_ui, 2),
                        "x", note="the ratio behind the floor above"))

    # -- saving ----------------------------------------------------------------------------------
    def saving(self) -> None:
        try:
            from engine.saves.store import SaveStore
        except ImportError:  # pragma: no cover - the saves module is part of the engine
            self.progress("  (engine.saves.store is missing: no save figure)")
            return
        from engine.build.loader import load_story
        from engine.core import machine

        with _env(CHRONICLE_CACHE=str(self.cache / "warm")):
            story = load_story(self.folder(WALK_SIZE))
        state = machine.start(story)
        for step in range(60):
            if machine.is_ending(story, state):
                break
            open_ = machine.choices(story, state)
            state = machine.choose(story, state, open_[step % len(open_)])
        store = SaveStore(self.work / "saves-bench")
        store.autosave(story, state)
        samples = []
        for _ in range(20 if self.quick else 200):
            t = time.perf_counter()
            store.autosave(story, state)
            samples.append(time.perf_counter() - t)
        self.add(Figure("autosave", round(_median(samples) * 1000, 3), "ms", 5.0,
                        note=f"engine.saves.store.SaveStore.autosave, a game of {len(state.path)} choices"))

    # -- the HTML player -------------------------------------------------------------------------
    def player(self) -> None:
        from engine.bench import webplayer
        from engine.build.loader import load_story
        from engine.classroom.player import asset, player_page, script_json, story_data
        from engine.record.sources import load_record

        record = load_record()
        data = story_data(load_story(self.folder(WALK_SIZE)), record)
        exported = self.work / "player-1000.json"
        exported.write_text(script_json(data), encoding="utf-8")
        steps = 200_000 if self.quick else 1_000_000
        js = webplayer.js_random_play(exported, steps)
        if isinstance(js, str):
            self.progress(f"  (the HTML player's random play is not measured: {js})")
        else:
            self.add(Figure(f"HTML player random play, {WALK_SIZE:,} scenes", round(js[0]), "steps/s",
                            note="runtime.js in Node: choose, then the open choices"))
            self.add(Figure(f"HTML player play with pages, {WALK_SIZE:,} sc.", round(js[1]), "steps/s",
                            note="runtime.js in Node: choose, then the scene's page built (text, choices)"))
        ink = webplayer.ink_random_play(data, 5_000 if self.quick else 20_000, self.work)
        if isinstance(ink, str):
            self.progress(f"  (inkjs is not measured: {ink})")
        else:
            self.add(Figure(f"inkjs 2.x random play, {WALK_SIZE:,} knots", round(ink), "steps/s",
                            note="the same shape in ink, in the same Node: a choice, then ContinueMaximally"))
            if not isinstance(js, str):
                self.add(Figure("HTML player / inkjs, random play", round(js[0] / ink, 1), "x", 10.0, True,
                                note="steps per second, the player's machine step against inkjs's"))
                self.add(Figure("HTML player / inkjs, with pages", round(js[1] / ink, 1), "x",
                                note="the player building each scene's page against inkjs's"))
        def stripped(code: str) -> int:
            code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
            lines = [line.strip() for line in code.splitlines()]
            return len("\n".join(x for x in lines if x and not x.startswith("//")).encode())

        runtime, ui = asset("runtime.js"), asset("ui.js")
        for name, label, code in (("runtime.js", "runtime", runtime), ("ui.js", "interface", ui)):
            small = webplayer.minified_size(name)
            shipped = f"{name} as shipped (embedded so): {len(code.encode()) / 1024:.1f} KB"
            if isinstance(small, str):
                self.progress(f"  (the minified size of {name} is not measured: {small})")
            else:
                self.add(Figure(f"HTML player {label}, minified", round(small[0] / 1024, 1), "KB",
                                30.0 if name == "runtime.js" else None, note=f"{small[1]}; {shipped}"))
            self.add(Figure(f"HTML player {label}, comments and indent off", round(stripped(code) / 1024, 1), "KB",
                            note=shipped))
        big = max(SIZES)
        story = load_story(self.folder(big))
        page = self.work / f"player-{big}.html"
        page.write_text(player_page([story], record), encoding="utf-8")
        size = page.stat().st_size
        compiled = len(script_json(story_data(story, record)).encode())
        self.add(Figure(f"HTML player page, {big:,} scenes", round(size / 2**20, 2), "MB",
                        note=f"the story's JSON alone: {compiled / 2**20:.2f} MB"))
        self.add(Figure(f"HTML page / compiled JSON, {big:,} scenes", round(size / compiled, 3), "x", 1.5))
        paint = webplayer.first_paint(page, runs=1 if self.quick else 3)
        if isinstance(paint, str):
            self.progress(f"  (the first paint is not measured: {paint})")
        else:
            self.add(Figure(f"HTML player first scene painted, {big:,} sc.", round(paint, 3), "s", 0.5,
                            note="headless Chromium: opening the file to its first contentful paint"))

    def editor(self) -> None:
        """The language server: from an edit of one file of the 1,000-scene scenario (50 scenes a file, as authors
        split them) to its fresh diagnostics, over stdio; beside it, the whole check of the same text in process.
        Then, from a clean edit that stops the historical path to its warning (W510), which the server checks
        after the rest: the whole story built and walked."""
        from engine.bench.synthetic import write_scenario
        from engine.build.compiler import analyze
        from engine.editor.client import Client
        from engine.editor.index import overlay_sources
        from engine.editor.server import PATH_PAUSE
        from engine.tools.lint import lint

        folder = write_scenario(self.work / "editor", WALK_SIZE, per_file=50)
        target = sorted((folder / "scenes").glob("*.yaml"))[len(list((folder / "scenes").glob("*.yaml"))) // 2]
        text = target.read_text(encoding="utf-8")
        uri = target.resolve().as_uri()
        client = Client([sys.executable, "-m", "engine", "lsp"], cwd=PROJECT,
                        env={**os.environ, "PYTHONPATH": _pythonpath()})
        try:
            client.initialize(folder)
            client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                    "text": text}})
            client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
            samples = []
            first_goto = text.index("goto: ") + len("goto: ")
            for k in range(3 if self.quick else 9):
                wrong = f"nowhere_{k}"
                edited = text[:first_goto] + wrong + text[text.index("\n", first_goto):]
                t = time.perf_counter()
                client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": k + 2},
                                                         "contentChanges": [{"text": edited}]})
                client.wait_for("textDocument/publishDiagnostics", partial(_names, uri, wrong))
                samples.append(time.perf_counter() - t)
            stopped = text.replace("historical: true", "neutral: true", 1)
            path_samples = []
            version = 100
            for k in range(3 if self.quick else 7):
                for edited, stops in ((stopped, True), (text + "\n" * (k + 1), False)):
                    version += 1
                    t = time.perf_counter()
                    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                             "contentChanges": [{"text": edited}]})
                    client.wait_for("textDocument/publishDiagnostics", partial(_has_code, uri, "W510", stops))
                    if stops:
                        path_samples.append(time.perf_counter() - t)
        finally:
            client.close()
        files = sorted([folder / "scenario.yaml", *(folder / "scenes").glob("*.yaml")])

        def whole_check() -> object:
            analysis = analyze(folder, sources=overlay_sources(files, {target: edited}))
            return lint(folder, analysis)

        baseline = _timed(whole_check, self.runs)
        self.add(Figure(f"whole check in process, {WALK_SIZE:,} scenes", round(baseline, 4), "s",
                        note="baseline, same run: `chronicle check` of the edited text, every file read again"))
        self.add(Figure(f"editor: fresh diagnostics after an edit, {WALK_SIZE:,} scenes", round(_median(samples), 4),
                        "s", 0.15, note="chronicle lsp over stdio, one file of 20 edited, median"))
        self.add(Figure(f"editor: the historical path after an edit, {WALK_SIZE:,} sc.",
                        round(_median(path_samples), 4), "s",
                        note="chronicle lsp: a clean edit that stops the historical path, to its W510 (checked "
                        f"after the rest, once typing pauses for {PATH_PAUSE:g} s); not a floor"))

    def run(self, only: tuple[str, ...] = STEPS) -> list[Figure]:
        with _env(CHRONICLE_CACHE=str(self.cache / "warm")):
            for name in STEPS:
                if name in only:
                    step: Callable[[], None] = getattr(self, name)
                    step()
        return self.figures


def _has_code(uri: str, code: str, present: bool, params: dict[str, Any]) -> bool:
    """Diagnostics published for `uri`, with (or without) one of code `code`."""
    return bool(params["uri"] == uri and any(d["code"] == code for d in params["diagnostics"]) == present)


def _names(uri: str, word: str, params: dict[str, Any]) -> bool:
    """Diagnostics published for `uri` that mention `word`."""
    return bool(params["uri"] == uri and any(word in d["message"] for d in params["diagnostics"]))


def _every_scene(folder: Path) -> object:
    from engine.build.loader import load_story

    story = load_story(folder)
    return list(story.scenes.values())


def _pythonpath() -> str:
    parts = [str(PROJECT), *([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])]
    return os.pathsep.join(parts)


_ANSI = re.compile(r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def _shown(raw: bytes) -> str:
    text = _ANSI.sub("", raw.decode("utf-8", "replace"))
    return " ".join(text.split())


def _process(cmd: list[str], env: dict[str, str], expect: str | None) -> float:
    """Wall time of a whole process with stdin closed; checks that it printed `expect`."""
    t = time.perf_counter()
    out = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120, cwd=PROJECT)
    elapsed = time.perf_counter() - t
    if expect is not None and " ".join(expect.split()) not in _shown(out.stdout):
        raise RuntimeError(f"{' '.join(cmd)} did not show {expect!r}: {out.stdout[-500:]!r} {out.stderr[-500:]!r}")
    return elapsed


def _pty_process(cmd: list[str], env: dict[str, str], expect: str, timeout: float = 60.0) -> float:
    """Seconds from starting `cmd` in a pseudo-terminal until `expect` is drawn; then it is stopped."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    want = " ".join(expect.split())
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=slave, stdout=slave, stderr=slave, cwd=PROJECT,
                            start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while True:
            left = timeout - (time.perf_counter() - t)
            if left <= 0:
                raise RuntimeError(f"the full UI did not show {expect!r} within {timeout:.0f} s: {seen[-800:]!r}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise RuntimeError(f"the full UI ended before showing {expect!r}: {seen[-800:]!r}")
            seen += chunk
            if b"\x1b[6n" in chunk:  # a cursor-position request: answer as a terminal would
                os.write(master, b"\x1b[1;1R")
            if want in _shown(seen):
                return time.perf_counter() - t
    finally:
        proc.kill()
        proc.wait(timeout=30)
        os.close(master)


def _smaps(pid: int) -> dict[str, float] | None:
    """A process's memory summary from /proc (MB), or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            text = f.read()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return out


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _sample_tree(proc: subprocess.Popen[str]) -> float | None:
    """The highest (resident size of `proc` + private pages of its children) seen while it runs;
    None where /proc cannot tell."""
    best: float | None = None
    mine = _cmdline(os.getpid())
    while proc.poll() is None:
        if _cmdline(proc.pid) == mine:  # forked but not yet exec'd: /proc shows this process's memory
            time.sleep(0.0005)
            continue
        main = _smaps(proc.pid)
        if main is None:
            if best is None and not os.path.exists(f"/proc/{proc.pid}"):
                return None
            time.sleep(0.002)
            continue
        total = main.get("Rss", 0.0)
        for child in _children(proc.pid):
            got = _smaps(child)
            if got is not None:
                total += got.get("Private_Clean", 0.0) + got.get("Private_Dirty", 0.0)
        best = total if best is None else max(best, total)
        time.sleep(0.002)
    return best


def format_figure(f: Figure) -> str:
    verdict = {True: "ok", False: "FAIL", None: "  "}[f.passes]
    floor = ""
    if f.floor is not None:
        floor = f"{'>=' if f.higher_is_better else '<='} {_num(f.floor)} {f.unit}"
    return f"{verdict:4} {f.name:48} {_num(f.value):>12} {f.unit:9} {floor}"


def _num(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:g}"


def run_bench(quick: bool = False, progress: Callable[[str], None] | None = None,
              only: tuple[str, ...] = STEPS) -> list[Figure]:
    bench = Bench(quick, progress)
    try:
        return bench.run(only)
    finally:
        bench.close()


def figures_json(figures: list[Figure]) -> str:
    return json.dumps([f.as_json() for f in figures], indent=2)
