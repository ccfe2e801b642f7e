"""Fixtures shared by the browser tests: the built site served on 127.0.0.1, and one Chromium.

Test modules import the fixtures they use (`from browser_support import browser, site_url`).
Chromium is launched as gdguide_site/chromium.py says (no calls to outside hosts).
"""

from __future__ import annotations

import functools
import os
import threading
from http.server import ThreadingHTTPServer

import pytest
from gdguide_site.chromium import START_EXPLORERS, launch_options  # noqa: F401 (START_EXPLORERS: for the tests)
from gdguide_site.serve import SiteHandler

if os.environ.get("CI"):  # never skipped in CI: a missing playwright is an error there
    import playwright.sync_api as playwright_api
else:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install gdguide[test]")


@pytest.fixture(scope="session")
def site_url(built_site):
    """The root conftest's built site, served like `scripts/serve_site.py` serves it."""
    handler = functools.partial(SiteHandler, directory=str(built_site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}/"
        server.shutdown()
        thread.join()


# Module scope: a live sync Playwright keeps an asyncio loop running in this thread, which
# would break every later test that calls asyncio.run (the notebook tests).
@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    options = launch_options()
    with playwright_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(**options)
        except playwright_api.Error as error:
            which = options.get("executable_path", "Playwright's own download")
            pytest.fail(
                f"cannot start Chromium ({which}): {error}\n"
                "Install Debian's `chromium` (scripts/setup.sh does, as root) or run "
                "`.venv/bin/python -m playwright install chromium`.",
                pytrace=False,
            )
        yield chromium
        chromium.close()
