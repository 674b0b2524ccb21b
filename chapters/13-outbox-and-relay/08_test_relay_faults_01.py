import asyncio
from functools import partial
from pathlib import Path

import pytest
from messagebus import AsyncMessageBus
from pytest_redis.executor import RedisExecutor
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.outbox import outbox_unit_of_work, relay_batch
from reading_club.entrypoints.books import register_book
from reading_club.routes import ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from effects import assert_notified
from fake_celery import FakeCeleryClient
from probing import probe
from processes import Workers, club_relay
from slow_proxy import SlowProxy

DELIVERY_TIMEOUT = 5.0
LEASE = 1.0
"""Seconds a relay's claim lasts, here: a production relay's lasts minutes."""


async def test_a_relay_killed_before_marking_its_batch_sends_it_again(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    redis_executor: RedisExecutor,
    redis_url: str,
    database_url: str,
    workers: Workers,
    tmp_path: Path,
) -> None:
    dune = numbered_registration(1, "Dune")
    await register_book(dune, bus=bus, uow=outbox_unit_of_work(shared_engine))
    env = {"CLUB_DATABASE_URL": database_url, "CLUB_RELAY_LEASE": str(LEASE)}

    async with SlowProxy(redis_executor.port, hold_after=b"LPUSH") as proxy:
        # It waits a minute for an answer: it must not give up, and send again.
        slow = {"CLUB_BROKER_URL": proxy.url, "CLUB_BROKER_TIMEOUT": "60"}
        first = club_relay("relay-1", tmp_path, {**env, **slow})
        with first:
            # Redis has the task, and the relay waits for Redis to say so.
            told = partial(assert_notified, workers.notifications, dune, 1)
            await asyncio.to_thread(probe, told, DELIVERY_TIMEOUT)
            first.kill()

    second = club_relay("relay-2", tmp_path, {**env, "CLUB_BROKER_URL": redis_url})
    with second:
        twice = partial(assert_notified, workers.notifications, dune, 2)
        await asyncio.to_thread(probe, twice, LEASE + DELIVERY_TIMEOUT)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_message_that_commits_late_is_sent_all_the_same(
    bus: AsyncMessageBus[AbstractUnitOfWork], shared_engine: AsyncEngine
) -> None:
    client = FakeCeleryClient()
    transport = CeleryTransport(client, ROUTES)
    slow: AbstractUnitOfWork = outbox_unit_of_work(shared_engine)
    quick = outbox_unit_of_work(shared_engine)

    async with slow as transaction:
        # Its event is made, and stored, first; the commit comes last.
        await bus.handle(numbered_registration(1, "Dune"), transaction)
        await register_book(numbered_registration(2, "Emma"), bus=bus, uow=quick)
        assert len((await relay_batch(shared_engine, transport, relay="r")).sent) == 1
        await transaction.commit()
    assert len((await relay_batch(shared_engine, transport, relay="r")).sent) == 1

    assert client.titles_sent_to("catalogue") == ["Emma", "Dune"]
    catalogue = [task for task in client.sent if task.queue == "catalogue"]
    emma, dune = [task.kwargs["message"] for task in catalogue]
    assert dune["created_at"] < emma["created_at"]
