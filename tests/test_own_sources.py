"""A scenario's own sources: a `sources/` folder with an index in the seeds' format, beside the
scenario's files or in the folder of scenarios that holds it; cited, verified, located, shown
with errata and counted exactly like the seeds; an id that is also a seed's is an error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.build.compiler import compile_folder
from engine.build.loader import load_story
from engine.cli import main
from engine.play.pages import citation_blocks
from tests.helpers import FIXTURES

DIARY = """The Diary of a Clerk

On the morning of the fourth the clerk walked to the Tauride Palace and found the square full of sailors.

By the evening the Govemment had sent for troops from the front, and the crowds began to thin.
"""

INDEX = """format: 1
sources:
  {sid}:
    file: diary.txt
    author: Ivan Petrovich Clerkov
    title: The Diary of a Clerk
    year: 1931
    place: entry for 4 July
    reference: Ivan P. Clerkov, The Diary of a Clerk (Paris, 1931), entry for 4 July.
    covers: the July Days seen from a ministry
    calendar: julian
    furniture:
      - The Diary of a Clerk
    errata:
      - {{printed: Govemment, corrected: Government}}
"""


def with_sources(mini: Path, sid: str = "clerk_diary", where: str = "scenario") -> Path:
    home = mini if where == "scenario" else mini.parent
    (home / "sources").mkdir()
    (home / "sources" / "diary.txt").write_text(DIARY, "utf-8")
    (home / "sources" / "index.yaml").write_text(INDEX.format(sid=sid), "utf-8")
    night = mini / "scenes" / "night.yaml"
    text = night.read_text()
    text = text.replace('''    text: Nothing changes.
    record:
      - source: rabinowitch
        quote: "You have twenty minutes to answer."''', f'''    text: Nothing changes.
    record:
      - source: rabinowitch
        quote: "You have twenty minutes to answer."
      - source: {sid}
        quote: "the Government had sent for troops from the front"''', 1)
    night.write_text(text)
    return mini


@pytest.mark.parametrize("where", ["scenario", "folder of scenarios"])
def test_own_sources_are_verified_located_and_shown_with_errata(mini: Path, where: str) -> None:
    with_sources(mini, where=where)
    story, diagnostics = compile_folder(mini)
    assert story is not None, [d.format() for d in diagnostics]
    cite = next(c for c in story.scenes["hall_again"].record if c.source == "clerk_diary")
    assert cite.found is not None and cite.corrected == (("Govemment", "Government"),)
    blocks = citation_blocks(cite, context=True, folder=story.folder)
    assert blocks[0].extra == "Clerkov, The Diary of a Clerk (1931), entry for 4 July, paragraph 2"
    assert any("the Tauride Palace" not in b.text and "crowds began to thin" in b.after for b in blocks
               if b.kind == "context")
    assert any('"Govemment" reads "Government"' in b.text for b in blocks)
    assert load_story(mini).scenes["hall_again"].record[1].found == cite.found  # compiled and cached alike


def test_a_near_miss_in_an_own_source_names_its_passage(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_sources(mini)
    night = mini / "scenes" / "night.yaml"
    night.write_text(night.read_text().replace("sent for troops from the front", "sent for troops from the rear"))
    assert main(["check", str(mini)]) == 1
    out = capsys.readouterr().out
    assert 'error E401: quote not found in source "clerk_diary"' in out
    assert "it differs at: rear → front" in out


def test_an_own_source_with_a_seed_id_is_an_error(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_sources(mini, sid="rabinowitch")
    assert main(["check", str(mini)]) == 1
    out = capsys.readouterr().out
    assert "error SEED006: the source id \"rabinowitch\" is already the id of a source in seeds/index.yaml" in out


def test_chronicle_sources_counts_own_sources_like_seeds(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_sources(mini)
    assert main(["sources", str(mini), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    counts = {report["source_ids"][name]: n for name, n in report["seeds"].items()}
    assert counts["clerk_diary"] == 1 and counts["rabinowitch"] >= 1


def test_other_scenarios_do_not_see_a_scenarios_own_sources(mini: Path, tmp_path: Path) -> None:
    with_sources(mini)
    other = tmp_path / "elsewhere" / "mini"
    shutil.copytree(FIXTURES / "mini", other)
    night = other / "scenes" / "night.yaml"
    night.write_text((mini / "scenes" / "night.yaml").read_text())
    _, diagnostics = compile_folder(other)
    assert any(d.code == "E211" and "clerk_diary" in d.message for d in diagnostics)
