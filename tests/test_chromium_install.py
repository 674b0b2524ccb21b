"""CI installs Chromium beside the check; the browser session waits for it."""

import threading
from pathlib import Path

import pytest

from cookbook.browser.chromium_install import (
    INSTALL_STATUS,
    ChromiumInstallError,
    wait_for_chromium_install,
)


def test_without_an_install_it_does_not_wait(tmp_path: Path) -> None:
    wait_for_chromium_install({}, timeout=0)


def test_an_install_that_ended_well(tmp_path: Path) -> None:
    status = tmp_path / "apt-chromium.status"
    status.write_text("0\n")
    wait_for_chromium_install({INSTALL_STATUS: str(status)}, timeout=0)


def test_it_waits_until_the_install_ends(tmp_path: Path) -> None:
    status = tmp_path / "apt-chromium.status"
    ended = threading.Timer(0.2, status.write_text, args=["0\n"])
    ended.start()
    try:
        wait_for_chromium_install(
            {INSTALL_STATUS: str(status)}, timeout=30, interval=0.01
        )
    finally:
        ended.cancel()
    assert status.exists(), "returned before the install had ended"


def test_a_failed_install_names_apt_s_log(tmp_path: Path) -> None:
    status = tmp_path / "apt-chromium.status"
    status.write_text("100\n")
    with pytest.raises(ChromiumInstallError, match="exit status 100") as error:
        wait_for_chromium_install({INSTALL_STATUS: str(status)}, timeout=0)
    assert str(tmp_path / "apt-chromium.log") in str(error.value)


def test_an_install_that_does_not_end_in_time(tmp_path: Path) -> None:
    status = tmp_path / "apt-chromium.status"
    with pytest.raises(ChromiumInstallError, match="has not ended after 0 s"):
        wait_for_chromium_install(
            {INSTALL_STATUS: str(status)}, timeout=0.05, interval=0.01
        )
