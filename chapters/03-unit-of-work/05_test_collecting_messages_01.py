from messagebus import Event, Metadata

from reading_club.domain.model import Book, BookId
from reading_club.service.unit_of_work import AbstractUnitOfWork


class BookShelved(Event):
    """A stand-in message for these tests; the club's real events come later."""

    book_id: BookId
    shelf: str
    metadata: Metadata = Metadata(name="book_shelved", schema_version=1)


def shelve(book: Book, shelf: str) -> BookShelved:
    """Record on the book that it was put on a shelf, and return the message."""
    message = BookShelved(book_id=book.id, shelf=shelf)
    book.messages.append(message)
    return message


async def test_the_messages_of_added_books_are_collected(
    uow: AbstractUnitOfWork, dune: Book
) -> None:
    shelved = shelve(dune, "science fiction")

    async with uow as transaction:
        await transaction.books.add(dune)
        assert list(transaction.collect_new_events()) == [shelved]
        await transaction.rollback()


async def test_collected_messages_are_taken_off_the_book(
    uow: AbstractUnitOfWork, dune: Book
) -> None:
    shelve(dune, "science fiction")

    async with uow as transaction:
        await transaction.books.add(dune)
        list(transaction.collect_new_events())

        assert dune.messages == []
        assert list(transaction.collect_new_events()) == []
        await transaction.rollback()


async def test_a_rejected_book_keeps_its_messages_to_itself(
    uow: AbstractUnitOfWork, dune: Book
) -> None:
    duplicate = dune.model_copy(deep=True)
    shelve(duplicate, "fantasy")

    async with uow as transaction:
        await transaction.books.add(dune)
        await transaction.books.add(duplicate)
        assert list(transaction.collect_new_events()) == []
        await transaction.rollback()


async def test_a_rolled_back_book_leaves_nothing_to_collect(
    uow: AbstractUnitOfWork, dune: Book
) -> None:
    shelve(dune, "science fiction")
    async with uow as transaction:
        await transaction.books.add(dune)
        await transaction.rollback()

    async with uow as transaction:
        assert list(transaction.collect_new_events()) == []
        await transaction.rollback()
