"""End-to-end fixtures: the seeded engine and live server live in ``tests/conftest.py``;
the Chromium that the browser suites drive is here, one definition for them all.

No browser is downloaded: Playwright launches Debian's ``/usr/bin/chromium``
(``make setup-browser`` installs it). A browser suite still skips itself as a
whole when Playwright is not installed (its own module-level ``importorskip``),
and fails, not skips, when Chromium is missing, so CI cannot pass without it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
#: No sandbox (the suites run as root in CI), no GPU, and no background traffic
#: (component updates, sync) that would reach the network during a test.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where the browser suites save their screenshots.
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian chromium is not installed: run `make setup-browser`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
