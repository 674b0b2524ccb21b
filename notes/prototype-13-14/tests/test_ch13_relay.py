"""Chapter 13 (d): the relay's faults: a crash between send and mark, two relays
at once (SQLite and PostgreSQL), rows that commit late."""

import asyncio
import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from lastuuid import uuid7
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import outbox
from conftest import MEASURED, ROUTES, Effects, isbn13
from probing import probe
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables


class RecordingCelery:
    """A Celery client that records each send_task, slowly enough that two relays overlap."""

    def __init__(self, delay: float = 0.0005) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()
        self.delay = delay

    def send_task(self, name: str, *, kwargs=None, task_id=None, queue=None) -> None:
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(task_id)


def event_row(n: int, created_at: datetime | None = None) -> dict[str, Any]:
    book_id = uuid7()
    return {
        "message_id": uuid7(),
        "created_at": created_at or datetime.now(UTC),
        "name": "book_registered",
        "schema_version": 1,
        "published": True,
        "payload": {"id": str(book_id), "title": f"Book {n}", "authors": ["A"], "isbn": isbn13(n)},
    }


async def insert_events(engine: AsyncEngine, n: int) -> list[dict[str, Any]]:
    rows = [event_row(i) for i in range(n)]
    async with engine.begin() as connection:
        await connection.execute(tables.messages.insert(), rows)
    return rows


class Crash(BaseException):
    """The relay process dies: nothing after this point runs."""


async def test_a_relay_killed_between_send_and_mark_sends_again(
    effects: Effects, shared_engine: AsyncEngine, celery_transport: CeleryTransport
) -> None:
    [row] = await insert_events(shared_engine, 1)

    def die() -> None:
        raise Crash

    with pytest.raises(Crash):
        await outbox.relay_once(shared_engine, celery_transport, "relay-1", after_send=die)
    # Another relay leaves the claim alone until the lease expires...
    assert await outbox.relay_once(shared_engine, celery_transport, "relay-2") == 0
    # ...the same relay, restarted, takes back its own claims at once.
    await outbox._release(shared_engine, "relay-1")
    assert await outbox.relay_once(shared_engine, celery_transport, "relay-1") == 1

    def delivered_twice() -> None:
        assert effects.ids("catalogue") == [str(row["message_id"])] * 2

    await asyncio.to_thread(probe, delivered_twice, 5.0)


async def _race(relay, engines, transport) -> None:
    async def loop(engine, relay_id):
        while await relay(engine, transport, relay_id):
            pass

    await asyncio.gather(*(loop(e, f"relay-{i}") for i, e in enumerate(engines)))


def _naive(engine, transport, relay_id):
    return outbox.relay_naive(engine, transport, batch_size=50)


def _claiming(engine, transport, relay_id):
    return outbox.relay_once(engine, transport, relay_id, batch_size=50)


@pytest.mark.parametrize(
    "relay", [pytest.param(_naive, marks=pytest.mark.red), _claiming], ids=["naive", "claiming"]
)
async def test_two_relays_at_once(relay, any_engine: AsyncEngine) -> None:
    from reading_club.adapters.sql.engine import create_engine

    engine = any_engine
    database = engine.dialect.name
    rows = await insert_events(engine, 1000)
    client = RecordingCelery()
    transport = CeleryTransport(client, {"book_registered_v1": ROUTES["book_registered_v1"][:1]})
    second = create_engine(engine.url.render_as_string(hide_password=False))
    began = time.monotonic()
    try:
        await _race(relay, [engine, second], transport)
    finally:
        await second.dispose()
    took = time.monotonic() - began
    counts = Counter(client.sent)
    duplicates = sum(c - 1 for c in counts.values())
    MEASURED.append(
        f"two relays, {database}, {relay.__name__[1:]}: 1000 events, {len(counts)} sent, "
        f"{duplicates} duplicates, {took:.2f} s"
    )
    assert len(counts) == len(rows)
    assert duplicates == 0


async def test_a_row_that_commits_late_is_not_skipped(any_engine: AsyncEngine) -> None:
    """created_at (and the uuid7 id) say when the message was made, not when it committed."""
    engine = any_engine
    client = RecordingCelery(delay=0)
    transport = CeleryTransport(client, {"book_registered_v1": ROUTES["book_registered_v1"][:1]})
    early = event_row(1)  # made first, in a transaction that commits late
    late = event_row(2)
    async with engine.begin() as connection:
        await connection.execute(tables.messages.insert(), [late])
    # A watermark relay: the newest created_at it has sent.
    assert await outbox.relay_once(engine, transport) == 1
    watermark = late["created_at"]
    async with engine.begin() as connection:
        await connection.execute(tables.messages.insert(), [early])
        skipped = (
            await connection.execute(
                select(tables.messages.c.message_id).where(tables.messages.c.created_at > watermark)
            )
        ).all()
    assert skipped == []  # the watermark relay never sends `early`
    assert await outbox.relay_once(engine, transport) == 1  # sent_at IS NULL finds it
    assert client.sent == [f"{late['message_id']}:notifications", f"{early['message_id']}:notifications"]


async def test_postgresql_late_commit_for_real(pg_engine: AsyncEngine) -> None:
    """Two real transactions: the one that began first commits last."""
    client = RecordingCelery(delay=0)
    transport = CeleryTransport(client, {"book_registered_v1": ROUTES["book_registered_v1"][:1]})
    first, second = event_row(1), event_row(2)
    async with pg_engine.connect() as slow:
        await slow.begin()
        await slow.execute(tables.messages.insert(), [first])
        async with pg_engine.begin() as fast:
            await fast.execute(tables.messages.insert(), [second])
        assert await outbox.relay_once(pg_engine, transport) == 1  # only the committed one
        await slow.commit()
    assert await outbox.relay_once(pg_engine, transport) == 1
    assert [t.split(":")[0] for t in client.sent] == [str(second["message_id"]), str(first["message_id"])]
    assert first["message_id"] < second["message_id"]  # uuid7: made first, sent second
