"""`chronicle check [PATH ...]`: validate scenarios; every problem at once."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.build.compiler import CODES as COMPILER_CODES
from engine.build.compiler import analyze
from engine.build.loader import resolve_scenarios


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="scenario folders or ids (default: all of scenarios/)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--codes", action="store_true", help="list every diagnostic code and exit")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")


def all_codes() -> dict[str, str]:
    from engine.expressions.language import CODES as EXPR_CODES
    from engine.format.safeyaml import __doc__ as _  # noqa: F401
    from engine.format.validate import CODES as SCHEMA_CODES

    codes = {
        "E001": "the file is larger than 1 MiB", "E002": "bytes that are not UTF-8",
        "E003": "a control character", "E004": "a YAML syntax error", "E005": "nesting deeper than 64 levels",
        "E006": "too many aliases, or aliases expanding too far", "E007": "a YAML tag",
        "E008": "a duplicate key", "E009": "several documents in one file", "E010": "a key that is not text",
        "E012": "an alias to an unknown anchor",
    }
    codes.update(SCHEMA_CODES)
    codes.update(COMPILER_CODES)
    codes.update(EXPR_CODES)
    try:
        from engine.tools.lint import CODES as LINT_CODES  # type: ignore[import-not-found,unused-ignore]

        codes.update(LINT_CODES)
    except ImportError:  # pragma: no cover - lint not present
        pass
    return dict(sorted(codes.items()))


def check_folders(folders: list[Path]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for folder in folders:
        try:
            analysis = analyze(folder)
        except ChronicleError as exc:  # the seed texts cannot be read: said once, not as a traceback
            out.extend(d for d in exc.diagnostics if d not in out)
            continue
        out.extend(analysis.diagnostics)
        if analysis.ir is not None:
            try:
                from engine.tools.lint import lint  # type: ignore[import-not-found,unused-ignore]
            except ImportError:  # pragma: no cover
                continue
            out.extend(lint(folder, analysis))
    return out


def run(args: argparse.Namespace) -> int:
    if args.codes:
        for code, text in all_codes().items():
            print(f"{code}  {text}")
        return 0
    folders, problems = resolve_scenarios(args.paths)
    problems.extend(check_folders(folders))
    errors = sum(d.severity == "error" for d in problems)
    warnings = len(problems) - errors
    if args.format == "json":
        print(json.dumps({"diagnostics": [d.as_json() for d in problems]}, indent=2, ensure_ascii=False))
    else:
        for d in problems:
            print(d.format())
        summary = f"{len(folders)} scenario(s) checked: {errors} error(s), {warnings} warning(s)"
        print(summary)
    failed = errors or (args.strict and warnings)
    return 1 if failed else 0
