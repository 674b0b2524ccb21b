from lastuuid import uuid7

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok
from reading_club.service.handlers.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork


async def assert_catalogue_holds(uow: AbstractUnitOfWork, books: list[Book]) -> None:
    """Each of ``books`` is in the catalogue, as it was registered."""
    async with uow as transaction:
        for book in books:
            assert await transaction.books.by_id(book.id) == Ok(book)
        await transaction.rollback()


async def test_a_registered_book_is_in_the_catalogue(
    uow: AbstractUnitOfWork,
    catalogue: list[Book],
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        assert await register_book(register_dune, transaction) == Ok(dune)
        await transaction.commit()

    await assert_catalogue_holds(uow, [*catalogue, dune])


async def test_a_retried_registration_succeeds_again(
    uow: AbstractUnitOfWork,
    catalogue: list[Book],
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    for _ in range(2):
        async with uow as transaction:
            assert await register_book(register_dune, transaction) == Ok(dune)
            await transaction.commit()

    await assert_catalogue_holds(uow, [*catalogue, dune])


async def test_another_book_cannot_take_a_registered_id(
    uow: AbstractUnitOfWork,
    catalogue: list[Book],
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        await register_book(register_dune, transaction)
        await transaction.commit()

    retitled = RegisterBook(
        id=register_dune.id,
        title="Dune Messiah",
        authors=register_dune.authors,
        isbn=register_dune.isbn,
    )
    async with uow as transaction:
        result = await register_book(retitled, transaction)
        assert result == Err(BookRepositoryError.already_registered)
        await transaction.commit()

    await assert_catalogue_holds(uow, [*catalogue, dune])


async def test_an_isbn_belongs_to_one_book_only(
    uow: AbstractUnitOfWork,
    catalogue: list[Book],
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    same_isbn = RegisterBook(
        id=BookId(uuid7()),
        title="Dune (another copy)",
        authors=["Frank Herbert"],
        isbn=register_dune.isbn,
    )
    async with uow as transaction:
        await register_book(register_dune, transaction)
        result = await register_book(same_isbn, transaction)
        assert result == Err(BookRepositoryError.isbn_taken)
        await transaction.commit()

    async with uow as transaction:
        result = await transaction.books.by_id(same_isbn.id)
        assert result == Err(BookRepositoryError.not_found)
        await transaction.rollback()
    await assert_catalogue_holds(uow, [*catalogue, dune])
