from messagebus import AsyncMessageBus, GenericCommand

from reading_club.domain import messages
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.service.unit_of_work import AbstractUnitOfWork


def test_every_command_of_the_club_has_a_handler(
    bus: AsyncMessageBus[AbstractUnitOfWork],
) -> None:
    commands = [
        value
        for value in vars(messages).values()
        if isinstance(value, type)
        and issubclass(value, GenericCommand)
        and value.__module__ == messages.__name__
    ]
    unhandled = [
        command.__name__ for command in commands if command not in bus.commands_registry
    ]
    assert commands, "reading_club.domain.messages defines no command any more"
    assert unhandled == []


async def test_the_bus_hands_register_book_to_its_handler(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        assert await bus.handle(register_dune, transaction) == Ok(dune)
        await transaction.commit()

    async with uow as transaction:
        assert await transaction.books.by_id(dune.id) == Ok(dune)
        await transaction.rollback()
