"""Chapter 11's transport: each event goes to the queue of each of its consumers."""

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from messagebus import AsyncAbstractEventstreamTransport


class CeleryClient(Protocol):
    def send_task(
        self,
        name: str,
        *,
        kwargs: dict[str, Any] | None = None,
        task_id: str | None = None,
        queue: str | None = None,
    ) -> object: ...


Route = tuple[str, str]
"""A consumer: the task it registers, and the queue its workers read."""


class RoutingCeleryTransport(AsyncAbstractEventstreamTransport):
    """Send one task per consumer of the message's type, each to its own queue.

    A Redis list is a queue: each message in it is taken by ONE worker. Two
    consumers of the same event need two lists, so two sends. The message
    stays in its list until a worker takes it, even if no worker runs yet.
    """

    def __init__(self, celery: CeleryClient, routes: Mapping[str, Sequence[Route]]) -> None:
        self.celery = celery
        self.routes = routes

    async def send_message_serialized(self, message: Mapping[str, Any]) -> None:
        await asyncio.to_thread(self._send, dict(message))

    def _send(self, message: dict[str, Any]) -> None:
        for task_name, queue in self.routes.get(message["type"], ()):
            self.celery.send_task(
                task_name, kwargs={"message": message}, task_id=message["id"], queue=queue
            )
