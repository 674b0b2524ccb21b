"""CI installs Chromium beside the check; the browser session waits for it."""

from pathlib import Path

import pytest

from cookbook.browser.chromium_install import (
    INSTALL_STATUS_VARIABLE,
    ChromiumInstallError,
    wait_for_chromium_install,
)


class Apt:
    """apt as .ci/run runs it: the status is written aside, then renamed.
    Time is the number of probes; each probe lets apt run one step on."""

    def __init__(self, status_path: Path, probes_to_end: int, status: str) -> None:
        self.status_path, self.left, self.status = status_path, probes_to_end, status
        self.probes = 0

    def sleep(self, _: float) -> None:
        self.probes += 1
        if self.probes == self.left:
            written = self.status_path.with_suffix(".part")
            written.write_text(f"{self.status}\n")
            written.replace(self.status_path)

    def clock(self) -> float:
        return float(self.probes)


def wait(apt: Apt, timeout: float = 100) -> None:
    environment = {INSTALL_STATUS_VARIABLE: str(apt.status_path)}
    wait_for_chromium_install(
        environment, timeout=timeout, sleep=apt.sleep, clock=apt.clock
    )


def test_without_an_install_it_does_not_wait() -> None:
    wait_for_chromium_install({}, timeout=0)


def test_it_waits_until_the_install_ends(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "apt-chromium.status", probes_to_end=3, status="0")
    wait(apt)
    assert apt.probes == 3, "returned before the status was written"


def test_an_install_that_had_ended_is_not_waited_for(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "apt-chromium.status", probes_to_end=1, status="0")
    apt.sleep(0)
    wait(apt)
    assert apt.probes == 1


def test_a_failed_install_names_apt_s_log(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "apt-chromium.status", probes_to_end=2, status="100")
    with pytest.raises(ChromiumInstallError, match="exit status '100'") as error:
        wait(apt)
    assert str(tmp_path / "apt-chromium.log") in str(error.value)


def test_an_install_that_does_not_end_in_time(tmp_path: Path) -> None:
    apt = Apt(tmp_path / "apt-chromium.status", probes_to_end=50, status="0")
    with pytest.raises(ChromiumInstallError, match="not ended after 10 s"):
        wait(apt, timeout=10)
    assert apt.probes == 11
