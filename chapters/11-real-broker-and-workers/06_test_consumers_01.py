import asyncio
from functools import partial

import pytest
from celery import Celery
from messagebus import AsyncMessageBus
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.domain.messages import RegisterBook
from reading_club.routes import CATALOGUE, NOTIFICATIONS
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import assert_counted, assert_notified
from probing import probe, probe_never
from processes import Workers

DELIVERY_TIMEOUT = 5.0
"""Seconds a consumer may take: it needs milliseconds, unless it is broken."""

QUIET_INTERVAL = 0.5
"""Seconds to watch for an effect that must not happen: many times what
either consumer takes when the effect does happen."""


@pytest.fixture
def uow(
    shared_engine: AsyncEngine, club_celery: Celery, workers: Workers
) -> AbstractUnitOfWork:
    """In this module, the unit of work publishes to the real Redis, where a
    worker of each consumer listens."""
    return bootstrap.request_unit_of_work(shared_engine, club_celery)


async def test_a_registered_book_reaches_every_consumer(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    workers: Workers,
    reader: Engine,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    notified = partial(assert_notified, workers.notifications, register_dune)
    await asyncio.to_thread(probe, notified, DELIVERY_TIMEOUT)
    counted = partial(assert_counted, reader, "Frank Herbert", 1)
    await asyncio.to_thread(probe, counted, DELIVERY_TIMEOUT)


# Its messages reach the session's workers: the fixture waits until they
# are done, or they would land in the next test.
@pytest.mark.usefixtures("workers")
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
        (NOTIFICATIONS.task, NOTIFICATIONS.queue),
        (CATALOGUE.task, CATALOGUE.queue),
    ]


async def test_a_rolled_back_registration_reaches_no_consumer(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    workers: Workers,
    reader: Engine,
    published: list[tuple[str, str]],
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    assert published == []
    nothing = partial(assert_no_effect, workers, reader, register_dune)
    await asyncio.to_thread(probe_never, nothing, QUIET_INTERVAL)


def assert_no_effect(workers: Workers, reader: Engine, command: RegisterBook) -> None:
    assert_notified(workers.notifications, command, times=0)
    assert_counted(reader, "Frank Herbert", 0)
