"""engine.play.session: a game driven line by line, with real saves and transcripts on disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.core import machine
from engine.core.model import Story
from engine.play.session import Session
from engine.saves.store import SaveStore
from engine.saves.transcript import read_transcript

PLAY = Path(__file__).resolve().parent / "fixtures" / "play"


@pytest.fixture(scope="module")
def tour() -> Story:
    return load_story(PLAY / "tour")


def make(tour: Story, tmp_path: Path, **kw: object) -> Session:
    ticks = iter(range(0, 10_000, 7))
    s = Session(tour, store=SaveStore(tmp_path / "saves"), transcripts=tmp_path / "saves" / "transcripts",
                clock=lambda: float(next(ticks)), **kw)  # type: ignore[arg-type]
    s.begin()
    return s


def events(tmp_path: Path) -> list[dict[str, object]]:
    files = sorted((tmp_path / "saves" / "transcripts").glob("*.jsonl"))
    assert files
    return [json.loads(line) for line in files[-1].read_text().splitlines()]


def test_rows_number_open_choices_and_show_closed_ones_with_a_reason(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    rows = s.rows()
    assert [(n, c.key, r) for n, c, r in rows] == [
        (1, "ignore", None), (2, "yield_now", None), (3, "wait", None),
        (None, "plead", "You no longer believe that delay can help."),
    ]
    s.handle("3")  # hall_again, then back: "wait" is now closed, and has no reason: hidden
    s.handle("1")
    assert [c.key for _, c, _ in s.rows()] == ["ignore", "yield_now", "plead"]


def test_a_choice_moves_on_autosaves_and_is_in_the_transcript(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path, student="Anna", class_name="7B")
    reply = s.handle(" 1 ")
    assert reply.page == "scene" and reply.note == "The messenger leaves without an answer."
    assert s.state.scene == "late"
    loaded = SaveStore(tmp_path / "saves").load("autosave-tour-anna", tour)
    assert loaded.state == s.state
    s.handle("1")
    assert s.is_ending()
    s.close()
    ev = events(tmp_path)
    assert [e["event"] for e in ev] == ["start", "scene", "choice", "scene", "choice", "scene", "ending", "end"]
    assert ev[0]["student"] == "Anna" and ev[0]["class"] == "7B"
    assert ev[2]["choice"] == "hall.ignore" and ev[2]["seconds"] == 7.0
    assert ev[6]["path"] == ["hall.ignore", "late.brave"]


def test_bad_numbers_and_unknown_words(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    for line, words in (("9", "There is no choice 9: type 1 to 3"), ("0", "no choice 0"),
                        ("sorces", 'did you mean "sources"?'), ("dance", "not a choice or a command")):
        reply = s.handle(line)
        assert reply.page is None and reply.messages[0][0] == "error"
        assert words in reply.messages[0][1]
    assert s.state == machine.start(tour)
    assert s.handle("").page is None
    for word, page in (("help", "help"), ("?", "help"), ("SOURCES", "sources"), ("disputes", "disputes"),
                       ("history", "history"), ("status", "status"), ("look", "scene")):
        assert s.handle(word).page == page


def test_undo_and_restart(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    assert "Nothing to undo" in s.handle("undo").messages[0][1]
    s.handle("1")
    assert s.handle("undo").page == "scene" and s.state == machine.start(tour)
    s.handle("2")
    assert s.is_ending()
    assert "ended" in s.handle("1").messages[0][1]
    reply = s.handle("restart")
    assert s.pending and reply.page is None and s.is_ending()
    assert s.handle("no").messages == [("info", "Cancelled.")] and s.is_ending()
    s.handle("restart")
    assert s.handle("yes").page == "scene" and s.state == machine.start(tour)
    s.close()
    files = sorted((tmp_path / "saves" / "transcripts").glob("*.jsonl"))
    assert len(files) == 1  # a restart undoes everything: the same playthrough, the restart recorded
    kinds = [json.loads(x)["event"] for x in files[0].read_text().splitlines()]
    assert "undo" in kinds and kinds[-4:] == ["ending", "restart", "scene", "end"]
    p = read_transcript(files[0])
    assert p.usable and p.restarts == 1 and p.choices == [] and p.ending is None


def test_a_pending_question_gives_way_to_a_command(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    s.handle("restart")
    reply = s.handle("1")
    assert reply.messages[0] == ("info", "Cancelled.") and s.state.scene == "late"


def test_save_and_load(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    s.handle("1")
    assert "Saved as \"before\"" in s.handle("save before").messages[0][1]
    assert "cannot be used as a save name" in s.handle("save ../x").messages[0][1]
    s.handle("2")
    assert s.is_ending()
    reply = s.handle("load before")
    assert reply.page == "scene" and s.state.scene == "late" and s.state.path == ("hall.ignore",)
    listing = s.handle("load")
    assert listing.page == "saves" and "before" in [name for name, _ in listing.slots]
    assert "Not loaded" in s.handle("load nothing_here").messages[0][1]
    assert s.handle("save").messages[0][1].startswith('Saved as "tour"')


def test_a_save_for_another_scenario_says_how_to_play_it(tour: Story, tmp_path: Path) -> None:
    mini = load_story(Path(__file__).resolve().parent / "fixtures" / "mini")
    SaveStore(tmp_path / "saves").save("other", mini, machine.start(mini))
    s = make(tour, tmp_path)
    reply = s.handle("load other")
    assert "chronicle play mini --load other" in reply.messages[0][1]


def test_an_edited_scenario_offers_the_last_point_that_fits(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    s.handle("1")
    s.handle("save deep")
    folder = tmp_path / "edited"
    shutil.copytree(PLAY / "tour", folder / "tour")
    scenes = folder / "tour" / "scenes" / "night.yaml"
    scenes.write_text(scenes.read_text().replace("id: ignore\n", "id: ignore_it\n"))
    edited = load_story(folder / "tour")
    s2 = Session(edited, store=SaveStore(tmp_path / "saves"))
    reply = s2.handle("load deep")
    assert s2.pending and "at step 1" in reply.messages[0][1]
    reply = s2.handle("yes")
    assert reply.page == "scene" and s2.state == machine.start(edited)


def test_a_failed_autosave_is_told_once_and_the_game_goes_on(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    saves = tmp_path / "saves"
    shutil.rmtree(saves)
    saves.write_text("not a folder any more")
    s.handle("3")
    s.handle("1")
    notices = s.take_notices()
    assert len([n for n in notices if "could not be saved" in n[1]]) == 1
    assert s.state.scene == "hall"
    assert s.handle("1").page == "scene" and s.state.scene == "late"


def test_input_is_bounded(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    reply = s.handle("x" * 100_000)
    assert len(reply.messages[0][1]) < 200
    assert s.handle("1" * 50).messages[0][0] == "error"


def test_two_quotes_from_one_paragraph_show_it_once_with_both_marked(tmp_path: Path) -> None:
    from engine.play import pages

    folder = tmp_path / "tour"
    shutil.copytree(PLAY / "tour", folder)
    night = folder / "scenes" / "night.yaml"
    text = night.read_text()
    first = '          - source: rabinowitch\n            quote: "This ultimatum expires at 7:10"\n'
    assert first in text
    night.write_text(text.replace(first, '          - source: rabinowitch\n'
                                         '            quote: "You have twenty minutes to answer."\n', 1))
    story = load_story(folder)
    s = Session(story)
    out = " ".join(pages.to_plain(pages.sources_page(s), 200).split())
    assert out.count("In context:") == 2  # the paragraph once, and a pointer back to it
    assert ("capitulate. . . . [You have twenty minutes to answer.] Your response should be given to our messenger. "
            "[This ultimatum expires at 7:10, after which we will immediately open fire.]. . ." in out)
    assert "In context: in the paragraph shown above, where it is marked too." in out
    lines = [line for line in pages.to_plain(pages.sources_page(s), 24).splitlines()]
    assert any(line.rstrip().endswith("fire.]. . .") for line in lines)  # the ellipsis is never broken


def test_an_unknown_word_has_a_separator_before_the_help_hint(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    assert s.handle("xyzzy").messages == [("error", '"xyzzy" is not a choice or a command. Type help for the list.')]
    assert s.handle("stauts").messages == [
        ("error", '"stauts" is not a choice or a command; did you mean "status"? Type help for the list.')]


def test_restart_and_load_keep_the_game_they_replace(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path)
    for n in ("3", "1", "1"):
        s.handle(n)
    three = s.state.path
    reply = s.handle("restart")
    reply = s.handle("yes")
    kept = [text for _, text in reply.messages if "kept as" in text]
    assert kept and s.state.path == ()
    store = SaveStore(tmp_path / "saves")
    earlier = [i.slot for i in store.slots() if i.slot.startswith("earlier-tour-")]
    assert len(earlier) == 1 and store.load(earlier[0], tour).state.path == three
    s.handle("2")
    s.handle(f"load {earlier[0]}")
    assert s.state.path == three
    assert sorted(store.read(i.slot).path for i in store.slots()) == sorted(
        [three, three, (tour.choices_by_id["hall.yield_now"].id,)])  # nothing lost, either way


def test_the_exit_hint_names_the_command_as_this_player_runs_it(tmp_path: Path) -> None:
    from engine.play.launcher import command_name

    venv, system = tmp_path / "venv" / "bin", tmp_path / "usr" / "bin"
    for folder in (venv, system):
        folder.mkdir(parents=True)
        for name in ("python3", "chronicle"):
            (folder / name).write_text("")
    main = str(tmp_path / "engine" / "__main__.py")
    on_path = {"python3": str(venv / "python3"), "chronicle": str(venv / "chronicle")}
    # python -m engine, with this python first on the PATH
    assert command_name(main, str(venv / "python"), on_path.get) == "python3 -m engine"
    # python -m engine with the venv's python, the venv not active: its full path
    assert command_name(main, str(venv / "python"), {"python3": str(system / "python3")}.get) == \
        f"{venv / 'python'} -m engine"
    # the console script on the PATH
    assert command_name(str(venv / "chronicle"), str(venv / "python"), on_path.get) == "chronicle"
    # the console script of an environment that is not active: its full path
    assert command_name(str(venv / "chronicle"), str(venv / "python"), {}.get) == str(venv / "chronicle")
    spaced = tmp_path / "my games" / "chronicle"
    spaced.parent.mkdir()
    spaced.write_text("")
    assert command_name(str(spaced), "python3", {}.get) == f"'{spaced}'"


def test_a_session_autosaves_to_its_players_slot_and_quits_with_the_hint(tour: Story, tmp_path: Path) -> None:
    s = make(tour, tmp_path, student="Boris", resume_hint="chronicle play tour --continue --student Boris")
    s.handle("1")
    assert (tmp_path / "saves" / "autosave-tour-boris.save.json").is_file()
    reply = s.quit()
    assert reply.messages == [("info", "Your game is saved. To carry on later: "
                                       "chronicle play tour --continue --student Boris")]
