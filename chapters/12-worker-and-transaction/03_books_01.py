"""Registering a book, as a request to the club does it."""

import asyncio

from messagebus import AsyncMessageBus

from reading_club.adapters.celery_transport import CeleryClient, Consumer
from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok, Result
from reading_club.service.unit_of_work import AbstractUnitOfWork

INDEX_BOOK = Consumer(task="catalogue.index_book", queue="catalogue")
"""The club's own search catalogue: it indexes a book, read by its id."""


async def register_and_index(
    command: RegisterBook,
    *,
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    celery: CeleryClient,
) -> Result[Book, BookRepositoryError]:
    """Register the book, and once it is committed, have the catalogue index it.

    If the process dies between the commit and the sending, the book is
    registered but never indexed: sending after the commit trades the race
    for a lost task, which the transactional outbox of the next chapter
    removes. If the broker is down, its error reaches the caller although
    the book is registered; sending the same command again is safe, since a
    retried registration succeeds and sends the task once more.
    """
    async with uow as transaction:
        # The bus returns what register_book returns; its type is not seen
        # through messagebus's decorator, so it is written here.
        result: Result[Book, BookRepositoryError] = await bus.handle(
            command, transaction
        )
        await transaction.commit()
    # Only now is the book in the database, for every other connection to see.
    if isinstance(result, Ok):
        await _index(celery, result.value)
    return result


async def _index(celery: CeleryClient, book: Book) -> None:
    await asyncio.to_thread(
        celery.send_task,
        INDEX_BOOK.task,
        kwargs={"book_id": str(book.id)},
        queue=INDEX_BOOK.queue,
    )
