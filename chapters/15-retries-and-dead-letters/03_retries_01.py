"""When a consumer tries a failed message again, and when it gives up.

A failure is worth retrying when it is *transient*: the same message,
handled again later, may well succeed (a service that was down, a database
that was locked). Anything else is *permanent*, for this message: a
service that refuses it, a bug, a message that makes no sense. Retrying it
would only fail again, later, so the consumer gives up at once, and keeps
the message as a dead letter.

The delays grow exponentially, up to a maximum, with "equal jitter": each
delay is drawn at random between half its exponential bound and the bound.
Half the bound, at least, gives a service that just failed some time to
recover; the random other half spreads the messages that failed together,
in the same outage, so that they do not all come back together, and fail
together again.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    retries: int
    """How many times a message is tried again, after its first attempt."""

    first_delay: float
    """The bound of the first retry's delay, in seconds; it doubles with
    each retry."""

    max_delay: float
    """The bound of every delay, in seconds."""

    transient: tuple[type[Exception], ...]
    """The errors worth retrying; any other error is permanent."""

    def delay_before_retry(
        self,
        error: Exception,
        retries_done: int,
        draw: Callable[[float, float], float] = random.uniform,
    ) -> float | None:
        """Seconds to wait before trying the message again, after ``error``,
        and after ``retries_done`` retries; or None: give up."""
        if not isinstance(error, self.transient) or retries_done >= self.retries:
            return None
        bound = min(self.max_delay, self.first_delay * 2**retries_done)
        return draw(bound / 2, bound)
