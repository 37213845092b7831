"""The single-file HTML player: a compiled story as JSON, and the page that plays it offline.

`story_data(story, record)` turns a compiled `Story` into plain JSON values: the scenes, the
choices with their conditions and effects as expression trees (`Condition.to_json`,
`Effect.to_json` — the trees the Python engine itself runs, never author text parsed again),
every cited passage with its place in the record and its context (computed here, as
`engine.play.pages.citation_blocks` computes them), and the short names of the sources.

`player_page(stories, record)` embeds that JSON in one HTML file with the JavaScript runtime
(`assets/runtime.js`: the machine, the clock, the pages — the same blocks as
`engine.play.pages`), the interface (`assets/ui.js`) and the style sheet (`assets/player.css`).
The page loads nothing from anywhere: its Content-Security-Policy is `default-src 'none'` with
the one inline script and the one inline style allowed by their SHA-256 hashes; the JSON sits
in a `<script type="application/json">` block with `<`, `>`, `&`, U+2028 and U+2029 escaped,
and the interface inserts every piece of scenario text as text, never as HTML.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import Any

from engine import ENGINE_VERSION
from engine.base.safe_text import clean
from engine.core.model import Choice, Citation, Scene, Story
from engine.expressions.language import VarSpec, parse_condition, parse_effects
from engine.record.sources import Match, Record
from engine.tools.playtime import chapter_minutes, whole_minutes

__all__ = ["ASSETS", "asset", "csp", "player_page", "story_data", "story_json"]

ASSETS = ("runtime.js", "ui.js", "player.css", "player.html")
DATA_FORMAT = 2  # 2: templates, chapters (with their minutes), fixed-order scenes, invented scenes, shared paragraphs
CHUNK = 500  # scenes per block of the page: a block is parsed when one of its scenes is first needed


def asset(name: str) -> str:
    """The text of one of the player's files (package data in engine/classroom/assets/)."""
    if name not in ASSETS and name != "node_driver.js":
        raise KeyError(name)
    return resources.files("engine.classroom").joinpath("assets", name).read_text("utf-8")


class _Citations:
    """Every distinct cited passage once, as [quote, where, note, context or None, fixes, source id,
    paragraph or None]; a paragraph is [number in `paragraphs`, start, end of the match in it], and
    `paragraphs` holds each paragraph's key (pages._paragraph_key), its printed text and its
    sentence starts, so that quotes from one paragraph can share one context (pages._shared_context)."""

    def __init__(self, record: Record | None) -> None:
        self.record = record
        self.rows: list[list[Any]] = []
        self.index: dict[tuple[str, str, str], int] = {}
        self.used: dict[str, None] = {}
        self.paragraphs: list[list[Any]] = []
        self.paragraph_index: dict[str, int] = {}

    def add(self, source: str, quote: str, note: str = "") -> int:
        key = (source, quote, note)
        found = self.index.get(key)
        if found is not None:
            return found
        self.used[source] = None
        where, context, fixes, paragraph = source, None, "", None
        record = self.record
        match = None
        if record is not None:  # as the terminal's pages: a quote the record does not hold is shown without a place
            match = record.find(source, quote)
        if record is not None and match is not None:
            where = record.location(match)
            before, passage, after = record.context(match)
            if passage:
                context = [clean(before), clean(passage), clean(after)]
            if match.corrected:
                fixed = ", ".join(f'"{p}" reads "{c}"' for p, c in match.corrected)
                fixes = clean(f"Misread in the scan and corrected here: {fixed}.")
            paragraph = self._paragraph(record, match)
        self.index[key] = len(self.rows)
        self.rows.append([clean(quote), clean(where), clean(note), context, fixes, source, paragraph])
        return self.index[key]

    def _paragraph(self, record: Record, match: Match) -> list[int] | None:
        if not match.paragraph:
            return None
        pkey = f"{match.source} {record.place_in_text(match)}"
        text, start, end, starts = record.paragraph_view(match)
        n = self.paragraph_index.get(pkey)
        if n is None:
            n = self.paragraph_index[pkey] = len(self.paragraphs)
            self.paragraphs.append([pkey, text, starts])
        return [n, start, end]

    def of(self, cites: Sequence[Citation]) -> list[int]:
        return [self.add(c.source, c.quote, c.note or "") for c in cites]


class _Trees:
    """Each distinct condition and effect parsed once and turned into its JSON tree."""

    def __init__(self, story: Story) -> None:
        self.specs = {v.name: VarSpec(v.name, v.index, v.type, v.min, v.max, v.values) for v in story.variables}
        self.scene_ids = list(story.scenes)
        self.visit_index = {sid: i for i, sid in enumerate(story.tracked)}
        self.conditions: dict[str, list[Any]] = {}
        self.effects: dict[tuple[str, ...], list[list[Any]]] = {}

    def condition(self, when: str | None) -> list[Any] | None:
        if when is None:
            return None
        if when not in self.conditions:
            self.conditions[when] = parse_condition(when, self.specs, self.scene_ids).to_json(self.visit_index)
        return self.conditions[when]

    def effect(self, do: tuple[str, ...]) -> list[list[Any]] | None:
        if not do:
            return None
        if do not in self.effects:
            parsed = parse_effects(list(do) if len(do) > 1 else do[0], self.specs, self.scene_ids)
            self.effects[do] = parsed.to_json(self.visit_index)
        return self.effects[do]


# The story data's scene and choice rows, field by field. `story_data` sends these names with the
# rows ("fields"), and runtime.js reads every row through them: a field the page needs is a name
# here and its value in `_scene` or `_choice`, never a position kept in step in two languages.
SCENE_FIELDS = ("id", "title", "place", "text", "time", "record", "disputed", "choices", "ending", "invented")
CHOICE_FIELDS = ("key", "text", "target", "mark", "test", "apply", "locked", "note", "record", "toTime", "toDay",
                 "toVisit", "toVisitCap")


def _choice(c: Choice, cites: _Citations, trees: _Trees) -> list[Any]:
    if c.id != f"{c.scene}.{c.key}":  # pragma: no cover - the compiler always names choices so
        raise ValueError(f"choice {c.id} is not named scene.key")
    value = {"key": c.key, "text": c.text, "target": c.target, "mark": c.mark, "test": trees.condition(c.when),
             "apply": trees.effect(c.do), "locked": c.locked, "note": c.note, "record": cites.of(c.record),
             "toTime": c.to_time, "toDay": c.to_day, "toVisit": c.to_visit, "toVisitCap": c.to_visit_cap}
    return [value[f] for f in CHOICE_FIELDS]


def _scene(sc: Scene, cites: _Citations, trees: _Trees) -> list[Any]:
    disputes = [[d.topic, [[a.source, a.says, cites.add(a.source, a.quote)] for a in d.accounts]]
                for d in sc.disputed]
    ending = [sc.ending.kind, sc.ending.epilogue, sc.ending.debrief] if sc.ending is not None else None
    value = {"id": sc.id, "title": sc.title, "place": sc.place, "text": sc.text, "time": sc.time,
             "record": cites.of(sc.record), "disputed": disputes,
             "choices": [_choice(c, cites, trees) for c in sc.choices], "ending": ending, "invented": sc.invented}
    return [value[f] for f in SCENE_FIELDS]


def story_data(story: Story, record: Record | None) -> dict[str, Any]:
    """The compiled story as JSON values, for the JavaScript runtime."""
    trees = _Trees(story)
    cites = _Citations(record)
    scenes = [_scene(sc, cites, trees) for sc in story.scenes.values()]
    sources: dict[str, list[str]] = {}
    for sid in cites.used:
        src = record.sources.get(sid) if record is not None else None
        sources[sid] = [src.short, src.reference] if src is not None else [sid, ""]
    d = story.start_date
    minutes = {name: whole_minutes(m) for name, _, m in chapter_minutes(story)} if story.chapters else {}
    return {
        "format": DATA_FORMAT,
        "engine": ENGINE_VERSION,
        "id": story.id,
        "title": story.title,
        "summary": story.summary,
        "role": story.role,
        "length": story.length,
        "hash": story.content_hash,
        "start": story.start,
        "date": [d.year, d.month, d.day],
        "calendar": story.calendar,
        "clock": story.start_clock,
        "vars": [[v.name, v.type, v.initial, v.visible, v.label] for v in story.variables],
        "tracked": list(story.tracked),
        "visits": list(story.initial_visits),
        "questions": list(story.questions),
        # (name, scene, whole minutes on the historical path to the next chapter or the end; None: not on it)
        "chapters": [[name, scene, minutes.get(name)] for name, scene in story.chapters],
        "fixed": sorted(story.fixed_order),
        # each text template once, keyed by its source: its parsed form (Template.to_json)
        "templates": {text: bound.template.to_json(trees.visit_index) for text, bound in story.templates.items()},
        "fields": {"scene": list(SCENE_FIELDS), "choice": list(CHOICE_FIELDS)},  # what each place of a row holds
        "scenes": scenes,
        "cites": cites.rows,
        "paragraphs": cites.paragraphs,
        "sources": sources,
    }


def script_json(value: object) -> str:
    """JSON safe inside a <script> element: no `<`, `>`, `&`, U+2028 or U+2029 left raw, and no
    control character or bidirectional override either (written as \\u escapes, as `json_text` does:
    the data stays whole, and the file is safe to print on a terminal)."""
    from engine.base.safe_text import json_escaped

    text = json_escaped(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def story_json(story: Story, record: Record | None) -> str:
    return script_json(story_data(story, record))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def csp(script: str, style: str) -> str:
    """The page's policy: nothing but its own inline script and style, allowed by hash."""
    return (f"default-src 'none'; script-src {_sha256(script)}; style-src {_sha256(style)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def _block(element_id: str, value: object) -> str:
    return f'<script type="application/json" id="{element_id}">{script_json(value)}</script>\n'


def _chunked(stories: Sequence[Story], record: Record | None) -> tuple[list[dict[str, Any]], str, str]:
    """Each story's data without its scenes and citations, and the blocks that hold them: the
    chunk of each start scene (before the script), every other chunk and the citations (after)."""
    metas: list[dict[str, Any]] = []
    before: list[str] = []
    after: list[str] = []
    for i, story in enumerate(stories):
        data = story_data(story, record)
        scenes = data.pop("scenes")
        chunks = [scenes[n:n + CHUNK] for n in range(0, len(scenes), CHUNK)]
        at = SCENE_FIELDS.index("id")
        data["index"] = [[row[at] for row in chunk] for chunk in chunks]
        first = next(n for n, ids in enumerate(data["index"]) if story.start in ids)
        for n, chunk in enumerate(chunks):
            (before if n == first else after).append(_block(f"chronicle-{i}-chunk-{n}", chunk))
        after.append(_block(f"chronicle-{i}-cites", data.pop("cites")))
        metas.append(data)
    return metas, "".join(before), "".join(after)


def player_page(stories: Sequence[Story], record: Record | None, *, title: str | None = None) -> str:
    """One self-contained HTML file that plays `stories` (a picker when there are several)."""
    if not stories:
        raise ValueError("no story to export")
    metas, before, after = _chunked(stories, record)
    script = asset("runtime.js") + "\n" + asset("ui.js")
    style = asset("player.css")
    # the text of an inline element is used as is; keep `</` out of it whatever the assets hold
    if "</" in script or "</" in style:  # pragma: no cover - checked by the tests on the real assets
        raise ValueError("an asset contains '</'")
    name = title or (stories[0].title if len(stories) == 1 else "Chronicle")
    parts = {
        "{{CSP}}": escape(csp(script, style), quote=True),
        "{{TITLE}}": escape(clean(name).replace("\n", " "), quote=True),
        "{{STYLE}}": style,
        "{{DATA}}": script_json({"stories": metas}),
        "{{BEFORE}}": before,
        "{{SCRIPT}}": script,
        "{{AFTER}}": after,
    }
    # one pass, so that nothing substituted is ever searched for a placeholder again
    out: list[str] = []
    rest = asset("player.html")
    while True:
        start = rest.find("{{")
        if start < 0:
            out.append(rest)
            break
        end = rest.find("}}", start)
        out.append(rest[:start])
        out.append(parts[rest[start:end + 2]])
        rest = rest[end + 2:]
    return "".join(out)
