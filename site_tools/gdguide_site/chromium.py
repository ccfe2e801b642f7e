"""How this project starts Chromium for its browser tests and benchmarks (one place for all).

Which Chromium: `GDGUIDE_CHROMIUM` (a path, or `playwright` for Playwright's own download), else
the system's `chromium` (Debian's package, installed by scripts/setup.sh), else Playwright's own
(`playwright install chromium`, which scripts/setup.sh runs where there is no system Chromium).
The flags keep Chromium from calling outside hosts (Google's, at start and in the background).
"""

from __future__ import annotations

import os
import shutil

CHROMIUM_FLAGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # else Chromium calls Google's hosts at start
    "--disable-component-update",
    "--disable-sync",
)


def chromium_executable() -> str | None:
    """The Chromium to drive; None means Playwright's own download."""
    chosen = os.environ.get("GDGUIDE_CHROMIUM", "")
    if chosen == "playwright":
        return None
    return chosen or shutil.which("chromium")


def launch_options() -> dict:
    """Keyword arguments for Playwright's `chromium.launch`."""
    args = list(CHROMIUM_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    options: dict = {"args": args}
    executable = chromium_executable()
    if executable:
        options["executable_path"] = executable
    return options


# Playwright `page.evaluate` script: scroll to every interactive explorer, as a reader does, and
# wait until each is built (explorer.js builds one only when it comes near the screen), then go back
# to the top. Resolves to the number of explorers; rejects, naming the explorer, if one is not built
# within 10 s (a script error must fail the caller, not hang it).
START_EXPLORERS = """async () => {
  const roots = [...document.querySelectorAll('[data-gdguide-explorer]')];
  for (const root of roots) {
    root.scrollIntoView();
    const deadline = performance.now() + 10000;
    await new Promise((done, fail) => {
      const check = () => {
        if (root.querySelector('.gx-plot')) done();
        else if (performance.now() > deadline) {
          fail(new Error(`explorer "${root.dataset.gdguideExplorer}" not built within 10 s`));
        } else requestAnimationFrame(check);
      };
      check();
    });
  }
  window.scrollTo(0, 0);
  return roots.length;
}"""
