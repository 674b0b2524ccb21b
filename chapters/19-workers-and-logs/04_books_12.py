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
    # Each line logged meanwhile names the command, the error's too: logged
    # here, since the server logs it once it has left this context.
    with about_message(str(command.message_id)):
        try:
            async with uow as transaction:
                # The bus returns what register_book returns; its type is not
                # seen through messagebus's decorator, so it is written here.
                result: Result[Book, BookRepositoryError] = await bus.handle(
                    command, transaction
                )
                await transaction.commit()
        except Exception:
            log.exception("registering book %s failed", command.id)
            raise
        match result:
            case Ok(book):
                log.info("book %s registered", book.id)
            case Err(error):
                log.info("book %s refused: %s", command.id, error.name)
    return result
