"""Chapter 13 (a) and (c): a broker outage, without and with the outbox."""

import asyncio
import time
from functools import partial

import pytest
from celery import Celery
from messagebus import AsyncMessageBus
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import outbox
from conftest import MEASURED, ROUTES, Effects, RestartableRedis, registration
from probing import probe, probe_never
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.result import Ok
from reading_club.service.unit_of_work import AbstractUnitOfWork


def test_redis_restarts_on_the_same_port(running_redis: RestartableRedis, redis_client) -> None:
    redis_client.rpush("kept?", "x")
    stops, starts = [], []
    for _ in range(3):
        stops.append(running_redis.stop())
        starts.append(running_redis.start())
    MEASURED.append(
        "redis stop (SIGTERM to exit): "
        + ", ".join(f"{s * 1000:.0f}" for s in stops)
        + " ms; start on the same port to PING: "
        + ", ".join(f"{s * 1000:.0f}" for s in starts)
        + " ms"
    )
    # redis-py reconnects by itself; the append-only file kept the data.
    assert redis_client.ping()
    assert redis_client.llen("kept?") == 1
    redis_client.delete("kept?")


@pytest.mark.parametrize("policy", ["default", "short", "none"])
def test_how_long_a_send_fails_when_redis_is_down(running_redis: RestartableRedis, policy: str) -> None:
    app = Celery("probe", broker=running_redis.url, set_as_current=False)
    if policy == "short":
        app.conf.task_publish_retry_policy = {
            "max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1,
        }
    if policy == "none":
        app.conf.task_publish_retry = False
    app.send_task("x.y", queue="nowhere")  # a connection in the pool, as in a live app
    running_redis.stop()
    began = time.monotonic()
    with pytest.raises(Exception) as raised:
        app.send_task("x.y", queue="nowhere")
    took = time.monotonic() - began
    MEASURED.append(
        f"send_task with Redis down, policy {policy}: {type(raised.value).__module__}."
        f"{type(raised.value).__qualname__} after {took:.2f} s: {raised.value}"
    )
    app.close()


async def _register(bus, uow, n: int, title: str):
    command = registration(n, title)
    async with uow as transaction:
        result = await bus.handle(command, transaction)
        await transaction.commit()
    assert isinstance(result, Ok)
    return command


@pytest.mark.red
async def test_events_are_lost_while_redis_is_down(
    running_redis: RestartableRedis,
    effects: Effects,
    shared_engine: AsyncEngine,
    celery_transport: CeleryTransport,
    bus: AsyncMessageBus[AbstractUnitOfWork],
) -> None:
    """Chapter 12's design: the unit of work sends after the commit."""
    uow = SqlUnitOfWork(shared_engine, celery_transport)
    await _register(bus, uow, 1, "Before the outage")
    running_redis.stop()
    errors = []
    for n in range(2, 7):
        try:
            await _register(bus, uow, n, f"During the outage {n}")
        except Exception as error:
            errors.append(type(error).__name__)
    running_redis.start()
    await _register(bus, uow, 7, "After the outage")
    async with shared_engine.connect() as connection:
        stored = (await connection.execute(select(func.count()).select_from(tables.messages).where(tables.messages.c.published))).scalar_one()
    MEASURED.append(f"red: 5 registrations during the outage raised {errors}; {stored} events stored")

    def all_delivered() -> None:
        titles = effects.titles("catalogue")
        assert len(titles) == 7, f"the catalogue received {len(titles)} of 7 events: {titles}"

    try:
        await asyncio.to_thread(probe, all_delivered, 3.0)
    finally:
        MEASURED.append(f"red: catalogue received {effects.titles('catalogue')}")


async def test_with_the_outbox_nothing_is_lost(
    running_redis: RestartableRedis,
    effects: Effects,
    shared_engine: AsyncEngine,
    outbox_uow: SqlUnitOfWork,
    celery_transport: CeleryTransport,
    bus: AsyncMessageBus[AbstractUnitOfWork],
) -> None:
    titles = ["Before the outage", *(f"During the outage {n}" for n in range(2, 7)), "After the outage"]
    await _register(bus, outbox_uow, 1, titles[0])
    assert await outbox.relay_until_empty(shared_engine, celery_transport) == 1
    running_redis.stop()
    for n in range(2, 7):
        await _register(bus, outbox_uow, n, titles[n - 1])  # no error: nothing is sent
    with pytest.raises(Exception) as raised:
        await outbox.relay_once(shared_engine, celery_transport)
    await outbox._release(shared_engine, "relay")
    restart = running_redis.start()
    began = time.monotonic()
    await _register(bus, outbox_uow, 7, titles[6])
    assert await outbox.relay_until_empty(shared_engine, celery_transport) == 6

    def all_delivered() -> None:
        for queue in ("notifications", "catalogue"):
            assert effects.titles(queue) == titles, effects.titles(queue)

    await asyncio.to_thread(probe, all_delivered, 10.0)
    MEASURED.append(
        f"green: relay failed with {type(raised.value).__name__} while down; Redis restart "
        f"{restart * 1000:.0f} ms; from restart to all 7 events at both consumers: "
        f"{time.monotonic() - began:.2f} s (workers reconnecting)"
    )
    await asyncio.to_thread(probe_never, lambda: all_delivered(), 0.3)
