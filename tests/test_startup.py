"""Start-up imports only what the first scene needs (issue 16). `chronicle bench` measures the time
beside its baselines; this checks, without a clock, which modules a start from the compiled cache
loads, so that a module that creeps onto the path to the first scene fails here."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.base.diagnostics import Diagnostic
from engine.base.paths import Root
from engine.base.valueclass import FrozenInstanceError, replace
from engine.build.bindings import Compiled
from engine.build.cache import Read
from engine.build.loader import ScenarioFolder
from engine.core.model import Account, Choice, Citation, Dispute, Ending, Scene, Story, Variable
from engine.expressions.builtins import Builtin
from engine.expressions.language import Condition, Effect, Value, VarSpec, _Node, _Stmt
from engine.expressions.template import Arm, Template
from engine.play.launcher import LaunchPlan, Opening
from engine.play.pages import PageBlock
from engine.play.session import Reply, _Pending
from engine.saves.savefile import SaveData
from engine.saves.store import Loaded, SlotInfo
from engine.saves.transcript import ChoiceMade, Playthrough
from tests.helpers import ROOT

# run the real command in a fresh interpreter, then list every module it loaded
PROBE = """
import json, os, sys
sys.argv = ["chronicle", *sys.argv[2:]]
from engine.cli import main
try:
    main()
finally:
    with open(os.environ["PROBE_OUT"], "w") as f:
        json.dump(sorted(sys.modules), f)
"""

# never needed to show a scenario's first scene from the compiled cache, in plain mode
NOT_FOR_THE_FIRST_SCENE = [
    "yaml", "_yaml", "jsonschema", "rich", "prompt_toolkit", "pygls", "lsprotocol", "argcomplete",
    "engine.build.compiler", "engine.build.workers", "engine.format", "engine.record",  # a cache hit compiles nothing
    "engine.tools", "engine.classroom", "engine.editor", "engine.bench", "engine.play.tui", "engine.play.picker",
    "engine.play.watcher", "engine.core.debrief",
    "difflib",  # only for "did you mean"
    "random", "secrets", "tempfile",  # os.urandom is enough; a temporary file only when a cache entry is written
    "subprocess", "threading", "multiprocessing", "concurrent", "asyncio", "socket", "selectors", "signal",
    "pickle", "zipfile", "tarfile", "email", "http", "urllib.request", "xml", "sqlite3", "unittest", "logging",
    "importlib.resources", "importlib.metadata", "platform",
    "dataclasses", "inspect",  # importing them cost more than anything the first scene does (engine.base.valueclass)
]


def loaded(tmp_path: Path, *args: str, runs: int = 2) -> tuple[list[str], str]:
    """The modules a `chronicle ARGS` process loaded (its last of `runs` starts: the cache warmed by the
    first), and what it printed."""
    env = {**os.environ, "CHRONICLE_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT),
           "PROBE_OUT": str(tmp_path / "modules.json")}
    for key in ("NO_COLOR", "FORCE_COLOR", "CHRONICLE_JOBS", "CHRONICLE_SCENARIOS"):
        env.pop(key, None)
    out = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE, "-", *args], env=env, cwd=tmp_path,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
    assert out is not None
    return json.loads((tmp_path / "modules.json").read_text()), out.stdout


def offending(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == bad or m.startswith(bad + ".") for bad in NOT_FOR_THE_FIRST_SCENE)]


@pytest.mark.parametrize("scenario", ["malachite_hall", "duma_march"])
def test_plain_mode_first_scene_imports_only_what_it_needs(tmp_path: Path, scenario: str) -> None:
    modules, shown = loaded(tmp_path, "play", scenario, "--plain", "--saves", str(tmp_path / "saves"))
    assert "Type a number to choose" in shown  # the first scene was on screen
    assert offending(modules) == []
    # the commands package holds only the command that runs
    assert [m for m in modules if m.startswith("engine.commands.")] == ["engine.commands.play"]


def test_the_probe_sees_a_cold_start_import_the_compiler(tmp_path: Path) -> None:
    """The check above can fail: the first start (an empty cache) compiles, and the probe sees it."""
    modules, _ = loaded(tmp_path, "play", "malachite_hall", "--plain", "--saves", str(tmp_path / "saves"), runs=1)
    assert {"yaml", "engine.build.compiler"} <= set(offending(modules))


# Classes on the path to the first scene are written out rather than made with `dataclasses` (creating a
# dataclass costs start-up time). Each behaves as the dataclass it replaces: the same constructor (field
# order and defaults), repr, equality, hash or unhashability, frozen-ness and `__match_args__`. The
# dataclass each one was is rebuilt here from its old definition and compared.

F = dataclasses.field
# the old definitions: (class, frozen, [(field, default or MISSING or a factory)])
M = dataclasses.MISSING
HIDDEN = object()  # a field(repr=False, compare=False) with no default
OLD: list[tuple[type, bool, list[tuple[str, Any]]]] = [
    (Reply, False, [("page", None), ("note", ""), ("messages", F(default_factory=list)),
                    ("slots", F(default_factory=list)), ("quit", False), ("previous", None)]),
    (_Pending, False, [("question", M), ("action", M)]),
    (LaunchPlan, False, [("store", M), ("folder", M), ("scenario", M), ("slot", M), ("notice", ""), ("seed", None),
                         ("chapter", None), ("resume", False), ("new", False), ("saves", None),
                         ("class_name", None)]),
    (Opening, False, [("slot", M), ("offer", None), ("message", "")]),
    (Compiled, False, [("tracked", M), ("visit_index", M), ("tests", M), ("applies", M), ("templates", M)]),
    (Read, False, [("files", F(default_factory=dict)), ("seeds", b"")]),
    (Loaded, True, [("state", M), ("notice", None), ("game", None)]),
    (Root, True, [("folder", M), ("origin", M)]),
    (ScenarioFolder, True, [("id", M), ("folder", M), ("origin", M), ("hides", ())]),
    (Builtin, True, [("name", M), ("params", M), ("result", M), ("compile", M), ("json", M), ("doc", M),
                     ("example", M)]),
    (VarSpec, True, [("name", M), ("index", M), ("type", M), ("min", None), ("max", None), ("values", None)]),
    (Condition, True, [("source", M), ("reads", M), ("scenes", M), ("tree", HIDDEN)]),
    (Value, True, [("source", M), ("type", M), ("reads", M), ("scenes", M), ("tree", HIDDEN)]),
    (Effect, True, [("source", M), ("reads", M), ("writes", M), ("scenes", M), ("statements", HIDDEN)]),
    (Arm, True, [("number", M), ("offset", M), ("tag", M)]),
    (Template, True, [("source", M), ("reads", M), ("scenes", M), ("arms", M), ("parts", HIDDEN)]),
    (SaveData, True, [("format", M), ("engine", M), ("scenario", M), ("content_hash", M), ("slot", M),
                      ("saved_at", M), ("path", M), ("scene", M), ("variables", M), ("visits", M), ("clock", M),
                      ("title", ""), ("scene_title", ""), ("place", ""), ("clock_text", ""), ("game_id", ""),
                      ("seed", None), ("chapter", None)]),
    (PageBlock, True, [("kind", M), ("text", ""), ("number", None), ("extra", ""), ("after", ""), ("level", 0),
                   ("marks", ())]),
    # the model (each was frozen and slotted but Story)
    (Citation, True, [("source", M), ("quote", M), ("note", ""), ("found", None), ("corrected", ())]),
    (Account, True, [("source", M), ("quote", M), ("says", M), ("found", None)]),
    (Dispute, True, [("topic", M), ("accounts", M)]),
    (Ending, True, [("kind", M), ("epilogue", ""), ("debrief", "")]),
    (Choice, True, [("id", M), ("key", M), ("scene", M), ("text", M), ("target", M), ("mark", None), ("when", None),
                    ("do", ()), ("locked", None), ("note", ""), ("record", ()), ("line", 0),
                    ("test", F(default=None, compare=False, repr=False)),
                    ("apply", F(default=None, compare=False, repr=False)),
                    ("to_time", F(default=None, compare=False, repr=False)),
                    ("to_day", F(default=None, compare=False, repr=False)),
                    ("to_visit", F(default=-1, compare=False, repr=False)),
                    ("to_visit_cap", F(default=0, compare=False, repr=False))]),
    (Scene, True, [("id", M), ("title", M), ("place", M), ("text", M), ("time", None), ("day", None), ("record", ()),
                   ("disputed", ()), ("events", ()), ("choices", ()), ("ending", None), ("file", ""), ("line", 0),
                   ("conditional", False), ("invented", "")]),
    (Variable, True, [("name", M), ("index", M), ("type", M), ("initial", M), ("min", None), ("max", None),
                      ("values", None), ("visible", False), ("label", "")]),
    (Story, True, [("id", M), ("title", M), ("summary", M), ("role", M), ("start", M), ("start_date", M),
                   ("calendar", M), ("start_clock", M), ("variables", M), ("scenes", M), ("questions", ()),
                   ("teacher_note", ""), ("length", ""), ("folder", ""), ("content_hash", ""), ("tracked", ()),
                   ("initial_visits", ()), ("choices_by_id", F(default_factory=dict)), ("chapters", ()),
                   ("fixed_order", frozenset()), ("templates", F(default_factory=dict))]),
    (_Node, True, [("kind", M), ("type", M), ("offset", M), ("value", None), ("index", -1), ("args", ())]),
    (_Stmt, True, [("var", M), ("op", M), ("expr", M)]),
    (SlotInfo, True, [("slot", M), ("scenario", M), ("scene", M), ("place", M), ("clock", M), ("saved_at", M),
                      ("path", M), ("fits", None), ("problem", None), ("title", ""), ("steps", 0),
                      ("scene_title", ""), ("verified", False)]),
    (ChoiceMade, True, [("choice", M), ("scene", M), ("mark", M), ("historical", M), ("text", M), ("seconds", M),
                        ("to", M), ("given", False)]),
    (Playthrough, False, [("path", M), ("student", None), ("class_name", None), ("scenario", ""), ("title", ""),
                          ("content_hash", ""), ("engine", ""), ("started", ""), ("ended", None), ("start_scene", None),
                          ("choices", F(default_factory=list)), ("scenes_shown", 0), ("undos", 0), ("restarts", 0),
                          ("played", 0.0), ("restores", 0), ("resumed", None), ("continues", ()), ("ending", None),
                          ("ending_kind", None), ("last_scene", None), ("problems", F(default_factory=list)),
                          ("complete", False), ("game", None), ("seed", None), ("chapter", None), ("header", False),
                          ("closed", False), ("cut_short", False), ("serious", F(default_factory=list))]),
]
SLOTTED = {Citation, Account, Dispute, Ending, Choice, Scene, Variable, _Node, _Stmt}  # slots=True, as they were


def reference(cls: type, frozen: bool, spec: list[tuple[str, Any]]) -> type:
    fields = [(name, Any) if d is M else (name, Any, F(repr=False, compare=False)) if d is HIDDEN
              else (name, Any, d if isinstance(d, dataclasses.Field) else F(default=d)) for name, d in spec]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=frozen)


def _touch(obj: object, name: str, delete: bool) -> None:
    if delete:
        delattr(obj, name)
    else:
        setattr(obj, name, 1)


def values(spec: list[tuple[str, Any]], salt: int) -> list[Any]:
    return [(name, salt, Path("/x") / str(salt)) for name, _ in spec]


@pytest.mark.parametrize(("cls", "frozen", "spec"), OLD, ids=[c.__name__ for c, _, _ in OLD])
def test_a_written_out_class_behaves_as_its_dataclass(cls: type, frozen: bool, spec: list[tuple[str, Any]]) -> None:
    ref = reference(cls, frozen, spec)
    assert cls.__match_args__ == ref.__match_args__  # type: ignore[attr-defined]
    required = [name for name, d in spec if d is M or d is HIDDEN]
    # every field given, positionally and by name
    for salt in (1, 2):
        args = values(spec, salt)
        ours, theirs = cls(*args), ref(*args)
        assert repr(ours) == repr(theirs)
        assert ours == cls(**dict(zip([n for n, _ in spec], args, strict=True)))
        last = spec[-1][1]
        if last is HIDDEN or (isinstance(last, dataclasses.Field) and not last.compare):  # not compared, not hashed
            assert ours == cls(*args[:-1], "other") and hash(ours) == hash(cls(*args[:-1], "other"))
        assert ours != cls(*values(spec, salt + 10))
        assert ours != theirs and (ours == object()) is False
        assert cls.__eq__(ours, theirs) is NotImplemented
        for name, _ in spec:
            assert getattr(ours, name) == getattr(theirs, name)
        # replace() as dataclasses.replace
        first = spec[0][0]
        assert repr(replace(ours, **{first: "new"})) == repr(dataclasses.replace(theirs, **{first: "new"}))
        assert replace(ours) == ours and replace(ours) is not ours
        with pytest.raises(TypeError, match="no field 'nonesuch'"):
            replace(ours, nonesuch=1)
        assert (cls in SLOTTED) == (not hasattr(ours, "__dict__"))
        if frozen:
            assert hash(ours) == hash(theirs)
            for name in [spec[0][0], "other"]:
                for delete in (False, True):
                    with pytest.raises(dataclasses.FrozenInstanceError) as real:  # what the dataclass says
                        _touch(theirs, name, delete)
                    with pytest.raises(FrozenInstanceError) as said:
                        _touch(ours, name, delete)
                    assert str(said.value) == str(real.value) and isinstance(said.value, AttributeError)
        else:
            assert cls.__hash__ is None
            with pytest.raises(TypeError):
                hash(ours)
            setattr(ours, spec[0][0], "changed")
            assert getattr(ours, spec[0][0]) == "changed"
    # the defaults, and a fresh list or dict for each instance
    args = values(spec, 3)[:len(required)]
    a, b, theirs = cls(*args), cls(*args), ref(*args)
    assert repr(a) == repr(theirs) and a == b
    for name, d in spec:
        if isinstance(d, dataclasses.Field) and d.default_factory is not M:
            assert getattr(a, name) == getattr(theirs, name) and getattr(a, name) is not getattr(b, name)
    # too few or too many arguments
    if required:
        with pytest.raises(TypeError):
            cls(*args[:-1])
    with pytest.raises(TypeError):
        cls(*values(spec, 4), "one too many")


def test_reply_say_adds_a_message() -> None:
    reply = Reply("scene")
    assert reply.say("hello", "warning") is reply and reply.messages == [("warning", "hello")]


def test_diagnostics_compare_order_and_hash_as_their_dataclass_did() -> None:
    """Diagnostic was `dataclass(frozen=True, order=True)` with `hint: str = field(default="", compare=False)`."""
    fields = [(n, Any) for n in ("path", "line", "column", "severity", "code", "message")]
    ref = dataclasses.make_dataclass("Diagnostic", [*fields, ("hint", Any, F(default="", compare=False))],
                                     frozen=True, order=True)
    assert Diagnostic.__match_args__ == ref.__match_args__  # type: ignore[attr-defined]
    rows = [("b.yaml", 2, 1, "error", "E101", "x"), ("a.yaml", 2, 1, "warning", "E101", "x"),
            ("a.yaml", 10, 1, "error", "E101", "x"), ("a.yaml", 2, 1, "error", "E101", "x"),
            ("a.yaml", 2, 1, "error", "E100", "y")]
    ours = [Diagnostic(*r, hint=f"h{i}") for i, r in enumerate(rows)]  # type: ignore[arg-type]
    theirs = [ref(*r, hint=f"h{i}") for i, r in enumerate(rows)]
    assert [repr(d) for d in sorted(ours)] == [repr(d) for d in sorted(theirs)]
    assert [repr(d) for d in ours] == [repr(d) for d in theirs]
    assert Diagnostic(*rows[0]) == Diagnostic(*rows[0], hint="other")  # type: ignore[arg-type]
    assert hash(Diagnostic(*rows[0])) == hash(ref(*rows[0])) == hash(Diagnostic(*rows[0], hint="o"))  # type: ignore[arg-type]
    for a, b in zip(ours, ours[1:], strict=False):
        for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__"):
            i, j = ours.index(a), ours.index(b)
            assert getattr(a, op)(b) == getattr(theirs[i], op)(theirs[j])
        assert a.__lt__(theirs[0]) is NotImplemented
    with pytest.raises(TypeError):
        _ = ours[0] < theirs[0]
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'hint'"):
        ours[0].hint = "x"  # type: ignore[misc]
