import asyncio
from functools import partial
from pathlib import Path

from messagebus import AsyncMessageBus
from pytest_redis.executor import RedisExecutor
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql.outbox import outbox_unit_of_work
from reading_club.entrypoints.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from effects import assert_notified
from probing import probe, probe_never
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
        once = partial(assert_notified, workers.notifications, dune, 1)
        await asyncio.to_thread(probe_never, once, LEASE + DELIVERY_TIMEOUT)
