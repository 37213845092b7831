"""Runs hostile-corpus jobs one by one in a memory-limited subprocess, reporting each as JSON.

Used by tests/test_hostile.py: a crash, a hang or a memory blow-up of one item kills only this
process (the test names the item it was on and starts a new worker for the rest). Usage::

    python tests/hostile_worker.py LIMIT_BYTES < jobs.json

Each job is ``{"id", "kind", ...}``; for each, one line ``{"start": id}`` then one line with the
result, both flushed, so the parent always knows which item was running. Kinds:

* ``cli``: ``engine.cli.main(argv)`` with ``stdin`` text and captured stdout/stderr;
* ``yaml``: ``engine.format.safeyaml.load`` of a file;
* ``analyze``: ``engine.build.compiler.analyze`` of a folder;
* ``condition`` / ``effects``: ``engine.expressions.language.parse_condition`` / ``parse_effects``;
* ``save``: ``SaveStore(folder).load(slot, story of folder)``;
* ``transcript``: ``engine.saves.transcript.read_transcript`` of a file.

The result holds ``error`` (the exception's class name, or null), ``codes`` and ``where`` (the
diagnostics' codes and ``line:col``), ``message``, ``cpu`` and ``wall`` seconds, ``peak`` (the
growth of the process's peak resident memory while the job ran) and, for ``cli``, ``rc``, ``out`` and ``err``.
An exception that is not one of the engine's own errors is reported with its traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _diagnostics(exc: BaseException) -> tuple[list[str], list[str]]:
    diags = getattr(exc, "diagnostics", ())
    return [d.code for d in diags], [f"{d.line}:{d.column}" for d in diags]


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    from engine.base.diagnostics import ChronicleError
    from engine.expressions.language import ExprError
    from engine.saves.store import SaveError

    kind = job["kind"]
    out: dict[str, Any] = {"id": job["id"], "error": None, "codes": [], "where": [], "message": ""}
    own = (ChronicleError, ExprError, SaveError)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        if kind == "cli":
            from engine import cli

            stdout, stderr = io.StringIO(), io.StringIO()
            old_in = sys.stdin
            sys.stdin = io.StringIO(job.get("stdin", ""))
            try:
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    out["rc"] = cli.main(job["argv"])
            finally:
                sys.stdin = old_in
            out["out"], out["err"] = stdout.getvalue(), stderr.getvalue()
        elif kind == "yaml":
            from engine.format import safeyaml

            with open(job["file"], "rb") as f:  # as a careful caller would: never more than the limit + 1
                safeyaml.load(f.read(safeyaml.MAX_BYTES + 1), job["file"])
        elif kind == "analyze":
            from engine.build.compiler import analyze

            analysis = analyze(job["folder"])
            out["codes"] = [d.code for d in analysis.diagnostics if d.severity == "error"]
            out["where"] = [f"{d.line}:{d.column}" for d in analysis.diagnostics if d.severity == "error"]
            out["ok"] = analysis.ir is not None
        elif kind in ("condition", "effects"):
            from engine.expressions.language import VarSpec, parse_condition, parse_effects

            # the variables and scenes of tests/fixtures/mini, where the same text is also checked
            variables = {"resolve": VarSpec("resolve", 0, "int", 0, 10), "warned": VarSpec("warned", 1, "bool")}
            scenes = ("hall", "hall_again", "late", "arrest", "surrender")
            if kind == "condition":
                parse_condition(job["text"], variables, scenes)
            else:
                parse_effects(job["text"], variables, scenes)
        elif kind == "save":
            from engine.build.loader import load_story
            from engine.saves.store import SaveStore

            story = load_story(job["scenario"])
            loaded = SaveStore(job["folder"]).load(job["slot"], story)
            out["loaded"] = [loaded.state.scene, list(loaded.state.path), loaded.notice]
        elif kind == "transcript":
            from engine.saves.transcript import read_transcript

            p = read_transcript(job["file"])
            out["complete"] = p.complete
            out["message"] = "; ".join(p.problems)[:2000]
        else:
            raise ValueError(f"unknown job kind {kind!r}")
    except own as exc:
        out["error"] = type(exc).__name__
        out["codes"], out["where"] = _diagnostics(exc)
        if isinstance(exc, ExprError):
            out["codes"], out["where"] = [exc.code], [str(exc.offset)]
        out["message"] = str(exc)[:2000]
    except BaseException as exc:  # noqa: BLE001 - everything else is a finding
        out["error"] = type(exc).__name__
        out["traceback"] = traceback.format_exc()[-4000:]
    out["cpu"] = time.process_time() - cpu
    out["wall"] = time.perf_counter() - wall
    out["peak"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) * 1024
    return out


def main() -> None:
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    jobs = json.load(sys.stdin)
    report = sys.__stdout__
    assert report is not None
    # warm up: the seeds record and the modules are loaded once, outside any job's timing
    from engine.build.compiler import analyze

    analyze(ROOT / "tests" / "fixtures" / "mini")
    for job in jobs:
        report.write(json.dumps({"start": job["id"]}) + "\n")
        report.flush()
        report.write(json.dumps(run_job(job)) + "\n")
        report.flush()


if __name__ == "__main__":
    main()
