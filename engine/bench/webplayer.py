"""The HTML player's measurements for `chronicle bench`, and where the tools they need are found.

* `js_random_play`: the player's JavaScript runtime (engine/classroom/assets/runtime.js) in Node,
  random play on an exported story — the machine step alone (choose, then the open choices), and
  with the new scene's page built as well;
* `ink_random_play`: inkjs 2.x in the same Node on an ink story of the same shape (`ink_source`:
  the same scenes, texts, choices, conditions and clamped effects), compiled by inkjs's own
  compiler, each step a choice and the `ContinueMaximally` that produces the next scene's text;
* `minified_size`: the bytes of a player asset minified by esbuild (or terser) from the same
  node_modules, as a build tool would ship it (the export embeds the assets as written: a
  minifier is not at hand where `chronicle export html` runs, and the page stays readable);
* `first_paint`: the time from opening an exported file to its first contentful paint (the
  first scene: the runtime builds it before the browser's first paint) in headless Chromium,
  driven by Playwright for Python.

The tools are optional: `node_modules()` is `CHRONICLE_NODE_MODULES` or `.ci/js/node_modules`
(where .ci/run installs axe-core and inkjs), `chromium()` is `CHRONICLE_CHROMIUM` or a chromium
on the PATH; each measurement returns None with the reason when its tool is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from engine.base.paths import PROJECT
from engine.expressions.builtins import BUILTINS

__all__ = ["CHROMIUM_ARGS", "INK_CALLS", "chromium", "first_paint", "ink_random_play", "ink_source", "js_random_play",
           "minified_size", "node", "node_modules"]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ASSETS = Path(__file__).resolve().parent.parent / "classroom" / "assets"


def node() -> str | None:
    return shutil.which("node")


def node_modules() -> Path | None:
    """The folder holding axe-core and inkjs, if there is one."""
    given = os.environ.get("CHRONICLE_NODE_MODULES")
    for candidate in ([Path(given)] if given else []) + [PROJECT / ".ci" / "js" / "node_modules"]:
        if candidate.is_dir():
            return candidate
    return None


def minified_size(name: str) -> tuple[int, str] | str:
    """(bytes, the tool and version) of the asset `name` minified (esbuild --minify, else terser
    -c -m), or why it cannot be measured. The output is checked to be JavaScript Node accepts."""
    exe, modules = node(), node_modules()
    if exe is None:
        return "node is not installed"
    if modules is None:
        return "no minifier is installed (npm install --prefix .ci/js esbuild)"
    source = str(ASSETS / name)
    # esbuild's bin/esbuild is its native program once installed; terser's is a Node script
    tools = [("esbuild", modules / "esbuild" / "bin" / "esbuild", [source, "--minify"], False),
             ("terser", modules / "terser" / "bin" / "terser", [source, "-c", "-m"], True)]
    for tool, script, args, in_node in tools:
        if not script.is_file():
            continue
        version = json.loads((script.parent.parent / "package.json").read_text(encoding="utf-8")).get("version", "?")
        out = subprocess.run([exe, str(script), *args] if in_node else [str(script), *args], capture_output=True,
                             timeout=300)
        if out.returncode != 0:
            return f"{tool} failed: {out.stderr.decode('utf-8', 'replace').strip()[-300:]}"
        check = subprocess.run([exe, "--check"], input=out.stdout, capture_output=True, timeout=60)
        if check.returncode != 0:
            return f"{tool}'s output is not valid JavaScript"
        return len(out.stdout), f"{tool} {version}"
    return "no minifier is installed (npm install --prefix .ci/js esbuild)"


def chromium() -> str | None:
    given = os.environ.get("CHRONICLE_CHROMIUM")
    if given and Path(given).is_file():
        return given
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def js_random_play(data: Path, steps: int) -> tuple[float, float] | str:
    """(machine steps/s, steps/s with the page built) of the runtime in Node, or why not."""
    exe = node()
    if exe is None:
        return "node is not installed"
    script = """
      const C = require(process.argv[1]);
      const story = C.load(JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')));
      const total = +process.argv[3];
      function run(page) {
        let x = 1917, st = C.start(story), taken = 0;
        const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
        const t0 = process.hrtime.bigint();
        while (taken < total) {
          const open = C.rows(story, st).filter(r => r[0] !== null);
          if (C.isEnding(story, st) || !open.length) {
            st = C.start(story);
            if (page) C.scenePage(story, st, '', false);
            continue;
          }
          st = C.choose(story, st, open[next() % open.length][1]);
          if (page) C.scenePage(story, st, '', false);
          taken++;
        }
        return taken / (Number(process.hrtime.bigint() - t0) / 1e9);
      }
      run(false); run(true);
      process.stdout.write(JSON.stringify([run(false), run(true)]));
    """
    out = subprocess.run([exe, "-e", script, str(ASSETS / "runtime.js"), str(data), str(steps)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        return f"the runtime failed in node: {out.stderr.strip()[-300:]}"
    machine, paged = json.loads(out.stdout)
    return float(machine), float(paged)


_INK_OPS = {"and": "&&", "or": "||", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
            "add": "+", "sub": "-", "mul": "*", "concat": "+"}
# each built-in of `engine.expressions.builtins.BUILTINS` written in ink, {0}, {1}: its arguments
# (a scene's visit count is ink's read count of that scene's knot); a row for every built-in is tested
INK_CALLS = {"visited": "({0} > 0)", "visits": "{0}", "min": "MIN({0}, {1})", "max": "MAX({0}, {1})"}
_BUILTIN_NODES = {b.json: b for b in BUILTINS.values()}
_INK_UNSAFE = re.compile(r"[{}\[\]|#~*+\-=<>/\\\"]")


def _ink_expr(node: list[Any], names: list[str], tracked: list[str]) -> str:
    kind = node[0]
    if kind == "c":
        value = node[1]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return json.dumps(_INK_UNSAFE.sub("", value))
        return str(int(value))
    if kind == "v":
        return str(names[node[1]])
    if kind == "not":
        return f"(not {_ink_expr(node[1], names, tracked)})"
    if kind == "neg":
        return f"(-{_ink_expr(node[1], names, tracked)})"
    builtin = _BUILTIN_NODES.get(kind)
    if builtin is not None:  # a scene argument is its visit position: ink's own count of that knot
        args = [tracked[arg] if param == "scene" else _ink_expr(arg, names, tracked)
                for param, arg in zip(builtin.params, node[1:], strict=True)]
        return INK_CALLS[builtin.name].format(*args)
    return f"({_ink_expr(node[1], names, tracked)} {_INK_OPS[kind]} {_ink_expr(node[2], names, tracked)})"


def ink_source(data: dict[str, Any]) -> str:
    """An ink story of the same shape as an exported story (`engine.classroom.player.story_data`)."""
    names = [f"v_{v[0]}" for v in data["vars"]]
    tracked = [f"k_{s}" for s in data["tracked"]]
    fields = data["fields"]
    scenes = [dict(zip(fields["scene"], row, strict=True)) for row in data["scenes"]]
    knot = {sc["id"]: f"k_{sc['id']}" for sc in scenes}
    lines = [f"VAR {n} = {json.dumps(v[2]) if not isinstance(v[2], bool) else str(v[2]).lower()}"
             for n, v in zip(names, data["vars"], strict=True)]
    lines.append(f"-> {knot[data['start']]}")
    for sc in scenes:
        lines += [f"=== {knot[sc['id']]} ===", _INK_UNSAFE.sub("", sc["title"]),
                  _INK_UNSAFE.sub("", " ".join(sc["text"].split()))]
        if sc["ending"] is not None:
            lines += [_INK_UNSAFE.sub("", sc["ending"][1]) or "The end.", "-> END"]
            continue
        for row in sc["choices"]:
            ch = dict(zip(fields["choice"], row, strict=True))
            cond = f"{{{_ink_expr(ch['test'], names, tracked)}}} " if ch["test"] is not None else ""
            lines.append(f"+ {cond}[{_INK_UNSAFE.sub('', ch['text']) or 'Go on'}]")
            for st in ch["apply"] or []:
                index, op, kind, lo, hi, _allowed, expr = st
                value = _ink_expr(expr, names, tracked)
                target = names[index]
                if op != "=":
                    value = f"{target} {op[0]} {value}"
                if kind == "int":
                    value = f"MAX(MIN({value}, {hi}), {lo})"
                lines.append(f"  ~ {target} = {value}")
            lines.append(f"  -> {knot[ch['target']]}")
    return "\n".join(lines) + "\n"


def ink_random_play(data: dict[str, Any], steps: int, folder: Path) -> float | str:
    """inkjs's random-play steps per second on `ink_source(data)`, or why it cannot be measured."""
    exe, modules = node(), node_modules()
    if exe is None:
        return "node is not installed"
    if modules is None or not (modules / "inkjs").is_dir():
        return "inkjs is not installed (npm install --prefix .ci/js inkjs@2)"
    source = folder / "story.ink"
    source.write_text(ink_source(data), encoding="utf-8")
    script = """
      const ink = require(process.argv[1]);
      const story = new ink.Compiler(require('fs').readFileSync(process.argv[2], 'utf8')).Compile();
      const total = +process.argv[3];
      function run() {
        let x = 1917, taken = 0;
        const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
        story.ResetState(); story.ContinueMaximally();
        const t0 = process.hrtime.bigint();
        while (taken < total) {
          const n = story.currentChoices.length;
          if (!n) { story.ResetState(); story.ContinueMaximally(); continue; }
          story.ChooseChoiceIndex(next() % n);
          story.ContinueMaximally();
          taken++;
        }
        return taken / (Number(process.hrtime.bigint() - t0) / 1e9);
      }
      run();
      process.stdout.write(JSON.stringify(run()));
    """
    out = subprocess.run([exe, "-e", script, str(modules / "inkjs"), str(source), str(steps)],
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        return f"inkjs failed: {out.stderr.strip()[-300:]}"
    return float(json.loads(out.stdout))


def first_paint(page: Path, runs: int = 3) -> float | str:
    """Seconds from opening `page` to its first contentful paint (the first scene), median of `runs`."""
    exe = chromium()
    if exe is None:
        return "chromium is not installed (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright for Python is not installed (pip install playwright)"
    samples: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context()
                tab = context.new_page()
                tab.goto(page.resolve().as_uri(), wait_until="load", timeout=120_000)
                tab.wait_for_selector("#scene-title", timeout=120_000)
                ms = tab.evaluate("""() => new Promise(done => requestAnimationFrame(() => setTimeout(() => {
                    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                    done(fcp ? fcp.startTime : -1); }, 0)))""")
                context.close()
                if ms < 0:
                    return "the browser reported no first paint"
                samples.append(float(ms) / 1000)
        finally:
            browser.close()
    samples.sort()
    return samples[len(samples) // 2]
