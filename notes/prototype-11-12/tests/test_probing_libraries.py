"""The same probe with our 30 lines, tenacity and busypie: what each raises, and costs.

No broker needed: the "effect" is a deadline in this process.
"""

import asyncio
import time

import busypie
import pytest
import tenacity

from conftest import TIMINGS
from probing import probe, probe_never


def effect_after(seconds: float):
    ready_at = time.monotonic() + seconds

    def assertion() -> str:
        assert time.monotonic() >= ready_at, "the effect has not happened yet"
        return "done"

    return assertion


def with_tenacity(assertion, timeout: float, interval: float = 0.1):
    for attempt in tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry=tenacity.retry_if_exception_type(AssertionError),
        reraise=True,  # without it: tenacity.RetryError, the assertion hidden inside
    ):
        with attempt:
            result = assertion()
    return result


def with_busypie(assertion, timeout: float, interval: float = 0.1):
    return (
        busypie.wait()
        .at_most(timeout, busypie.SECOND)
        .poll_interval(interval, busypie.SECOND)
        .until_asserted(assertion)
    )


@pytest.mark.parametrize("waiter", [probe, with_tenacity, with_busypie])
def test_each_waits_for_the_effect(waiter) -> None:
    began = time.perf_counter()
    waiter(effect_after(0.0), 2.0)
    TIMINGS[f"{waiter.__name__}: condition already true"] = time.perf_counter() - began


@pytest.mark.parametrize("waiter", [probe, with_tenacity])
def test_on_timeout_the_last_assertion_is_raised(waiter) -> None:
    with pytest.raises(AssertionError, match="has not happened yet"):
        waiter(effect_after(10), 0.3)


def test_busypie_raises_its_own_error_with_the_assertion_as_cause() -> None:
    with pytest.raises(busypie.ConditionTimeoutError) as raised:
        with_busypie(effect_after(10), 0.3)
    assert isinstance(raised.value.__cause__, AssertionError)


def test_tenacity_without_reraise_hides_the_assertion() -> None:
    with pytest.raises(tenacity.RetryError):
        for attempt in tenacity.Retrying(
            stop=tenacity.stop_after_delay(0.3),
            retry=tenacity.retry_if_exception_type(AssertionError),
        ):
            with attempt:
                effect_after(10)()


def test_busypie_during_is_not_a_never_check() -> None:
    """``during(f)`` waits until f() is false: it returns at once if it already is."""
    began = time.perf_counter()
    busypie.wait().at_most(2, busypie.SECOND).during(lambda: False)
    assert time.perf_counter() - began < 0.5


def test_probe_never_fails_as_soon_as_the_effect_appears() -> None:
    began = time.perf_counter()
    with pytest.raises(AssertionError):
        probe_never(lambda: nothing_happened(began), 2.0, 0.05)


def nothing_happened(since: float) -> None:
    assert time.perf_counter() - since < 0.2, "the effect happened"


async def test_from_async_code_through_a_thread() -> None:
    assert await asyncio.to_thread(probe, effect_after(0.1), 2.0) == "done"
