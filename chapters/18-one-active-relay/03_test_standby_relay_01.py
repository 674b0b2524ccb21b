"""Two relays in processes of their own: one sends, the other stands by, and
takes over when the first is killed."""

import asyncio
import json
import os
import signal
from functools import partial
from pathlib import Path

import pytest
import redis
from messagebus import AsyncMessageBus
from pytest_redis.executor import RedisExecutor
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.entrypoints.books import register_book
from reading_club.routes import CATALOGUE
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from probing import probe
from processes import club_relay
from programs import Program

TIMEOUT = 15.0
"""Seconds a standby may take to notice that the active relay is gone: it
needs a fraction of one."""


def assert_active(relay: Program) -> None:
    assert relay.lines_with("is the active relay"), f"{relay.name} stands by"


def assert_queued(client: redis.Redis, count: int) -> None:
    """``count`` messages in the catalogue's queue, some perhaps twice: a
    relay killed after a send, before it marked the message sent, leaves it
    to be sent again (at least once)."""
    items = client.lrange(CATALOGUE.queue, 0, -1)
    tasks = {json.loads(item)["headers"]["id"] for item in items}
    assert len(tasks) == count, f"{len(tasks)} of {count} messages in the queue"


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_a_standby_takes_over_from_a_killed_relay(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    database_url: str,
    redis_executor: RedisExecutor,
    tmp_path: Path,
) -> None:
    # A database of the session's Redis that no worker reads: what the relays
    # sent stays in the catalogue's queue, to be counted.
    broker_url = f"redis://127.0.0.1:{redis_executor.port}/3"
    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    env = {
        "CLUB_DATABASE_URL": database_url,
        "CLUB_BROKER_URL": broker_url,
        # A relay that takes over, and finds claims, waits for one that lost
        # the lock alive to end its send: with this, 9.1 s on PostgreSQL and
        # 6.6 s on SQLite; 27 s and 25 s by default.
        "CLUB_BROKER_TIMEOUT": "0.5",
    }
    uow = bootstrap.request_unit_of_work(shared_engine)

    async def register(first: int, count: int) -> None:
        for number in range(first, first + count):
            command = numbered_registration(number, f"Book {number}", ("Anonymous",))
            await register_book(command, bus=bus, uow=uow)

    with club_relay("active", tmp_path, env) as active:
        await asyncio.to_thread(probe, partial(assert_active, active), TIMEOUT)
        with club_relay("standby", tmp_path, env) as standby:
            await register(0, 3)
            await asyncio.to_thread(probe, partial(assert_queued, client, 3), TIMEOUT)

            # By now the standby has tried the lock many times, in vain.
            assert not standby.lines_with("is the active relay")
            os.kill(active.pid, signal.SIGKILL)
            await register(3, 3)

            await asyncio.to_thread(probe, partial(assert_queued, client, 6), TIMEOUT)
            assert_active(standby)
    client.close()
