"""The composition root: the club's parts, built from its settings.

The club's parts, as its programs and the tests' fixtures build them: how
the bus finds its handlers, which unit of work a request uses, how each side
of Celery is configured. Code that needs only a database may make its engine
with ``adapters.sql.engine``.
"""

from celery import Celery
from messagebus import AsyncMessageBus
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryClient, CeleryTransport
from reading_club.adapters.sql.engine import create_engine, create_sync_engine
from reading_club.adapters.sql.outbox import outbox_unit_of_work
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.routes import ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork
from reading_club.settings import Settings


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


def worker_celery(settings: Settings) -> Celery:
    """The Celery of the club's workers, which run its consumers."""
    app = Celery("reading_club", broker=settings.broker_url)
    app.conf.update(
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # Take one message at a time: a worker busy with one message does
        # not hold others back from the other workers of its queue.
        worker_prefetch_multiplier=1,
        # A worker waits for messages with Redis's BRPOP, a second at a time
        # by default, and sees that it should stop only between two waits: a
        # tenth of a second stops it sooner, for ten idle calls a second.
        broker_transport_options={
            "polling_interval": 0.1,
            # kombu sets no socket timeout: a broker that vanishes without
            # closing the connection would hold a command forever.
            "socket_timeout": 10,
            "socket_connect_timeout": 10,
        },
    )
    return app
