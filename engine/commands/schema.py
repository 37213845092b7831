"""`chronicle schema [-o FILE | --write DIR]`: the JSON Schema editors use.

`--write DIR` puts `scenario.schema.json` at the root of a scenarios folder, where the first line of
every scenario file points relatively (`# yaml-language-server: $schema=../scenario.schema.json` in
scenario.yaml, `../../scenario.schema.json` in scenes/): the line survives moving the folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.base.durable import write_output
from engine.format.schema import SCHEMA_NAME, schema_text, write_schema


def configure(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", help="write to this file instead of printing")
    where.add_argument("--write", metavar="DIR",
                       help=f"write {SCHEMA_NAME} at the root of this scenarios folder")


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    try:
        if args.write:
            folder = Path(args.write)
            if not folder.is_dir():
                print(f"chronicle schema: {folder} is not a folder", file=sys.stderr)
                return 1
            print(f"wrote {write_schema(folder)}")
        else:
            return write_output(text, args.output, "chronicle schema")
    except OSError as exc:
        print(f"chronicle schema: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
