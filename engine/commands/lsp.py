"""`chronicle lsp`: the language server for editors, over stdio (see the authoring guide for editor set-up)."""

from __future__ import annotations

import argparse
import os
import sys


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stdio", action="store_true", help="talk over standard input and output (the default)")


def run(args: argparse.Namespace) -> int:
    if sys.stdin is None or sys.stdin.closed:
        print("chronicle lsp: standard input is closed; an editor starts this command with pipes", file=sys.stderr)
        return 2
    from engine.editor.server import serve

    # the raw descriptors: the protocol's bytes must not pass through any text layer
    stdin = os.fdopen(os.dup(0), "rb")  # buffered: a read of n bytes returns n bytes, not a short read
    stdout = os.fdopen(os.dup(1), "wb")
    serve(stdin, stdout)
    return 0
