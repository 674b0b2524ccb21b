"""When each catalogue task ended, noted from outside the club's code.

``scripts/pipeline_throughput.py`` starts every catalogue worker, the club's
and the naive one, with ``--include=task_end_times``: Celery imports this
module as the worker starts, and the handler below runs after each task.
It writes the wall-clock time at which the task for a book returned into a
Redis hash, keyed by the book's id, in the Redis that ``BENCH_TIMING_URL``
names (another database number than the broker's). Nothing of it is in the
club's code.
"""

import functools
import json
import os
import time
from typing import Any

import redis
from celery.signals import task_postrun

from reading_club.routes import CATALOGUE

ENDED = "task_ended"
"""The hash: a book's id, then the time its task returned (``time.time()``)."""


@functools.cache
def timings() -> redis.Redis:
    return redis.Redis.from_url(os.environ["BENCH_TIMING_URL"])


def book_id_of(message: dict[str, Any]) -> str:
    """The id of the book a serialized ``book_registered`` message carries."""
    book_id: str = json.loads(message["payload"])["id"]
    return book_id


@task_postrun.connect
def _note_the_end(
    task: Any, kwargs: dict[str, Any] | None = None, state: str = "", **_: Any
) -> None:
    """Once a catalogue task has returned: its effect is committed."""
    ended = time.time()
    if task.name != CATALOGUE.task or state != "SUCCESS" or not kwargs:
        return
    # The first end only: a message handled twice ended the first time.
    timings().hsetnx(ENDED, book_id_of(kwargs["message"]), repr(ended))
