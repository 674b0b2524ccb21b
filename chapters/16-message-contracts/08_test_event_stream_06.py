import json
from collections.abc import Mapping
from typing import Any

from lastuuid import uuid7
from messagebus import AsyncMessageBus

from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.service.unit_of_work import AbstractUnitOfWork

EventStream = list[Mapping[str, Any]]


async def test_a_registered_book_is_announced_on_the_event_stream(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    catalogue: list[Book],
    event_stream: EventStream,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    [message] = event_stream
    assert set(message) == {"id", "created_at", "type", "payload"}
    assert message["type"] == "book_registered_v2"
    assert json.loads(message["payload"]) == {
        "id": str(dune.id),
        "title": "Dune",
        "authors": [{"name": "Frank Herbert"}],
        "isbn": "9780441013593",
    }


async def test_messages_leave_when_the_transaction_closes(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    event_stream: EventStream,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()
        assert event_stream == []

    assert len(event_stream) == 1


async def test_a_rolled_back_registration_is_not_announced(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    event_stream: EventStream,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    assert event_stream == []


async def test_a_registration_sent_again_is_announced_once(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    catalogue: list[Book],
    event_stream: EventStream,
    register_dune: RegisterBook,
) -> None:
    resubmitted = register_dune.model_copy(update={"message_id": uuid7()})
    for command in (register_dune, register_dune, resubmitted):
        async with uow as transaction:
            await bus.handle(command, transaction)
            await transaction.commit()

    assert [message["type"] for message in event_stream] == ["book_registered_v2"]


async def test_a_rollback_leaves_no_message_behind_for_the_next_commit(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    event_stream: EventStream,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    async with uow as transaction:
        await transaction.commit()

    assert [message["type"] for message in event_stream] == []
