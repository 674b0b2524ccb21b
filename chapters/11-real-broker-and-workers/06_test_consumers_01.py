import asyncio
from functools import partial

import pytest
from messagebus import AsyncMessageBus

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import Effects
from probing import probe, probe_never

DELIVERY_TIMEOUT = 5.0
"""Seconds a consumer may take: it needs milliseconds, unless it is broken."""

QUIET_INTERVAL = 0.3
"""Seconds to watch for an effect that must not happen: six times what the
slowest consumer takes, 50 ms, when the effect does happen."""


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

    for queue in ("notifications", "catalogue"):
        received = partial(effects.assert_received, queue, dune.id)
        await asyncio.to_thread(probe, received, DELIVERY_TIMEOUT)


async def test_each_consumer_is_sent_one_task(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    published: list[tuple[str, str]],
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    assert published == [
        ("notifications.book_registered", "notifications"),
        ("catalogue.book_registered", "catalogue"),
    ]


async def test_a_rolled_back_registration_reaches_no_consumer(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    effects: Effects,
    published: list[tuple[str, str]],
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    assert published == []
    not_received = partial(effects.assert_not_received, dune.id)
    await asyncio.to_thread(probe_never, not_received, QUIET_INTERVAL)
