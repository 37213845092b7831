"""`chronicle schema`: print the JSON Schema editors use."""

from __future__ import annotations

import argparse
import json

from engine.format.schema import json_schema


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", help="write to this file instead of printing")


def run(args: argparse.Namespace) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text, end="")
    return 0
