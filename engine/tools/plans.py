"""Golden playthroughs: test plans that replay choices by stable id and check what happens.

A plan is a small YAML file (kept in `scenarios/<id>/plans/`, which the compiler ignores)::

    format: 1
    scenario: malachite_hall
    title: The historical path            # optional
    steps:
      - choose: noon_session.stay         # a full choice id, or a key of the current scene
        expect_scene: evening              # optional: the scene the choice leads to
        expect: {resolve: 6}               # optional: variable values after the step
    expect_ending: fortress                # optional: the game must end here
    expect: {resolve: 6}                   # optional: variable values at the end

`run_plan` replays it through `engine.core.machine` and reports the first difference, with its
step number. `plan_text` writes a plan from a path of choice ids ("blessing" it), and
`read_path` takes that path from a transcript (JSON Lines) or a save (JSON), read defensively.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.base.codes import codes_with
from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.safe_text import json_text
from engine.core.machine import ChoiceError, choices, choose, is_ending, start, variables
from engine.core.model import State, Story
from engine.format import safeyaml
from engine.format.schema import ID

PLAN_FORMAT = 1
MAX_STEPS = 100_000
MAX_INPUT = 16 << 20  # bytes of a transcript or save

CODES: dict[str, str] = codes_with("E6")  # this area of the one table, engine.base.codes


@dataclass
class Step:
    choose: str
    expect_scene: str | None = None
    expect: dict[str, object] = field(default_factory=dict)
    line: int = 0


@dataclass
class Plan:
    path: str
    scenario: str
    title: str = ""
    steps: list[Step] = field(default_factory=list)
    expect_ending: str | None = None
    expect: dict[str, object] = field(default_factory=dict)


@dataclass
class Outcome:
    ok: bool
    steps_run: int
    message: str = ""  # the first difference
    step: int = 0  # 1-based number of the failing step; 0 for the end of the plan
    scene: str = ""  # where the game was when the plan ended or failed


def _plan_error(path: str, mark: tuple[int, int], message: str, hint: str = "") -> ChronicleError:
    return ChronicleError([Diagnostic(path, mark[0], mark[1], "error", "E601", message, hint)])


def _expectations(doc: safeyaml.Doc, where: tuple[Any, ...], value: Any) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _plan_error(doc.path, doc.mark(where), "expect: must map variable names to values",
                          "for example expect: {resolve: 6}")
    for k, v in value.items():
        if not isinstance(v, int | str):  # bool is an int
            raise _plan_error(doc.path, doc.mark(where + (k,)), f'expect: the value of "{k}" must be a '
                              "number, true/false or text")
    return dict(value)


def load_plan(path: Path) -> Plan:
    """Read and check a plan file; ChronicleError (E601 or a YAML error) if it is not one."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _plan_error(shown, (0, 0), f"cannot read the plan: {exc.strerror or exc}") from None
    doc = safeyaml.load(data, shown)
    top = doc.value
    if not isinstance(top, dict):
        raise _plan_error(shown, doc.root, "a plan is a mapping with format, scenario and steps")
    if top.get("format") != PLAN_FORMAT:
        raise _plan_error(shown, doc.mark(("format",)), f"the plan needs format: {PLAN_FORMAT}")
    allowed = {"format", "scenario", "title", "steps", "expect_ending", "expect"}
    for key in top:
        if key not in allowed:
            raise _plan_error(shown, doc.mark((key,), key=True), f'unknown key "{key}" in a plan',
                              "the keys are: " + ", ".join(sorted(allowed)))
    scenario = top.get("scenario")
    if not isinstance(scenario, str) or not scenario:
        raise _plan_error(shown, doc.mark(("scenario",)), "the plan needs scenario: <scenario id>")
    if not ID.fullmatch(scenario):  # a name, looked up among the scenarios: never a path
        raise _plan_error(shown, doc.mark(("scenario",)), f'"{scenario[:80]}" is not a scenario id',
                          "write the scenario's id (lower-case letters, digits and _, as in its scenario.yaml), "
                          "or give the folder with --scenario")
    raw_steps = top.get("steps") or []
    if not isinstance(raw_steps, list) or len(raw_steps) > MAX_STEPS:
        raise _plan_error(shown, doc.mark(("steps",)), f"steps: must be a list of at most {MAX_STEPS} steps")
    steps = []
    for n, item in enumerate(raw_steps):
        where = ("steps", n)
        if isinstance(item, str):
            item = {"choose": item}
        if not isinstance(item, dict) or not isinstance(item.get("choose"), str):
            raise _plan_error(shown, doc.mark(where), f"step {n + 1} needs choose: <choice id>")
        extra = set(item) - {"choose", "expect_scene", "expect"}
        if extra:
            raise _plan_error(shown, doc.mark(where), f'step {n + 1}: unknown key "{sorted(extra)[0]}"',
                              "a step has choose, expect_scene and expect")
        scene = item.get("expect_scene")
        if scene is not None and not isinstance(scene, str):
            raise _plan_error(shown, doc.mark(where + ("expect_scene",)), "expect_scene: must be a scene id")
        steps.append(Step(item["choose"], scene, _expectations(doc, where + ("expect",), item.get("expect")),
                          doc.mark(where)[0]))
    ending = top.get("expect_ending")
    if ending is not None and not isinstance(ending, str):
        raise _plan_error(shown, doc.mark(("expect_ending",)), "expect_ending: must be a scene id")
    title = top.get("title")
    return Plan(shown, scenario, title if isinstance(title, str) else "", steps, ending,
                _expectations(doc, ("expect",), top.get("expect")))


def _check_vars(story: Story, state: State, expect: dict[str, object]) -> str:
    values = variables(story, state)
    for name, want in expect.items():
        if name not in values:
            return f'the plan expects a variable "{name}" that the scenario does not declare'
        got = values[name]
        if type(got) is not type(want) or got != want:
            return f"expected {name} = {_show(want)}, got {_show(got)}"
    return ""


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json_text(value, None) if isinstance(value, str) else str(value)


def run_plan(plan: Plan, story: Story) -> Outcome:
    """Replay the plan; the Outcome names the first difference, if any."""
    state = start(story)
    for n, step in enumerate(plan.steps, 1):
        cid = step.choose if "." in step.choose else f"{state.scene}.{step.choose}"
        try:
            state = choose(story, state, cid)
        except ChoiceError as exc:
            open_ = ", ".join(c.id for c in choices(story, state)) or "none"
            return Outcome(False, n - 1, f"step {n}: {exc} (open choices: {open_})", n, state.scene)
        if step.expect_scene is not None and state.scene != step.expect_scene:
            return Outcome(False, n, f'step {n} ({cid}): expected scene "{step.expect_scene}", '
                           f'got "{state.scene}"', n, state.scene)
        problem = _check_vars(story, state, step.expect)
        if problem:
            return Outcome(False, n, f"step {n} ({cid}): {problem}", n, state.scene)
    done = len(plan.steps)
    if plan.expect_ending is not None:
        if not is_ending(story, state):
            return Outcome(False, done, f'expected ending "{plan.expect_ending}", but after {done} step(s) '
                           f'the game is in scene "{state.scene}", not at an ending', 0, state.scene)
        if state.scene != plan.expect_ending:
            return Outcome(False, done, f'expected ending "{plan.expect_ending}", got "{state.scene}"',
                           0, state.scene)
    problem = _check_vars(story, state, plan.expect)
    if problem:
        return Outcome(False, done, f"at the end: {problem}", 0, state.scene)
    return Outcome(True, done, "", 0, state.scene)


# -- blessing -----------------------------------------------------------------------------------

def _yaml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a double-quoted YAML scalar


def _yaml_map(values: dict[str, object]) -> str:
    return "{" + ", ".join(f"{k}: {_yaml_value(v)}" for k, v in values.items()) + "}"


def plan_text(story: Story, path: list[str], title: str = "", source: str = "") -> str:
    """A plan (YAML text) recording what happens along `path`; ChoiceError if it does not replay."""
    state = start(story)
    lines = [
        "# A golden playthrough: `chronicle replay` runs it and reports the first difference.",
        "# Blessed by `chronicle replay --bless`" + (f" from {source}" if source else "") + ".",
        f"format: {PLAN_FORMAT}",
        f"scenario: {story.id}",
    ]
    if title:
        lines.append(f"title: {json_text(title, None)}")
    lines.append("steps:" if path else "steps: []")
    previous = variables(story, state)
    for n, cid in enumerate(path, 1):
        try:
            state = choose(story, state, cid)
        except ChoiceError as exc:
            raise ChoiceError(f"step {n}: {exc}", step=n - 1, choice_id=cid) from None
        now = variables(story, state)
        changed = {k: v for k, v in now.items() if previous[k] != v}
        lines.append(f"  - choose: {cid}")
        lines.append(f"    expect_scene: {state.scene}")
        if changed:
            lines.append(f"    expect: {_yaml_map(changed)}")
        previous = now
    if is_ending(story, state):
        lines.append(f"expect_ending: {state.scene}")
    if story.variables:
        lines.append(f"expect: {_yaml_map(variables(story, state))}")
    return "\n".join(lines) + "\n"


def _input_error(path: str, message: str) -> ChronicleError:
    return ChronicleError([Diagnostic(path, 0, 0, "error", "E602", message,
                                      "give a transcript (.jsonl) or a save (.json) written by Chronicle")])


def read_path(file: Path) -> tuple[str | None, list[str]]:
    """(scenario id if recorded, choice ids) from a transcript (JSON Lines) or a save (JSON)."""
    shown = str(file)
    try:
        with file.open("rb") as f:
            data = f.read(MAX_INPUT + 1)
    except OSError as exc:
        raise _input_error(shown, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT:
        raise _input_error(shown, f"the file is larger than {MAX_INPUT >> 20} MiB")
    text = data.decode("utf-8", "replace")
    try:
        whole = json.loads(text)
    except (ValueError, RecursionError):
        whole = None
    if isinstance(whole, dict):  # a save
        path = whole.get("path")
        if not isinstance(path, list) and isinstance(whole.get("state"), dict):
            path = whole["state"].get("path")
        if not isinstance(path, list) or not all(isinstance(c, str) for c in path):
            raise _input_error(shown, 'the save has no "path" list of choice ids')
        scenario = whole.get("scenario")
        if isinstance(scenario, dict):
            scenario = scenario.get("id")
        return (scenario if isinstance(scenario, str) else None), list(path[:MAX_STEPS])
    return _transcript_path(shown, text)


def _transcript_path(shown: str, text: str) -> tuple[str | None, list[str]]:
    scenario: str | None = None
    path: list[str] = []
    events = 0
    for line in text.split("\n"):  # not splitlines(): U+2028 may stand inside a JSON string
        line = line.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(event, dict):
            continue
        events += 1
        kind = event.get("event")
        if scenario is None and isinstance(event.get("scenario"), str):
            scenario = event["scenario"]
        if kind == "choice" and isinstance(event.get("choice"), str):
            path.append(event["choice"])
        elif kind in ("start", "restart", "new_game"):
            path = []
        elif kind == "undo":
            keep = event.get("step")  # the path's length after the undo
            if isinstance(keep, int) and not isinstance(keep, bool) and 0 <= keep <= len(path):
                del path[keep:]
            else:
                steps = event.get("steps", 1)
                steps = steps if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0 else 1
                del path[max(0, len(path) - steps):]
        elif kind in ("load", "restore") and isinstance(event.get("path"), list):
            path = [c for c in event["path"] if isinstance(c, str)]
        if len(path) > MAX_STEPS:
            raise _input_error(shown, f"more than {MAX_STEPS} choices")
    if not events:
        raise _input_error(shown, "neither a save (JSON) nor a transcript (JSON Lines with events)")
    return scenario, path
