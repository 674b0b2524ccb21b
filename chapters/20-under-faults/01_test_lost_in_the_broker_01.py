"""A message that the broker lost, for real: the outbox says a relay sent it,
and no queue, no worker and no inbox has it."""

import asyncio
from functools import partial
from pathlib import Path

from messagebus import AsyncMessageBus
from sqlalchemy import Engine, update
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.adapters.sql import tables
from reading_club.entrypoints.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import registration
from effects import assert_counted, assert_notified
from probing import probe, probe_never
from processes import LOWERED_RETRIES, Workers, club_relay

TIMEOUT = 10.0
"""Seconds the catalogue may take to count the lost book: the relay looks
for lost messages every 0.1 s here, and finds one a second after its
send."""


async def test_a_message_the_broker_lost_reaches_the_catalogue(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    reader: Engine,
    workers: Workers,
    redis_url: str,
    database_url: str,
    tmp_path: Path,
) -> None:
    dune = registration("Dune", ["Frank Herbert"], "9780441013593")
    await register_book(
        dune, bus=bus, uow=bootstrap.request_unit_of_work(shared_engine)
    )
    # What a worker killed between kombu's two commands leaves behind: a
    # relay marked the event sent, and the broker has no copy of it.
    async with shared_engine.begin() as connection:
        await connection.execute(
            update(tables.messages)
            .where(tables.messages.c.published)
            .values(sent_at=tables.messages.c.created_at)
        )

    env = {
        "CLUB_BROKER_URL": redis_url,
        "CLUB_DATABASE_URL": database_url,
        # A message is lost a second after its send, once Redis would have
        # given it back from a dead worker; production waits hours.
        **LOWERED_RETRIES,
        "CLUB_REDELIVERY_TIMEOUT": "0.5",
        "CLUB_LOST_AFTER": "1",
        "CLUB_LOST_CHECK": "0.1",
    }
    with club_relay("relay", tmp_path, env):
        counted = partial(assert_counted, reader, "Frank Herbert", 1)
        await asyncio.to_thread(probe, counted, TIMEOUT)
        # Sent again to the catalogue, whose inbox the club reads, and not to
        # the mailing service, whose inbox it cannot read.
        not_told = partial(assert_notified, workers.notifications, dune, 0)
        await asyncio.to_thread(probe_never, not_told, 1.0)
