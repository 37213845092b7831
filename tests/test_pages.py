"""The page model: what every front end shows."""

from __future__ import annotations

from engine.play.pages import account_line


def test_a_dispute_side_that_names_its_author_is_not_named_twice() -> None:
    assert account_line("Rabinowitch", "the shot was a blank") == "Rabinowitch: the shot was a blank"
    assert account_line("Rabinowitch", "Rabinowitch says the shot was live") == "Rabinowitch says the shot was live"
