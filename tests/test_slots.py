"""Slot names: every attack is refused, ordinary names (any language) are accepted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.saves.errors import SaveError
from engine.saves.slots import backup_filename, check_slot_name, slot_filename, slot_of_filename

ATTACKS = [
    "../evil", "..", "a/../b", "a/b", "/etc/passwd", "a\\b", "..\\..\\windows", "C:\\x", "c:evil",
    ".hidden", ".", "x\x00y", "\x00", "bell\x07", "esc\x1b[31m", "tab\tname", "line\nbreak", "del\x7f",
    "a\u202eb",  # right-to-left override
    "zero\u200bwidth",
    "CON", "con", "Con.txt", "con.save", "PRN", "AUX", "NUL", "nul ", "NUL.tar.gz", "COM1", "com9.json",
    "LPT1", "lpt9", "COM\u00b9", "CONIN$", "a" * 65, "", "   ", "what?", "a*b", "pipe|name", "<x>",
    'quote"d', "trailing.", "a..b",
]


@pytest.mark.parametrize("name", ATTACKS)
def test_attacks_are_refused(name: str) -> None:
    with pytest.raises(SaveError) as info:
        check_slot_name(name)
    assert info.value.message
    assert "\x00" not in info.value.message and "\x1b" not in info.value.message


@pytest.mark.parametrize("name", ["before the storm", "Vasya's game", "Ночь 25 октября", "a" * 64, "console",
                                  "con-game", "COM10", "slot_1-2", "v1.2", "autosave-malachite_hall", "ÉTÉ"])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert check_slot_name(name) == name


def test_names_are_normalised() -> None:
    assert check_slot_name("  spaced  ") == "spaced"
    assert check_slot_name("e\u0301te") == "\u00e9te"  # NFC: one slot per visible name


def test_too_many_bytes_is_refused() -> None:
    with pytest.raises(SaveError):
        check_slot_name("\U0001f600" * 60)  # 60 characters but 240 bytes


def test_not_text_is_refused() -> None:
    with pytest.raises(SaveError):
        check_slot_name(5)  # type: ignore[arg-type]


def test_file_names_are_disjoint() -> None:
    assert slot_filename("x") == "x.save.json"
    assert backup_filename("x") == "x.save.bak.json"
    assert slot_of_filename("x.save.json") == "x"
    assert slot_of_filename("x.save.bak.json") is None
    assert slot_of_filename(".chronicle-1-ab.tmp") is None
    assert slot_of_filename("notes.json") is None
    assert slot_of_filename("CON.save.json") is None
    # a slot named like a backup still maps to its own distinct file
    assert slot_filename("x.save.bak") != backup_filename("x")


@settings(max_examples=400, deadline=None)
@given(st.text(min_size=0, max_size=80))
def test_any_accepted_name_stays_inside_the_folder(name: str) -> None:
    try:
        slot = check_slot_name(name)
    except SaveError:
        return
    folder = Path("/srv/saves")
    for filename in (slot_filename(slot), backup_filename(slot)):
        path = folder / filename
        assert path.parent == folder and path.name == filename
        assert os.path.normpath(path) == str(path)
        assert len(filename.encode()) <= 255
    assert slot_of_filename(slot_filename(slot)) == slot


def test_the_names_the_game_gives_its_own_saves() -> None:
    from engine.saves.slots import autosave_player, autosave_slot, kept_slot, player_key

    assert player_key("Anna Petrova") == "anna-petrova" == player_key("  anna   PETROVA ")
    assert player_key("Ёжик / ../ CON") == "ёжик-con" and player_key("") == "" and player_key("///") == ""
    assert autosave_slot("tour") == "autosave-tour"
    assert autosave_slot("tour", "Anna Petrova") == "autosave-tour-anna-petrova"
    assert autosave_slot("tour", "///") == "autosave-tour"
    long = autosave_slot("tour", "x" * 200)
    assert len(long) == 64 and check_slot_name(long) == long
    assert autosave_player("autosave-tour-anna-petrova", "tour") == "anna-petrova"
    assert autosave_player("autosave-tour", "tour") == ""
    assert autosave_player("autosave-tournament", "tour") is None
    taken = {"earlier-tour-anna-20261202-1030"}
    assert kept_slot("tour", "Anna", "20261202-1030", lambda n: False) == "earlier-tour-anna-20261202-1030"
    assert kept_slot("tour", "Anna", "20261202-1030", taken.__contains__) == "earlier-tour-anna-20261202-1030-2"
    assert kept_slot("tour", None, "20261202-1030", lambda n: False) == "earlier-tour-20261202-1030"
