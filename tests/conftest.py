"""Shared fixtures: the story a test module works on, scratch copies, the forked helper, printing to PDF.

Plain helpers (the CLI in-process, a real game in a child process, paths) are in `tests/helpers.py`.
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
from tests.helpers import FIXTURES, ROOT, SCENARIOS  # noqa: E402,F401  (re-exported for older imports)

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


def pdf_pages(tmp_path: Path, html: str, limit: int) -> None:
    """Print the page to PDF with a headless Chromium (where there is one) and count the A4 pages."""
    import re
    import shutil
    import subprocess

    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no headless Chromium on this machine to print the page with")
    src, pdf = tmp_path / "page.html", tmp_path / "page.pdf"
    src.write_text(html, encoding="utf-8")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", src.as_uri()], capture_output=True, timeout=120, check=False)
    if not pdf.exists():
        pytest.skip(f"{browser} could not print to PDF here")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 1 <= pages <= limit, f"{pages} pages"
