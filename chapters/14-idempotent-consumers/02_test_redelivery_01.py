import asyncio
from functools import partial
from typing import Any

from sqlalchemy import Engine

from reading_club.adapters.celery_transport import CeleryTransport

from catalogue_workers import CatalogueWorkers
from effects import assert_counted
from holding import Hold
from probing import probe

TIMEOUT = 5.0
"""Seconds a worker may take to reach a point of its task: it needs
milliseconds, unless it is broken."""


async def test_a_message_redelivered_after_a_crash_counts_once(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    reader: Engine,
    dune_registered: dict[str, Any],
) -> None:
    [first] = catalogue_workers.start(1)
    hold.arm("after_task")
    await catalogue_transport.send_message_serialized(dune_registered)

    # Committed, not acknowledged: the worker dies there.
    await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)
    first.kill()
    hold.release()

    # A worker that starts puts the unacknowledged message back, and takes it.
    catalogue_workers.start(1)
    handled = partial(catalogue_workers.assert_finished, dune_registered["id"], 2)
    await asyncio.to_thread(probe, handled, TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)


async def test_a_message_sent_twice_counts_once(
    catalogue_workers: CatalogueWorkers,
    catalogue_transport: CeleryTransport,
    reader: Engine,
    dune_registered: dict[str, Any],
) -> None:
    catalogue_workers.start(1)
    # A relay sent the message, and died before marking it sent.
    for _ in range(2):
        await catalogue_transport.send_message_serialized(dune_registered)

    handled = partial(catalogue_workers.assert_finished, dune_registered["id"], 2)
    await asyncio.to_thread(probe, handled, TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)
