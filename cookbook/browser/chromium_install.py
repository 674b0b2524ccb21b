"""Wait for a Chromium that is being installed beside the check.

On a fresh machine, ``.ci/run`` installs Debian's chromium while the check
runs: only the browser session needs it, minutes after the start. It names a
file in ``CHROMIUM_INSTALL_STATUS``, writes apt's output to the ``.log`` file
of the same name beside it, and, once apt has ended, apt's exit status to the
status file (written aside and renamed: a reader never sees half of it).
"""

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

INSTALL_STATUS_VARIABLE = "CHROMIUM_INSTALL_STATUS"
INSTALL_TIMEOUT = 900.0  # seconds: apt-get update and install, on a slow mirror


class ChromiumInstallError(Exception):
    """Chromium's install beside the check failed, or did not end in time."""


def wait_for_chromium_install(
    environment: Mapping[str, str],
    timeout: float = INSTALL_TIMEOUT,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once the install named by ``CHROMIUM_INSTALL_STATUS`` has
    succeeded, at once if none is named. It blocks while apt runs; raises
    if apt failed, or takes longer than ``timeout`` seconds."""
    named = environment.get(INSTALL_STATUS_VARIABLE)
    if not named:
        return
    status_path = Path(named)
    log = status_path.with_suffix(".log")
    deadline = clock() + timeout
    if not status_path.exists():
        print(f"waiting for apt to install Chromium ({log})", file=sys.stderr)
    while not status_path.exists():
        if clock() > deadline:
            raise ChromiumInstallError(
                f"Chromium's install has not ended after {timeout:g} s "
                f"({status_path} is missing); apt's output so far is in {log}"
            )
        sleep(interval)
    status = status_path.read_text(encoding="utf-8").strip()
    if status != "0":
        raise ChromiumInstallError(
            f"apt could not install Chromium (exit status {status!r} in "
            f"{status_path}); its output is in {log}"
        )
