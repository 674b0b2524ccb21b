import pytest
from messagebus.domain.model.transaction import TransactionError

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book
from reading_club.domain.result import Err
from reading_club.service.unit_of_work import AbstractUnitOfWork


async def test_leaving_without_commit_or_rollback_is_an_error(
    uow: AbstractUnitOfWork, dune: Book
) -> None:
    with pytest.raises(TransactionError, match="Missing commit/rollback call"):
        async with uow as transaction:
            await transaction.books.add(dune)

    async with uow as transaction:
        result = await transaction.books.by_id(dune.id)
        assert result == Err(BookRepositoryError.not_found)
        await transaction.rollback()


async def test_an_exception_rolls_the_transaction_back(
    uow: AbstractUnitOfWork, dune: Book
) -> None:
    with pytest.raises(ConnectionError):
        async with uow as transaction:
            await transaction.books.add(dune)
            raise ConnectionError("the search index is unreachable")

    async with uow as transaction:
        result = await transaction.books.by_id(dune.id)
        assert result == Err(BookRepositoryError.not_found)
        await transaction.rollback()
