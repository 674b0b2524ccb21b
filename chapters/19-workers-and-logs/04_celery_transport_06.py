"""An event stream transport that hands each published message to Celery."""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from messagebus import AsyncAbstractEventstreamTransport

from reading_club.task_ids import task_id_for


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
        queue: str | None = None,
    ) -> object: ...


@dataclass(frozen=True)
class Consumer:
    """A service that receives a type of message: the task it registered,
    and the queue its workers read."""

    task: str
    queue: str


Routes = Mapping[str, Sequence[Consumer]]
"""The consumers of each message type, by its serialized ``type``."""


class CeleryTransport(AsyncAbstractEventstreamTransport):
    """Send each serialized message as one Celery task per consumer.

    A queue hands each message to one worker only, so every consumer has a
    queue of its own, and a message is sent once to each of them. A message
    type that no consumer receives is sent nowhere. The task's only argument,
    ``message``, is the serialized message; the task id is the message id
    followed by the queue (``task_ids.py``).
    """

    def __init__(self, celery: CeleryClient, routes: Routes) -> None:
        self.celery = celery
        self.routes = routes

    async def send_message_serialized(self, message: Mapping[str, Any]) -> None:
        # Celery has no asyncio API: send_task blocks while it talks to the
        # broker. In a thread, it leaves the event loop free meanwhile.
        await asyncio.to_thread(self.send, message)

    def send(self, message: Mapping[str, Any]) -> None:
        """Send ``message`` to each of its consumers, and block meanwhile."""
        for consumer in self.consumers_of(message):
            self.send_to(consumer, message)

    def send_to(self, consumer: Consumer, message: Mapping[str, Any]) -> None:
        """Send ``message`` to ``consumer`` only, and block meanwhile."""
        self.celery.send_task(
            consumer.task,
            kwargs={"message": dict(message)},
            task_id=task_id_for(message["id"], consumer.queue),
            queue=consumer.queue,
        )

    def consumers_of(self, message: Mapping[str, Any]) -> Sequence[Consumer]:
        """Who receives ``message``: nobody, if its type has no route."""
        return self.routes.get(message["type"], ())
