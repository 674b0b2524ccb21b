"""A worker killed in the middle of its sweep: the others still give back
the messages of the dead."""

import asyncio
from functools import partial
from typing import Any
from unittest.mock import patch

import redis
from pytest_redis.executor import RedisExecutor

from reading_club.adapters.celery_transport import CeleryTransport

from catalogue_workers import CatalogueWorkers
from holding import Hold
from probing import probe
from slow_proxy import SlowProxy

TIMEOUT = 5.0
"""Seconds a worker may take to reach a point of its task or its next sweep
(every 0.2 s), or to give back a message it may give back (about a second):
more, and it is broken."""

SWEEP_LOCK = "unacked_mutex"
"""The key of the lock a worker takes in Redis for its sweep: kombu's
``unacked_mutex_key``."""

TAKING_THE_LOCK = b"$3\r\nSET\r\n$13\r\nunacked_mutex\r\n"
"""The name and key of ``SET unacked_mutex <token> NX PX <ms>`` in Redis's
protocol, as redis-py writes them: the command that releases the lock names
the key too, and must pass."""


async def test_a_worker_killed_in_its_sweep_holds_back_no_message(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    catalogue_redis_url: str,
    redis_executor: RedisExecutor,
    dune_registered: dict[str, Any],
) -> None:
    # A worker takes the sweep's lock, and its Redis answers no more; the
    # kernel kills it there, for its memory, say.
    async with SlowProxy(redis_executor.port) as proxy:
        through_proxy = proxy.url.removesuffix("/0") + "/1"
        with patch.dict(catalogue_workers.env, CLUB_BROKER_URL=through_proxy):
            # In a thread: the proxy runs on this event loop, and the worker
            # talks to Redis through it before it is ready.
            [sweeping] = await asyncio.to_thread(catalogue_workers.start, 1)
        try:
            # The worker swept as it connected: the proxy looks for the SET
            # in each command from now on, and holds from the next sweep.
            proxy.hold_after = TAKING_THE_LOCK
            # Redis has the lock, and the worker waits for Redis to say so.
            await asyncio.wait_for(proxy.late.wait(), TIMEOUT)
            with redis.Redis.from_url(catalogue_redis_url) as broker:
                assert broker.exists(SWEEP_LOCK), "the worker holds no lock"
        finally:
            sweeping.kill()

    # Then a worker dies with a message it has not acknowledged.
    [first] = catalogue_workers.start(1)
    hold.arm("after_task")
    await catalogue_transport.send_message_serialized(dune_registered)
    await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)
    first.kill()
    hold.release()

    # A worker that starts gives the message back, as it would have with
    # no lock left behind.
    catalogue_workers.start(1)
    handled = partial(catalogue_workers.assert_finished, dune_registered["id"], 2)
    await asyncio.to_thread(probe, handled, TIMEOUT)
