"""The relay at its edges: a broker that never answers, a message that no
route names."""

import socket
import time
from datetime import UTC, datetime

import pytest
from kombu.exceptions import OperationalError
from lastuuid import uuid7
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.outbox import relay_batch
from reading_club.entrypoints import relay
from reading_club.entrypoints.relay import ROUTES

from fake_celery import FakeCeleryClient

UNKNOWN_TYPE = {
    "message_id": uuid7(),
    "created_at": datetime.now(UTC),
    "name": "book_registered",
    "schema_version": 3,
    "published": True,
    "payload": {"id": str(uuid7()), "title": "Dune"},
}
"""An event of a version that the relay's routes do not name yet."""


def test_a_broker_that_never_answers_fails_a_send_in_time() -> None:
    with socket.socket() as silent:  # accepts connections, answers nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host, port = silent.getsockname()
        celery = relay.celery_client(f"redis://{host}:{port}/0", timeout=0.2)
        began = time.monotonic()
        with pytest.raises(OperationalError, match="Timeout"):
            celery.send_task("catalogue.book_registered", queue="catalogue")
        assert time.monotonic() - began < 2.0
        celery.close()


async def test_a_message_that_no_consumer_receives_is_marked_sent(
    engine: AsyncEngine,
) -> None:
    """Deploy the routes of a new message type, or of a new version of one,
    before the code that records it: the relay sends each message to the
    consumers it knows of, and to none here."""
    async with engine.begin() as connection:
        await connection.execute(tables.messages.insert(), [UNKNOWN_TYPE])

    celery_client = FakeCeleryClient()
    assert await relay_batch(engine, CeleryTransport(celery_client, ROUTES)) == 1
    assert celery_client.sent == []
