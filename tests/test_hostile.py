"""The hostile-input corpus (tests/hostile/manifest.yaml): every item refused cleanly or shown safely.

Each item runs in a worker subprocess limited to 512 MiB of address space (tests/hostile_worker.py):
through the engine call it targets (safeyaml/analyze, parse_condition/parse_effects, SaveStore.load,
read_transcript) and through the command a person would use (`chronicle check`, `saves import`,
`play --load`, `report`, `export transcript`). Every item must give the expected error code (with a
line and column) or the expected safe outcome, no traceback, within a second of CPU time. A few
items also run as real `python -m engine` processes, end to end.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.saves.savefile import encode
from tests.helpers import ROOT

HOSTILE = ROOT / "tests" / "hostile"
MINI = ROOT / "tests" / "fixtures" / "mini"
WORKER = ROOT / "tests" / "hostile_worker.py"
MANIFEST: dict[str, list[dict[str, Any]]] = yaml.safe_load((HOSTILE / "manifest.yaml").read_text("utf-8"))
MEMORY = 512 << 20  # address-space limit of a `chronicle` process
WORKER_MEMORY = 1 << 30  # of the worker, which runs many items in one process
CPU_SECONDS = 1.0  # per item
PEAK_BYTES = 64 << 20  # growth of the peak resident memory per item
CONTROLS = {chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
SAFEYAML_CODES = {f"E{n:03}" for n in range(1, 14)} - {"E011"}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


# --- generated items (too large or too odd to keep as files) ------------------------------------


def _scene_text() -> str:
    return (MINI / "scenes" / "night.yaml").read_text("utf-8")


def generate(spec: dict[str, Any], dest: Path) -> None:
    """Write the generated item `spec` to `dest`."""
    kind = spec["kind"]
    n = int(spec.get("n", 0))
    if kind == "nest":
        style = spec["style"]
        if style == "flow":  # left open when closing it would pass the size limit: the depth is found first
            body = "format: 1\nscenes: " + "[" * n + ("]" * n if n < 500_000 else "") + "\n"
        elif style == "flow_map":
            body = "format: 1\nscenes: " + "{a: " * n + "1" + "}" * n + "\n"
        elif style == "block":  # compact nested block sequences: "- - - x"
            body = "format: 1\nscenes:\n" + "- " * n + "x\n"
        else:  # block mappings, one level of indentation each
            body = "format: 1\nscenes:\n" + "".join(" " * (i + 1) + "k:\n" for i in range(n))
        dest.write_text(body, "utf-8")
    elif kind == "sized":  # the mini scene file padded with a comment to exactly n bytes
        head = _scene_text().encode()
        pad = n - len(head) - 3
        dest.write_bytes(head + b"#" + b"x" * pad + b"\n\n")
        assert dest.stat().st_size == n
    elif kind == "long_scalar":
        dest.write_text(_scene_text().replace("The messenger waits.", "w " * (n // 2)), "utf-8")
    elif kind == "long_line_comment":
        dest.write_text("#" + "x" * n + "\n" + _scene_text(), "utf-8")
    elif kind == "long_key":
        key = "k" * n
        dest.write_text(_scene_text().replace("    title: The ultimatum", f"    {key}: 1\n    title: The ultimatum"),
                        "utf-8")
    elif kind == "long_goto":
        dest.write_text(_scene_text().replace("goto: late", "goto: " + "s" * n, 1), "utf-8")
    elif kind == "many_values":
        dest.write_text("format: 1\nscenes:\n  hall:\n    list: [" + ",".join(["1"] * n) + "]\n", "utf-8")
    elif kind == "many_scenes":
        scene = ("  s{i}:\n    title: T\n    place: P\n    text: X.\n    record:\n      - source: rabinowitch\n"
                 "        quote: \"This ultimatum expires at 7:10\"\n    choices:\n      - {{text: On, goto: s{j}}}\n")
        body = "format: 1\nscenes:\n" + scene.format(i="x", j=0).replace("sx:", "hall:")
        body += "".join(scene.format(i=i, j=(i + 1) % n) for i in range(n))
        # one way out of the ring, so that an ending can be reached (else `check` fails with E512)
        body = body.replace("      - {text: On, goto: s0}\n", "      - {text: On, goto: s0}\n"
                            "      - {text: Leave, goto: out}\n", 1)
        body += ("  out:\n    title: Out\n    place: P\n    text: X.\n    record:\n      - source: rabinowitch\n"
                 "        quote: \"This ultimatum expires at 7:10\"\n    ending: {kind: historical, debrief: D.}\n")
        dest.write_text(body, "utf-8")
    elif kind == "deep_json":
        dest.write_text("[" * n + "]" * n)
    elif kind == "deep_json_line":  # a transcript with one deeply nested line
        valid = (HOSTILE / "transcripts" / "valid.jsonl").read_text("utf-8").splitlines(keepends=True)
        dest.write_text(valid[0] + "[" * n + "]" * n + "\n" + "".join(valid[1:]), "utf-8")
    elif kind == "transcript_line":  # a transcript with one hostile line after the header
        valid = (HOSTILE / "transcripts" / "valid.jsonl").read_text("utf-8").splitlines(keepends=True)
        line = spec["line"].replace("{n}", "").replace("<x>", spec.get("unit", "") * n)
        dest.write_text(valid[0] + line + "\n" + "".join(valid[1:]), "utf-8")
    elif kind == "long_path":
        doc = json.loads((HOSTILE / "saves" / "valid_unsigned.json").read_text("utf-8"))
        doc["path"] = ["a"] * n
        dest.write_bytes(encode(doc))
    elif kind == "sparse":
        with open(dest, "wb") as f:
            f.truncate(n)
    elif kind == "fifo":
        os.mkfifo(dest)
    elif kind == "directory":
        dest.mkdir()
    elif kind == "symlink_outside":
        outside = dest.parent.parent / "outside.json"
        outside.write_bytes(encode(json.loads((HOSTILE / "saves" / "valid_unsigned.json").read_text("utf-8"))))
        dest.symlink_to(outside)
    else:
        raise ValueError(kind)


def materialize(item: dict[str, Any], dest: Path) -> None:
    """Put the item's bytes (a corpus file, signed when asked, or generated) at `dest`."""
    if "generate" in item:
        generate(item["generate"], dest)
    elif item.get("sign"):
        doc = json.loads((HOSTILE / item["file"]).read_text("utf-8"))
        dest.write_bytes(encode(doc))
    else:
        shutil.copyfile(HOSTILE / item["file"], dest)


# --- running jobs in the worker -------------------------------------------------------------------


def run_jobs(jobs: list[dict[str, Any]], cwd: Path) -> dict[str, dict[str, Any]]:
    """Run jobs in worker subprocesses; a crash or hang is the result of the job it happened in."""
    results: dict[str, dict[str, Any]] = {}
    todo = list(jobs)
    while todo:
        env = {**os.environ, "CHRONICLE_CACHE": str(cwd / ".cache")}
        proc = subprocess.Popen([sys.executable, str(WORKER), str(WORKER_MEMORY)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
        try:
            out, err = proc.communicate(json.dumps(todo), timeout=30 + 2 * len(todo))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            err += "\n(timed out)"
        current = None
        for line in out.splitlines():
            record = json.loads(line)
            if "start" in record:
                current = record["start"]
            else:
                results[record["id"]] = record
                current = None
        done = {j["id"] for j in todo if j["id"] in results}
        if current is not None:  # the worker died or hung inside this job
            results[current] = {"id": current, "error": "crash", "rc": proc.returncode,
                                "traceback": f"worker exited {proc.returncode} during this item: {err[-3000:]}"}
            done.add(current)
        elif len(done) < len(todo):
            raise AssertionError(f"the worker failed before any item: {err[-3000:]}")
        todo = [j for j in todo if j["id"] not in done]
    return results


def assert_bounded(r: dict[str, Any]) -> None:
    assert r["error"] not in ("crash",), r.get("traceback")
    assert "traceback" not in r, r["traceback"]
    for stream in ("out", "err"):
        assert "Traceback" not in r.get(stream, ""), r[stream][-3000:]
    assert r["cpu"] < CPU_SECONDS, f"{r['id']} took {r['cpu']:.2f} s of CPU"
    assert r["peak"] < PEAK_BYTES, f"{r['id']} allocated {r['peak']:,} bytes"


def items(section: str) -> list[dict[str, Any]]:
    return MANIFEST[section]


def ids(section: str) -> list[str]:
    return [i["id"] for i in MANIFEST[section]]


def test_the_manifest_lists_every_corpus_file_once() -> None:
    listed = [i["file"] for section in MANIFEST.values() for i in section if "file" in i]
    assert len(listed) == len(set(listed))
    on_disk = {str(p.relative_to(HOSTILE)) for sub in ("yaml", "saves", "transcripts")
               for p in (HOSTILE / sub).iterdir()}
    assert on_disk == set(listed)
    every = [i["id"] for section in MANIFEST.values() for i in section]
    assert len(every) == len(set(every))
    assert len(every) >= 150


# --- scenario files -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("scenario_files")
    jobs: list[dict[str, Any]] = []
    for item in items("scenario_files"):
        folder = base / item["id"] / "mini"
        shutil.copytree(MINI, folder)
        target = folder / ("scenario.yaml" if item.get("role") == "scenario" else "scenes/night.yaml")
        target.unlink()
        materialize(item, target)
        rel = os.path.relpath(target, base)
        jobs.append({"id": item["id"], "kind": "yaml", "file": rel})
        jobs.append({"id": item["id"] + "#analyze", "kind": "analyze", "folder": str(folder)})
        jobs.append({"id": item["id"] + "#check", "kind": "cli", "argv": ["check", os.path.relpath(folder, base)],
                     "target": rel})
    results = run_jobs(jobs, base)
    for job in jobs:
        results[job["id"]]["target"] = job.get("target", "")
    return results


@pytest.mark.parametrize("item", items("scenario_files"), ids=ids("scenario_files"))
def test_scenario_file(item: dict[str, Any], scenario_results: dict[str, dict[str, Any]]) -> None:
    expect = str(item["expect"])
    load, analysis, check = (scenario_results[item["id"] + s] for s in ("", "#analyze", "#check"))
    for r in (load, analysis, check):
        assert_bounded(r)
    if expect == "loads":  # within the limits: read, then refused by the schema, not by the reader
        assert load["error"] is None, load
        assert check["rc"] == 1 and not SAFEYAML_CODES & set(analysis["codes"]), analysis["codes"]
        return
    if expect == "ok":
        assert load["error"] is None and analysis["ok"], (load, analysis["codes"])
        assert check["rc"] == 0, check["out"] + check["err"]
        return
    # the same code from the analysis and from `chronicle check`, at a line and column of the file
    if expect in SAFEYAML_CODES:  # a file-level refusal comes from the safe YAML reader itself
        assert load["error"] == "ChronicleError" and load["codes"] == [expect], load
    expect = str(item.get("in_scenario", expect))  # scenario files are read more strictly (no aliases)
    assert expect in analysis["codes"], (analysis["codes"], analysis.get("message"))
    assert check["rc"] == 1
    hits = [ln for ln in check["out"].splitlines() if f": error {expect}: " in ln]
    assert hits, check["out"][:3000]
    where, _, _ = hits[0].partition(f": error {expect}")
    path, line, col = where.rsplit(":", 2)
    assert path == check["target"] and int(line) >= 1 and int(col) >= 1, hits[0]
    assert all(len(ln) <= 1000 for ln in check["out"].splitlines()), "a diagnostic line echoes the whole input"


def test_no_tag_ran_code() -> None:
    """The !!python tags in the corpus would create this file if anything constructed them."""
    assert not Path("/tmp/chronicle-pwned").exists()


# --- expressions ----------------------------------------------------------------------------------


def _expression(item: dict[str, Any]) -> str:
    if "generate" in item:
        g = item["generate"]
        return str(g["prefix"]) + str(g["unit"]) * int(g["n"]) + str(g.get("suffix", ""))
    return str(item["text"])


@pytest.fixture(scope="module")
def expression_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("expressions")
    scene = yaml.safe_load(_scene_text())
    jobs: list[dict[str, Any]] = []
    for item in items("expressions"):
        text = _expression(item)
        jobs.append({"id": item["id"], "kind": item["kind"], "text": text})
        folder = base / item["id"] / "mini"
        shutil.copytree(MINI, folder)
        doc = json.loads(json.dumps(scene))
        choices = doc["scenes"]["hall"]["choices"]
        if item["kind"] == "condition":
            choices[2]["when"] = text  # hall.wait
        else:
            choices[0]["do"] = text  # hall.ignore
        dumped = yaml.safe_dump(doc, sort_keys=False, allow_unicode=False, width=10**9)
        (folder / "scenes" / "night.yaml").write_text(dumped, "utf-8")
        key = "when:" if item["kind"] == "condition" else "do:"
        line = next(n for n, ln in enumerate(dumped.splitlines(), 1) if ln.strip().startswith(key))
        jobs.append({"id": item["id"] + "#check", "kind": "cli", "argv": ["check", str(folder)], "line": line})
    results = run_jobs(jobs, base)
    for job in jobs:
        results[job["id"]]["line"] = job.get("line", 0)
    return results


@pytest.mark.parametrize("item", items("expressions"), ids=ids("expressions"))
def test_expression(item: dict[str, Any], expression_results: dict[str, dict[str, Any]]) -> None:
    expect = str(item["expect"])
    parsed, check = expression_results[item["id"]], expression_results[item["id"] + "#check"]
    assert_bounded(parsed)
    assert_bounded(check)
    if expect == "ok":
        assert parsed["error"] is None, parsed
        assert check["rc"] == 0, check["out"]
        return
    assert parsed["error"] == "ExprError" and parsed["codes"] == [expect], parsed
    hits = [ln for ln in check["out"].splitlines() if f": error {expect}: " in ln]
    assert hits and check["rc"] == 1, check["out"][:2000]
    line = int(hits[0].split(f": error {expect}")[0].rsplit(":", 2)[1])
    assert line == check["line"], hits[0]


def test_saturating_arithmetic_stays_bounded() -> None:
    from engine.expressions.language import SATURATION, VarSpec, evaluate, parse_condition, parse_effects

    variables = {"resolve": VarSpec("resolve", 0, "int", 0, 10), "big": VarSpec("big", 1, "int")}
    huge = " * ".join(["1000000000"] * 30)
    assert len(str(SATURATION)) < 30
    # two cubings first: unsaturated, a number of about 2,400 digits, made at once, and the test
    # fails here rather than hang on the twenty below (unsaturated, about 10^12 digits)
    two = parse_effects([f"big += {huge}"] + ["big = big * big * big"] * 2, variables, ())
    assert evaluate(two, (0, 7)) == (0, SATURATION)
    cond = parse_condition(f"big * {huge} > 0", variables, ())
    eff = parse_effects([f"big += {huge}"] + ["big = big * big * big"] * 20, variables, ())
    assert evaluate(cond, (0, 7)) is True
    assert evaluate(eff, (0, 7)) == (0, SATURATION)
    assert evaluate(parse_effects("resolve += " + huge, variables, ()), (5, 0)) == (10, 0)


# --- saves ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def save_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("saves")
    shutil.copytree(MINI, base / "mini")
    jobs: list[dict[str, Any]] = []
    for item in items("saves"):
        folder = base / item["id"]
        folder.mkdir()
        slots = folder / "slots"
        slots.mkdir()
        source = folder / "incoming.save.json"
        materialize(item, source)
        slot_file = slots / "hostile.save.json"
        if item.get("generate", {}).get("kind") in ("fifo", "directory", "symlink_outside"):
            source.rename(slot_file)
            source = slot_file
        else:
            shutil.copyfile(source, slot_file)
        jobs.append({"id": item["id"], "kind": "save", "scenario": str(base / "mini"), "folder": str(slots),
                     "slot": "hostile"})
        imports = folder / "imported"
        jobs.append({"id": item["id"] + "#import", "kind": "cli",
                     "argv": ["saves", "import", str(source), "--saves", str(imports), "--root", str(base)]})
        jobs.append({"id": item["id"] + "#play", "kind": "cli", "stdin": "no\nquit\n",
                     "argv": ["play", str(base / "mini"), "--load", "hostile", "--plain", "--saves", str(slots)]})
    results = run_jobs(jobs, base)
    for item in items("saves"):
        imported = base / item["id"] / "imported"
        found = sorted(p.name for p in imported.iterdir()) if imported.exists() else []
        results[item["id"] + "#import"]["files"] = found
    results["_base"] = {"path": str(base)}
    return results


@pytest.mark.parametrize("item", items("saves"), ids=ids("saves"))
def test_save(item: dict[str, Any], save_results: dict[str, dict[str, Any]]) -> None:
    expect = item["expect"]
    load, imp, play = (save_results[item["id"] + s] for s in ("", "#import", "#play"))
    for r in (load, imp, play):
        assert_bounded(r)
    if expect == "loaded":  # the path is what counts: replayed, whatever the snapshot claims
        assert load["error"] is None, load
        assert load["loaded"][:2] == ["arrest", ["hall.ignore", "late.brave"]], load["loaded"]
    elif expect == "mismatch":
        assert load["error"] == "SaveMismatch", load
    else:
        assert load["error"] in ("SaveError", "TooNew"), load
        assert load["message"]
    # import checks the file and replays its path through its scenario: only saves that fit go in
    if item.get("import", "refused") == "refused":
        assert imp["rc"] == 1 and "cannot be imported" in imp["err"], imp
        assert imp["files"] == []
    else:
        assert imp["rc"] == 0, imp["err"]
        assert len(imp["files"]) == 1 and imp["files"][0].endswith(".save.json"), imp["files"]
    # play --load of a save that does not fit: the player is told, and the game starts at the beginning
    assert play["rc"] == 0, play
    if expect == "refused":
        told = "Not loaded" in play["out"] or "is a save of the scenario" in play["out"]
        assert told, play["out"][-1500:]
        assert "The messenger waits" in play["out"]
        assert play["out"].count("After midnight") == 0  # nothing of the save's path was played


def test_saves_never_escape_their_folder(save_results: dict[str, dict[str, Any]]) -> None:
    base = Path(save_results["_base"]["path"])
    assert not (base / "outside.save.json").exists()
    assert not any(base.glob("**/outside*.save.json"))


# --- transcripts ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def transcript_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("transcripts")
    scenarios = base / "scenarios"
    shutil.copytree(MINI, scenarios / "mini")
    jobs: list[dict[str, Any]] = []
    for item in items("transcripts"):
        folder = base / item["id"]
        folder.mkdir()
        f = folder / "t.jsonl"
        materialize(item, f)
        jobs.append({"id": item["id"], "kind": "transcript", "file": str(f)})
        if item.get("read_only"):  # the commands read it the same way; once is enough while it is slow
            continue
        for fmt in ("text", "html"):
            jobs.append({"id": f"{item['id']}#report-{fmt}", "kind": "cli",
                         "argv": ["report", str(folder), "--format", fmt, "--scenarios", str(scenarios)]})
        jobs.append({"id": item["id"] + "#export", "kind": "cli",
                     "argv": ["export", "transcript", str(f), "--format", "html", "--scenarios", str(scenarios)]})
    return run_jobs(jobs, base)


@pytest.mark.parametrize("item", items("transcripts"), ids=ids("transcripts"))
def test_transcript(item: dict[str, Any], transcript_results: dict[str, dict[str, Any]]) -> None:
    read = transcript_results[item["id"]]
    if item.get("read_only"):
        assert_bounded(read)
        assert read["error"] is None and not read["complete"], read
        return
    runs = [transcript_results[item["id"] + s] for s in ("#report-text", "#report-html", "#export")]
    for r in (read, *runs):
        assert_bounded(r)
    assert read["error"] is None, read  # read_transcript never raises
    assert read["complete"] == (item["expect"] == "complete"), read["message"]
    report_text, report_html, export = runs
    assert report_text["rc"] == item.get("report", 0 if item["expect"] == "complete" else 1), report_text["err"]
    assert report_html["rc"] == report_text["rc"]
    assert export["rc"] == item.get("export", 0), export["err"]
    for r in runs:
        if r["rc"] != 0:
            assert r["err"].strip(), "a refusal says why"
        for stream in (r["out"], r["err"]):  # nothing from the file reaches the terminal as a control
            assert not CONTROLS & set(stream), [c for c in stream if c in CONTROLS][:5]
    for r in (report_html, export):  # and nothing from it becomes markup in HTML
        assert "<script" not in r["out"] and "onerror=" not in r["out"].replace("onerror=alert", "onerror"), r["out"]


# --- end to end, as real processes ----------------------------------------------------------------


def _e2e_cases(tmp: Path) -> list[tuple[str, list[str], str, int, str]]:
    """(name, argv, stdin, expected exit code, text expected in the output)."""
    cases: list[tuple[str, list[str], str, int, str]] = []
    for item in items("scenario_files"):
        if item.get("e2e"):
            folder = tmp / item["id"] / "mini"
            shutil.copytree(MINI, folder)
            target = folder / ("scenario.yaml" if item.get("role") == "scenario" else "scenes/night.yaml")
            target.unlink()
            materialize(item, target)
            code = item.get("in_scenario", item["expect"])
            cases.append((item["id"], ["check", str(folder)], "", 1, f"night.yaml:1:1: error {code}"
                          if code == "E001" else f": error {code}: "))
    for item in items("saves"):
        if item.get("e2e"):
            slots = tmp / item["id"] / "slots"
            slots.mkdir(parents=True)
            materialize(item, slots / "hostile.save.json")
            cases.append((item["id"] + "-play", ["play", str(MINI), "--load", "hostile", "--plain", "--saves",
                                                 str(slots)], "quit\n", 0, "Not loaded"))
            cases.append((item["id"] + "-import", ["saves", "import", str(slots / "hostile.save.json"), "--saves",
                                                   str(tmp / item["id"] / "in")], "", 1, "cannot be imported"))
    for item in items("transcripts"):
        if item.get("e2e"):
            folder = tmp / item["id"] / "t"
            folder.mkdir(parents=True)
            materialize(item, folder / "t.jsonl")
            cases.append((item["id"] + "-report", ["report", str(folder), "--scenarios", str(ROOT / "tests" /
                                                                                         "fixtures")], "", 1, ""))
    return cases


def test_the_worst_items_as_real_processes(tmp_path: Path) -> None:
    cases = _e2e_cases(tmp_path)
    assert len(cases) >= 6
    procs = []
    for name, argv, _stdin, _, _ in cases:
        p = subprocess.Popen([sys.executable, "-m", "engine", *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=tmp_path, preexec_fn=_limit_memory,
                             env={**os.environ, "CHRONICLE_CACHE": str(tmp_path / ".cache")})
        procs.append((name, p))
    for (name, p), (_, _, stdin, rc, text) in zip(procs, cases, strict=True):
        try:
            out, err = p.communicate(stdin, timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            pytest.fail(f"{name} hung")
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert usage.ru_maxrss < MEMORY // 1024
        assert "Traceback" not in out + err, (name, err[-2000:])
        assert p.returncode == rc, (name, p.returncode, out[-500:], err[-500:])
        assert text in out + err, (name, out[-1000:], err[-1000:])


def test_a_game_plays_twice_in_512_mib(tmp_path: Path) -> None:
    """The second run loads the compiled story from the cache: that must fit the same memory limit."""
    env = {**os.environ, "CHRONICLE_CACHE": str(tmp_path / "cache")}
    for _ in range(2):
        p = subprocess.run([sys.executable, "-m", "engine", "play", str(MINI), "--plain", "--saves", str(tmp_path)],
                           input="1\n1\n", capture_output=True, text=True, timeout=30, env=env,
                           preexec_fn=_limit_memory)
        assert "Traceback" not in p.stderr, p.stderr[-3000:]
        assert p.returncode == 0 and "The ministers are taken away" in p.stdout
