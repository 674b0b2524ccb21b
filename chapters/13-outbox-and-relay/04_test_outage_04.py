"""A broker outage, for real: Redis stops while the club registers books."""

import asyncio
from functools import partial

import pytest
from kombu.exceptions import OperationalError
from messagebus import AsyncMessageBus
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql.outbox import outbox_unit_of_work
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import RegisterBook
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from effects import Effects
from probing import probe
from processes import Process
from servers import RedisServer

TITLES = ["Dune", "Emma", "Kindred", "Middlemarch", "Beloved", "Ulysses", "Solaris"]

DELIVERY_TIMEOUT = 5.0

AFTER_AN_OUTAGE = 15.0
"""Seconds a worker may take to come back: it tries to reconnect to the
broker after 2 s, then after 4 s, 6 s, and so on."""


@pytest.fixture
def uow(shared_engine: AsyncEngine, relay: Process) -> SqlUnitOfWork:
    """The unit of work stores each event; the relay, running, sends it."""
    return outbox_unit_of_work(shared_engine)


async def register(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    command: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(command, transaction)
        await transaction.commit()


async def test_no_event_is_lost_while_the_broker_is_down(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    broker: RedisServer,
    relay: Process,
    effects: Effects,
) -> None:
    first, *meanwhile, last = [
        numbered_registration(number, title) for number, title in enumerate(TITLES)
    ]
    await register(bus, uow, first)
    arrived = partial(effects.assert_received, "catalogue", first.id)
    await asyncio.to_thread(probe, arrived, DELIVERY_TIMEOUT)

    failures: list[str] = []
    broker.stop()
    for command in meanwhile:
        try:
            await register(bus, uow, command)
        except OperationalError as error:
            failures.append(f"{command.title}: {error}")
    await asyncio.to_thread(
        probe, partial(assert_relay_failed, relay), DELIVERY_TIMEOUT
    )
    broker.start()
    await register(bus, uow, last)

    # Messages arrive in the order they were sent: once the last one is
    # there, any earlier one that was ever sent is there too.
    arrived = partial(effects.assert_received, "catalogue", last.id)
    await asyncio.to_thread(probe, arrived, AFTER_AN_OUTAGE)
    received = effects.titles("catalogue")
    lost = [title for title in TITLES if title not in received]
    assert lost == [], f"the catalogue received {received}; lost: {lost}"
    assert received == TITLES, "the catalogue received them out of order"
    assert failures == [], "registrations failed although their books are stored"


def assert_relay_failed(relay: Process) -> None:
    """The relay has tried to send, and logged that the broker refused."""
    refused = "Connection refused" in relay.log.read_text()
    assert refused, "the relay has not met the outage yet"
