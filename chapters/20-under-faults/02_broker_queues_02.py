"""What waits in the broker's queues."""

from celery import Celery
from kombu.exceptions import ChannelError


def waiting_in(celery: Celery, queue: str) -> int:
    """How many messages wait in ``queue``, taken by no worker yet.

    A passive declaration asks about a queue without creating it or changing
    it. On Redis, kombu answers with the length of the queue's list, and of
    its lists by priority; a message that a worker took and has not
    acknowledged is not counted. Redis keeps no empty list: kombu says that
    an empty queue does not exist.
    """
    with celery.connection_for_read() as connection:
        channel = connection.default_channel
        try:
            # kombu's type hints know only the channel every transport has.
            declared = channel.queue_declare(queue, passive=True)  # type: ignore[attr-defined,unused-ignore]
        except ChannelError:  # no such queue: nothing waits in it
            return 0
    return int(declared.message_count)
