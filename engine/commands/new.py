"""`chronicle new ID [--dir scenarios]`: scaffold a valid, playable scenario."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.build.loader import scenarios_root
from engine.tools.scaffold import ScaffoldError, scaffold


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="the new scenario's id: lower-case letters, digits and _")
    p.add_argument("--dir", help="the folder to create it in (default: the scenarios folder)")


def run(args: argparse.Namespace) -> int:
    root = Path(args.dir) if args.dir else scenarios_root()
    try:
        folder = scaffold(args.id, root)
    except ScaffoldError as exc:
        print(f"chronicle new: {exc}", file=sys.stderr)
        return 1
    print(f"created {folder}/scenario.yaml and {folder}/scenes/opening.yaml")
    print(f"next: edit them, then `chronicle check {folder}` and `chronicle play {folder}`")
    return 0
