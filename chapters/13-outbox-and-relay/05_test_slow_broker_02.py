"""A slow broker: each answer of Redis comes half a second late."""

import asyncio
import time

import pytest
from kombu.exceptions import OperationalError
from messagebus import AsyncMessageBus
from pytest_redis.executor import RedisExecutor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.adapters.sql.outbox import relay_batch
from reading_club.entrypoints.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from slow_proxy import SlowProxy

ANSWER_DELAY = 0.5
"""Seconds each answer of Redis takes: well within the relay's 2 s timeout."""

EVENTS = 6
"""Events waiting to be relayed: twelve sends, at least six seconds."""

REGISTRATION_LIMIT = 2.0
"""Seconds a registration may take: milliseconds, unless it waits for the relay."""


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_a_slow_broker_slows_no_registration(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    redis_executor: RedisExecutor,
) -> None:
    uow = bootstrap.request_unit_of_work(shared_engine)
    for number in range(EVENTS):
        command = numbered_registration(number, f"Book {number}")
        await register_book(command, bus=bus, uow=uow)

    async with SlowProxy(redis_executor.port, ANSWER_DELAY) as proxy:
        celery = bootstrap.sending_celery(proxy.url)
        relaying = asyncio.create_task(
            relay_batch(shared_engine, bootstrap.relay_transport(celery))
        )
        await asyncio.wait_for(proxy.late.wait(), timeout=5)

        # The relay waits for Redis; meanwhile, the club registers a book.
        failures: list[str] = []
        started = time.monotonic()
        try:
            await register_book(numbered_registration(EVENTS, "Emma"), bus=bus, uow=uow)
        except DBAPIError as error:
            failures.append(f"Emma: {error.orig}")
        took = time.monotonic() - started
    # The proxy is closed: the relay's send fails, and its batch goes back.
    with pytest.raises(OperationalError):
        await relaying
    celery.close()
    assert failures == [], "a registration failed while the relay was sending"
    assert took < REGISTRATION_LIMIT, f"a registration took {took:.1f} s"
