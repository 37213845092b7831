"""`chronicle randomtest SCENARIO -n N --seed S [--json]`: seeded random playthroughs."""

from __future__ import annotations

import argparse
import sys

from engine.base.safe_text import json_text
from engine.commands._load import story_or_none
from engine.tools.randomtest import DEFAULT_MAX_STEPS, RandomReport, random_play


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario id or folder")
    p.add_argument("-n", "--playthroughs", type=_positive, default=1000, metavar="N", help="games (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0): the same seed, the same report")
    p.add_argument("--max-steps", type=_positive, default=DEFAULT_MAX_STEPS, metavar="N",
                   help=f"give up a game after N choices (default {DEFAULT_MAX_STEPS})")
    p.add_argument("--json", action="store_true")


def random_report_text(r: RandomReport) -> str:
    n = r.playthroughs
    out = [f"{r.story_id}: {n:,} random playthroughs (seed {r.seed}); mean length {r.mean_length:.1f} choices, "
           f"longest {r.longest} (game {r.longest_game + 1})", "", "Endings:"]
    for sid, k in sorted(r.endings.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"  {k:>8,}  {100 * k / n:5.1f}%  {sid}" + ("   NEVER REACHED" if not k else ""))
    if r.stuck:
        out += ["", "Stuck (a scene with no open choice):"]
        out += [f"  {k:>8,}  {100 * k / n:5.1f}%  {sid}" for sid, k in r.stuck.items()]
    if r.capped:
        out += ["", f"Gave up after {r.max_steps} choices: {r.capped:,} game(s) (a loop the dice do not leave?)"]
    out += ["", "Scenes (entries):"]
    out += [f"  {k:>8,}  {sid}" for sid, k in r.scene_hits.items()]
    out += ["", "Choices (taken):"]
    out += [f"  {k:>8,}  {cid}" for cid, k in r.choice_hits.items()]
    if r.arm_hits:
        out += ["", "Text branches (times shown):"]
        out += [f"  {k:>8,}  {a.describe()}" + ("   NEVER SHOWN" if not k else "") for a, k in r.arm_hits]
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    story = story_or_none(args.scenario)
    if story is None:
        return 1
    report = random_play(story, args.playthroughs, args.seed, args.max_steps)
    print(json_text(report.as_json()) if args.json else random_report_text(report))
    if report.problems:  # exit 1 tells CI: the story is not sound
        print(f"chronicle randomtest: {'; '.join(report.problems)}", file=sys.stderr)
        return 1
    return 0
