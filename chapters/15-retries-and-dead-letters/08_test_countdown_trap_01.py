import asyncio
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from celery import Celery

from reading_club import bootstrap
from reading_club.routes import CATALOGUE

from catalogue_workers import CatalogueWorkers
from probing import probe, probe_never

REDELIVERY = 1.0
"""The redelivery timeout of the catalogue's test workers, in seconds."""


@pytest.fixture
def catalogue_celery(catalogue_redis_url: str) -> Iterator[Celery]:
    celery = bootstrap.sending_celery(catalogue_redis_url)
    yield celery
    celery.close()


async def test_a_countdown_longer_than_the_redelivery_timeout_runs_twice(
    catalogue_workers: CatalogueWorkers,
    catalogue_celery: Celery,
    dune_registered: dict[str, Any],
) -> None:
    catalogue_workers.start(1)
    message_id = dune_registered["id"]
    # What Task.retry sends: the same task, to run in 2 s.
    catalogue_celery.send_task(
        CATALOGUE.task,
        kwargs={"message": dune_registered},
        task_id=f"{message_id}:{CATALOGUE.queue}",
        queue=CATALOGUE.queue,
        countdown=2 * REDELIVERY,
    )

    twice = partial(catalogue_workers.assert_finished, message_id, 2)
    await asyncio.to_thread(probe, twice, 4 * REDELIVERY)
    assert catalogue_workers.received(message_id) == [2]
    # Both copies were acknowledged: nothing comes back a third time.
    still_twice = partial(catalogue_workers.assert_finished, message_id, 2)
    await asyncio.to_thread(probe_never, still_twice, 2 * REDELIVERY)
