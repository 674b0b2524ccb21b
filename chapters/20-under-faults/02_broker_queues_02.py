"""What waits in the broker's queues."""

from celery import Celery


def waiting_in(celery: Celery, queue: str) -> int:
    """How many messages wait in ``queue``, taken by no worker yet.

    kombu answers for any broker: declaring a queue that exists changes
    nothing, and its answer counts the messages in it. On Redis, the length
    of the queue's list (and of its lists by priority); a message that a
    worker took and has not acknowledged is not counted.
    """
    with celery.connection_for_read() as connection:
        channel = connection.default_channel
        # kombu's type hints know only the channel that every transport has.
        declared = channel.queue_declare(queue)  # type: ignore[attr-defined,unused-ignore]
    return int(declared.message_count)
