"""The scenario picker: grouped by date across both calendars, numbered in the order shown, with the
scenarios each one interlocks with; read from real scenario folders."""

from __future__ import annotations

from pathlib import Path

from test_timeline import scenario

from engine.play import picker
from engine.play.pages import to_plain


def test_grouped_by_date_and_interlocked(tmp_path: Path) -> None:
    scenario(tmp_path, "palace", title="Palace")
    scenario(tmp_path, "aaa_fortress", calendar="gregorian", date="1917-11-07")  # the same day, New Style
    scenario(tmp_path, "july", date="1917-07-04", event="july_shot")
    scenario(tmp_path, "eve", date="1917-10-24", event="other_event")
    items = picker.entries(str(tmp_path))
    assert [e.id for e in items] == ["july", "eve", "aaa_fortress", "palace"]  # by date, then id
    assert items[2].events == ("aurora_shot",)
    text = to_plain(picker.blocks(items), 100)
    lines = text.splitlines()
    heads = [line for line in lines if line[:1].isdigit() and line.endswith("N.S.)")]
    assert heads == ["4 July 1917 (17 July N.S.)", "24 October 1917 (6 November N.S.)",
                     "25 October 1917 (7 November N.S.)"]  # one heading for the day in either calendar
    # the two scenarios of 25 October O.S. / 7 November N.S. say how they interlock
    assert "  - Shares with Room palace: aurora shot" in lines
    assert "  - Shares with Room aaa_fortress: aurora shot" in lines
    assert text.count("Shares with") == 2
    # the numbers shown are the numbers picked
    numbered = [line.split(". ", 1)[0] for line in lines if line[:2] in ("1.", "2.", "3.", "4.")]
    assert numbered == ["1", "2", "3", "4"]
    assert picker.pick(items, "1") is items[0] and items[0].id == "july"
    assert picker.pick(items, "palace") is items[3]
