"""A Celery worker for the whole test session, and a consumer that records."""

import queue
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from celery.worker import WorkController

from reading_club.adapters.celery_transport import CeleryTransport, Consumer

CONSUME_TASK = "event_stream.consume"
"""The task that the club's messages are sent to, and that consumers run."""

WORKER_NAME = "reading-club-tests@localhost"
"""The test worker's node name: the one worker told to stop at the end."""

Inbox = queue.Queue[dict[str, Any]]
"""The messages that the test worker's task received, oldest first."""


@pytest.fixture(scope="session")
def celery_config() -> dict[str, Any]:
    return {
        "broker_url": "memory://",
        # The worker polls the memory broker, once a second by default: each
        # message, and the order to stop, would wait for up to a second.
        "broker_transport_options": {"polling_interval": 0.01},
    }


@pytest.fixture(scope="session")
def celery_worker_parameters() -> dict[str, Any]:
    # Without the ping check, the worker needs no result backend, and
    # starting it no longer waits half a second for the ping's result.
    return {"perform_ping_check": False, "hostname": WORKER_NAME}


@pytest.fixture(scope="session")
def inbox() -> Inbox:
    return queue.Queue()


@pytest.fixture(scope="session")
def celery_session_app(celery_session_app: Celery, inbox: Inbox) -> Celery:
    """The plugin's Celery app, with a consumer of the event stream.

    A worker only knows the tasks registered when it starts. The plugin's
    session worker asks for this fixture, so the task is registered before.
    """

    @celery_session_app.task(name=CONSUME_TASK)
    def consume(message: dict[str, Any]) -> None:
        inbox.put(message)

    return celery_session_app


@pytest.fixture(scope="session")
def celery_session_worker(
    celery_session_worker: WorkController, celery_session_app: Celery
) -> Iterator[WorkController]:
    """The plugin's worker, in a thread, told to stop as soon as it is done.

    The plugin only asks the worker to stop, and the worker notices between
    two waits for the broker of two seconds each. A shutdown order sent to
    this worker through the broker stops it at once.
    """
    yield celery_session_worker
    celery_session_app.control.shutdown(destination=[WORKER_NAME])


@pytest.fixture
def celery_transport(
    celery_session_app: Celery, celery_session_worker: WorkController
) -> CeleryTransport:
    """A transport to the memory broker, where a worker is listening.

    The worker reads Celery's default queue, ``celery``.
    """
    consumer = Consumer(task=CONSUME_TASK, queue="celery")
    return CeleryTransport(celery_session_app, {"book_registered_v1": [consumer]})
