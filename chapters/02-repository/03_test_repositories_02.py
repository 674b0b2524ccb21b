import pytest
from lastuuid import uuid7

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok
from reading_club.service.repositories import AbstractBookRepository


async def test_an_added_book_is_found_by_its_id(
    books: AbstractBookRepository, dune: Book
) -> None:
    assert await books.add(dune) == Ok(None)

    match await books.by_id(dune.id):
        case Ok(book):
            assert book == dune
        case Err(error):
            pytest.fail(f"Dune should be found, got {error}")


async def test_an_unknown_id_is_not_found(books: AbstractBookRepository) -> None:
    assert await books.by_id(BookId(uuid7())) == Err(BookRepositoryError.not_found)


async def test_a_book_cannot_be_added_twice(
    books: AbstractBookRepository, dune: Book
) -> None:
    await books.add(dune)

    assert await books.add(dune) == Err(BookRepositoryError.already_registered)


async def test_added_books_are_seen(books: AbstractBookRepository, dune: Book) -> None:
    assert books.seen == []

    await books.add(dune)

    assert books.seen == [dune]


async def test_a_rejected_book_is_not_seen_again(
    books: AbstractBookRepository, dune: Book
) -> None:
    await books.add(dune)
    await books.add(dune)

    assert books.seen == [dune]


async def test_the_stored_book_changes_only_through_the_repository(
    books: AbstractBookRepository, dune: Book
) -> None:
    registered = dune.model_copy()
    await books.add(dune)
    dune.title = "Dune Messiah"
    found = await books.by_id(dune.id)
    assert isinstance(found, Ok)
    found.value.title = "Children of Dune"

    assert await books.by_id(dune.id) == Ok(registered)
