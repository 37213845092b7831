"""`chronicle sources [SCENARIO ...] [--json] [--brief]`: the grounding report.

Per scenario: the totals, then the problems (citations that do not verify, scenes and
historical choices without a verified citation, unreadable files), the disputes covered, and
per scene its citations and whether they verify; at the end, how often each seed document is
cited. Exit status 1 when any citation fails or a scene or historical choice lacks one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.safe_text import json_text
from engine.build.loader import resolve_scenarios
from engine.tools.grounding import CitationCheck, GroundingReport, ScenarioGrounding, ground

QUOTE_WIDTH = 90


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="scenario ids or folders (default: every scenario)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--brief", action="store_true", help="totals, problems and seeds only, not every scene")


def _folders(refs: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    return resolve_scenarios(refs)


def _clip(text: str, width: int = QUOTE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _citation_line(c: CitationCheck) -> str:
    if c.verified:
        where = c.location.split(", ")[-1] if c.location else ""
        fixed = ""
        if c.corrected:
            fixed = " (read with corrections: " + ", ".join(f"{a} -> {b}" for a, b in c.corrected) + ")"
        return f'[ok]   {c.source}, {where}: "{_clip(c.quote)}"{fixed}'
    return f'[FAIL] {c.source or "?"}: "{_clip(c.quote)}"  ({c.file}:{c.line})'


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole}" + (f" ({part * 100 // whole}%)" if whole else "")


def render_scenario(sc: ScenarioGrounding, *, brief: bool) -> list[str]:
    s = sc.summary()
    title = f" -- {sc.title}" if sc.title else ""
    verdict = "grounded" if sc.grounded else "NOT GROUNDED"
    lines = [f"{sc.id}{title}  [{verdict}]", f"  folder: {sc.folder}"]
    lines.append(f"  scenes cited:             {_pct(s['scenes_cited'], s['scenes'])}")
    lines.append(f"  citations verified:       {_pct(s['citations_verified'], s['citations'])}")
    lines.append(f"  historical choices cited: {_pct(s['historical_choices_cited'], s['historical_choices'])}")
    lines.append(f"  disputes:                 {len(sc.disputes)}")
    if not sc.compiles:
        lines.append(f"  does not compile: {len(sc.errors)} error(s) -- run `chronicle check {sc.folder}`")
    problems: list[str] = []
    for name in sc.unreadable:
        problems.append(f"{name}: cannot be read (see chronicle check); its scenes are not counted")
    for scene, where, c in sc.failed_citations:
        problems.append(f'{c.file}:{c.line}: scene {scene.id}, {where}: {c.source or "?"}: "{_clip(c.quote)}"')
        problems.append(f"    {c.problem}")
    for scene in sc.uncited_scenes:
        why = "its citations do not verify" if scene.citations else "no citation"
        problems.append(f"{scene.file}:{scene.line}: scene {scene.id} rests on no verified passage ({why})")
    for scene, ch in sc.uncited_historical_choices:
        why = "its citations do not verify" if ch.citations else "no citation"
        problems.append(f'{scene.file}:{ch.line}: historical choice {scene.id}.{ch.key} "{_clip(ch.text, 60)}" '
                        f"cites nothing verified ({why})")
    if problems:
        lines.append("  problems:")
        lines += [f"    {p}" for p in problems]
    if sc.disputes:
        lines.append("  disputes covered:")
        for d in sc.disputes:
            mark = "[ok]  " if d.verified else "[FAIL]"
            lines.append(f"    {mark} {d.scene}: {d.topic}")
            for a in d.accounts:
                says = f" -- {_clip(a.says, 70)}" if a.says else ""
                lines.append(f"        {a.source or '?'}{says}{'' if a.verified else '  (does not verify)'}")
    if not brief:
        lines.append("  scenes:")
        for scene in sc.scenes:
            kind = f" (ending: {scene.ending})" if scene.ending is not None else ""
            lines.append(f"    {scene.id}{kind}: {scene.title}")
            if not scene.citations:
                lines.append("      (no citation)")
            for c in scene.citations:
                lines.append(f"      {_citation_line(c)}")
            for ch in scene.choices:
                if not ch.citations and ch.mark != "historical":
                    continue
                lines.append(f"      choice {ch.key}" + (f" ({ch.mark})" if ch.mark else ""))
                if not ch.citations:
                    lines.append("        (no citation)")
                for c in ch.citations:
                    lines.append(f"        {_citation_line(c)}")
    return lines


def grounding_text(report: GroundingReport, *, brief: bool = False) -> str:
    lines: list[str] = []
    for sc in report.scenarios:
        lines += render_scenario(sc, brief=brief)
        lines.append("")
    lines.append("Source documents (the seeds and the scenarios' own), verified citations across these scenarios:")
    width = max((len(n) for n in report.seeds), default=0)
    for name, count in report.seeds.items():
        lines.append(f"  {name.ljust(width)}  {report.sources.get(name, '').ljust(16)}  {count}")
    bad = sum(not sc.grounded for sc in report.scenarios)
    lines.append("")
    lines.append(f"{len(report.scenarios)} scenario(s): "
                 + ("all grounded" if not bad else f"{bad} not fully grounded"))
    return "\n".join(lines)


def _tolerant_output() -> None:
    """Quotes keep their typographic marks: never fail on a terminal that cannot show them."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - a stream that cannot change
                pass


def run(args: argparse.Namespace) -> int:
    _tolerant_output()
    folders, problems = _folders(list(args.scenarios))
    for d in problems:
        print(d.format(), file=sys.stderr)
    if not folders:
        return 1
    try:
        report = ground(folders)
    except ChronicleError as exc:  # the seed texts themselves cannot be read
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    if args.json:
        print(json_text(report.as_json()))
    else:
        print(grounding_text(report, brief=args.brief))
    return 0 if report.grounded and not problems else 1
