"""The relay, a program of its own: ``reading-club relay``.

It takes its settings from the environment, as every program of the club
does: ``CLUB_DATABASE_URL`` and ``CLUB_BROKER_URL`` at least. It stops at
the end of the batch it is sending when it receives SIGTERM or SIGINT.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.outbox import (
    claims_end,
    relay_batch,
    release_claims,
)
from reading_club.adapters.sql.outbox_news import outbox_news
from reading_club.adapters.sql.relay_lock import RelayLock, relay_lock
from reading_club.settings import Settings

RETRY = 0.5
"""Seconds to wait after a failure, such as a broker that is down."""
STANDBY = 0.1
"""Seconds a standby relay waits before it tries to take the lock again."""
WATCH = 0.1
"""Seconds between two checks of the lock while a batch is sent."""

log = logging.getLogger("reading_club.relay")


async def relay_forever(
    engine: AsyncEngine,
    transport: CeleryTransport,
    settings: Settings,
    stop: asyncio.Event,
) -> None:
    """Stand by until this relay holds the relays' lock, then send batch
    after batch while it does, until ``stop`` is set.

    One relay sends at a time, so the broker gets the messages in the order
    the relay reads them; the others stand by, and one of them takes the lock
    within a tenth of a second of the active relay's exit. If the dead relay
    left messages claimed, the new one waits until it cannot be sending them
    any more, at most 27 s on PostgreSQL or 25 s on SQLite by default, before
    it sends anything.
    """
    name = f"{socket.gethostname()}:{os.getpid()}"
    # A relay that lost the lock alive notices within a watch and a check of
    # the lock, and stops after the message it is sending: to each of its
    # consumers, a connection and a few commands (redis-py's own on a new
    # connection, then kombu's), each bounded by the broker's timeout. Its
    # claims are free after that.
    consumers = max((len(route) for route in transport.routes.values()), default=1)
    last_send = 6 * consumers * settings.broker_timeout
    async with relay_lock(engine) as lock:
        grace = WATCH + lock.loss_noticed_within + last_send
        while not stop.is_set():
            try:
                if await lock.try_to_take():
                    log.info("%s is the active relay", name)
                    if (end := await claims_end(engine)) is not None:
                        # No longer than the claims last: a relay sends for
                        # half its lease at most.
                        left = (end - datetime.now(UTC)).total_seconds()
                        await _wait(stop, min(grace, max(left, 0.0)))
                        if stop.is_set():  # the grace was cut short: keep them
                            break
                        await release_claims(engine)
                    await relay_while_held(
                        engine, transport, settings, stop, lock=lock, name=name
                    )
            except Exception as error:  # the database is out of reach, say
                log.warning("standing by after a failure: %r", error)
            await _wait(stop, STANDBY)


async def relay_while_held(
    engine: AsyncEngine,
    transport: CeleryTransport,
    settings: Settings,
    stop: asyncio.Event,
    *,
    lock: RelayLock,
    name: str,
) -> None:
    """Send batch after batch, until ``stop`` is set or the lock is lost;
    between two batches that emptied the outbox, wait for news of it.

    A failure is logged, and the relay tries again: the messages it could not
    send are still unsent in the database, so waiting loses nothing.
    """
    news = outbox_news(engine)
    try:
        while not stop.is_set():
            if not await lock.still_held():
                log.warning("%s lost the relays' lock: standing by", name)
                return
            try:
                async with watching(lock) as lost:
                    batch = await relay_batch(
                        engine,
                        transport,
                        relay=name,
                        batch_size=settings.relay_batch_size,
                        lease=settings.relay_lease,
                        keep_sending=lambda: not lost.is_set(),
                        fence=lock.fence(),
                    )
                if batch.sent:
                    log.info("relayed %d messages", len(batch.sent))
                # A full batch claimed: more messages may be waiting already.
                if batch.claimed < settings.relay_batch_size:
                    await _until_stopped(stop, news.wait())
            except Exception as error:
                log.warning("relaying failed, trying again in %s s: %r", RETRY, error)
                await give_back_claims(engine)
                await _wait(stop, RETRY)
    finally:
        await news.close()


async def _until_stopped(stop: asyncio.Event, waiting: Awaitable[None]) -> None:
    """Wait for ``waiting`` to end, or for ``stop`` to be set."""
    news, stopped = asyncio.ensure_future(waiting), asyncio.ensure_future(stop.wait())
    await asyncio.wait({news, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for task in (news, stopped):
        task.cancel()
    if news.done() and not news.cancelled():
        news.result()  # its error, if it failed


@contextlib.asynccontextmanager
async def watching(lock: RelayLock) -> AsyncIterator[threading.Event]:
    """An event set as soon as the lock is lost, checked every ``WATCH``
    seconds while the body runs: the thread that sends reads it before each
    send, and stops. Without it, a relay that lost the lock would send the
    rest of its batch while the new active relay sends it too."""
    lost, done = threading.Event(), asyncio.Event()

    async def watch() -> None:
        while not done.is_set():
            await _wait(done, WATCH)  # the loop checked it a moment ago
            try:
                held = done.is_set() or await lock.still_held()
            except Exception:  # a check that fails proves nothing: stop
                held = False
            if not held:
                log.warning("lost the relays' lock while sending: stopping")
                lost.set()
                return

    watcher = asyncio.create_task(watch())
    try:
        yield lost
    finally:
        done.set()
        await watcher  # ends after its check: never cancelled mid-query


async def give_back_claims(engine: AsyncEngine) -> None:
    """After a failure, the active relay gives back its claims, which only it
    can have made: the messages a failed marking left claimed are sent by the
    next batch, not when the lease is over. The database may be out of reach
    too: then the lease frees them."""
    with contextlib.suppress(Exception):
        await release_claims(engine)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run(settings: Settings) -> None:
    engine = bootstrap.database(settings)
    celery = bootstrap.sending_celery(settings.broker_url, settings.broker_timeout)
    transport = bootstrap.relay_transport(celery)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("relaying from the database to the broker")
    try:
        await relay_forever(engine, transport, settings, stop)
    finally:
        celery.close()
        await engine.dispose()
    log.info("stopped")
