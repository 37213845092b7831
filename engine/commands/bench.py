"""`chronicle bench [--json] [--quick] [--only NAME,...]`: measure load, step, exploration, start-up and save speed."""

from __future__ import annotations

import argparse
import sys


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object per figure")
    p.add_argument("--quick", action="store_true", help="one run of each measurement (less steady)")
    p.add_argument("--only", metavar="NAME,...", type=_steps,
                   help="only these measurements, comma-separated: " + ", ".join(STEPS))


# the measurements' names (engine.bench.benchmark.STEPS, which `chronicle bench` imports only when it runs)
STEPS = ("generate", "loads", "fork", "memory", "walks", "shipped", "startup", "saving", "player", "editor")


def _steps(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in STEPS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{', '.join(unknown) or text!r}: the measurements are {', '.join(STEPS)}")
    return names


def run(args: argparse.Namespace) -> int:
    from engine.bench.benchmark import figures_json, format_figure, run_bench

    def progress(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    if not args.json:
        only = f" --only {','.join(args.only)}" if args.only else ""
        print(f"chronicle bench{' --quick' if args.quick else ''}{only}: medians of "
              f"{'1 run' if args.quick else 'several runs'} each, on {sys.platform}, Python {sys.version.split()[0]}")
    figures = run_bench(args.quick, progress, args.only or STEPS)
    if args.json:
        print(figures_json(figures))
    else:
        failed = [f for f in figures if f.passes is False]
        print(f"{len(figures)} figures, {sum(f.passes is True for f in figures)} floors met, {len(failed)} missed")
        for f in failed:
            print("missed: " + format_figure(f).strip())
    return 0
