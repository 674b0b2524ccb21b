"""Chapter 11's red step: asserting right after publishing, without probing.

Run alone: ``pytest tests/test_ch11_red.py``. The first test fails (nearly)
every time; the second counts how often an immediate check would pass.
"""

import asyncio

import pytest
import redis
from messagebus import AsyncMessageBus

from reading_club.domain.messages import RegisterBook
from reading_club.service.unit_of_work import AbstractUnitOfWork

from tests.test_ch11_round_trip import effects

pytestmark = pytest.mark.red


async def test_asserting_right_after_publishing(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    redis_client: redis.Redis,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()
    assert len(effects(redis_client, "notifications")) == 1


async def test_how_often_an_immediate_check_passes(
    club_celery, workers, redis_client: redis.Redis
) -> None:
    immediate = 0
    tries = 50
    for attempt in range(tries):
        redis_client.delete("effects:probe")
        await asyncio.to_thread(
            club_celery.send_task, "probe.echo", kwargs={"token": str(attempt)}, queue="notifications"
        )
        if redis_client.llen("effects:probe"):
            immediate += 1
        else:
            while not redis_client.llen("effects:probe"):
                await asyncio.sleep(0.001)
    from conftest import COUNTS

    COUNTS["an immediate check saw the effect"] = f"{immediate} of {tries}"
