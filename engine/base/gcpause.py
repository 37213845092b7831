"""`paused_gc()`: no garbage-collection passes while building or walking acyclic data.

Loading a story and walking its states make only acyclic, long-lived data; with a large story
in memory every full collection would scan all of it for nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
