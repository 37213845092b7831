"""Deterministic synthetic scenarios in the real format, for benchmarks and load tests.

`write_scenario(folder, scenes)` writes a scenario folder that passes `chronicle check`:

* `scenes` scenes, 2-4 choices each, about 60 words of prose each;
* four bounded integer variables (0..3) read by conditions and changed by effects;
* loops (choices that go back a few scenes), about 5% endings (every 20th scene, and the last);
* every scene cites a real passage of the seeds, verified against `engine.record.sources` while the
  pool of quotes is built; in every scene the open choice that goes on is historical and cites
  one too, so the historical path runs from the first scene to the last (a historical ending);
* the scenes are split over several files of at most `SCENES_PER_FILE` scenes, well under the
  loader's 1 MiB limit per file.

The same arguments always give byte-identical files (a fixed-seed `random.Random`), so a
benchmark is repeatable and its cache behaviour can be tested.
"""

from __future__ import annotations

import json
import random
import re
from functools import cache
from pathlib import Path

from engine.record.sources import Record, load_record

SCENES_PER_FILE = 500
ENDING_EVERY = 20
VARIABLES = ("morale", "supplies", "rumours", "delay")
VMAX = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_WORDS = (
    "the hall lamps burn low and the ministers wait beside the long table while messengers come "
    "and go along the river a cold wind carries the sound of distant guns you read the note again "
    "count the cadets still at their posts and weigh what the telephone has told you the square "
    "below is dark except for the fires of the sailors someone asks for tea someone else for news "
    "from the front nobody answers the clock on the mantel moves on and the palace feels larger "
    "and emptier with every hour that passes"
).split()


def _scene_id(i: int) -> str:
    return f"s{i:05d}"


@cache
def _pool(seeds_dir: str | None) -> tuple[tuple[str, str], ...]:
    """Sentences of the seeds (40-180 characters) that verify against the record, in order."""
    record: Record = load_record(seeds_dir)
    out: list[tuple[str, str]] = []
    for sid, source in record.sources.items():
        for para in source.text.split("\n"):
            for sentence in _SENTENCE_END.split(para.strip()):
                s = sentence.strip()
                if not 40 <= len(s) <= 180 or any(ord(c) < 32 for c in s):
                    continue
                if record.find(sid, s) is not None:
                    out.append((sid, s))
    if not out:  # pragma: no cover - the seeds always hold full sentences
        raise RuntimeError("no verifiable sentence in the seeds")
    return tuple(out)


def quote_pool(seeds_dir: str | None = None) -> tuple[tuple[str, str], ...]:
    """(source id, verified quote) pairs drawn from the seed texts."""
    return _pool(seeds_dir)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _prose(rng: random.Random, words: int) -> list[str]:
    text = " ".join(rng.choices(_WORDS, k=words))
    text = text[0].upper() + text[1:] + "."
    lines, line = [], ""
    for w in text.split():
        if line and len(line) + 1 + len(w) > 88:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return lines


def _condition(rng: random.Random) -> str:
    a, b = rng.sample(VARIABLES, 2)
    return rng.choice([
        f"{a} >= {rng.randint(1, VMAX)}",
        f"{a} < {rng.randint(1, VMAX)} and {b} > 0",
        f"not ({a} == {VMAX}) or {b} >= 2",
        f"{a} + {b} <= {VMAX + 1}",
    ])


def _effects(rng: random.Random) -> list[str]:
    a, b = rng.sample(VARIABLES, 2)
    return rng.choice([
        [f"{a} += 1"],
        [f"{a} -= 1"],
        [f"{a} += 1", f"{b} -= 1"],
        [f"{a} = max({b} - 1, 0)"],
        [f"{a} = 0"],
    ])


def _is_ending(i: int, n: int) -> bool:
    return i == n - 1 or (i % ENDING_EVERY == ENDING_EVERY - 1 and i > 0)


def _scene_yaml(i: int, n: int, rng: random.Random, pool: tuple[tuple[str, str], ...]) -> list[str]:
    sid = _scene_id(i)
    source, quote = pool[(i * 7) % len(pool)]
    minutes = (i * 13) % 1440
    out = [
        f"  {sid}:",
        f"    title: Scene {i + 1} of the long night",
        "    place: Malachite Hall, Winter Palace",
        f'    time: "{minutes // 60:02d}:{minutes % 60:02d}"',
        "    text: >",
        *(f"      {line}" for line in _prose(rng, rng.randint(55, 65))),
        "    record:",
        f"      - source: {source}",
        f"        quote: {_q(quote)}",
    ]
    if _is_ending(i, n):
        out += [
            "    ending:",
            f"      kind: {'historical' if i == n - 1 else 'counterfactual'}",
            "      epilogue: The night ends here, one way among many.",
            "      debrief: A synthetic ending, written for the benchmark.",
        ]
        return out
    out.append("    choices:")
    # the first choice always goes forward and is always open: no state is ever stuck; past an
    # ending, a second open choice leads on to the scene after it
    count = rng.randint(2, 4)
    targets = [i + 1]
    opened = 1
    if _is_ending(i + 1, n) and i + 2 < n:
        targets.append(i + 2)
        opened = 2
    back = max(0, i - rng.randint(1, 5))
    if _is_ending(back, n):
        back = max(0, back - 1)
    for target in (min(n - 1, i + rng.randint(2, 6)), back, min(n - 1, i + rng.randint(1, 3))):
        if len(targets) >= count:
            break
        targets.append(target)
    hist_source, hist_quote = pool[(i * 11 + 3) % len(pool)]
    for k, target in enumerate(targets):
        out += [
            f"      - id: c{k}",
            f"        text: {_q(' '.join(rng.choices(_WORDS, k=6)).capitalize())}",
            f"        goto: {_scene_id(target)}",
        ]
        if k >= opened:
            out.append(f"        when: {_q(_condition(rng))}")
            if k == 1 and rng.random() < 0.3:
                out.append("        locked: The moment for that has passed.")
        effects = _effects(rng)
        out.append(f"        do: {_q(effects[0])}" if len(effects) == 1
                   else f"        do: [{', '.join(_q(e) for e in effects)}]")
        if k == opened - 1:  # what happened: on, never into a counterfactual ending
            out += [
                "        historical: true",
                "        record:",
                f"          - source: {hist_source}",
                f"            quote: {_q(hist_quote)}",
            ]
        else:  # the fidelity rules: beside a historical option every other one is marked
            out.append("        counterfactual: true" if k == 2 else "        neutral: true")
    return out


def scenario_id(scenes: int) -> str:
    return f"synth_{scenes}"


def write_scenario(parent: str | Path, scenes: int, seed: int = 1917, seeds_dir: str | None = None,
                   per_file: int = SCENES_PER_FILE) -> Path:
    """Write the scenario `synth_<scenes>` into `parent` and return its folder (`per_file` scenes a file)."""
    if scenes < 2:
        raise ValueError("a synthetic scenario needs at least 2 scenes")
    pool = quote_pool(seeds_dir)
    folder = Path(parent) / scenario_id(scenes)
    (folder / "scenes").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 100_003 + scenes)
    variables = [f"  {v}: {{type: int, initial: {k % 2}, min: 0, max: {VMAX}, visible: true}}"
                 for k, v in enumerate(VARIABLES)]
    meta = [
        "format: 1",
        f"id: {scenario_id(scenes)}",
        f"title: Synthetic night ({scenes:,} scenes)",
        "summary: A generated scenario for measuring the engine; not a story.",
        "role: A minister",
        "length: as long as you like",
        f"start: {_scene_id(0)}",
        "clock: {date: 1917-10-25, calendar: julian}",
        "variables:",
        *variables,
        "questions:",
        "  - Did the engine keep up?",
        "",
    ]
    (folder / "scenario.yaml").write_text("\n".join(meta), encoding="utf-8")
    for part, first in enumerate(range(0, scenes, per_file)):
        lines = ["format: 1", "scenes:"]
        for i in range(first, min(scenes, first + per_file)):
            lines += _scene_yaml(i, scenes, rng, pool)
        lines.append("")
        (folder / "scenes" / f"part{part:03d}.yaml").write_text("\n".join(lines), encoding="utf-8")
    return folder
