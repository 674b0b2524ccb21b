"""A fake of the Celery client: it keeps the tasks it is asked to send."""

import threading
from dataclasses import dataclass
from typing import Any

from kombu.exceptions import OperationalError
from kombu.utils import json as kombu_json


@dataclass(frozen=True)
class SentTask:
    """One task as the fake Celery client received it."""

    name: str
    kwargs: dict[str, Any]
    task_id: str | None
    queue: str | None
    thread: threading.Thread


class FakeCeleryClient:
    """Keeps the tasks it is asked to send, instead of reaching a broker."""

    def __init__(self) -> None:
        self.sent: list[SentTask] = []
        self.broker_is_up = True

    def send_task(
        self,
        name: str,
        *,
        kwargs: dict[str, Any] | None = None,
        task_id: str | None = None,
        queue: str | None = None,
    ) -> None:
        if not self.broker_is_up:
            raise OperationalError("[Errno 111] Connection refused")
        # Celery sends the arguments with kombu's JSON encoder: what it cannot
        # carry fails here as it would there, and the task keeps what a worker
        # would get.
        sent_kwargs = kombu_json.loads(kombu_json.dumps(kwargs or {}))
        self.sent.append(
            SentTask(name, sent_kwargs, task_id, queue, threading.current_thread())
        )

    def titles_sent_to(self, queue: str) -> list[str]:
        """The titles of the books in the messages sent to ``queue``, in order."""
        messages = [task.kwargs["message"] for task in self.sent if task.queue == queue]
        return [kombu_json.loads(message["payload"])["title"] for message in messages]
