"""Chapter 11: one event, two consumers, each in its own worker process."""

import asyncio
import json
import time
from typing import Any

import redis
from messagebus import AsyncMessageBus

from conftest import TIMINGS
from probing import probe, probe_never
from reading_club.domain.messages import RegisterBook
from reading_club.service.unit_of_work import AbstractUnitOfWork

TIMEOUT = 5.0


def effects(client: redis.Redis, consumer: str) -> list[dict[str, Any]]:
    return [json.loads(item) for item in client.lrange(f"effects:{consumer}", 0, -1)]


async def test_both_consumers_receive_the_registered_book(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    redis_client: redis.Redis,
    register_dune: RegisterBook,
    published: list[dict[str, Any]],
) -> None:
    began = time.perf_counter()
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()
    sent = time.perf_counter()

    def both_consumers_ran() -> None:
        notified = effects(redis_client, "notifications")
        indexed = effects(redis_client, "catalogue")
        assert len(notified) == 1, f"notifications: {notified}"
        assert len(indexed) == 1, f"catalogue: {indexed}"
        assert json.loads(notified[0]["payload"])["id"] == str(register_dune.id)
        assert indexed[0] == {"id": str(register_dune.id), "found": True, "title": "Dune"}

    await asyncio.to_thread(probe, both_consumers_ran, TIMEOUT, 0.005)
    done = time.perf_counter()
    TIMINGS["round trip: handle+commit+publish"] = sent - began
    TIMINGS["round trip: publish to both effects seen"] = done - sent
    assert [(p["task"], p["queue"]) for p in published] == [
        ("notifications.book_registered", "notifications"),
        ("catalogue.book_registered", "catalogue"),
    ]


async def test_a_rolled_back_registration_reaches_no_consumer(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    redis_client: redis.Redis,
    register_dune: RegisterBook,
    published: list[dict[str, Any]],
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    def nothing_consumed() -> None:
        assert effects(redis_client, "notifications") == []
        assert effects(redis_client, "catalogue") == []

    await asyncio.to_thread(probe_never, nothing_consumed, 0.5)
    assert published == []
