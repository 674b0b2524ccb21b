"""Wait for a Chromium that is being installed beside the check.

On a fresh machine, ``.ci/run`` installs Debian's chromium while the check
runs: only the browser session needs it, minutes after the start. It names a
file in ``CHROMIUM_INSTALL_STATUS`` and writes apt's exit status there once
apt has ended; apt's output is in the ``.log`` file beside it.
"""

import time
from collections.abc import Mapping
from pathlib import Path

INSTALL_STATUS = "CHROMIUM_INSTALL_STATUS"
INSTALL_TIMEOUT = 900.0  # seconds: apt-get update and install, on a slow mirror


class ChromiumInstallError(Exception):
    """Chromium's install beside the check failed, or did not end in time."""


def wait_for_chromium_install(
    environment: Mapping[str, str],
    timeout: float = INSTALL_TIMEOUT,
    interval: float = 0.5,
) -> None:
    """Return once the install named by ``CHROMIUM_INSTALL_STATUS`` has
    succeeded, at once if none is named; raise if it failed or takes longer
    than ``timeout`` seconds."""
    named = environment.get(INSTALL_STATUS)
    if not named:
        return
    status_file = Path(named)
    log = status_file.with_suffix(".log")
    deadline = time.monotonic() + timeout
    while not status_file.exists():
        if time.monotonic() > deadline:
            raise ChromiumInstallError(
                f"Chromium's install has not ended after {timeout:.0f} s: "
                f"{status_file} is still missing; apt's output is in {log}"
            )
        time.sleep(interval)
    status = status_file.read_text(encoding="utf-8").strip()
    if status != "0":
        raise ChromiumInstallError(
            f"apt could not install Chromium (exit status {status}); "
            f"its output is in {log}"
        )
