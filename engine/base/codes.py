"""The one table of diagnostic codes: every code an author can meet, its severity and its one-line meaning.

Add a row here for a new code (and nowhere else); `chronicle check --codes` and the authoring guide read this
table, and a test fails when the engine uses a code that is missing from it.
"""

from __future__ import annotations

from typing import Literal, NamedTuple


class Code(NamedTuple):
    severity: Literal["error", "warning", "note"]
    meaning: str


def _rows(severity: Literal["error", "warning", "note"], rows: dict[str, str]) -> dict[str, Code]:
    return {code: Code(severity, meaning) for code, meaning in rows.items()}


CODES: dict[str, Code] = {
    # E0xx: safe YAML reading and file framing
    **_rows("error", {
        "E001": "the file is larger than 1 MiB",
        "E002": "bytes that are not UTF-8",
        "E003": "a control character",
        "E004": "a YAML syntax error",
        "E005": "nesting deeper than 64 levels",
        "E006": "too many aliases, or aliases expanding too far",
        "E007": "a YAML tag",
        "E008": "a duplicate key",
        "E009": "several documents in one file",
        "E010": "a key that is not text",
        "E011": "the file is empty or is not a mapping of keys",
        "E012": "an alias to an unknown anchor",
        "E013": "a YAML anchor or alias in a scenario file",
        "E020": "the file's format version is missing, older or newer than this engine supports",
    }),
    # E1xx: the schema
    **_rows("error", {
        "E101": "unknown key",
        "E102": "a required key is missing",
        "E103": "a value has the wrong type",
        "E104": "a value is not allowed (form, choice of words, length)",
        "E105": "a list or mapping has too few or too many entries",
    }),
    # E2xx: the compiler: references, the frame, the record
    **_rows("error", {
        "E201": "a scene id that does not exist (start or goto)",
        "E202": "the same scene id is defined twice",
        "E203": "two choices of a scene have the same id",
        "E204": "an ending with choices, or a scene with neither choices nor an ending",
        "E205": "the scenario id does not match its folder",
        "E206": "the folder has no scenario.yaml or no scene files",
        "E207": "a date that is not a real date",
        "E208": "a variable whose initial value or bounds do not fit its type",
        "E209": "a choice with more than one of the marks historical, counterfactual and neutral",
        "E210": "a `locked` reason without a `when` condition",
        "E211": "a citation of a source id that does not exist",
    }),
    # E3xx: the expression language
    **_rows("error", {
        "E301": "expression is longer than 500 characters",
        "E302": "expression has more than 200 tokens",
        "E303": "expression is nested more than 32 levels deep",
        "E304": "character that cannot appear in an expression",
        "E305": "string is not closed",
        "E306": "unsupported escape in a string (only \\' \\\" \\\\)",
        "E307": "string literal longer than 200 characters",
        "E308": "integer literal larger than 1,000,000,000",
        "E309": "unknown variable",
        "E310": "reserved name (starts with _ or contains __)",
        "E311": "unsupported operator (such as **, /, %, &&, ||, !)",
        "E312": "attribute access with . is not allowed",
        "E313": "brackets [ ] or braces { } are not allowed (subscripts, lists, comprehensions)",
        "E314": "Python keyword that is not part of the language (lambda, if, for, import, ...)",
        "E315": "call to something that is not a built-in",
        "E316": "wrong arguments to a built-in",
        "E317": "unknown scene in visited()/visits()",
        "E318": "type error: operator applied to the wrong kind of value",
        "E319": "chained comparison (a < b < c)",
        "E320": "condition is not a true/false expression",
        "E321": "assignment where an expression is expected",
        "E322": "syntax error: unexpected token",
        "E323": "empty expression or effect",
        "E324": "malformed effect (needs: name =, += or -= expression)",
        "E325": "assigned value has the wrong type for the variable",
        "E326": "+= or -= on a variable of the wrong type",
        "E327": "string is not one of the variable's declared values",
        "E328": "string prefixes (f-strings, raw, bytes) are not allowed",
        "E329": "expression ends too early",
        "E330": "malformed number (only whole decimal numbers)",
        "E331": "expression is not text",
        "E332": "parenthesis is never closed",
        "E333": "`not` needs parentheses here",
        "E334": "more than 64 assignments in one effect",
    }),
    # E34x: text templates in prose
    **_rows("error", {
        "E340": "a text tag `{` that is not closed on its line",
        "E341": "a lone `}` in a text (write `}}` for a brace)",
        "E342": "an empty tag `{}`",
        "E343": "`{elif}`, `{else}` or `{end}` without an `{if}`",
        "E344": "an `{if}` that is never closed with `{end}`",
        "E345": "`{elif}` or `{else}` after the `{else}` of the same `{if}`",
        "E346": "text tags nested too deep, or too many tags in one text",
    }),
    # E4xx: quotes and the record
    **_rows("error", {
        "E401": "a quote that is not found in the source it cites",
        "E402": "a historical choice without a citation",
        "E403": "a scene without a citation",
    }),
    # E6xx: test plans, saves and transcripts read as plans
    **_rows("error", {
        "E601": "a test plan that is not in the plan format",
        "E602": "a transcript or save that cannot be read",
    }),
    # E7xx: fidelity: the marks say truly what is the record's and what is ours (lint and check)
    **_rows("error", {
        "E701": "at a decision with a historical option, another option marked neither counterfactual nor neutral",
        "E702": "a historical choice that leads into a scene marked invented",
        "E703": "a historical choice whose only citations are its scene's: none of its own shows the act",
        "E704": "a scene with shared events but no time of its own",
        "E705": "two scenarios give the same shared event different times",
    }),
    # W5xx: lint: probably not what the author meant
    **_rows("warning", {
        "W501": "a scene that no path of gotos from the start reaches",
        "W502": "a variable that is never read or written",
        "W503": "a variable that conditions read but no effect ever changes",
        "W505": "two choices of a scene with the same text",
        "W506": "an ending without a debrief",
        "W507": "a scenario without discussion questions",
        "W508": "a scene from which no ending can be reached by any goto",
        "W509": "a condition that is always true or always false",
        "W510": "the historical path stops before an ending",
        "W512": "an editor schema line (# yaml-language-server: $schema=...) that points at no file",
        "W513": "a scene whose text names a time of day or hours passing, but whose time disagrees or is missing",
        "W511": "the historical path ends in a counterfactual ending",
    }),
    # E51x: the story as a whole (lint)
    **_rows("error", {
        "E512": "no ending can be reached from the start by any goto (the story cannot end)",
    }),
    # N0xx: notes — what a check could not look at, and why
    **_rows("note", {
        "N001": "references into a file that could not be read were not checked",
    }),
}


def codes_with(prefix: str) -> dict[str, str]:
    """The meanings of every code that starts with `prefix` (one area of the table)."""
    return {code: row.meaning for code, row in CODES.items() if code.startswith(prefix)}
