"""Shared fixtures: paths to the project, the fixture scenarios, and a scratch copy helper."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture scenario (folder name = id)."""
    dest = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", dest)
    return dest
