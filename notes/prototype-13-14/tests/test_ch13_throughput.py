"""Chapter 13 (e): events relayed per second vs bare send_task, same Redis, same run."""

import asyncio
import time

import pytest
from celery import Celery
from sqlalchemy.ext.asyncio import AsyncEngine

import outbox
from conftest import MEASURED, RestartableRedis
from reading_club.adapters.celery_transport import CeleryTransport, Consumer
from test_ch13_relay import insert_events

N = 1000
BENCH = {"book_registered_v1": [Consumer("bench.a", "bench-a"), Consumer("bench.b", "bench-b")]}


@pytest.mark.parametrize("batch_size", [1, 10, 100, 500])
async def test_relay_throughput(
    batch_size: int, running_redis: RestartableRedis, redis_client, club_celery: Celery, shared_engine: AsyncEngine
) -> None:
    rows = await insert_events(shared_engine, N)
    transport = CeleryTransport(club_celery, BENCH)
    messages = [outbox.wire_format(type("R", (), r)) for r in rows]
    club_celery.send_task("warm.up", queue="bench-a")  # open the connection first

    began = time.monotonic()
    await asyncio.to_thread(lambda: [transport._send_tasks(m) for m in messages])
    bare = time.monotonic() - began

    began = time.monotonic()
    assert await outbox.relay_until_empty(shared_engine, transport, batch_size=batch_size) == N
    relayed = time.monotonic() - began
    assert redis_client.llen("bench-a") == 2 * N + 1
    redis_client.delete("bench-a", "bench-b")
    MEASURED.append(
        f"throughput, batch {batch_size}: bare {N / bare:.0f} events/s ({2 * N} send_task), "
        f"relay {N / relayed:.0f} events/s, ratio {bare / relayed:.2f}"
    )
