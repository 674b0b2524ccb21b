import random

import pytest
from sqlalchemy.exc import OperationalError

from reading_club.adapters.book_data import BookDataRefused, BookDataUnavailable
from reading_club.retries import RetryPolicy

POLICY = RetryPolicy(
    retries=5, first_delay=1.0, max_delay=10.0, transient=(BookDataUnavailable,)
)
UNAVAILABLE = BookDataUnavailable("answered 503")


def longest(low: float, high: float) -> float:
    """A draw that always takes the bound: the delays without their jitter."""
    return high


def test_the_delays_double_up_to_the_maximum() -> None:
    delays = [
        POLICY.delay_before_retry(UNAVAILABLE, done, longest) for done in range(5)
    ]

    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_no_retry_is_left_after_the_last() -> None:
    assert POLICY.delay_before_retry(UNAVAILABLE, retries_done=5) is None


@pytest.mark.parametrize(
    "error",
    [
        BookDataRefused("answered 404"),
        KeyError("summary"),
        OperationalError("SELECT 1", {}, Exception("database is locked")),
    ],
)
def test_an_error_not_listed_as_transient_is_never_retried(error: Exception) -> None:
    assert POLICY.delay_before_retry(error, retries_done=0) is None


def test_each_delay_is_drawn_between_half_its_bound_and_its_bound() -> None:
    draws = random.Random(15)

    delays = [
        POLICY.delay_before_retry(UNAVAILABLE, 3, draws.uniform) for _ in range(1000)
    ]

    assert all(delay is not None and 4.0 <= delay <= 8.0 for delay in delays)
    assert len(set(delays)) == 1000, "messages that failed together retry apart"
