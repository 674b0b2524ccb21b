import json
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from kombu.exceptions import OperationalError
from kombu.utils import json as kombu_json
from messagebus import AsyncMessageBus

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.service.unit_of_work import AbstractUnitOfWork

TASK = "event_stream.consume"

MESSAGE = {
    "id": "019a2f4c-5e61-7d2a-9c3b-0d4e5f6a7b8c",
    "created_at": "2026-03-01T09:30:00+00:00",
    "type": "book_registered_v1",
    "payload": '{"id":"019a2f4c-5e60-7f11-8a2b-1c2d3e4f5a6b","title":"Dune"}',
}


@dataclass(frozen=True)
class SentTask:
    """One task as the fake Celery client received it."""

    name: str
    kwargs: dict[str, Any]
    task_id: str | None
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
    ) -> None:
        if not self.broker_is_up:
            raise OperationalError("[Errno 111] Connection refused")
        # Celery sends the arguments with kombu's JSON encoder: what it cannot
        # carry fails here as it would there, and the task keeps what a worker
        # would get.
        sent_kwargs = kombu_json.loads(kombu_json.dumps(kwargs or {}))
        self.sent.append(
            SentTask(name, sent_kwargs, task_id, threading.current_thread())
        )


@pytest.fixture
def celery_client() -> FakeCeleryClient:
    return FakeCeleryClient()


@pytest.fixture
def transport(celery_client: FakeCeleryClient) -> CeleryTransport:
    """In this module, the unit of work publishes through the fake client."""
    return CeleryTransport(celery_client, TASK)


async def test_a_registered_book_is_sent_as_a_celery_task(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    celery_client: FakeCeleryClient,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    [task] = celery_client.sent
    assert task.name == TASK
    message = task.kwargs["message"]
    assert message["type"] == "book_registered_v1"
    assert json.loads(message["payload"]) == {
        "id": str(dune.id),
        "title": "Dune",
        "authors": ["Frank Herbert"],
        "isbn": "9780441013593",
    }


async def test_a_rolled_back_registration_sends_no_task(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    celery_client: FakeCeleryClient,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    assert celery_client.sent == []


async def test_the_message_is_the_task_argument_and_its_id_the_task_id(
    transport: CeleryTransport, celery_client: FakeCeleryClient
) -> None:
    await transport.send_message_serialized(MESSAGE)

    [task] = celery_client.sent
    assert task.kwargs == {"message": MESSAGE}
    assert task.task_id == MESSAGE["id"]


async def test_the_task_is_sent_from_another_thread_than_the_event_loop(
    transport: CeleryTransport, celery_client: FakeCeleryClient
) -> None:
    await transport.send_message_serialized(MESSAGE)

    [task] = celery_client.sent
    assert task.thread is not threading.current_thread()


async def test_a_broker_failure_reaches_the_caller_after_the_commit(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    celery_client: FakeCeleryClient,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    celery_client.broker_is_up = False

    with pytest.raises(OperationalError, match="Connection refused"):
        async with uow as transaction:
            await bus.handle(register_dune, transaction)
            await transaction.commit()

    async with uow as transaction:
        assert await transaction.books.by_id(dune.id) == Ok(dune)
        await transaction.rollback()
    assert celery_client.sent == []
