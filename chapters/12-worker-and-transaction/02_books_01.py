"""Registering a book, as a request to the club does it."""

import asyncio

from messagebus import AsyncMessageBus

from reading_club.adapters.celery_transport import CeleryClient
from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok, Result
from reading_club.routes import INDEX_BOOK
from reading_club.service.unit_of_work import AbstractUnitOfWork


async def register_and_index(
    command: RegisterBook,
    *,
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    celery: CeleryClient,
) -> Result[Book, BookRepositoryError]:
    """Register the book, and ask the catalogue to index it."""
    async with uow as transaction:
        # The bus returns what register_book returns; its type is not seen
        # through messagebus's decorator, so it is written here.
        result: Result[Book, BookRepositoryError] = await bus.handle(
            command, transaction
        )
        if isinstance(result, Ok):
            await asyncio.to_thread(ask_to_index, celery, result.value)
        await transaction.commit()
    return result


def ask_to_index(celery: CeleryClient, book: Book) -> None:
    celery.send_task(
        INDEX_BOOK.task, kwargs={"book_id": str(book.id)}, queue=INDEX_BOOK.queue
    )
