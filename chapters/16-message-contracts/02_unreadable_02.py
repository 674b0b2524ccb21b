"""What Celery cannot run, kept as a dead letter before Celery drops it.

Celery acknowledges a message whose body does not decode, and rejects one
for a task it does not know, or one that is not a task at all: on Redis,
both delete the message. It calls a method of its consumer first, and the
``worker_consumer`` setting names the class: :class:`KeepingConsumer` keeps
the message, then lets Celery go on. If the database refuses it, the
message goes back to its queue instead, a little later.
"""

import base64
import logging
import traceback
from typing import Any

from celery.worker.consumer import Consumer
from kombu.message import Message
from sqlalchemy import Engine

from reading_club.adapters.sql.dead_letters import keep_dead_letter
from reading_club.routes import CATALOGUE

log = logging.getLogger("reading_club.unreadable")

REQUEUE_AFTER = 1.0
"""Seconds before a message that could not be kept goes back to its queue:
at once, it would come back and fail again as fast as the database can
refuse it."""


def keep_unreadable(
    database: Engine, message: Message, why: str, error: BaseException | None
) -> None:
    """Keep ``message``, which Celery cannot run (``why``, and the error it
    raised, if any), as it came; raise if the database refuses it."""
    reason = f"unreadable by Celery, {why}" + (f": {error!r}" if error else "")
    with database.begin() as connection:
        keep_dead_letter(
            connection,
            as_it_came(message),
            # The queue it came from, which Celery routes by its name; a
            # control message of Celery's has none, and counts as the
            # catalogue's.
            consumer=message.delivery_info.get("routing_key") or CATALOGUE.queue,
            error=reason,
            traceback="".join(traceback.format_exception(error)) if error else "",
            attempts=1,
        )
    log.error("a message Celery cannot run is a dead letter: %s", reason)


def as_it_came(message: Message) -> dict[str, Any]:
    """Everything kombu received of ``message``, as JSON: its body as text
    when it is UTF-8, otherwise in base64."""
    body = message.body or b""
    if isinstance(body, str):
        body = body.encode()
    try:
        kept_body = {"body": body.decode()}
    except UnicodeDecodeError:
        kept_body = {"body_base64": base64.b64encode(body).decode()}
    return {
        "headers": message.headers,
        "properties": message.properties,
        "content_type": message.content_type,
        "content_encoding": message.content_encoding,
        **kept_body,
    }


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
        """Keep ``message``: True when it is kept; False when the database
        refused it, and the message goes back to its queue, a little later."""
        # Imported here: the worker's module names this class in its
        # settings, and Celery loads the class once the module is loaded.
        from reading_club.entrypoints.worker import database  # noqa: PLC0415

        try:
            keep_unreadable(database(), message, why, error)
        except Exception:
            log.exception("a message Celery cannot run could not be kept: requeued")
            # The worker's event loop calls it later; sleeping here would
            # hold the loop, and the worker, meanwhile.
            self.timer.call_after(
                REQUEUE_AFTER, message.reject, kwargs={"requeue": True}
            )
            return False
        return True
