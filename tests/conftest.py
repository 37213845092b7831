"""Shared fixtures: paths to the project, the fixture scenarios, and a scratch copy helper."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# hypothesis profiles: the normal suite, and the opt-in long run (--hypothesis-profile=long)
settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "long", max_examples=20_000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
settings.load_profile("default")

# compiled-scenario cache entries of the test run stay out of the user's ~/.cache
os.environ.setdefault("CHRONICLE_CACHE", tempfile.mkdtemp(prefix="chronicle-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SCENARIOS = ROOT / "scenarios"
VERIFY_QUOTES = ROOT.parent / "shared" / "tools" / "verify_quotes.py"


def verify_quotes_tool() -> Path:
    """The independent quote checker in ../shared/tools. Outside CI a missing copy skips the test that needs it;
    in CI (CI set) it fails with what is missing, so a check can never silently not run."""
    if not VERIFY_QUOTES.exists():
        message = f"{VERIFY_QUOTES} is missing: the shared folder must sit beside the project"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return VERIFY_QUOTES


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture scenario (folder name = id)."""
    dest = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", dest)
    return dest


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the children split_map forks."""
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids
