"""Two relays at once, in the test's process: which messages the broker gets
first."""

import asyncio
import threading
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.outbox import claim_batch
from reading_club.entrypoints.relay import relay_forever
from reading_club.routes import CATALOGUE, ROUTES
from reading_club.settings import Settings

from fake_celery import FakeCeleryClient
from probing import probe
from test_two_relays import store_events

TIMEOUT = 10.0
OVERTAKES_WITHIN = 1.0
"""Seconds a second relay takes to start sending while the first holds its
batch, if nothing stops it: milliseconds. Where something does, the test
waits this long for nothing."""


class Broker:
    """The titles of the books that reached the catalogue's queue, in the
    order they came, from any relay."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.lock = threading.Lock()


class HeldClient(FakeCeleryClient):
    """A Celery client that holds its first send until the test lets it go:
    a relay slow to send, as a slow broker makes it."""

    def __init__(self, broker: Broker, held: bool) -> None:
        super().__init__()
        self.broker = broker
        self.holding = threading.Event()
        self.released = threading.Event()
        if not held:
            self.released.set()

    def send_task(self, name: str, **options: Any) -> None:
        self.holding.set()
        self.released.wait(TIMEOUT)  # a test that fails does not hold it for good
        super().send_task(name, **options)
        if options["queue"] == CATALOGUE.queue:
            with self.broker.lock:
                self.broker.titles.append(self.titles_sent_to(CATALOGUE.queue)[-1])


class Relays:
    """Relays in the test's process, all stopped at the end of the test."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine, self.stop = engine, asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.clients: list[HeldClient] = []
        # A broker timeout of 0.2 s: a relay that takes over, and finds
        # claims, waits 5.5 s (3 s on SQLite), not 27 s (25 s) by default.
        self.settings = Settings(
            database_url="sqlite:////unused",
            broker_url="redis://unused",
            broker_timeout=0.2,
            relay_batch_size=2,
        )

    def start(self, client: HeldClient) -> None:
        self.clients.append(client)
        transport = CeleryTransport(client, ROUTES)
        relay = relay_forever(self.engine, transport, self.settings, self.stop)
        self.tasks.append(asyncio.create_task(relay))


@pytest.fixture
async def relays(shared_engine: AsyncEngine) -> AsyncIterator[Relays]:
    started = Relays(shared_engine)
    yield started
    started.stop.set()
    for client in started.clients:
        client.released.set()
    await asyncio.gather(*started.tasks)


def assert_all_sent(broker: Broker, count: int) -> None:
    assert len(broker.titles) == count, f"{len(broker.titles)} of {count} sent"


BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@BOTH
async def test_a_second_relay_does_not_overtake_the_first(
    shared_engine: AsyncEngine, relays: Relays
) -> None:
    await store_events(shared_engine, 4)
    broker = Broker()
    first = HeldClient(broker, held=True)
    second = HeldClient(broker, held=False)

    relays.start(first)
    await asyncio.to_thread(first.holding.wait, TIMEOUT)  # the first batch, held
    relays.start(second)
    # Left alone, the second relay sends its batch at once. The first is let go
    # once that whole batch is sent, so that the broker's order does not depend
    # on which thread runs first; or after OVERTAKES_WITHIN, if it sent nothing.
    if await asyncio.to_thread(second.holding.wait, OVERTAKES_WITHIN):
        await asyncio.to_thread(probe, partial(assert_all_sent, broker, 2), TIMEOUT)
    first.released.set()
    await asyncio.to_thread(probe, partial(assert_all_sent, broker, 4), TIMEOUT)

    in_order = ["Book 0", "Book 1", "Book 2", "Book 3"]
    assert broker.titles == in_order, f"the broker got {broker.titles}"


@BOTH
async def test_a_batch_claimed_by_a_relay_that_died_is_sent_at_once(
    shared_engine: AsyncEngine, relays: Relays
) -> None:
    await store_events(shared_engine, 2)
    # The relay that was active claimed them for five minutes, and died.
    await claim_batch(shared_engine, "relay-that-died", batch_size=2, lease=300)
    broker = Broker()

    relays.start(HeldClient(broker, held=False))
    await asyncio.to_thread(probe, partial(assert_all_sent, broker, 2), TIMEOUT)

    assert broker.titles == ["Book 0", "Book 1"]


def assert_noticed(caplog: pytest.LogCaptureFixture) -> None:
    assert "lost the relays' lock while sending" in caplog.text, "not yet"


async def take_the_lock_away(engine: AsyncEngine) -> None:
    """The active relay's lock taken away: its session ended on PostgreSQL
    (as a restarted server, or an administrator, ends it); on SQLite, the
    lock file gone."""
    if engine.url.get_backend_name() == "postgresql":
        async with engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted"
                )
            )
    else:
        Path(f"{engine.url.database}.relay-lock").unlink()


def assert_taken_again(reader: Engine) -> None:
    """Someone holds the lock: the standby, since the first relay lost it."""
    if reader.url.get_backend_name() == "postgresql":
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        with reader.connect() as connection:
            assert connection.scalar(text(query)) == 1, "nobody holds it"
    else:
        assert Path(f"{reader.url.database}.relay-lock").exists(), "nobody holds it"


@BOTH
async def test_a_relay_that_loses_the_lock_stops_and_no_message_is_sent_twice(
    shared_engine: AsyncEngine,
    reader: Engine,
    relays: Relays,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await store_events(shared_engine, 4)
    broker = Broker()
    first = HeldClient(broker, held=True)
    relays.start(first)
    await asyncio.to_thread(first.holding.wait, TIMEOUT)  # sending Book 0, held
    relays.start(HeldClient(broker, held=False))

    await take_the_lock_away(shared_engine)
    await asyncio.to_thread(probe, partial(assert_taken_again, reader), TIMEOUT)
    await asyncio.to_thread(probe, partial(assert_noticed, caplog), TIMEOUT)
    first.released.set()  # the first relay's send ends, late
    await asyncio.to_thread(probe, partial(assert_all_sent, broker, 4), TIMEOUT)

    in_order = ["Book 0", "Book 1", "Book 2", "Book 3"]
    assert broker.titles == in_order, f"the broker got {broker.titles}"
    assert first.titles_sent_to(CATALOGUE.queue) == ["Book 0"]
