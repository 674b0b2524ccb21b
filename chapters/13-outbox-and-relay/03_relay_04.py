"""The relay, a program of its own: ``python -m reading_club.entrypoints.relay``.

It reads two settings from its environment: ``CLUB_DATABASE_URL``, the
club's database as an async SQLAlchemy URL, and ``CLUB_BROKER_URL``, the
broker's. It stops at the end of the batch it is sending when it receives
SIGTERM or SIGINT.
"""

import asyncio
import contextlib
import logging
import os
import signal

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport, Consumer, Routes
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.outbox import relay_batch

NOTIFICATIONS = Consumer(task="notifications.book_registered", queue="notifications")
CATALOGUE = Consumer(task="catalogue.book_registered", queue="catalogue")
ROUTES: Routes = {"book_registered_v1": [NOTIFICATIONS, CATALOGUE]}
"""Who receives the club's events: each consumer has a queue of its own."""

BATCH_SIZE = 100
IDLE = 0.05
"""Seconds to wait before looking again, once there was nothing to send."""
RETRY = 0.5
"""Seconds to wait after a failure, such as a broker that is down."""
BROKER_TIMEOUT = 2.0
"""Seconds a broker may take to accept a connection, or to answer."""

log = logging.getLogger("reading_club.relay")


async def relay_forever(
    engine: AsyncEngine, transport: CeleryTransport, stop: asyncio.Event
) -> None:
    """Send batch after batch, until ``stop`` is set.

    A failure is logged, and the relay tries again: the messages it could not
    send are still unsent in the database, so waiting loses nothing.
    """
    while not stop.is_set():
        try:
            sent = await relay_batch(engine, transport, BATCH_SIZE)
        except Exception as error:
            log.warning("relaying failed, trying again in %s s: %r", RETRY, error)
            pause = RETRY
        else:
            if sent:
                log.info("relayed %d messages", sent)
            # A full batch: more messages may be waiting already.
            pause = 0 if sent == BATCH_SIZE else IDLE
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)


def celery_client(broker_url: str, timeout: float = BROKER_TIMEOUT) -> Celery:
    """The relay's Celery: it sends tasks, and gives up soon when it cannot.

    With Celery's defaults, a send to a broker that is down fails after
    three more tries, 0.6 s later; without those publish retries, Celery
    tries to reconnect instead, for up to ``broker_connection_timeout``
    (4 s), unless the transport's ``max_retries`` is 0. A broker that takes
    the connection and never answers would hold a send forever: kombu sets
    no socket timeout by default. The relay holds its transaction, and on
    SQLite the database's write lock, for as long as a send lasts; and it
    has its own way to try again, a safer one: a message stays in the
    database until the broker has taken it.
    """
    app = Celery("reading_club", broker=broker_url, set_as_current=False)
    app.conf.broker_transport_options = {
        "max_retries": 0,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    app.conf.task_publish_retry = False
    return app


async def main() -> None:
    engine = create_engine(os.environ["CLUB_DATABASE_URL"])
    celery = celery_client(os.environ["CLUB_BROKER_URL"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("relaying from the database to the broker")
    try:
        await relay_forever(engine, CeleryTransport(celery, ROUTES), stop)
    finally:
        celery.close()
        await engine.dispose()
    log.info("stopped")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    asyncio.run(main())
