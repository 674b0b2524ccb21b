"""What Celery cannot run, kept as a dead letter of the catalogue before
Celery drops it.

Celery acknowledges a message whose body does not decode, and rejects one
for a task it does not know, or one that is not a task at all: on Redis,
both delete the message. It calls a method of its consumer first, and the
``worker_consumer`` setting names the class: :class:`KeepingConsumer` keeps
the message, then lets Celery go on; if the database refuses it, the
message goes back to its queue, after a pause. A task that cannot take the message's
arguments fails before it runs, and Celery acknowledges it as failed:
:func:`keep_unreadable` is for the worker's ``task_failure`` handler too.
"""

import logging
import time
import traceback
from typing import Any

from celery.worker.consumer import Consumer
from kombu.message import Message
from sqlalchemy import Engine

from reading_club.adapters.sql.dead_letters import keep_dead_letter
from reading_club.routes import CATALOGUE

log = logging.getLogger("reading_club.unreadable")

REQUEUE_PAUSE = 1.0
"""Seconds to wait before a message that could not be kept goes back to
its queue."""


def keep_unreadable(
    database: Engine,
    content: dict[str, Any],
    why: str,
    error: BaseException | None = None,
) -> None:
    """Keep ``content``, which Celery could not run (``why``, and the error
    it raised, if any), as a dead letter of the catalogue; raise if the
    database refuses it."""
    reason = f"unreadable by Celery, {why}" + (f": {error!r}" if error else "")
    with database.begin() as connection:
        keep_dead_letter(
            connection,
            content,
            consumer=CATALOGUE.queue,
            error=reason,
            traceback="".join(traceback.format_exception(error)) if error else "",
            attempts=1,
        )
    log.error("a message Celery cannot run is a dead letter: %s", reason)


class KeepingConsumer(Consumer):
    """Celery's consumer, which keeps what it cannot run as a dead letter."""

    def on_decode_error(self, message: Message, exc: Exception) -> None:
        if self.kept(message, "a body that does not decode", exc):
            super().on_decode_error(message, exc)

    def on_unknown_message(self, body: Any, message: Message) -> None:
        if self.kept(message, "a message that names no task", None):
            super().on_unknown_message(body, message)

    def on_unknown_task(self, body: Any, message: Message, exc: Exception) -> None:
        if self.kept(message, "an unknown task", exc):
            super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body: Any, message: Message, exc: Exception) -> None:
        if self.kept(message, "an invalid task", exc):
            super().on_invalid_task(body, message, exc)

    def kept(self, message: Message, why: str, error: Exception | None) -> bool:
        """Keep ``message`` as it came: True when it is kept, False when the
        database refused it and the message went back to its queue."""
        # Imported here: the worker's module names this class in its
        # settings, and Celery loads the class once the module is loaded.
        from reading_club.entrypoints.worker import database  # noqa: PLC0415

        body = message.body
        content = {
            "headers": message.headers,
            "content_type": message.content_type,
            "body": body.decode(errors="replace") if isinstance(body, bytes) else body,
        }
        try:
            keep_unreadable(database(), content, why, error)
        except Exception:
            log.exception("a message Celery cannot run could not be kept: requeued")
            # This runs in the worker's main thread: the pause holds the
            # worker, which can do nothing while its database refuses to
            # write; without it, the message would come back at once, and
            # fail again, as fast as the database refuses it.
            time.sleep(REQUEUE_PAUSE)
            message.reject(requeue=True)
            return False
        return True
