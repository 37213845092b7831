"""The one terminal writer (engine.base.terminal): nothing from a scenario, save or transcript reaches
stdout or stderr as a control sequence, through any command and any output format.

A hostile corpus is built in a temporary folder: a scenario that compiles with ESC, OSC 52, CSI, BEL,
NUL, a C1 control and U+202E in every free-text field; a broken scenario that puts them in keys,
scene ids, gotos, source names and quotes (what `check` quotes back); saves with them in their
summary, slot, engine and saved_at; and transcripts with them in the student and class names and in
a choice id. Every command runs over it in every output format (in-process through `engine.cli.main`,
and `play` and a few others as real processes); no forbidden character may appear in anything
written to stdout, stderr or an output file, the SVG must parse as XML, the JSON as JSON.
(`chronicle bench` is left out: it prints timings of synthetic scenarios, no outsider text.)
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.base.safe_text import clean, json_text, scrub
from engine.base.terminal import SafeWriter, guarded, raw
from engine.cli import main
from engine.saves.savefile import encode
from tests.helpers import ROOT

MINI = ROOT / "tests" / "fixtures" / "mini"
# what may never reach a terminal: C0 but newline and tab, DEL, C1, bidi overrides and isolates
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MARK = "HOSTILE"
# as YAML double-quoted escapes: CSI clear screen, an OSC 52 clipboard write ended by BEL, a C1 CSI,
# NUL, a right-to-left override, a bare ESC and BEL -- and a visible mark that must survive
YAML_PAYLOAD = r"\e[2J\e]52;c;cm0gLXJmIH4=\a" + MARK + r"\x9b31m\0\u202e\e\a"
PAYLOAD = "\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07" + MARK + "\x9b31m\x00\u202e\x1b\x07"


def forbidden(text: str) -> list[str]:
    return sorted({repr(c) for c in FORBIDDEN.findall(text)})


# --- the writer and the sanitiser themselves -------------------------------------------------------


def test_the_writer_scrubs_and_keeps_newlines_and_tabs() -> None:
    buf = io.StringIO()
    w = SafeWriter(buf)  # type: ignore[arg-type]
    assert w.write("a\tb\n" + PAYLOAD + "\n") == len("a\tb\n" + PAYLOAD + "\n")
    assert buf.getvalue() == f"a\tb\n{MARK}\n"
    assert raw(w) is buf and raw(SafeWriter(w)) is buf  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        w.buffer  # noqa: B018 - bytes would pass the writer by


def test_main_puts_every_stream_behind_the_writer(capsys: pytest.CaptureFixture[str]) -> None:
    """Even a plain print() of a command, and an unknown command's own name, come out clean."""
    before = sys.stdout
    with guarded():
        print(PAYLOAD)
        print(PAYLOAD, file=sys.stderr)
    assert sys.stdout is before
    assert main([PAYLOAD]) == 2
    out, err = capsys.readouterr()
    assert not forbidden(out + err) and err.count(MARK) == 2


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    ["\x1b", "\x07", "\x9b", "\x9d", "\x9c", "\x00", "\u202e", "\u2066", "[", "]", ";", "\\", "\t", "\r"]),
    max_size=200))
@settings(max_examples=400, deadline=None)
def test_property_nothing_forbidden_survives(text: str) -> None:
    for out in (clean(text), scrub(text)):
        assert not FORBIDDEN.search(out), repr(out)
    assert scrub(scrub(text)) == scrub(text) and clean(clean(text)) == clean(text)
    assert "\t" not in clean(text) and text.count("\t") == scrub(text).count("\t")
    doc = {"k" + text: [text, 1]}
    assert json.loads(json_text(doc)) == doc and not FORBIDDEN.search(json_text(doc))  # JSON stays JSON, whole


@given(st.text(alphabet=st.sampled_from(["\x1b", "]", "[", "5", "2", ";", "c", "\x07", "\x9b", "a", "\n"]),
               max_size=60), st.lists(st.integers(0, 60), max_size=6))
@settings(max_examples=300, deadline=None)
def test_property_a_sequence_split_over_writes_never_passes(text: str, cuts: list[int]) -> None:
    """Written in pieces (as print() does), a sequence never gets through: each piece is scrubbed."""
    buf = io.StringIO()
    w = SafeWriter(buf)  # type: ignore[arg-type]
    last = 0
    for cut in sorted(cuts) + [len(text)]:
        w.write(text[last:cut])
        last = max(last, cut)
    assert not FORBIDDEN.search(buf.getvalue())


# --- the corpus --------------------------------------------------------------------------------------


def _yaml(value: str) -> str:
    return f'"{value}"'


def _hostile_scenario(dest: Path) -> Path:
    """The mini scenario with the payload in every free-text field; it compiles and plays."""
    folder = dest / "mini"
    shutil.copytree(MINI, folder)
    h = YAML_PAYLOAD
    meta = (folder / "scenario.yaml").read_text("utf-8")
    for old in ("title: A Small Night", "summary: A two-decision test scenario in the Malachite Hall.",
                "role: A minister", "length: about 2 minutes", "teacher_note: A fixture for tests.",
                "label: Resolve", "label: Warned"):
        key, _, value = old.partition(": ")
        meta = meta.replace(old, f"{key}: {_yaml(value + h)}")
    meta = meta.replace("  - Why did the ministers wait?", f"  - {_yaml('Why?' + h)}")
    (folder / "scenario.yaml").write_text(meta, "utf-8")
    night = (folder / "scenes" / "night.yaml").read_text("utf-8")
    for old in ("The ultimatum", "Still waiting", "After midnight", "Arrest", "Surrender",
                "Malachite Hall, Winter Palace", "The messenger waits. You read the paper twice.",
                "Nothing changes.", "The door opens.", "It is over.", "You give up early.",
                "Ignore the ultimatum", "Surrender at once", "Wait and listen", "Go back to the table",
                "Stand firm", "You have lost heart.", "The ministers are taken away.", "What happened.",
                "Why they did not."):
        night = re.sub(rf"(: ){re.escape(old)}$", lambda m, old=old: m[1] + _yaml(old + h), night, flags=re.M)
    night = night.replace("    place: Winter Palace", f"    place: {_yaml('Winter Palace' + h)}")
    night = night.replace("        quote: \"You have twenty minutes to answer.\"\n",
                          "        quote: \"You have twenty minutes to answer.\"\n"
                          f"        note: {_yaml('a note' + h)}\n"
                          "    disputed:\n"
                          f"      - topic: {_yaml('When' + h)}\n"
                          "        accounts:\n"
                          "          - source: rabinowitch\n"
                          "            quote: \"This ultimatum expires at 7:10\"\n"
                          f"            says: {_yaml('At seven' + h)}\n"
                          "          - source: rabinowitch\n"
                          "            quote: \"You have twenty minutes to answer.\"\n"
                          f"            says: {_yaml('In twenty minutes' + h)}\n", 1)
    (folder / "scenes" / "night.yaml").write_text(night, "utf-8")
    return folder


def _broken_scenario(dest: Path) -> Path:
    """The payload where `check` quotes it back: a key, a scene id, a goto, a source, a quote."""
    folder = dest / "broken"
    shutil.copytree(MINI, folder)
    h = YAML_PAYLOAD
    night = (folder / "scenes" / "night.yaml").read_text("utf-8")
    night = night.replace("    text: The messenger waits. You read the paper twice.\n",
                          "    text: The messenger waits.\n"
                          f"    {_yaml('colour' + h)}: 1\n", 1)
    night = night.replace("goto: late", f"goto: {_yaml('nowhere' + h)}", 1)
    night = night.replace("      - source: rabinowitch\n        quote: \"You have twenty minutes to answer.\"",
                          f"      - source: {_yaml('evil' + h)}\n        quote: {_yaml('nothing' + h)}", 1)
    night = night.replace("        quote: \"This ultimatum expires at 7:10\"\n    choices:\n      - id: brave",
                          f"        quote: {_yaml('not in the record' + h)}\n    choices:\n      - id: brave", 1)
    night = night.replace("  surrender:\n", f"  {_yaml('bad id' + h)}:\n", 1)
    (folder / "scenes" / "night.yaml").write_text(night, "utf-8")
    return folder


def _save(folder: Path, slot: str, doc: dict[str, Any]) -> None:
    (folder / f"{slot}.save.json").write_bytes(encode(doc))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("hostile_output")
    root = base / "scenarios"
    root.mkdir()
    scenario = _hostile_scenario(root)
    broken = _broken_scenario(base)
    saves = base / "saves"
    # a real game of the hostile scenario, by a hostile student of a hostile class: its save and transcript
    done = subprocess.run([sys.executable, "-m", "engine", "play", str(scenario), "--plain", "--saves", str(saves),
                           "--student", PAYLOAD.replace("\x00", ""), "--class", "C" + PAYLOAD.replace("\x00", "")],
                          input="1\nsources\ndisputes\nhistory\nstatus\nsave evening\nsaves\n1\n", text=True,
                          capture_output=True, cwd=base, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert not forbidden(done.stdout + done.stderr), forbidden(done.stdout + done.stderr)
    assert MARK in done.stdout
    good = json.loads((saves / "evening.save.json").read_bytes())
    good.pop("checksum")
    forged = dict(good, slot="forged" + PAYLOAD, summary={k: v + PAYLOAD for k, v in good["summary"].items()})
    _save(saves, "forged", forged)
    _save(saves, "ghost", dict(forged, scenario="ghost"))  # no such scenario: shown unverified
    _save(saves, "future", dict(good, engine="99.0.0"))
    _save(saves, "badtime", dict(good, saved_at=PAYLOAD))
    _save(saves, "badengine", dict(good, engine=PAYLOAD))
    transcripts = sorted((saves / "transcripts").glob("*.jsonl"))
    assert transcripts
    lines = transcripts[0].read_text("utf-8").splitlines()
    evil = [json.dumps(dict(json.loads(line), choice="hall.ignore" + PAYLOAD))
            if json.loads(line).get("event") == "choice" else line for line in lines]
    tdir = base / "transcripts"
    tdir.mkdir()
    (tdir / "student.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    (tdir / "evil_choice.jsonl").write_text("\n".join(evil) + "\n", "utf-8")
    return {"base": base, "root": root, "scenario": scenario, "broken": broken, "saves": saves,
            "transcripts": tdir, "transcript": tdir / "student.jsonl", "evil": tdir / "evil_choice.jsonl"}


def _commands(c: dict[str, Path]) -> list[list[str]]:
    s, b, sv, t, out = (str(c[k]) for k in ("scenario", "broken", "saves", "transcripts", "base"))
    return [
        ["list", "--root", str(c["root"])], ["list", "--json", "--root", str(c["root"])],
        ["stats", s], ["stats", "--json", s],
        ["check", s], ["check", "--strict", s], ["check", b], ["check", "--format", "json", b],
        ["sources", s], ["sources", "--json", s], ["sources", "--brief", s], ["sources", b],
        ["map", s], ["map", s, "--group", "place"], ["map", s, "--format", "dot"],
        ["map", s, "--format", "svg"], ["map", s, "--format", "dot", "-o", f"{out}/map.dot"],
        ["map", s, "-o", f"{out}/map.mmd"], ["map", b],
        ["explore", s], ["explore", "--json", s],
        ["randomtest", s, "-n", "30"], ["randomtest", s, "-n", "30", "--json"],
        ["saves", "list", "--saves", sv, "--root", str(c["root"])],
        ["saves", "list", "--json", "--saves", sv, "--root", str(c["root"])],
        ["saves", "list", "--saves", sv],
        *[["saves", "show", slot, "--saves", sv, "--root", str(c["root"])] + fmt
          for slot in ("evening", "forged", "ghost", "future", "badtime", "badengine") for fmt in ([], ["--json"])],
        ["saves", "import", f"{sv}/forged.save.json", "--as", "copy", "--saves", sv, "--root", str(c["root"])],
        ["saves", "import", f"{sv}/ghost.save.json", "--as", "ghost2", "--saves", sv, "--unchecked"],
        ["saves", "import", f"{sv}/badtime.save.json", "--saves", sv],
        ["saves", "export", "forged", out, "--saves", sv, "--force"],
        *[["report", t, "--scenarios", str(c["root"])] + fmt
          for fmt in ([], ["--format", "md"], ["--format", "html"], ["--format", "json"])],
        ["report", t, "--scenarios", str(c["root"]), "--format", "html", "-o", f"{out}/report.html"],
        *[["export", "transcript", str(c["transcript"]), "--scenarios", str(c["root"])] + fmt
          for fmt in ([], ["--format", "html"])],
        *[["export", "worksheet", s] + fmt for fmt in ([], ["--format", "html"])],
        ["export", "worksheet", s, "-o", f"{out}/worksheet.md"],
        ["replay", "--bless", str(c["evil"]), "--scenario", s, "-o", f"{out}/evil_plan.yaml"],
        ["replay", "--bless", str(c["transcript"]), "--scenario", s, "-o", f"{out}/plan.yaml"],
        ["replay", f"{out}/plan.yaml", "--scenario", s], ["replay", "--json", f"{out}/plan.yaml", "--scenario", s],
        ["replay", "--bless-endings", s], ["replay", str(c["scenario"] / "plans")],
        ["new", "x" + PAYLOAD, "--dir", out], ["schema"], ["play", "no_such" + PAYLOAD, "--plain"],
        *[["timeline", s] + fmt for fmt in ([], ["--format", "md"], ["--format", "html"])],
        ["timeline", s, "--from", "18:00", "--to", "02:00"],
        *[["export", "guide", s] + fmt for fmt in ([], ["--format", "html"])],
        ["export", "html", s, "-o", f"{out}/story.html"],
        ["report", t, "--scenarios", str(c["root"]), "--format", "csv"],
        ["report", t, "--scenarios", str(c["root"]), "--anonymize"],
        ["completion", "bash"], ["help", "export"], ["-V"],
        [PAYLOAD], ["--help"],
    ]


OUTPUT_FILES = ("map.dot", "map.mmd", "report.html", "worksheet.md", "forged.save.json", "story.html")


def test_every_command_every_format_keeps_the_terminal_clean(
        corpus: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus["base"])
    seen_mark = 0
    for argv in _commands(corpus):
        monkeypatch.setattr(sys, "stdin", io.StringIO("1\n"))
        code = main(argv)
        out, err = capsys.readouterr()
        assert isinstance(code, int)
        bad = forbidden(out + err)
        assert not bad, (argv, bad, (out + err)[:2000])
        assert "Traceback" not in err, (argv, err)
        seen_mark += MARK in out + err
        if "--json" in argv or argv[-2:] == ["--format", "json"]:
            if out.strip():
                data = json.dumps(json.loads(out), ensure_ascii=False)
                assert MARK not in data or "\u202e" in data, argv  # escaped in the text, whole in the data
        if "svg" in argv and code == 0:
            ET.fromstring(out)  # valid XML
    assert seen_mark >= 30  # the hostile text was shown (cleaned), not just dropped
    for name in OUTPUT_FILES:
        path = corpus["base"] / name
        assert path.is_file(), name
        text = path.read_text("utf-8")
        if name.endswith(".json"):
            continue  # a save is JSON for programs, its escapes stay \\u escapes
        assert not forbidden(text), (name, forbidden(text))


def test_check_names_what_is_wrong_without_the_sequences(corpus: dict[str, Path],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(corpus["broken"])]) == 1
    out = capsys.readouterr().out
    assert not forbidden(out)
    for what in ("colour" + MARK, "nowhere" + MARK, "evil" + MARK):
        assert what in out, what


def test_saves_show_what_the_replayed_game_holds(corpus: dict[str, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A forged summary is not shown: the scene and place come from the replayed path."""
    root = str(corpus["root"])
    assert main(["saves", "show", "forged", "--saves", str(corpus["saves"]), "--root", root, "--json"]) == 0
    item = json.loads(capsys.readouterr().out)
    assert item["verified"] is True and item["fits"] is True
    assert item["scene_title"] == "After midnight" + PAYLOAD  # the scenario's own title (JSON keeps it whole)
    forged = json.loads((corpus["saves"] / "forged.save.json").read_bytes())["summary"]["scene_title"]
    assert item["scene_title"] != forged
    assert main(["saves", "show", "ghost", "--saves", str(corpus["saves"]), "--root", root]) == 0
    out = capsys.readouterr().out
    assert "unverified" in out and "Fits:       cannot tell" in out
    assert main(["saves", "show", "future", "--saves", str(corpus["saves"]), "--root", root]) == 0
    assert "claims Chronicle 99.0.0, newer than this" in capsys.readouterr().out
    for slot in ("badtime", "badengine"):
        assert main(["saves", "show", slot, "--saves", str(corpus["saves"]), "--root", root]) == 1
        out = capsys.readouterr().out
        assert "Damaged:" in out and ("saved_at" in out or "engine" in out)


def test_real_processes_keep_the_terminal_clean(corpus: dict[str, Path]) -> None:
    """The same, end to end, for the commands that write straight to their streams."""
    s = str(corpus["scenario"])
    for argv in (["map", s, "--format", "dot"], ["check", str(corpus["broken"])],
                 ["report", str(corpus["transcripts"]), "--scenarios", str(corpus["root"])],
                 ["saves", "list", "--saves", str(corpus["saves"])],
                 ["replay", "--bless", str(corpus["evil"]), "--scenario", s, "-o", str(corpus["base"] / "p.yaml")]):
        done = subprocess.run([sys.executable, "-m", "engine", *argv], capture_output=True, timeout=120,
                              cwd=corpus["base"], check=False)
        text = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
        assert not forbidden(text), (argv, forbidden(text))
        assert b"Traceback" not in done.stderr


def _dot_installed() -> bool:
    return shutil.which("dot") is not None


@pytest.mark.skipif(not _dot_installed(), reason="Graphviz's dot is not installed")
def test_svg_is_valid_xml(corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", str(corpus["scenario"]), "--format", "svg"]) == 0
    svg = capsys.readouterr().out
    assert MARK in svg and not forbidden(svg)
    ET.fromstring(svg)

