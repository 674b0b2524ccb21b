"""An idle relay, and a message committed while it waits."""

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.entrypoints.relay import relay_forever
from reading_club.routes import CATALOGUE, ROUTES
from reading_club.settings import Settings

from fake_celery import FakeCeleryClient
from probing import probe, probe_never
from test_two_relays import store_events

SENT_WITHIN = 2.0
"""Seconds a relay may take to send a message committed while it waited."""
TIMEOUT = 5.0
"""Seconds a relay may take to become the active one and look: it needs
milliseconds."""


@pytest.fixture
def statements(shared_engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement run on the shared engine's connections, from now."""
    run: list[str] = []

    def record(*_: Any, statement: str, **__: Any) -> None:
        run.append(statement)

    engine = shared_engine.sync_engine
    event.listen(engine, "before_cursor_execute", record, named=True)
    yield run
    event.remove(engine, "before_cursor_execute", record)


CLAIM = "WITH batch AS"
"""How the relay's claim of a batch begins (chapter 13)."""


def assert_sent(client: FakeCeleryClient, titles: list[str]) -> None:
    assert client.titles_sent_to(CATALOGUE.queue) == titles


def assert_looked(statements: list[str]) -> None:
    assert any(CLAIM in statement for statement in statements), "no claim yet"


def assert_quiet(statements: list[str], before: int) -> None:
    # Yes or no, not the count: the relay may claim again before the probe's
    # next look, which comes late on a busy machine (and pytest would print
    # the count of "claims < 3").
    busy = sum(CLAIM in statement for statement in statements[before:]) >= 3
    assert not busy, "an idle relay claimed 3 times or more"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_idle_relay_leaves_the_database_alone_and_hears_of_a_commit(
    shared_engine: AsyncEngine, statements: list[str]
) -> None:
    client, stop = FakeCeleryClient(), asyncio.Event()
    settings = Settings(
        database_url="sqlite:////unused", broker_url="redis://x", broker_timeout=0.2
    )
    transport = CeleryTransport(client, ROUTES)
    relay = asyncio.create_task(relay_forever(shared_engine, transport, settings, stop))
    try:
        # Active, and it has looked once: from now on, it has nothing to do.
        await asyncio.to_thread(probe, partial(assert_looked, statements), TIMEOUT)
        before = len(statements)
        await asyncio.to_thread(
            probe_never, partial(assert_quiet, statements, before), 1.0
        )
        await store_events(shared_engine, 1)
        await asyncio.to_thread(
            probe, partial(assert_sent, client, ["Book 0"]), SENT_WITHIN
        )
    finally:
        stop.set()
        await relay
