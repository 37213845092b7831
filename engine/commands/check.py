"""`chronicle check [PATH ...]`: validate scenarios; every problem at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.base.codes import CODES
from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.safe_text import json_text
from engine.build.compiler import analyze
from engine.build.loader import resolve_scenarios
from engine.core.model import Story


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="scenario folders or ids (default: all of scenarios/)")
    from engine.classroom.formats import format_option

    format_option(p, ("text", "json"), "text", help="text (one line a problem) or json", by_output=False)
    p.add_argument("--codes", action="store_true", help="list every diagnostic code and exit")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")


def all_codes() -> dict[str, str]:
    """Every diagnostic code with its severity and meaning, from the one table."""
    return {code: f"{row.severity:<7}  {row.meaning}" for code, row in sorted(CODES.items())}


def check_folders(folders: list[Path]) -> list[Diagnostic]:
    """Every problem of each folder, then (E705) the shared events the folders give different times."""
    from engine.build.compiler import build
    from engine.tools.lint import lint
    from engine.tools.timeline import conflicts

    out: list[Diagnostic] = []
    stories: list[Story] = []
    for folder in folders:
        try:
            analysis = analyze(folder)
        except ChronicleError as exc:  # the seed texts cannot be read: said once, not as a traceback
            out.extend(d for d in exc.diagnostics if d not in out)
            continue
        out.extend(analysis.diagnostics)
        if analysis.ir is not None or analysis.partial is not None:  # warnings too, for what compiled
            out.extend(lint(folder, analysis))
            if len(folders) > 1 and analysis.ir is not None:  # shared events are compared across scenarios
                stories.append(build(analysis.ir, analysis))
    if len(stories) > 1:
        out.extend(conflicts(stories))
    return out


def run(args: argparse.Namespace) -> int:
    if args.codes:
        for code, text in all_codes().items():
            print(f"{code}  {text}")
        return 0
    folders, problems = resolve_scenarios(args.paths)
    problems.extend(check_folders(folders))
    errors = sum(d.severity == "error" for d in problems)
    warnings = sum(d.severity == "warning" for d in problems)
    if args.format == "json":
        print(json_text({"diagnostics": [d.as_json() for d in problems]}))
    else:
        for d in problems:
            print(d.format())
        summary = f"{len(folders)} scenario(s) checked: {errors} error(s), {warnings} warning(s)"
        print(summary)
    failed = errors or (args.strict and warnings)
    return 1 if failed else 0
