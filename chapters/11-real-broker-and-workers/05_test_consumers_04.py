import pytest
from messagebus import AsyncMessageBus

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import Effects


@pytest.fixture
def transport(redis_transport: CeleryTransport) -> CeleryTransport:
    """In this module, the unit of work publishes to the real Redis."""
    return redis_transport


async def test_a_registered_book_reaches_every_consumer(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    effects: Effects,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    effects.assert_received("notifications", dune.id)
    effects.assert_received("catalogue", dune.id)
