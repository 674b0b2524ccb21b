"""An event stream transport that hands each published message to Celery."""

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from messagebus import AsyncAbstractEventstreamTransport


class CeleryClient(Protocol):
    """What the transport needs from Celery: sending a task by its name.

    A ``celery.Celery`` application has this method, and so can a test double,
    so this module never imports Celery.
    """

    def send_task(
        self,
        name: str,
        *,
        kwargs: dict[str, Any] | None = None,
        task_id: str | None = None,
    ) -> object: ...


class CeleryTransport(AsyncAbstractEventstreamTransport):
    """Send each serialized message as one Celery task, named ``task_name``.

    Consumers register a task under that name, with one parameter,
    ``message``. The task id is the message id, so that one message can be
    followed from the club to every worker that receives it.
    """

    def __init__(self, celery: CeleryClient, task_name: str) -> None:
        self.celery = celery
        self.task_name = task_name

    async def send_message_serialized(self, message: Mapping[str, Any]) -> None:
        # Celery has no asyncio API: send_task blocks while it talks to the
        # broker, and while it tries again when the connection fails. In a
        # thread, it leaves the event loop free for other requests meanwhile.
        await asyncio.to_thread(self._send_task, dict(message))

    def _send_task(self, message: dict[str, Any]) -> None:
        self.celery.send_task(
            self.task_name, kwargs={"message": message}, task_id=message["id"]
        )
