from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok
from reading_club.service.unit_of_work import AbstractUnitOfWork


async def test_a_committed_book_is_kept(uow: AbstractUnitOfWork, dune: Book) -> None:
    async with uow as transaction:
        await transaction.books.add(dune)
        await transaction.commit()

    async with uow as transaction:
        assert await transaction.books.by_id(dune.id) == Ok(dune)
        await transaction.rollback()


async def test_a_rolled_back_book_is_discarded(
    uow: AbstractUnitOfWork, dune: Book
) -> None:
    async with uow as transaction:
        await transaction.books.add(dune)
        await transaction.rollback()

    async with uow as transaction:
        result = await transaction.books.by_id(dune.id)
        assert result == Err(BookRepositoryError.not_found)
        await transaction.rollback()


async def test_nothing_is_stored_before_the_commit(
    in_memory_uow: AbstractUnitOfWork, database: dict[BookId, Book], dune: Book
) -> None:
    async with in_memory_uow as transaction:
        await transaction.books.add(dune)
        assert await transaction.books.by_id(dune.id) == Ok(dune)
        assert database == {}

        await transaction.commit()

    assert database == {dune.id: dune}
