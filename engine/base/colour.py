"""Whether to use colour: NO_COLOR (any non-empty value) turns it off, FORCE_COLOR (any non-empty value
but "0") turns it on even without a terminal, else colour goes to a terminal only (and never to
TERM=dumb). NO_COLOR wins when both are set, as https://no-color.org asks."""

from __future__ import annotations

import os
from collections.abc import Mapping


def forced(env: Mapping[str, str] | None = None) -> bool | None:
    """True when colour is forced, False when it is refused, None when the terminal decides."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return None


def wanted(tty: bool, env: Mapping[str, str] | None = None) -> bool:
    """Colour for an output that is (or is not) a terminal."""
    env = os.environ if env is None else env
    decided = forced(env)
    if decided is not None:
        return decided
    return tty and env.get("TERM", "") != "dumb"
