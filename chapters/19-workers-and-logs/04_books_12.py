"""Registering a book, as a request to the club does it."""

import logging

from messagebus import AsyncMessageBus

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Err, Ok, Result
from reading_club.logs import about_message
from reading_club.service.unit_of_work import AbstractUnitOfWork

log = logging.getLogger(__name__)


async def register_book(
    command: RegisterBook,
    *,
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
) -> Result[Book, BookRepositoryError]:
    """Register the book: its row and its event are committed together.

    Nothing is sent to the broker here. The relay sends the event once it
    is committed, so a consumer never hears of a book that the database
    does not have yet, and a broker that is down fails no registration.
    """
    # Each line logged meanwhile, an error's among them, names the command.
    with about_message(str(command.message_id)):
        async with uow as transaction:
            # The bus returns what register_book returns; its type is not
            # seen through messagebus's decorator, so it is written here.
            result: Result[Book, BookRepositoryError] = await bus.handle(
                command, transaction
            )
            await transaction.commit()
        match result:
            case Ok(book):
                log.info("book %s registered", book.id)
            case Err(error):
                log.info("book %s refused: %s", command.id, error.name)
    return result
