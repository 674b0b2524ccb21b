import asyncio
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.domain.model import Book

from catalogue_workers import CatalogueWorkers, books_counted
from effects import Effects
from holding import Hold
from probing import probe

TIMEOUT = 5.0
"""Seconds a worker may take to reach a point of its task: it needs
milliseconds, unless it is broken."""

REDELIVERY_TIMEOUT = 5.0
"""Seconds until a message left unacknowledged comes back: the visibility
timeout, one second, and the next sweep, a fifth of a second later."""


def assert_redelivered(effects: Effects, message_id: str) -> None:
    """Two workers took the message, and the second ended its task."""
    pids = effects.deliveries("catalogue", message_id)
    assert len(set(pids)) == 2, f"{message_id} went to the workers {pids}"
    effects.assert_handled("catalogue", message_id, 1)


async def test_a_message_delivered_again_after_a_crash_counts_once(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    catalogue_effects: Effects,
    shared_engine: AsyncEngine,
    dune_registered: dict[str, Any],
    dune: Book,
) -> None:
    catalogue_workers.start(2)
    hold.arm("after_commit")
    await catalogue_transport.send_message_serialized(dune_registered)
    holder = await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)
    assert await books_counted(shared_engine, "Frank Herbert") == 1

    # Committed, not yet acknowledged: the worker dies here.
    catalogue_workers.kill(holder)
    hold.release()
    message_id = dune_registered["id"]
    taken = catalogue_effects.deliveries("catalogue", message_id)
    assert taken == [holder], f"taken by {taken} before the crash"

    redelivered = partial(assert_redelivered, catalogue_effects, message_id)
    await asyncio.to_thread(probe, redelivered, REDELIVERY_TIMEOUT)
    books = await books_counted(shared_engine, "Frank Herbert")
    assert books == 1, f"Frank Herbert counted {books} times for one book"
    # The book is indexed all the same: the delivery that comes back does it.
    looked_up = partial(catalogue_effects.assert_looked_up, dune.id)
    await asyncio.to_thread(probe, looked_up, TIMEOUT)


async def test_a_message_sent_twice_counts_once(
    catalogue_workers: CatalogueWorkers,
    catalogue_transport: CeleryTransport,
    catalogue_effects: Effects,
    shared_engine: AsyncEngine,
    dune_registered: dict[str, Any],
) -> None:
    catalogue_workers.start(1)
    # The relay sent the message, and died before marking it sent.
    for _ in range(2):
        await catalogue_transport.send_message_serialized(dune_registered)

    handled = partial(
        catalogue_effects.assert_handled, "catalogue", dune_registered["id"], 2
    )
    await asyncio.to_thread(probe, handled, TIMEOUT)
    books = await books_counted(shared_engine, "Frank Herbert")
    assert books == 1, f"Frank Herbert counted {books} times for one book"
