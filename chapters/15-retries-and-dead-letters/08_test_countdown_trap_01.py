import asyncio
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import Engine

from reading_club import bootstrap
from reading_club.domain.model import Book
from reading_club.routes import CATALOGUE

from book_data_stand_in import BookDataStandIn
from catalogue_workers import CatalogueWorkers, store_books
from effects import assert_counted
from probing import probe

REDELIVERY = 1.0
"""The redelivery timeout of the catalogue's test workers, in seconds."""


@pytest.fixture
def catalogue_celery(catalogue_redis_url: str) -> Iterator[Celery]:
    celery = bootstrap.sending_celery(catalogue_redis_url)
    yield celery
    celery.close()


def assert_ran_again(workers: CatalogueWorkers, message_id: str) -> None:
    """The message ran twice at least: three times or more on a machine too
    busy to run the copies it holds within a second, as the sweep puts the
    message back again meanwhile."""
    finished = workers.finished(message_id)
    assert finished >= 2, f"{message_id} finished {finished} times"


async def test_a_countdown_longer_than_the_redelivery_timeout_runs_twice(
    catalogue_workers: CatalogueWorkers,
    catalogue_celery: Celery,
    book_data: BookDataStandIn,
    reader: Engine,
    dune: Book,
    dune_registered: dict[str, Any],
) -> None:
    store_books(reader, [dune])
    catalogue_workers.start(1)
    message_id = dune_registered["id"]
    # What Task.retry sends: the same task, to run in 1.5 s.
    catalogue_celery.send_task(
        CATALOGUE.task,
        kwargs={"message": dune_registered},
        task_id=f"{message_id}:{CATALOGUE.queue}",
        queue=CATALOGUE.queue,
        countdown=1.5 * REDELIVERY,
    )

    ran_again = partial(assert_ran_again, catalogue_workers, message_id)
    await asyncio.to_thread(probe, ran_again, 4 * REDELIVERY)
    # The second copy found Dune counted, in the inbox, and indexed: it did
    # nothing. A consumer without those checks would have acted twice.
    assert book_data.asked(dune) == 1
    assert_counted(reader, "Frank Herbert", 1)
