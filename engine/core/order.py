"""The order in which a game shows a scene's choices: a tiny, pure, exactly specified shuffle.

Each game has a 32-bit seed (drawn when it starts, recorded in its save and its transcript); the order of
the choices at a scene is a pure function of (seed, scene id), so a game shows the same order
at the same scene every time (after an undo, a load, a replay), and the order tells nothing
about which option is what happened. Saves, plans and transcripts name choices by their
stable ids, so the order never changes what a game *is*, only how it is shown.

The function is specified bit for bit so that another runtime (the HTML player, in JavaScript)
can compute the same order. All arithmetic is on unsigned 32-bit integers (in JavaScript:
``Math.imul`` and ``>>> 0``):

1. ``h = 2166136261 XOR seed``; for each byte ``b`` of the scene id in UTF-8:
   ``h = (h XOR b) * 16777619 mod 2**32`` (32-bit FNV-1a, its start value mixed with the seed).
2. A mulberry32 generator with state ``s = h``; each draw:
   ``s = s + 0x6D2B79F5 mod 2**32; t = s;``
   ``t = imul(t XOR (t >> 15), t OR 1);``
   ``t = t XOR (t + imul(t XOR (t >> 7), t OR 61));``
   ``draw = t XOR (t >> 14)`` (all shifts logical, every result mod 2**32).
3. Fisher-Yates over ``[0, 1, ..., n-1]``: for ``i`` from ``n-1`` down to ``1``:
   ``j = draw mod (i + 1)``; swap items ``i`` and ``j``.

`permutation(seed, scene_id, n)` is that list: position k on screen shows the scene's choice
number ``permutation[k]`` (in the author's order). Test vectors are in tests/test_order.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

__all__ = ["MASK", "SEED_MAX", "arrange", "permutation"]

MASK = 0xFFFFFFFF
SEED_MAX = MASK  # seeds are 0 .. 2**32 - 1 (a new game draws one at random, in engine.play)
_T = TypeVar("_T")


def _imul(a: int, b: int) -> int:
    return (a * b) & MASK


def _hash(seed: int, scene_id: str) -> int:
    h = 2166136261 ^ (seed & MASK)
    for b in scene_id.encode("utf-8"):
        h = ((h ^ b) * 16777619) & MASK
    return h


def permutation(seed: int, scene_id: str, n: int) -> list[int]:
    """The shown order of a scene's `n` choices: indices into the author's order."""
    out = list(range(n))
    s = _hash(seed, scene_id)
    for i in range(n - 1, 0, -1):
        s = (s + 0x6D2B79F5) & MASK
        t = s
        t = _imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & MASK)) & MASK
        draw = (t ^ (t >> 14)) & MASK
        j = draw % (i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def arrange(items: Sequence[_T], seed: int | None, scene_id: str) -> list[_T]:
    """`items` in the order a game with `seed` shows them at `scene_id` (as given when seed is None)."""
    if seed is None or len(items) < 2:
        return list(items)
    return [items[k] for k in permutation(seed, scene_id, len(items))]

