"""Relay throughput against bare ``send_task``, on the same Redis, in one run.

Run by ``scripts/benchmark.py`` from chapter 13 on, with the chapter's
Python, in the chapter's exported project (it imports ``reading_club`` and
the tests' helper modules). It stores 1,000 events in a SQLite file in WAL
mode, then times:

* bare: ``send_task`` for each event and each of its consumers, in a loop;
* relay: ``relay_batch`` until nothing is left, in batches of 1, 10, 100
  and 500, the events marked unsent again before each batch size; each
  batch is claimed, sent and marked, as the relay program does.

Nothing consumes the queues; they are emptied between runs. It prints one
line per measure, ``label<TAB>value``.
"""

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = ["tests", "src"]

import redis  # noqa: E402
import sqlalchemy  # noqa: E402
from celery import Celery  # noqa: E402
from lastuuid import uuid7  # noqa: E402
from sqlalchemy import update  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from reading_club import bootstrap  # noqa: E402
from reading_club.adapters.celery_transport import CeleryTransport  # noqa: E402
from reading_club.adapters.sql import tables  # noqa: E402
from reading_club.adapters.sql.engine import create_engine  # noqa: E402
from reading_club.adapters.sql.outbox import relay_batch  # noqa: E402
from reading_club.adapters.sql.wire import wire_format  # noqa: E402
from reading_club.routes import ROUTES  # noqa: E402

from broker import redis_server  # noqa: E402

EVENTS = 1000
BATCH_SIZES = (1, 10, 100, 500)


def create_database(path: Path) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    with engine.begin() as connection:
        tables.metadata.create_all(connection)
        connection.execute(
            tables.messages.insert(),
            [
                {
                    "message_id": uuid7(),
                    "created_at": datetime.now(UTC),
                    "name": "book_registered",
                    "schema_version": 1,
                    "published": True,
                    "payload": {"id": str(uuid7()), "title": f"Book {number}"},
                }
                for number in range(EVENTS)
            ],
        )
    engine.dispose()


async def relay_all(
    engine: AsyncEngine, transport: CeleryTransport, size: int
) -> float:
    """Seconds to relay every event; the longest batch is printed too."""
    async with engine.begin() as connection:
        await connection.execute(update(tables.messages).values(sent_at=None))
    longest = 0.0
    began = time.perf_counter()
    while True:
        batch_began = time.perf_counter()
        batch = await relay_batch(engine, transport, relay="benchmark", batch_size=size)
        if not batch.claimed:
            break
        longest = max(longest, time.perf_counter() - batch_began)
    print(f"relay, batch {size}: longest batch (claim, send, mark)\t{longest}")
    return time.perf_counter() - began


async def measure(database: Path, celery: Celery, client: redis.Redis) -> None:
    engine = create_engine(f"sqlite:///{database}")
    transport = CeleryTransport(celery, ROUTES)
    async with engine.connect() as connection:
        rows = (await connection.execute(tables.messages.select())).all()
    messages = [wire_format(row) for row in rows]
    for message in messages[:10]:  # connect, and warm up
        transport.send(message)
    client.flushdb()

    began = time.perf_counter()
    for message in messages:
        for consumer in ROUTES[message["type"]]:
            celery.send_task(
                consumer.task,
                kwargs={"message": message},
                task_id=f"{message['id']}:{consumer.queue}",
                queue=consumer.queue,
            )
    bare = EVENTS / (time.perf_counter() - began)
    print(f"bare send_task: events/s\t{bare}")
    for size in BATCH_SIZES:
        client.delete("notifications", "catalogue")
        relayed = EVENTS / await relay_all(engine, transport, size)
        print(f"relay, batch {size}: events/s\t{relayed}")
        print(f"relay, batch {size}: ratio to bare send_task\t{relayed / bare}")
    await engine.dispose()


def main() -> None:
    directory = Path(tempfile.mkdtemp())
    database = directory / "club.sqlite"
    create_database(database)
    server = redis_server(directory)
    server.start()
    url = f"redis://127.0.0.1:{server.port}/0"
    celery = bootstrap.sending_celery(url)
    try:
        with redis.Redis.from_url(url) as client:
            asyncio.run(measure(database, celery, client))
    finally:
        celery.close()
        server.stop()


if __name__ == "__main__":
    main()
