"""Shared fixtures: the story a test module works on, scratch copies, the forked helper.

Plain helpers (the CLI in-process, a real game in a child process, paths, the quote checker in
../shared, printing to PDF) are in `tests/helpers.py`.
"""

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

# compiled-scenario cache entries of the test run stay out of the user's ~/.cache, in a folder removed at the end
OWN_CACHE = None if "CHRONICLE_CACHE" in os.environ else tempfile.mkdtemp(prefix="chronicle-test-cache-")
if OWN_CACHE is not None:
    os.environ["CHRONICLE_CACHE"] = OWN_CACHE


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if OWN_CACHE is not None:
        shutil.rmtree(OWN_CACHE, ignore_errors=True)

from engine.build.loader import load_story  # noqa: E402  (after CHRONICLE_CACHE is set)
from engine.core.model import Story  # noqa: E402
from tests.helpers import FIXTURES  # noqa: E402


@pytest.fixture(scope="module")
def story(request: pytest.FixtureRequest) -> Story:
    """The story a test module works on: the scenario folder its `STORY` constant names, loaded
    by the real loader once per module."""
    folder = getattr(request.module, "STORY", None)
    if folder is None:
        pytest.fail(f"{request.module.__name__} uses the story fixture but sets no STORY folder")
    return load_story(folder)


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
