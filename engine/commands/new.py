"""`chronicle new ID [--dir DIR]`: scaffold a valid, playable scenario.

It goes to `./scenarios/ID` when ./scenarios exists, else to `./ID` (never into the installed
package); `--dir DIR` puts it in `DIR/ID`. The scenarios folder gets `scenario.schema.json` when it
has none, for the editor schema lines of the new files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.base.safe_text import clean_line
from engine.tools.scaffold import ScaffoldError, scaffold


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="the new scenario's id: lower-case letters, digits and _")
    p.add_argument("--dir", help="the folder to create it in (default: ./scenarios when it exists, else .)")


def run(args: argparse.Namespace) -> int:
    if args.dir:
        root = Path(args.dir)
    else:
        root = Path("scenarios") if Path("scenarios").is_dir() else Path(".")
    try:
        folder = scaffold(args.id, root)
    except ScaffoldError as exc:
        print(clean_line(f"chronicle new: {exc}"), file=sys.stderr)
        return 1
    shown = clean_line(folder.as_posix())
    print(f"created {shown}/scenario.yaml and {shown}/scenes/opening.yaml")
    print(f"next: edit them, then `chronicle check {shown}` and `chronicle play {shown}`")
    return 0
