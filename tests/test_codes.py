"""The one table of diagnostic codes (engine/base/codes.py): complete, consistent, and what `check --codes` prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from engine.base.codes import CODES, codes_with

ENGINE = Path(__file__).resolve().parent.parent / "engine"
CODE_LITERAL = re.compile(r"[\"']([EWN]\d{3})[\"']")


def codes_used_in_the_engine() -> dict[str, str]:
    used: dict[str, str] = {}
    for path in sorted(ENGINE.rglob("*.py")):
        if path.name == "codes.py":
            continue
        for match in CODE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(1), str(path.relative_to(ENGINE.parent)))
    return used


def test_every_code_the_engine_uses_has_a_row() -> None:
    missing = {code: where for code, where in codes_used_in_the_engine().items() if code not in CODES}
    assert not missing, f"add a row to engine/base/codes.py for: {missing}"


def test_every_row_is_used_somewhere() -> None:
    used = codes_used_in_the_engine()
    assert not set(CODES) - set(used), f"codes in the table that nothing reports: {sorted(set(CODES) - set(used))}"


def test_rows_are_consistent() -> None:
    for code, row in CODES.items():
        assert re.fullmatch(r"[EWN]\d{3}", code)
        assert row.severity == {"E": "error", "W": "warning", "N": "note"}[code[0]], code
        assert row.meaning and "\n" not in row.meaning and row.meaning == row.meaning.strip(), code


def test_areas_are_views_of_the_table() -> None:
    from engine.expressions.language import CODES as EXPR
    from engine.expressions.template import CODES as TEMPLATE
    from engine.tools.lint import CODES as LINT

    assert {**EXPR, **TEMPLATE} == codes_with("E3") and not set(EXPR) & set(TEMPLATE)
    assert LINT == {**codes_with("W5"), **codes_with("E51"), **codes_with("E70")}


def test_check_codes_lists_every_row() -> None:
    out = subprocess.run([sys.executable, "-m", "engine", "check", "--codes"], capture_output=True, text=True,
                         check=True).stdout
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert listed == sorted(CODES)
    for line in out.splitlines():
        code, severity = line.split()[:2]
        assert severity == CODES[code].severity
