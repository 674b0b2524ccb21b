"""What a consumer of the club does with a message whose handling failed:
try it again later, or keep it as a dead letter. Never drop it.

Celery, on Redis, has no way to keep a message that failed: with late
acknowledgements, a task that raises is acknowledged as failed
(``task_acks_on_failure``), and Redis deletes the message. So a consumer's
task catches every error. It either re-sends the message for a retry
(``Task.retry``, after which Celery acknowledges the message it had), or
commits the message to the dead letters and returns normally (after which
Celery acknowledges it). It raises only Celery's ``Retry``, or ``Reject``
to put the message back in its queue.
"""

import logging
import traceback
from typing import Any, NoReturn

from celery import Task
from celery.exceptions import Reject
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from reading_club.adapters.sql.dead_letters import keep_dead_letter, message_id
from reading_club.retries import RetryPolicy

log = logging.getLogger("reading_club.failures")


def retry_or_keep(
    task: "Task[Any, Any]",
    message: dict[str, Any],
    error: Exception,
    *,
    policy: RetryPolicy,
    database: Engine,
    consumer: str,
) -> None:
    """Raise Celery's ``Retry`` after re-sending ``message`` with a delay, if
    ``error`` is worth retrying and retries are left; otherwise keep the
    message as a dead letter of ``consumer``, and return."""
    retries_done = task.request.retries
    delay = policy.delay_before_retry(error, retries_done)
    if delay is not None:
        retry(task, delay, error)
    letter = message_id(message)  # even for a message without a valid id
    try:
        with database.begin() as connection:
            keep_dead_letter(
                connection,
                message,
                consumer=consumer,
                error=repr(error),
                traceback="".join(traceback.format_exception(error)),
                attempts=retries_done + 1,
            )
    except SQLAlchemyError as failure:
        # Acknowledging the message now would lose it: try again later, as
        # long as the database refuses the dead letter.
        log.exception("message %s could not be kept as a dead letter", letter)
        retry(task, policy.max_delay, failure)
    log.error(
        "message %s is a dead letter of %s after %d attempts: %r",
        letter,
        consumer,
        retries_done + 1,
        error,
    )


def retry(task: "Task[Any, Any]", delay: float, error: Exception) -> NoReturn:
    """Re-send the task's message, to run in ``delay`` seconds.

    ``Task.retry`` publishes the message again, with ``retries`` one more,
    and raises ``Retry``, on which the worker acknowledges the message it
    has. The task's ``max_retries`` is None: the policy counts, not Celery.
    """
    try:
        raise task.retry(countdown=delay, exc=error)
    except Reject as rejected:
        # Task.retry could not send the message (the broker did not take
        # it), and asks the worker to reject the one it has, for good: put
        # it back in its queue instead.
        raise Reject(error, requeue=True) from rejected
