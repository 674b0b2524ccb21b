from typing import Any

from lastuuid import uuid7
from messagebus import AsyncMessageBus, Message

from reading_club.domain.messages import BookRegistered, RegisterBook
from reading_club.domain.model import Book
from reading_club.service.unit_of_work import AbstractUnitOfWork

MessageLog = list[Message[Any]]


async def test_the_store_keeps_the_command_and_its_event(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    message_log: MessageLog,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    [command, event] = message_log
    assert command.message_id == register_dune.message_id
    assert command == register_dune
    assert isinstance(event, BookRegistered)
    assert event.id == dune.id


async def test_a_rolled_back_transaction_stores_no_message(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    message_log: MessageLog,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    assert message_log == []


async def test_a_book_sent_again_is_stored_without_a_second_event(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    message_log: MessageLog,
    register_dune: RegisterBook,
) -> None:
    resubmitted = register_dune.model_copy(update={"message_id": uuid7()})
    for command in (register_dune, register_dune, resubmitted):
        async with uow as transaction:
            await bus.handle(command, transaction)
            await transaction.commit()

    names = [message.metadata.name for message in message_log]
    assert names == ["register_book", "book_registered", "register_book"]
    assert message_log[2].message_id == resubmitted.message_id
