"""The relay at its edges: a broker that never answers, a broker that fails
in the middle of a batch, a lease that runs out, a message that no route
names."""

import logging
import socket
import time
from datetime import UTC, datetime

import pytest
from kombu.exceptions import OperationalError
from lastuuid import uuid7
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.outbox import relay_batch
from reading_club.routes import ROUTES

from fake_celery import FakeCeleryClient


def stored(title: str, version: int = 1) -> dict[str, object]:
    """A BookRegistered event as the bus stores it, not sent yet."""
    return {
        "message_id": uuid7(),
        "created_at": datetime.now(UTC),
        "name": "book_registered",
        "schema_version": version,
        "published": True,
        "payload": {"id": str(uuid7()), "title": title},
    }


async def store(engine: AsyncEngine, *events: dict[str, object]) -> None:
    async with engine.begin() as connection:
        await connection.execute(tables.messages.insert(), list(events))


async def unsent_titles(engine: AsyncEngine) -> list[str]:
    messages = tables.messages
    query = (
        select(messages.c.payload)
        .where(messages.c.sent_at.is_(None), messages.c.claimed_by.is_(None))
        .order_by(messages.c.created_at)
    )
    async with engine.connect() as connection:
        return [
            payload["title"] for payload in (await connection.execute(query)).scalars()
        ]


def test_a_broker_that_never_answers_fails_a_send_in_time() -> None:
    with socket.socket() as silent:  # accepts connections, answers nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host, port = silent.getsockname()
        celery = bootstrap.sending_celery(f"redis://{host}:{port}/0", timeout=0.2)
        began = time.monotonic()
        with pytest.raises(OperationalError, match="Timeout"):
            celery.send_task("catalogue.book_registered", queue="catalogue")
        assert time.monotonic() - began < 2.0
        celery.close()


async def test_what_the_broker_took_before_failing_is_marked_sent(
    engine: AsyncEngine,
) -> None:
    await store(engine, stored("Dune"), stored("Emma"), stored("Kindred"))
    client = FakeCeleryClient()
    client.accepts = 3  # Dune to both consumers, then Emma to the first one

    with pytest.raises(OperationalError):
        await relay_batch(engine, CeleryTransport(client, ROUTES), relay="relay-1")
    assert await unsent_titles(engine) == ["Emma", "Kindred"]

    client.broker_is_up, client.accepts = True, None
    await relay_batch(engine, CeleryTransport(client, ROUTES), relay="relay-1")
    # Emma reached the notifications twice: a message is marked sent once
    # every consumer has it, and sent again whole.
    assert client.titles_sent_to("notifications") == ["Dune", "Emma", "Emma", "Kindred"]
    assert client.titles_sent_to("catalogue") == ["Dune", "Emma", "Kindred"]


async def test_a_relay_whose_lease_runs_out_sends_no_more(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await store(engine, stored("Dune"), stored("Emma"))
    client = FakeCeleryClient()

    with caplog.at_level(logging.WARNING):
        batch = await relay_batch(
            engine, CeleryTransport(client, ROUTES), relay="relay-1", lease=1e-9
        )

    assert (batch.claimed, batch.sent) == (2, [])
    assert client.sent == []
    assert await unsent_titles(engine) == ["Dune", "Emma"], "the claim is given back"
    assert "half of the lease is gone: 2 messages left for later" in caplog.text


async def test_a_message_that_no_consumer_receives_is_logged_and_counted(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Deploy the routes of a new message type, or of a new version of one,
    before the code that records it: the relay sends each message to the
    consumers it knows of, and to none here."""
    unknown = stored("Dune", version=3)
    await store(engine, unknown)
    client = FakeCeleryClient()

    with caplog.at_level(logging.WARNING):
        batch = await relay_batch(
            engine, CeleryTransport(client, ROUTES), relay="relay-1"
        )

    assert (len(batch.sent), batch.unrouted, client.sent) == (1, 1, [])
    assert f"no route for book_registered_v3: {unknown['message_id']}" in caplog.text
