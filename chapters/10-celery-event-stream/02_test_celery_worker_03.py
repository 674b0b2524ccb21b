import asyncio
import json
import queue
from typing import Any

import pytest
from messagebus import AsyncMessageBus

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.service.unit_of_work import AbstractUnitOfWork

Inbox = queue.Queue[dict[str, Any]]

WORKER_TIMEOUT = 2.0
"""Seconds to wait for the worker: it needs milliseconds, unless it fails."""


@pytest.fixture
def transport(celery_transport: CeleryTransport) -> CeleryTransport:
    """In this module, the unit of work publishes through Celery."""
    return celery_transport


async def test_a_celery_worker_receives_the_registered_book(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    inbox: Inbox,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    try:
        message = await asyncio.to_thread(inbox.get, timeout=WORKER_TIMEOUT)
    except queue.Empty:
        raise AssertionError(f"the worker ran no task in {WORKER_TIMEOUT} s") from None
    assert message["type"] == "book_registered_v1"
    assert json.loads(message["payload"]) == {
        "id": str(dune.id),
        "title": "Dune",
        "authors": ["Frank Herbert"],
        "isbn": "9780441013593",
    }
