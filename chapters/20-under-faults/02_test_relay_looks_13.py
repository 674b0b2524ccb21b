"""The active relay's looks for lost messages, inside its loop: a look that
fails stops no batch."""

import asyncio
import logging
from functools import partial

import pytest
from kombu.exceptions import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.entrypoints.relay import relay_forever
from reading_club.routes import CATALOGUE, ROUTES
from reading_club.settings import Settings

from fake_celery import FakeCeleryClient
from probing import probe
from test_two_relays import store_events

TIMEOUT = 5.0
"""Seconds the relay may take to become the active one and send: it needs
milliseconds."""


def cannot_tell(queue: str) -> int:
    raise OperationalError(f"no answer about {queue}: the broker is down")


def assert_sent(client: FakeCeleryClient, titles: list[str]) -> None:
    assert client.titles_sent_to(CATALOGUE.queue) == titles


async def test_a_look_that_fails_stops_no_batch(
    shared_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="reading_club.relay")
    client, stop = FakeCeleryClient(), asyncio.Event()
    settings = Settings(
        database_url="sqlite:////unused", broker_url="redis://x", lost_check=0.01
    )
    transport = CeleryTransport(client, ROUTES)
    relay = asyncio.create_task(
        relay_forever(shared_engine, transport, settings, stop, waiting_in=cannot_tell)
    )
    try:
        await store_events(shared_engine, 2)
        sent = partial(assert_sent, client, ["Book 0", "Book 1"])
        await asyncio.to_thread(probe, sent, TIMEOUT)
    finally:
        stop.set()
        await relay
    assert "looking for lost messages failed" in caplog.text
