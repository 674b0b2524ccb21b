"""Which Chromium to drive, and how.

In order: the executable named by ``CHROMIUM`` or
``PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH``, Debian's ``/usr/bin/chromium`` (as
on CI, which may still be installing it: ``chromium_install.py``), one on the
PATH, then Playwright's own download. With none of them the error says what
to install.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import ViewportSize

from cookbook.browser.chromium_install import (
    ChromiumInstallError,
    wait_for_chromium_install,
)

CHROMIUM_VARIABLES = ("CHROMIUM", "PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH")
DEBIAN_CHROMIUM = "/usr/bin/chromium"  # Debian's chromium package, as on CI
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = """\
no Chromium to drive. Install one of:
  - Debian's chromium:   apt-get install chromium     (CI does this in .ci/run)
  - Playwright's own:    .nox/browser/bin/playwright install chromium
  - or point CHROMIUM at a Chrome or Chromium executable:
                         CHROMIUM=/path/to/chrome nox -s browser"""
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


class NoChromiumError(Exception):
    """No Chromium or Chrome executable could be found."""


def find_chromium(
    environment: dict[str, str] | None = None,
    default_playwright: Callable[[], str] | None = None,
    known: tuple[str, ...] = (DEBIAN_CHROMIUM,),
) -> str | None:
    """The executable to launch; None means Playwright's own Chromium.

    First waits for an install that CI runs beside the check, if any; one
    that failed leaves the others to find. Raises NoChromiumError, whose
    message says what to install, when there is none at all.
    """
    environment = dict(os.environ) if environment is None else environment
    install_failure = ""
    try:
        wait_for_chromium_install(environment)
    except ChromiumInstallError as error:
        install_failure = f"{error}\n"
    for variable in CHROMIUM_VARIABLES:
        value = environment.get(variable)
        if value:
            if not Path(value).is_file():
                raise NoChromiumError(f"{variable}={value}: no such file.\n")
            return value
    for path in known:
        if Path(path).is_file():
            return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=environment.get("PATH"))
        if found:
            return found
    if default_playwright is not None and Path(default_playwright()).is_file():
        return None
    raise NoChromiumError(install_failure + NO_CHROMIUM)
