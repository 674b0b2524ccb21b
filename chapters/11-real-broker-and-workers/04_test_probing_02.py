import time

import pytest

from probing import probe, probe_never


class Alarm:
    """Rings after a while, as a worker's effect appears after a while."""

    def __init__(self, seconds: float) -> None:
        self.rings_at = time.monotonic() + seconds

    def assert_rang(self) -> str:
        assert time.monotonic() >= self.rings_at, "the alarm has not rung"
        return "rang"

    def assert_silent(self) -> None:
        assert time.monotonic() < self.rings_at, "the alarm rang"


def test_a_probe_returns_as_soon_as_its_assertion_passes() -> None:
    started = time.monotonic()

    assert probe(Alarm(0.05).assert_rang, timeout=5) == "rang"

    assert time.monotonic() - started < 1


def test_a_probe_that_times_out_raises_its_last_assertion() -> None:
    with pytest.raises(AssertionError, match="the alarm has not rung"):
        probe(Alarm(60).assert_rang, timeout=0.05)


def test_a_probe_does_not_retry_other_errors() -> None:
    calls: list[None] = []

    def broken() -> None:
        calls.append(None)
        raise ConnectionError("the broker is down")

    with pytest.raises(ConnectionError):
        probe(broken, timeout=5)
    assert len(calls) == 1


def test_probe_never_watches_for_the_whole_interval() -> None:
    started = time.monotonic()

    probe_never(Alarm(60).assert_silent, during=0.05)

    assert time.monotonic() - started >= 0.05


def test_probe_never_fails_as_soon_as_the_effect_appears() -> None:
    started = time.monotonic()

    with pytest.raises(AssertionError, match="the alarm rang"):
        probe_never(Alarm(0.05).assert_silent, during=60)

    assert time.monotonic() - started < 1
