"""NO_COLOR and FORCE_COLOR, wherever colour is decided: the class report, and the play front end."""

from __future__ import annotations

import pytest

from engine.base.colour import forced, wanted
from engine.play.session import plain_requested


@pytest.mark.parametrize(("env", "tty", "expected"), [
    ({}, True, True),
    ({}, False, False),
    ({"TERM": "dumb"}, True, False),
    ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, True, True),
    ({"FORCE_COLOR": "0"}, False, False),
    ({"FORCE_COLOR": ""}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),  # NO_COLOR wins
])
def test_colour_wanted(env: dict[str, str], tty: bool, expected: bool) -> None:
    assert wanted(tty, env) is expected


def test_forced_is_none_when_the_terminal_decides() -> None:
    assert forced({}) is None and forced({"FORCE_COLOR": "3"}) is True and forced({"NO_COLOR": "x"}) is False


def test_play_front_end() -> None:
    terminal = {"stdin_tty": True, "stdout_tty": True}
    assert not plain_requested(False, {}, **terminal)
    assert plain_requested(False, {"NO_COLOR": "1"}, **terminal)
    assert plain_requested(False, {"TERM": "dumb"}, **terminal)
    assert not plain_requested(False, {"TERM": "dumb", "FORCE_COLOR": "1"}, **terminal)
    assert plain_requested(False, {"FORCE_COLOR": "1"}, stdin_tty=False, stdout_tty=True)  # the full UI needs a tty
    assert plain_requested(True, {"FORCE_COLOR": "1"}, **terminal)
