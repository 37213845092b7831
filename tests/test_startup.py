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
from engine.build.bindings import Compiled
from engine.build.cache import Read
from engine.build.loader import ScenarioFolder
from engine.expressions.builtins import Builtin
from engine.expressions.language import Condition, Effect, Value, VarSpec
from engine.expressions.template import Arm, Template
from engine.play.launch import LaunchPlan, Opening
from engine.play.pages import Block
from engine.play.session import Reply, _Pending
from engine.saves.savefile import SaveData
from engine.saves.store import Loaded
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
    "engine.play.watch", "engine.core.debrief",
    "difflib",  # only for "did you mean"
    "random", "secrets", "tempfile",  # os.urandom is enough; a temporary file only when a cache entry is written
    "subprocess", "threading", "multiprocessing", "concurrent", "asyncio", "socket", "selectors", "signal",
    "pickle", "zipfile", "tarfile", "email", "http", "urllib.request", "xml", "sqlite3", "unittest", "logging",
    "importlib.resources", "importlib.metadata", "platform",
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


# every dataclass a cached plain start creates (each costs a few million instructions to create, and
# importing `dataclasses` costs more): these still are; a new one on the path fails here
DATACLASSES_ON_THE_PATH = {
    "engine.core.model." + name for name in
    ("Citation", "Account", "Dispute", "Ending", "Choice", "Scene", "Variable", "Story")  # dataclasses.fields()
} | {"engine.expressions.language._Node", "engine.expressions.language._Stmt",  # frozen with slots
     "engine.saves.store.SlotInfo", "engine.saves.transcript.ChoiceMade",  # dataclasses.replace()
     "engine.saves.transcript.Playthrough"}

DATACLASS_PROBE = """
import dataclasses, json, os, sys
made = []
_process = dataclasses._process_class
def _counted(cls, *args, **kwargs):
    made.append(cls.__module__ + "." + cls.__qualname__)
    return _process(cls, *args, **kwargs)
dataclasses._process_class = _counted
sys.argv = ["chronicle", *sys.argv[2:]]
from engine.cli import main
try:
    main()
finally:
    with open(os.environ["PROBE_OUT"], "w") as f:
        json.dump(made, f)
"""


def test_plain_mode_first_scene_creates_only_the_dataclasses_it_must(tmp_path: Path) -> None:
    env = {**os.environ, "CHRONICLE_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT),
           "PROBE_OUT": str(tmp_path / "made.json")}
    for key in ("NO_COLOR", "FORCE_COLOR", "CHRONICLE_JOBS", "CHRONICLE_SCENARIOS"):
        env.pop(key, None)
    args = ["play", "malachite_hall", "--plain", "--saves", str(tmp_path / "saves")]
    for _ in range(2):  # the second start finds the cache the first wrote
        out = subprocess.run([sys.executable, "-c", DATACLASS_PROBE, "-", *args], env=env, cwd=tmp_path,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
    assert "Type a number to choose" in out.stdout
    made = json.loads((tmp_path / "made.json").read_text())
    assert made and set(made) <= DATACLASSES_ON_THE_PATH, sorted(set(made) - DATACLASSES_ON_THE_PATH)


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
    (Block, True, [("kind", M), ("text", ""), ("number", None), ("extra", ""), ("after", ""), ("level", 0),
                   ("marks", ())]),
]


def reference(cls: type, frozen: bool, spec: list[tuple[str, Any]]) -> type:
    fields = [(name, Any) if d is M else (name, Any, F(repr=False, compare=False)) if d is HIDDEN
              else (name, Any, d if isinstance(d, dataclasses.Field) else F(default=d)) for name, d in spec]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=frozen)


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
        if any(d is HIDDEN for _, d in spec):  # not compared, not hashed
            assert ours == cls(*args[:-1], "other") and hash(ours) == hash(cls(*args[:-1], "other"))
        assert ours != cls(*values(spec, salt + 10))
        assert ours != theirs and (ours == object()) is False
        assert cls.__eq__(ours, theirs) is NotImplemented
        for name, _ in spec:
            assert getattr(ours, name) == getattr(theirs, name)
        if frozen:
            assert hash(ours) == hash(theirs)
            for name in [spec[0][0], "other"]:
                with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"):
                    setattr(ours, name, 1)
                with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field '{name}'"):
                    delattr(ours, name)
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
        if isinstance(d, dataclasses.Field):
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
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'hint'"):
        ours[0].hint = "x"  # type: ignore[misc]
