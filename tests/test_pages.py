"""The page model: what every front end shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.base.diagnostics import ChronicleError
from engine.build.loader import load_story
from engine.play.pages import account_line, sources_page
from engine.play.session import Session
from engine.record.sources import record_for
from tests.helpers import SCENARIOS


def test_a_dispute_side_that_names_its_author_is_not_named_twice() -> None:
    assert account_line("Rabinowitch", "the shot was a blank") == "Rabinowitch: the shot was a blank"
    assert account_line("Rabinowitch", "Rabinowitch says the shot was live") == "Rabinowitch says the shot was live"
    assert account_line("", "the shot was a blank") == ": the shot was a blank"  # no name: no crash
    assert account_line(" ", "") == " : "


def test_a_damaged_record_shows_the_quotes_without_places(tmp_path: Path) -> None:
    """The page model asks the record layer for the sources; when a scenario's own source index
    breaks during a game, the game goes on, its sources page quoting without places."""
    folder = tmp_path / "malachite_hall"
    shutil.copytree(SCENARIOS / "malachite_hall", folder)
    story = load_story(folder)
    (folder / "sources").mkdir()  # an author adds sources of their own while the game runs, and breaks them
    (folder / "sources" / "index.yaml").write_text("format: [1\n", encoding="utf-8")
    session = Session(story)
    session.begin()
    with pytest.raises(ChronicleError):
        record_for(folder)
    page = sources_page(session)
    quotes = [b for b in page if b.kind == "quote"]
    cited = {c.source for sc in story.scenes.values() for c in sc.record}
    assert quotes and all(b.extra in cited for b in quotes)  # the bare source id: no page, no paragraph
    assert not any(b.kind == "context" for b in page)
    healthy = sources_page(Session(load_story(SCENARIOS / "malachite_hall")))
    assert any(b.kind == "context" for b in healthy)
