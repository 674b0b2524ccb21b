"""A broker outage, for real: Redis stops while the club registers books."""

import asyncio
from functools import partial

import pytest
from celery import Celery
from kombu.exceptions import OperationalError
from messagebus import AsyncMessageBus
from pytest_redis.executor import RedisExecutor
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.domain.messages import RegisterBook
from reading_club.entrypoints.books import register_and_index
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from effects import assert_notified, notified
from probing import probe
from processes import Workers

TITLES = ["Dune", "Emma", "Kindred", "Middlemarch", "Beloved", "Ulysses", "Solaris"]

DELIVERY_TIMEOUT = 5.0

AFTER_AN_OUTAGE = 15.0
"""Seconds a worker may take to come back: it tries to reconnect to the
broker after 2 s, then after 4 s, 6 s, and so on."""


@pytest.fixture
def uow(
    shared_engine: AsyncEngine, club_celery: Celery, workers: Workers
) -> AbstractUnitOfWork:
    """Chapter 12's unit of work: it publishes each event after the commit."""
    return bootstrap.request_unit_of_work(shared_engine, club_celery)


async def test_no_event_is_lost_while_the_broker_is_down(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    club_celery: Celery,
    broker: RedisExecutor,
    workers: Workers,
) -> None:
    commands = [numbered_registration(n, title) for n, title in enumerate(TITLES)]
    first, *meanwhile, last = commands

    async def register(command: RegisterBook) -> None:
        await register_and_index(command, bus=bus, uow=uow, celery=club_celery)

    await register(first)
    arrived = partial(assert_notified, workers.notifications, first)
    await asyncio.to_thread(probe, arrived, DELIVERY_TIMEOUT)

    failures: list[str] = []
    broker.stop()
    for command in meanwhile:
        try:
            await register(command)
        except OperationalError as error:
            failures.append(f"{command.title}: {error}")
    broker.start()
    await register(last)

    # Messages arrive in the order they were sent: once the last one is
    # there, any earlier one that was ever sent is there too.
    arrived = partial(assert_notified, workers.notifications, last)
    await asyncio.to_thread(probe, arrived, AFTER_AN_OUTAGE)
    titles = {str(command.id): command.title for command in commands}
    told = [titles[book] for book in notified(workers.notifications) if book in titles]
    lost = [title for title in TITLES if title not in told]
    assert not lost, f"the members were told of {told}; lost: {lost}"
    # At least once, not exactly once: a book told twice is not lost. Each
    # book's first telling still comes in the order of the registrations.
    first_told = list(dict.fromkeys(told))
    assert first_told == TITLES, f"the members were told of {told}, out of order"
    assert failures == [], "registrations failed although their books are stored"
