"""The shown order of the choices: a pure function of (seed, scene), the same in JavaScript,
recorded with the game, pinned by `order: fixed`, and useless for finding what happened."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.core import machine
from engine.core.model import Game, Story
from engine.core.order import arrange, permutation
from engine.play.session import Session
from engine.saves.store import SaveStore
from engine.saves.transcript import read_transcript
from tests.helpers import ROOT

# test vectors for other runtimes: (seed, scene id, n) -> the shown order
VECTORS = [
    (0, "a", 5, [3, 2, 4, 1, 0]),
    (1, "noon_session", 3, [0, 2, 1]),
    (4294967295, "duma_vote", 4, [0, 1, 3, 2]),
    (12345, "Зал", 6, [2, 1, 5, 4, 3, 0]),
]

# the specification of engine.core.order, written out in JavaScript as the HTML player will
JS = r"""
function permutation(seed, sceneId, n) {
  let h = (2166136261 ^ seed) >>> 0;
  for (const b of new TextEncoder().encode(sceneId)) h = Math.imul(h ^ b, 16777619) >>> 0;
  const out = [...Array(n).keys()];
  let s = h;
  for (let i = n - 1; i > 0; i--) {
    s = (s + 0x6D2B79F5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1) >>> 0;
    t = (t ^ ((t + Math.imul(t ^ (t >>> 7), t | 61)) >>> 0)) >>> 0;
    const draw = (t ^ (t >>> 14)) >>> 0;
    const j = draw % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
const cases = JSON.parse(process.argv[1]);
console.log(JSON.stringify(cases.map(([seed, id, n]) => permutation(seed, id, n))));
"""


@pytest.fixture(scope="module")
def hall() -> Story:
    return load_story(ROOT / "scenarios" / "malachite_hall")


def test_vectors() -> None:
    for seed, scene, n, want in VECTORS:
        assert permutation(seed, scene, n) == want
    assert arrange("abc", None, "x") == ["a", "b", "c"]  # no seed: the author's order
    assert sorted(permutation(99, "s", 20)) == list(range(20))


def test_every_order_comes_up_evenly() -> None:
    seen = Counter(tuple(permutation(seed, "ultimatum_council", 3)) for seed in range(6000))
    assert len(seen) == 6
    assert all(800 < n < 1200 for n in seen.values()), seen


@pytest.mark.skipif(shutil.which("node") is None, reason="no JavaScript runtime (node) on this machine")
def test_javascript_computes_the_same_order_bit_for_bit() -> None:
    cases = [[s, sc, n] for s, sc, n, _ in VECTORS]
    cases += [[seed, f"scene_{seed % 97}", 2 + seed % 9] for seed in range(0, 2**32, 2**32 // 500)]
    out = subprocess.run(["node", "-e", JS, json.dumps(cases)], capture_output=True, text=True, timeout=60,
                         check=True)
    assert json.loads(out.stdout) == [permutation(s, sc, n) for s, sc, n in cases]


def _play_ones(story: Story, seed: int) -> tuple[int, float, int]:
    """Type 1 at every decision: (decisions on the record, the number chance expects, decisions)."""
    s = Session(story, game=Game(f"g{seed}", seed))
    hits, expected, decisions = 0, 0.0, 0
    while not s.is_ending():
        opened = s.open_choices()
        if len(opened) > 1 and any(c.mark == "historical" for c in opened):
            decisions += 1
            expected += 1 / len(opened)
            hits += opened[0].mark == "historical"
        s.handle("1")
    return hits, expected, decisions


def test_always_typing_1_does_no_better_than_chance(hall: Story) -> None:
    hits = expected = decisions = 0.0
    perfect = 0
    for seed in range(300):
        h, e, d = _play_ones(hall, seed)
        hits, expected, decisions = hits + h, expected + e, decisions + d
        perfect += h == d
    # each decision is a Bernoulli trial with p = 1/k: the hits stay within 4 standard deviations of chance
    sd = (expected * (1 - expected / decisions)) ** 0.5
    assert abs(hits - expected) < 4 * sd, (hits, expected, decisions)
    assert perfect == 0
    # nor does the author's own order (no seed) give history away: typing 1 leaves the record
    s = Session(hall)
    while not s.is_ending():
        s.handle("1")
    assert s.state.scene != "fortress"


def test_the_order_is_stable_through_undo_and_recorded(hall: Story, tmp_path: Path) -> None:
    store = SaveStore(tmp_path / "saves")
    s = Session(hall, store=store, transcripts=tmp_path / "t", game=Game("abc123", 42))
    s.begin()
    while len(s.open_choices()) < 2:
        s.handle("1")
    shown = [c.id for c in s.open_choices()]
    s.handle("1")
    s.handle("undo")
    assert [c.id for c in s.open_choices()] == shown
    s.handle("save mine")
    s.close()
    data = store.read("mine")
    assert (data.game_id, data.seed, data.chapter) == ("abc123", 42, None)
    s2 = Session(hall, store=store, game=Game("other", 7))
    s2.handle("load mine")
    assert s2.game == Game("abc123", 42) and [c.id for c in s2.open_choices()] == shown
    p = read_transcript(next((tmp_path / "t").glob("*.jsonl")))
    assert (p.game, p.seed) == ("abc123", 42) and p.path.name.endswith("-abc123.jsonl")


def test_a_fixed_scene_keeps_the_authors_order(tmp_path: Path) -> None:
    story = load_story(ROOT / "tests" / "fixtures" / "play" / "tour")
    assert story.fixed_order
    for seed in range(20):
        s = Session(story, game=Game("g", seed))
        assert [c.id for c in s.open_choices()] == [c.id for c in machine.choices(story, s.state)]
