"""The composition root: the club's parts, built from its settings.

The club's parts, as its programs and the tests' fixtures build them: how
the bus finds its handlers, which unit of work a request uses, how each side
of Celery is configured. Code that needs only a database may make its engine
with ``adapters.sql.engine``.
"""

import httpx
from celery import Celery
from messagebus import AsyncMessageBus
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.book_data import BookData
from reading_club.adapters.celery_transport import CeleryClient, CeleryTransport
from reading_club.adapters.sql.engine import create_engine, create_sync_engine
from reading_club.adapters.sql.outbox import outbox_unit_of_work
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.routes import ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork
from reading_club.settings import Settings

KOMBU_SWEEP_LOCK_EXPIRY = 300.0
"""Seconds after which kombu's lock on the sweep expires, unless told."""


def message_bus() -> AsyncMessageBus[AbstractUnitOfWork]:
    """The bus, with every service handler of the club."""
    bus = AsyncMessageBus[AbstractUnitOfWork]()
    bus.scan("reading_club.service.handlers")
    return bus


def database(settings: Settings) -> AsyncEngine:
    """The club's database, for a process that runs an event loop."""
    return create_engine(settings.database_url)


def request_unit_of_work(engine: AsyncEngine) -> SqlUnitOfWork:
    """A request's unit of work: it stores the events, and the relay sends them."""
    return outbox_unit_of_work(engine)


def sending_celery(broker_url: str, timeout: float = Settings.broker_timeout) -> Celery:
    """The club's Celery for talking to the broker without running tasks: it
    registers none, sends them by name, and gives up soon when the broker does
    not answer.

    With Celery's defaults, a send to a broker that is down fails after
    three more tries, 0.6 s later; without those publish retries, Celery
    tries to reconnect instead, after 2 s, then 4 s, until
    ``broker_connection_timeout`` (4 s) has passed, unless the transport's
    ``max_retries`` is 0. kombu sets no socket
    timeout: a broker that takes the connection and never answers would hold
    a send forever. The timeouts bound each call to the broker, not a whole
    batch of sends. The relay has its own way to try again, a safer one: a
    message stays in the database until the broker has taken it.
    """
    app = Celery("reading_club", broker=broker_url, set_as_current=False)
    app.conf.broker_transport_options = {
        "max_retries": 0,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    app.conf.task_publish_retry = False
    return app


def relay_transport(celery: CeleryClient) -> CeleryTransport:
    """What the relay sends through: the club's routes, on its Celery."""
    return CeleryTransport(celery, ROUTES)


def worker_database(settings: Settings) -> Engine:
    """The club's database, for a worker, which runs no event loop."""
    return create_sync_engine(settings.database_url)


def book_data(url: str, timeout: float = Settings.book_data_timeout) -> BookData:
    """The client of the book-data service, at ``url``.

    httpx's timeout (5 s unless told) bounds each step of a request:
    connecting, and each read of the answer, not the whole request. A task
    waits that long, at most, for a service that takes the connection and
    never answers, and then retries.
    """
    return BookData(httpx.Client(base_url=url, timeout=timeout))


def worker_celery(settings: Settings) -> Celery:
    """The Celery of the club's workers, which run its consumers."""
    app = Celery("reading_club", broker=settings.broker_url)
    app.conf.update(
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # Take one message at a time: a worker busy with one message does
        # not hold others back from the other workers of its queue.
        worker_prefetch_multiplier=1,
        # Acknowledge a message once its task has run, not as the worker
        # takes it: a worker that dies mid-task leaves its message
        # unacknowledged, and Redis gives it to another worker. With the
        # prefork pool, a pool process can die under a living worker, which
        # then puts the message back at once instead of acknowledging it as
        # a failed task.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A task running when the connection is lost can no longer be
        # acknowledged, and its message comes back: stop the task, rather
        # than let it run on beside its next delivery.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # A worker waits for messages with Redis's BRPOP, a second at a time
        # by default, and sees that it should stop only between two waits: a
        # tenth of a second stops it sooner, for ten idle calls a second.
        broker_transport_options={
            "polling_interval": 0.1,
            # kombu sets no socket timeout: a broker that vanishes without
            # closing the connection would hold a command forever.
            "socket_timeout": 10,
            "socket_connect_timeout": 10,
            **redelivery_options(settings),
        },
    )
    return app


def redelivery_options(settings: Settings) -> dict[str, float]:
    """How soon Redis gives an unacknowledged message to another worker.

    kombu's Redis transport keeps each message that a worker took, and has
    not acknowledged, in a hash, with the time it was taken. A sweep, in each
    running worker, puts back in its queue every message taken more than
    ``visibility_timeout`` seconds ago (3600 by default). The sweep runs
    every ``unacked_restore_interval`` seconds (10), but looks at Redis on
    every ``unacked_restore_throttle``-th run only (10): every 100 s by
    default. Unset, production keeps kombu's defaults.

    A sweep first takes a lock in Redis, and a worker that finds it taken
    skips its sweep, and logs nothing. A worker killed in the middle of its
    sweep leaves the lock until it expires (``unacked_mutex_expire``, 300 s),
    and the lock, not the timeout, then decides when a message comes back.
    So the lock lives as long as the timeout, never longer than kombu's
    300 s: a worker killed in its sweep delays a message by one timeout at
    most. A short lock costs work, not safety: a sweep that outlasts it runs
    beside the next one, and kombu gives each message back in a transaction
    that watches the hash, so the message comes back once.
    """
    options: dict[str, float] = {}
    if settings.redelivery_timeout is not None:
        options["visibility_timeout"] = settings.redelivery_timeout
        options["unacked_mutex_expire"] = min(
            settings.redelivery_timeout, KOMBU_SWEEP_LOCK_EXPIRY
        )
    if settings.redelivery_check is not None:
        options["unacked_restore_interval"] = settings.redelivery_check
        options["unacked_restore_throttle"] = 1
    return options
