"""Stories built from plain data (through the real compiler) that stress the state-space tools,
and plain reference implementations of explore and random play over `engine.core.machine`.

The references are deliberately naive: one `choices`/`choose` call per step, tuple state keys,
no memo. The fast tools must agree with them exactly.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from engine.build.compiler import build
from engine.core.machine import choices, choose, is_ending, start
from engine.core.model import Story
from engine.expressions.language import VarSpec, parse_effects


def _choice(key: str, target: str, when: str | None = None, do: list[str] | None = None) -> dict[str, Any]:
    return {"key": key, "text": key, "target": target, "mark": None, "when": when, "do": do or [],
            "locked": None, "note": "", "record": [], "line": 1}


def _scene(sid: str, choices: list[dict[str, Any]], ending: str | None = None) -> dict[str, Any]:
    return {"id": sid, "title": sid, "place": "here", "text": "t", "time": None, "day": None, "record": [],
            "disputed": [], "events": [], "choices": choices,
            "ending": {"kind": ending, "debrief": "d"} if ending else None, "file": "x.yaml", "line": 1}


def _int(name: str, initial: int, lo: int | None, hi: int | None) -> dict[str, Any]:
    return {"name": name, "type": "int", "initial": initial, "min": lo, "max": hi, "values": None,
            "visible": False, "label": name}


def _story(scenes: list[dict[str, Any]], variables: list[dict[str, Any]], start: str = "a") -> Story:
    return build({
        "id": "statespace", "title": "State space", "summary": "", "role": "", "start": start,
        "date": "1917-10-25", "calendar": "julian", "clock": None, "variables": variables,
        "questions": [], "teacher_note": "", "length": "", "folder": "", "hash": "", "scenes": scenes,
    })


def visits_story() -> Story:
    """Conditions and effects that read visit counts, bounds crossed by plain and visit-reading
    effects, a softlock, a trap (a cycle with no way out) and an ending reached only by looping."""
    return _story([
        _scene("a", [
            _choice("loop", "b", do=["n += 1"]),
            _choice("count", "b", when="visits('b') >= 2", do=["n = n + visits('b') * 3"]),
            _choice("out", "end", when="visited('c') and n >= 3"),
            _choice("stuck", "dead", when="n == 2"),
            _choice("trap", "t1", when="visits('b') == 1", do=["flag = true"]),
        ]),
        _scene("b", [
            _choice("back", "a", do=["n -= 2", "m += 1"]),
            _choice("side", "c", when="not flag"),
        ]),
        _scene("c", [_choice("return", "a", do=["m = m - visits('c')"])]),
        _scene("dead", [_choice("never", "a", when="n > 100")]),
        _scene("t1", [_choice("go", "t2", do=["m += 2"])]),
        _scene("t2", [_choice("go", "t1"), _choice("maybe", "end", when="m > 50")]),
        _scene("end", [], "historical"),
    ], [_int("n", 0, 0, 4), _int("m", 0, -3, 3),
        {"name": "flag", "type": "bool", "initial": False, "min": None, "max": None, "values": None,
         "visible": False, "label": "flag"}])


def loops_story() -> Story:
    """No visit counts; scenes whose only unconditional way on loops back (not surely live),
    bounded and unbounded variables, and a conditional exit."""
    return _story([
        _scene("a", [_choice("on", "b", do=["x += 1"]), _choice("skip", "c", when="x >= 2", do=["x -= 3"]),
                     # from x == 2 the unclamped result is 4 > 3, though the clamped one is 2
                     _choice("bump", "b", when="x == 2", do=["x += 3", "x -= 1"])]),
        _scene("b", [_choice("back", "a", do=["y += 1"]), _choice("on", "c", when="y > 1 and x < 3")]),
        _scene("c", [_choice("home", "end", when="x == 0"), _choice("again", "a", do=["x = max(x - 1, 0)"]),
                     _choice("spin", "c", when="y < 4", do=["y += 2", "x += 1"])]),
        _scene("end", [], "counterfactual"),
    ], [_int("x", 0, 0, 3), _int("y", 0, None, 6)])


def wide_story(width: int = 300) -> Story:
    """A scene of `width` choices (more than a byte can pick), a third of them closed at first,
    and a three-way scene (a byte value that must be passed over)."""
    hub = [_choice(f"c{i}", "three" if i % 2 else "hub", when="n >= 1" if i % 3 == 0 else None,
                   do=["n += 1"] if i % 5 == 0 else None) for i in range(width)]
    return _story([
        _scene("hub", hub),
        _scene("three", [_choice("a", "hub"), _choice("b", "end"), _choice("c", "three", do=["n -= 1"])]),
        _scene("end", [], "historical"),
    ], [_int("n", 0, 0, 2)], start="hub")


# ---------------------------------------------------------------------------------------------
# references


def _raw(story: Story) -> dict[tuple[str, ...], Any]:
    specs = {v.name: VarSpec(v.name, v.index, v.type, None, None, v.values) for v in story.variables}
    index = {s: i for i, s in enumerate(story.tracked)}
    out = {}
    for sc in story.scenes.values():
        for c in sc.choices:
            if c.do and c.do not in out:
                out[c.do] = parse_effects(list(c.do), specs, list(story.scenes)).bind(index)
    return out


def reference_explore(story: Story, max_states: int = 1_000_000) -> dict[str, Any]:
    """What `engine.tools.explore.explore` must report, by a plain BFS over `engine.core.machine.choose`."""
    raw = _raw(story)
    s0 = start(story)
    key0 = (s0.scene, s0.vars, s0.visits)
    order = [s0._replace(path=())]
    index = {key0: 0}
    paths: list[list[str]] = [[]]
    succ: list[list[int]] = []
    softlocks: list[int] = []
    enabled: set[str] = set()
    bounds: list[tuple[str, str, int | None, int, str, list[str]]] = []
    bound_seen: set[tuple[str, str, str]] = set()
    limits = [v for v in story.variables if v.type == "int" and (v.min is not None or v.max is not None)]
    transitions = 0
    complete = True
    k = 0
    while k < len(order):
        state = order[k]
        if is_ending(story, state):
            succ.append([])
            k += 1
            continue
        mine: list[int] = []
        found: list[tuple[str, str, int | None, int, str, list[str]]] = []
        for c in choices(story, state):
            if c.test is not None:
                enabled.add(c.id)
            nxt = choose(story, state, c)
            if c.do:
                out = raw[c.do](state.vars, state.visits)
                for v in limits:
                    x = out[v.index]
                    below, above = v.min is not None and x < v.min, v.max is not None and x > v.max
                    side = "min" if below else "max" if above else ""
                    if side:
                        found.append((v.name, side, v.min if side == "min" else v.max, x, c.id, paths[k] + [c.id]))
            key = (nxt.scene, nxt.vars, nxt.visits)
            if key not in index:
                if len(order) >= max_states:
                    complete = False
                    break
                index[key] = len(order)
                order.append(nxt._replace(path=()))
                paths.append(paths[k] + [c.id])
            mine.append(index[key])
        if not complete:
            break
        for b in found:
            if (b[0], b[1], b[4]) not in bound_seen:
                bound_seen.add((b[0], b[1], b[4]))
                bounds.append(b)
        transitions += len(mine)
        if not mine:
            softlocks.append(k)
        succ.append(mine)
        k += 1
    expanded = k
    live = [i >= expanded or is_ending(story, order[i]) for i in range(len(order))]
    changed = True
    while changed:
        changed = False
        for i in range(expanded):
            if not live[i] and any(live[j] for j in succ[i]):
                live[i] = changed = True
    first_ending: dict[str, int] = {}
    for i, st in enumerate(order):
        if is_ending(story, st):
            first_ending.setdefault(st.scene, i)
    reached = {st.scene for st in order}
    return {
        "states": len(order), "transitions": transitions, "complete": complete, "expanded": expanded,
        "softlock_count": len(softlocks),
        "softlocks": [(order[i].scene, paths[i]) for i in softlocks[:20]],
        "doomed_states": live.count(False),
        "endings": {s: paths[i] for s, i in first_ending.items()},
        "reached": [s for s in story.scenes if s in reached],
        "never_enabled": [c.id for sc in story.scenes.values() for c in sc.choices
                          if sc.id in reached and c.test is not None and c.id not in enabled],
        "bounds": [(n, side, lim, x, cid, p if i < 20 else []) for i, (n, side, lim, x, cid, p) in enumerate(bounds)],
        "max_depth": len(paths[-1]),
    }


def _uniform(k: int, stream: Iterator[int]) -> int:
    """The documented draw: bytes b >= 256 - 256 % k are passed over, else b % k (groups of
    bytes, big-endian, for k > 256)."""
    size = 1
    while 256**size < k:
        size += 1
    while True:
        v = int.from_bytes(bytes(next(stream) for _ in range(size)), "big")
        if v < 256**size - 256**size % k:
            return v % k


def reference_random_play(story: Story, n: int, seed: int, max_steps: int) -> dict[str, Any]:
    """What `engine.tools.randomtest.random_play` must report, step by step over `engine.core.machine`.

    The documented draw: the bytes of `random.Random(seed).randbytes`, in order; a uniform pick
    among the open choices (`_uniform`).
    """
    rng = random.Random(seed)
    stream = iter(rng.randbytes(1 << 22))
    choice_hits = {c.id: 0 for sc in story.scenes.values() for c in sc.choices}
    endings = {s: 0 for s, sc in story.scenes.items() if sc.ending is not None}
    stuck: dict[str, int] = {}
    capped = total = 0
    longest, longest_game = 0, -1
    for game in range(n):
        state = start(story)
        steps = 0
        while True:
            if is_ending(story, state):
                endings[state.scene] += 1
                break
            if steps >= max_steps:
                capped += 1
                break
            open_ = choices(story, state)
            if not open_:
                stuck[state.scene] = stuck.get(state.scene, 0) + 1
                break
            pick = open_[_uniform(len(open_), stream)]
            state = choose(story, state, pick)
            choice_hits[pick.id] += 1
            steps += 1
        total += steps
        if steps > longest or longest_game < 0:
            longest, longest_game = steps, game
    return {"steps": total, "choice_hits": choice_hits, "endings": endings, "stuck": stuck, "capped": capped,
            "longest": longest, "longest_game": longest_game}
