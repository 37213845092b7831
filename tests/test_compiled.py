"""The packed story: the checked IR in, every value of the compiled story out, scenes decoded lazily."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

import pytest

from engine.build import compiled
from engine.build.compiler import analyze
from engine.core import machine
from engine.core.model import VISIT_CAP, Story
from tests.helpers import ROOT
from tests.tools_synthetic import synthetic_ir


def _checked_ir(folder: Path) -> dict[str, Any]:
    analysis = analyze(folder)
    assert analysis.ir is not None, analysis.diagnostics
    return analysis.ir


def _citations(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(c["source"], c["quote"], c.get("note") or "", tuple(c["found"]),
             tuple(tuple(p) for p in c.get("corrected") or ())) for c in items]


def _assert_matches(story: Story, ir: dict[str, Any]) -> None:
    """Every value of the unpacked story is the IR's, field by field (an independent reading)."""
    assert (story.id, story.title, story.summary, story.role, story.start) == \
        (ir["id"], ir["title"], ir["summary"], ir["role"], ir["start"])
    assert story.start_date.isoformat() == ir["date"] and story.calendar == ir["calendar"]
    assert story.start_clock == ir["clock"] and story.questions == tuple(ir["questions"])
    assert (story.teacher_note, story.length, story.folder, story.content_hash) == \
        (ir["teacher_note"], ir["length"], ir["folder"], ir["hash"])
    assert [(v.name, v.index, v.type, v.initial, v.min, v.max, v.values, v.visible, v.label)
            for v in story.variables] == \
        [(v["name"], i, v["type"], v["initial"], v["min"], v["max"],
          tuple(v["values"]) if v["values"] is not None else None, v["visible"], v["label"])
         for i, v in enumerate(ir["variables"])]
    assert list(story.scenes) == [s["id"] for s in ir["scenes"]]
    times = {s["id"]: (s["time"], s["day"]) for s in ir["scenes"]}
    visit = {sid: i for i, sid in enumerate(story.tracked)}
    n_choices = 0
    for s in ir["scenes"]:
        sc = story.scenes[s["id"]]
        assert (sc.title, sc.place, sc.text, sc.time, sc.day, sc.file, sc.line) == \
            (s["title"], s["place"], s["text"], s["time"], s["day"], s["file"], s["line"])
        assert [(c.source, c.quote, c.note, c.found, c.corrected) for c in sc.record] == _citations(s["record"])
        assert [(d.topic, [(a.source, a.quote, a.says, a.found) for a in d.accounts]) for d in sc.disputed] == \
            [(d["topic"], [(a["source"], a["quote"], a.get("says", ""), tuple(a["found"]))
                           for a in d["accounts"]]) for d in s["disputed"]]
        assert sc.events == tuple(s["events"])
        e = s["ending"]
        assert (sc.ending is None) == (e is None)
        if e is not None and sc.ending is not None:
            assert (sc.ending.kind, sc.ending.epilogue, sc.ending.debrief) == \
                (e["kind"], e.get("epilogue") or "", e.get("debrief") or "")
        assert sc.conditional == any(c["when"] is not None for c in s["choices"])
        assert len(sc.choices) == len(s["choices"])
        for ch, c in zip(sc.choices, s["choices"], strict=True):
            n_choices += 1
            assert (ch.id, ch.key, ch.scene, ch.text, ch.target, ch.mark, ch.when, ch.do, ch.locked, ch.note,
                    ch.line) == (f"{s['id']}.{c['key']}", c["key"], s["id"], c["text"], c["target"], c["mark"],
                                 c["when"], tuple(c["do"]), c["locked"], c["note"], c["line"])
            assert [(x.source, x.quote, x.note, x.found, x.corrected) for x in ch.record] == \
                _citations(c["record"])
            assert (ch.test is None) == (c["when"] is None) and (ch.apply is None) == (not c["do"])
            assert (ch.to_time, ch.to_day) == times[c["target"]]
            assert (ch.to_visit, ch.to_visit_cap) == (visit.get(c["target"], -1), VISIT_CAP)
            assert story.choices_by_id[ch.id] is ch
    assert len(story.choices_by_id) == n_choices


@pytest.mark.parametrize("name", ["duma_march", "malachite_hall"])
def test_a_shipped_scenario_unpacks_to_exactly_its_checked_data(name: str) -> None:
    ir = _checked_ir(ROOT / "scenarios" / name)
    _assert_matches(compiled.unpack(compiled.pack(ir)), ir)


def test_visits_times_and_conditions_survive_packing(mini: Path) -> None:
    ir = _checked_ir(mini)
    story = compiled.unpack(compiled.pack(ir))
    _assert_matches(story, ir)
    assert story.tracked == ("hall_again",)  # a condition asks about visits: it has a slot
    assert any(ch.to_visit == 0 for sc in story.scenes.values() for ch in sc.choices)
    assert any(sc.record for sc in story.scenes.values())  # citations were packed, not lost
    # the unpacked story plays: conditions and effects were compiled again from their source
    state = machine.start(story)
    for _ in range(50):
        if machine.is_ending(story, state):
            break
        state = machine.choose(story, state, machine.choices(story, state)[-1])
    assert machine.is_ending(story, state)


def test_a_citation_cited_many_times_is_one_row_per_chunk_and_one_value(mini: Path) -> None:
    cited = _checked_ir(mini)["scenes"][0]["record"][0]
    ir = synthetic_ir(compiled.CHUNK + 5)
    for sc in ir["scenes"]:  # every scene cites the same passage again, as separate IR values
        sc["record"] = [dict(cited) for _ in range(3)]
    chunks = compiled.pack(ir)
    assert len(chunks) == 3  # the frame and two chunks of scenes
    for chunk in chunks[1:]:
        table, _ = marshal.loads(chunk)
        assert [row[:2] for row in table] == [(cited["source"], cited["quote"])]
    story = compiled.unpack(chunks)
    _assert_matches(story, ir)
    assert len({id(c) for sc in story.scenes.values() for c in sc.record}) == 1


def test_scenes_packed_file_by_file_give_the_same_story(tmp_path: Path) -> None:
    from engine.bench.synthetic import write_scenario

    analysis = analyze(write_scenario(tmp_path, 1200))
    assert analysis.ir is not None and analysis.diagnostics == []
    ir = analysis.ir
    assert [sid for ids, _ in analysis.chunks for sid in ids] == [s["id"] for s in ir["scenes"]]
    by_file = compiled.pack(ir, analysis.chunks)
    assert all(a is b for a, (_, b) in zip(by_file[1:], analysis.chunks, strict=True))  # used as they are
    whole = compiled.pack(ir)
    assert not any(a is b for a, (_, b) in zip(whole[1:], analysis.chunks, strict=False))  # packed again
    assert compiled.unpack(by_file) == compiled.unpack(whole)
    _assert_matches(compiled.unpack(by_file), ir)
    # chunks that do not hold exactly the IR's scenes are not used: the IR is packed again
    assert compiled.pack(ir, analysis.chunks[1:]) == whole
    assert compiled.pack(ir, analysis.chunks[::-1]) == whole


def test_scenes_are_decoded_a_chunk_at_a_time_when_first_asked_for() -> None:
    n = compiled.CHUNK * 2 + 10
    ir = synthetic_ir(n)
    story = compiled.unpack(compiled.pack(ir))
    scenes = story.scenes
    assert isinstance(scenes, compiled.LazyScenes)
    assert len(scenes) == n and list(scenes) == [s["id"] for s in ir["scenes"]]
    assert not scenes._scenes  # nothing decoded yet
    assert "s5" in scenes and "nowhere" not in scenes and not scenes._scenes
    with pytest.raises(KeyError):
        scenes["nowhere"]
    assert scenes.get("nowhere") is None
    assert scenes[story.start].id == "s0" and len(scenes._scenes) == compiled.CHUNK
    last = f"s{n - 1}"
    assert story.choices_by_id[f"s{n - 2}.on"].target == last  # decodes the last chunk, not the middle one
    assert len(scenes._scenes) == compiled.CHUNK + 10
    with pytest.raises(KeyError):
        story.choices_by_id["nowhere.nothing"]
    assert len(scenes._scenes) == n  # an unknown choice id looked everywhere
    _assert_matches(story, ir)


@pytest.mark.parametrize("damage", ["format", "missing chunk", "fields"])
def test_chunks_of_another_layout_are_refused(mini: Path, damage: str) -> None:
    chunks = compiled.pack(_checked_ir(mini))
    frame = list(marshal.loads(chunks[0]))
    if damage == "format":
        frame[0] = compiled.FORMAT + 1
    elif damage == "fields":
        frame[1] = frame[1][::-1]
    chunks = [marshal.dumps(tuple(frame)), *chunks[1:]]
    if damage == "missing chunk":
        chunks = chunks[:1]
    with pytest.raises(ValueError):
        compiled.unpack(chunks)


def test_a_lean_analysis_gives_the_same_diagnostics_chunks_and_story(tmp_path: Path) -> None:
    from engine.bench.synthetic import write_scenario

    folder = write_scenario(tmp_path, 1200)
    full, lean = analyze(folder), analyze(folder, lean=True)
    assert full.ir is not None and lean.ir is not None and lean.ir["lean"] is True
    assert lean.diagnostics == full.diagnostics == []
    assert lean.chunks == full.chunks
    assert "text" not in lean.ir["scenes"][0] and "text" in full.ir["scenes"][0]  # the scenes are in the chunks
    story = compiled.unpack(compiled.pack(lean.ir, lean.chunks), lean.conditions, lean.effects)
    assert story == compiled.unpack(compiled.pack(full.ir))
    _assert_matches(story, full.ir)
    with pytest.raises(ValueError, match="lean"):  # a lean IR cannot be packed without its chunks
        compiled.pack(lean.ir, lean.chunks[1:])


def test_a_lean_analysis_reports_every_problem_a_full_one_does(tmp_path: Path) -> None:
    from engine.bench.synthetic import write_scenario

    folder = write_scenario(tmp_path, 1200)
    scenes = sorted((folder / "scenes").glob("*.yaml"))
    first = scenes[0].read_text()
    scenes[0].write_text(first.replace("goto: ", "goto: nowhere_", 1))  # a goto to no scene
    last = scenes[-1].read_text()
    scenes[-1].write_text(last.replace("when: ", "when: 1 +", 1))  # a broken condition
    full, lean = analyze(folder), analyze(folder, lean=True)
    assert {d.code for d in full.diagnostics} >= {"E201"} and len(full.diagnostics) >= 2
    assert lean.diagnostics == full.diagnostics and lean.ir is None and full.ir is None


def test_rows_follow_the_model_and_are_built_by_field_name() -> None:
    """The row layouts are the model classes' fields; a row takes each field from the IR under its own
    name unless the packer gives it (so a new plain scene field needs no entry in compiled.py)."""
    from engine.core.model import Account, Choice, Citation, Ending, Scene, Variable

    for cls, names in ((Scene, compiled.SCENE_FIELDS), (Choice, compiled.CHOICE_FIELDS),
                       (Citation, compiled.CITATION_FIELDS), (Variable, compiled.VARIABLE_FIELDS),
                       (Account, compiled.ACCOUNT_FIELDS), (Ending, compiled.ENDING_FIELDS)):
        assert names == cls.__match_args__ == cls.__slots__
    assert compiled._row(("a", "b", "c"), {"a": 1, "b": 2, "c": 3, "d": 4}, {"b": 20}) == (1, 20, 3)
    with pytest.raises(KeyError):
        compiled._row(("a", "new"), {"a": 1}, {})  # a field neither the IR nor the packer gives
