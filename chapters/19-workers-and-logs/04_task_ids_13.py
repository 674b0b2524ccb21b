"""The id of a Celery task that carries a club's message to a consumer: the
message's id, then the consumer's queue. One message can be followed
through every worker that receives it, and two consumers' tasks never share
an id."""

SEPARATOR = ":"


def task_id_for(message_id: str, queue: str) -> str:
    """The id of the task that carries ``message_id`` to ``queue``'s consumer."""
    return f"{message_id}{SEPARATOR}{queue}"


def message_id_of(task_id: str) -> str | None:
    """The id of the message a task carries; None for a task that carries
    no message of the club's (one run by hand, say)."""
    message_id, separator, queue = task_id.partition(SEPARATOR)
    return message_id if separator and message_id and queue else None
