"""`chronicle new`: write a small, valid, playable scenario to start from.

The files teach the format in their comments; `chronicle check` passes on them at once. The
first line of each file points editors at the JSON Schema by a path relative to the scenarios
folder (`scenario.schema.json` at its root, written there when missing: `schema_line`), so the
line keeps working when the folder is moved, copied to another computer or the engine reinstalled;
completion and checking then work in any editor with a YAML language server.
"""

from __future__ import annotations

from pathlib import Path

from engine.format.schema import ID, SCHEMA_NAME, schema_line, write_schema


class ScaffoldError(Exception):
    pass


SCENARIO = """\
{schema}
# A Chronicle scenario: this file is the frame; the scenes are in scenes/*.yaml.
# The whole format is described in scenarios/README.md. Check your work with:
#   chronicle check {folder}
# and try it with:  chronicle play {folder}   (or explore / randomtest / map / stats)
format: 1
id: {id}                        # must match the folder's name
title: {title}
summary: One sentence that says what the player lives through.
role: Pavel Maliantovich, Minister of Justice   # who the player is
length: about 5 minutes
start: noon                     # the id of the first scene
clock:
  date: 1917-10-25              # the first scene's date, in the calendar below
  calendar: julian              # julian (Old Style, as in Russia in 1917) or gregorian
variables:                      # the state a story remembers; conditions (when:) read them
  resolve:
    type: int                   # int, bool or str
    initial: 5
    min: 0                      # results of effects are clamped into min..max
    max: 10
    visible: true               # shown by the status command
    label: Resolve
questions:                      # shown after every ending: for discussion in class
  - Why did the ministers believe they had to stay at their posts?
  - What could they still have decided that evening?
teacher_note: >
  What this scenario is for, what to watch for, and how long a playthrough takes.
"""

SCENES = """\
{schema}
# Scenes: any number per file, any number of files in scenes/.
format: 1
scenes:
  noon:                         # the scene id: lower-case letters, digits and _
    title: The cabinet meets
    place: Malachite Hall, Winter Palace
    time: "12:00"               # "HH:MM", always quoted; the clock moves forward to it
    text: >
      Our own prose, second person, present tense: you sit down at the long table while
      the ministers wait for news from the front.
    record:                     # every scene cites at least one verbatim passage of seeds/
      - source: rabinowitch     # a source id from seeds/index.yaml
        quote: "Here Konovalov convened a cabinet session at noon"
    choices:
      - id: stay                # a stable id: saves and test plans refer to it
        text: Stay at the table with the other ministers
        goto: arrest
        historical: true        # what really happened: it must cite the record
        record:
          - source: rabinowitch
            quote: "The Provisional Government is deposed and most of its members are under arrest."
      - id: slip_away
        text: Slip out of the palace while you still can
        when: resolve < 8       # a condition: the choice is open only when it is true
        do: resolve -= 1        # effects: one string or a list of strings
        counterfactual: true    # a branch the record makes plausible but that did not happen
        goto: arrest
        note: You turn back at the door; there is nowhere to go.   # shown after choosing
  # Text can answer the player: {{resolve}} shows a variable; {{if CONDITION}}...{{else}}...{{end}}
  # shows text only when the condition (written as in when:) is true. See scenarios/README.md.
  arrest:
    title: Under arrest
    place: Malachite Hall, Winter Palace
    time: "02:10"
    date: 1917-10-26            # the day after: write the date when the day changes
    text: |
      The door opens and the hall fills with armed men.
      {{if resolve < 5}}
      You had thought of slipping away; now there is no door left.
      {{else}}
      You stayed at your post to the end, your resolve at {{resolve}}.
      {{end}}
    record:
      - source: rabinowitch
        quote: "The Provisional Government is deposed and most of its members are under arrest."
    ending:                     # an ending has no choices
      kind: historical          # historical or counterfactual
      epilogue: >
        What became of these people afterwards, in our own words, grounded in the sources.
      debrief: >
        How this ending relates to the record, and for a counterfactual ending, what
        constrained the real people.
"""


def scaffold(scenario_id: str, root: Path) -> Path:
    """Create `root/<id>/` with scenario.yaml and scenes/opening.yaml; ScaffoldError if it cannot."""
    if not ID.fullmatch(scenario_id):
        raise ScaffoldError(f'"{scenario_id}" is not a valid scenario id: use lower-case letters, digits '
                            "and _, starting with a letter (at most 64 characters)")
    folder = root / scenario_id
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; choose another id or remove it first")
    scenario = folder / "scenario.yaml"
    scenes = folder / "scenes" / "opening.yaml"
    try:
        scenes.parent.mkdir(parents=True)
        title = scenario_id.replace("_", " ").capitalize()
        shown = folder.as_posix()
        scenario.write_text(SCENARIO.format(schema=schema_line("scenario.yaml"), id=scenario_id, title=title,
                                            folder=shown), encoding="utf-8")
        scenes.write_text(SCENES.format(schema=schema_line("scenes/opening.yaml")), encoding="utf-8")
        if not (root / SCHEMA_NAME).exists():
            write_schema(root)
    except OSError as exc:
        raise ScaffoldError(f"cannot write {folder}: {exc.strerror or exc}") from None
    return folder
