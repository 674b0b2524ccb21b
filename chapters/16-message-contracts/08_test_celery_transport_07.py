import json
import threading

import pytest
from kombu.exceptions import OperationalError
from messagebus import AsyncMessageBus

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.routes import NOTIFICATIONS, ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork

from fake_celery import FakeCeleryClient

MESSAGE = {
    "id": "019a2f4c-5e61-7d2a-9c3b-0d4e5f6a7b8c",
    "created_at": "2026-03-01T09:30:00+00:00",
    "type": "book_registered_v1",
    "payload": '{"id":"019a2f4c-5e60-7f11-8a2b-1c2d3e4f5a6b","title":"Dune"}',
}


@pytest.fixture
def celery_client() -> FakeCeleryClient:
    return FakeCeleryClient()


@pytest.fixture
def transport(celery_client: FakeCeleryClient) -> CeleryTransport:
    """In this module, the unit of work publishes through the fake client."""
    return CeleryTransport(celery_client, ROUTES)


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

    [task, _] = celery_client.sent
    assert task.name == NOTIFICATIONS.task
    message = task.kwargs["message"]
    assert message["type"] == "book_registered_v2"
    assert json.loads(message["payload"]) == {
        "id": str(dune.id),
        "title": "Dune",
        "authors": [{"name": "Frank Herbert"}],
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


async def test_each_consumer_gets_a_task_on_its_own_queue(
    transport: CeleryTransport, celery_client: FakeCeleryClient
) -> None:
    await transport.send_message_serialized(MESSAGE)

    sent = [(task.name, task.queue) for task in celery_client.sent]
    assert sent == [
        ("notifications.book_registered", "notifications"),
        ("catalogue.book_registered", "catalogue"),
    ]


async def test_the_message_is_the_task_argument_and_names_the_task(
    transport: CeleryTransport, celery_client: FakeCeleryClient
) -> None:
    await transport.send_message_serialized(MESSAGE)

    for task in celery_client.sent:
        assert task.kwargs == {"message": MESSAGE}
        assert task.task_id == f"{MESSAGE['id']}:{task.queue}"


async def test_a_message_without_consumers_is_sent_nowhere(
    celery_client: FakeCeleryClient,
) -> None:
    transport = CeleryTransport(celery_client, {})

    await transport.send_message_serialized(MESSAGE)

    assert celery_client.sent == []


async def test_the_task_is_sent_from_another_thread_than_the_event_loop(
    transport: CeleryTransport, celery_client: FakeCeleryClient
) -> None:
    await transport.send_message_serialized(MESSAGE)

    for task in celery_client.sent:
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
