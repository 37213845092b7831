"""`chronicle explore SCENARIO [--json] [--max-states N] [--max-memory MB]`: every reachable state, checked.

Exit status 1 when the exploration finds a problem (`ExploreResult.problems`) or is incomplete."""

from __future__ import annotations

import argparse
import sys
import time

from engine.base.safe_text import json_text
from engine.commands._load import story_or_none
from engine.tools.explore import DEFAULT_MAX_MEMORY, DEFAULT_MAX_STATES, ExploreResult, explore


def _megabytes(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return value


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario id or folder")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--max-states", type=int, default=DEFAULT_MAX_STATES, metavar="N",
                   help=f"stop after N distinct states (default {DEFAULT_MAX_STATES:,})")
    p.add_argument("--max-memory", type=_megabytes, default=DEFAULT_MAX_MEMORY >> 20, metavar="MB",
                   help=f"stop when the process holds more than MB megabytes (default {DEFAULT_MAX_MEMORY >> 20:,}; "
                        "0: no limit)")


def _path(ids: list[str]) -> str:
    return " > ".join(ids) if ids else "(the start)"


def explore_text(r: ExploreResult, seconds: float) -> str:
    out = [f"{r.story_id}: {r.states:,} states, {r.transitions:,} transitions, "
           f"longest path {r.max_depth} choices ({seconds:.2f} s)"]
    if not r.complete:
        limit = (f"--max-memory {(r.max_memory or 0) >> 20:,} MB" if r.stopped_by == "memory"
                 else f"--max-states {r.max_states:,}")
        out.append(f"INCOMPLETE: stopped at {limit}; {r.expanded:,} states fully "
                   f"explored, {len(r.reached_scenes)} of {len(r.reached_scenes) + len(r.unreachable_scenes)} "
                   "scenes reached so far. The lists below cover only what was explored.")
    out.append("")
    out.append("Endings:")
    for sid, e in r.endings.items():
        if e["reachable"]:
            out.append(f"  {sid} ({e['kind']}): {len(e['shortest_path'])} choices: {_path(e['shortest_path'])}")
        else:
            out.append(f"  {sid} ({e['kind']}): NEVER REACHED")
    problems = 0
    if r.unreachable_scenes:
        problems += 1
        out += ["", "Scenes never reached:"] + [f"  {s}" for s in r.unreachable_scenes]
    if r.never_enabled_choices:
        problems += 1
        out += ["", "Choices never open (their condition is never true where they are offered):"]
        out += [f"  {c}" for c in r.never_enabled_choices]
    if r.unreached_choices:
        out += ["", "Choices never offered (their scene is never reached):"] + [f"  {c}" for c in r.unreached_choices]
    if r.softlock_count:
        problems += 1
        out += ["", f"Softlocks: {r.softlock_count} state(s) with no open choice and no ending:"]
        for s in r.softlocks:
            shown = ", ".join(f"{k}={v}" for k, v in s.vars.items())
            out.append(f"  in {s.scene} with {shown or 'no variables'}: {_path(s.path)}")
    if r.traps:
        problems += 1
        out += ["", "Cycles with no way out (no ending can be reached from them):"]
        for t in r.traps:
            out.append(f"  scenes {', '.join(t.scenes)} ({t.states} states), entered by: {_path(t.path)}")
    if r.bounds:
        out += ["", "Effects whose result falls outside a variable's bounds (the engine clamps it):"]
        for b in r.bounds:
            where = f": {_path(b.path)}" if b.path else ""
            out.append(f"  {b.choice} would set {b.variable} to {b.raw} ({b.side} {b.limit}){where}")
    if r.unshown_arms:
        problems += 1
        out += ["", "Text branches no reachable state shows:"]
        out += [f"  {a.describe()}" for a in r.unshown_arms]
    if not problems and r.complete:
        out += ["", "No unreachable scenes, dead choices, unshown text, softlocks or inescapable cycles."]
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    story = story_or_none(args.scenario)
    if story is None:
        return 1
    t0 = time.perf_counter()
    result = explore(story, max_states=args.max_states,
                     max_memory=(args.max_memory << 20) if args.max_memory else None)
    seconds = time.perf_counter() - t0
    if args.json:
        data = result.as_json()
        data["seconds"] = round(seconds, 4)
        print(json_text(data))
    else:
        print(explore_text(result, seconds))
    if result.problems:  # exit 1 tells CI: the story is not sound, or not all of it was seen
        print(f"chronicle explore: {'; '.join(result.problems)}", file=sys.stderr)
        return 1
    return 0
