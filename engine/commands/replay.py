"""`chronicle replay PLAN ...`: run golden playthroughs; `--bless*`: write them.

    chronicle replay scenarios/malachite_hall/plans/historical.yaml
    chronicle replay malachite_hall                 # every plan in the scenario's plans/
    chronicle replay --bless saves/anna.jsonl -o plan.yaml
    chronicle replay --bless-historical malachite_hall
    chronicle replay --bless-endings malachite_hall
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.base.diagnostics import ChronicleError
from engine.base.durable import write_output
from engine.base.safe_text import json_text
from engine.build.loader import find_scenario, is_scenario
from engine.commands._load import story_or_none
from engine.core.machine import ChoiceError, historical_path
from engine.core.model import Story
from engine.tools.explore import explore
from engine.tools.plans import Plan, load_plan, plan_text, read_path, run_plan


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("plans", nargs="*", help="plan files, folders of plans, or scenarios (their plans/)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bless", metavar="FILE", help="write a plan from a transcript (.jsonl) or save (.json)")
    p.add_argument("-o", "--output", metavar="PLAN", help="with --bless: where to write (default: print)")
    p.add_argument("--scenario", help="the scenario (an id or a folder): for plans, instead of the one each names "
                   "(which is otherwise looked for beside the plan, then in scenarios/); with --bless, "
                   "when the file does not name it")
    p.add_argument("--bless-historical", metavar="SCENARIO",
                   help="write plans/historical.yaml: the historical path")
    p.add_argument("--bless-endings", metavar="SCENARIO",
                   help="write plans/ending_<id>.yaml: a shortest path to each reachable ending")


def _err(message: str) -> int:
    print(f"chronicle replay: {message}", file=sys.stderr)
    return 1


def _plan_files(ref: str) -> list[Path]:
    path = Path(ref)
    if path.is_file():
        return [path]
    if not path.is_dir():
        try:
            path = find_scenario(ref)
        except ChronicleError:
            return []
    if is_scenario(path):
        path = path / "plans"
    return sorted(p for p in path.glob("*.yaml") if p.is_file()) + sorted(path.glob("*.yml"))


def _scenario_near(plan_path: Path, scenario_id: str) -> Path | None:
    """The folder of the plan's scenario found from the plan's own folder: the plan's folder or
    one above it (a plan in <scenario>/plans/), or a folder of that name beside one of them."""
    here = plan_path.resolve().parent
    for _ in range(4):
        for candidate in (here, here / scenario_id):
            if candidate.name == scenario_id and is_scenario(candidate):
                return candidate
        if here.parent == here:
            break
        here = here.parent
    return None


def _story_for(plan: Plan, plan_path: Path, cache: dict[str, Story | None], given: str | None = None) -> Story | None:
    # --scenario, else the scenario found from the plan's folder, else the id looked up in scenarios/
    near = _scenario_near(plan_path, plan.scenario) if given is None else None
    ref = given or (str(near) if near is not None else plan.scenario)
    if ref not in cache:  # the plan's own name is an id (engine.tools.plans checks it), never a path
        cache[ref] = story_or_none(ref, by_id=given is None and near is None)
    return cache[ref]


def _write(text: str, target: Path | None) -> bool:
    """The plan printed, or written to `target` (its folder made if need be)."""
    if target is not None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"chronicle replay: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
            return False
    return write_output(text, target, "chronicle replay") == 0


def _bless_file(args: argparse.Namespace) -> int:
    try:
        scenario, path = read_path(Path(args.bless))
    except ChronicleError as exc:
        return _err("; ".join(d.format() for d in exc.diagnostics))
    ref = args.scenario or scenario
    if not ref:
        return _err(f"{args.bless} does not say which scenario it is from: give --scenario")
    story = story_or_none(ref, by_id=not args.scenario)  # a name the file gave is looked up as an id only
    if story is None:
        return 1
    try:
        text = plan_text(story, path, title=f"from {Path(args.bless).name}", source=Path(args.bless).name)
    except ChoiceError as exc:
        return _err(f"{args.bless} does not replay on {story.id} as it is now: {exc}")
    return 0 if _write(text, Path(args.output) if args.output else None) else 1


def _bless_scenario(ref: str, endings: bool) -> int:
    story = story_or_none(ref)
    if story is None:
        return 1
    plans = Path(story.folder) / "plans"
    if not endings:
        path = [c.id for c in historical_path(story)]
        return 0 if _write(plan_text(story, path, title="The historical path"), plans / "historical.yaml") else 1
    result = explore(story)
    ok = True
    for sid, e in result.endings.items():
        if not e["reachable"]:
            print(f"chronicle replay: ending {sid} is never reached; no plan written", file=sys.stderr)
            ok = False
            continue
        text = plan_text(story, e["shortest_path"], title=f"A shortest path to the ending {sid}")
        ok = _write(text, plans / f"ending_{sid}.yaml") and ok
    return 0 if ok else 1


def run(args: argparse.Namespace) -> int:
    if args.bless:
        return _bless_file(args)
    if args.bless_historical or args.bless_endings:
        code = 0
        if args.bless_historical:
            code |= _bless_scenario(args.bless_historical, endings=False)
        if args.bless_endings:
            code |= _bless_scenario(args.bless_endings, endings=True)
        return code
    if not args.plans:
        return _err("give plan files (or scenarios), or --bless FILE")
    files: list[Path] = []
    for ref in args.plans:
        found = _plan_files(ref)
        if not found:
            return _err(f"no plans found at {ref}")
        files.extend(found)
    cache: dict[str, Story | None] = {}
    results = []
    failed = 0
    for f in files:
        try:
            plan = load_plan(f)
        except ChronicleError as exc:
            failed += 1
            results.append({"plan": str(f), "ok": False, "message": exc.diagnostics[0].format()})
            continue
        story = _story_for(plan, f, cache, args.scenario)
        if story is None:
            failed += 1
            results.append({"plan": str(f), "ok": False, "message": f'scenario "{plan.scenario}" cannot be loaded'})
            continue
        out = run_plan(plan, story)
        failed += not out.ok
        results.append({"plan": str(f), "ok": out.ok, "steps": out.steps_run, "step": out.step,
                        "scene": out.scene, "message": out.message})
    if args.json:
        print(json_text({"plans": results, "failed": failed}))
    else:
        for r in results:
            if r["ok"]:
                print(f"ok    {r['plan']} ({r['steps']} steps)")
            else:
                print(f"FAIL  {r['plan']}: {r['message']}")
        print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0
