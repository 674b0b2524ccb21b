"""A pool process that dies under a living worker: prefork."""

import asyncio
import os
import signal
from functools import partial
from typing import Any

from sqlalchemy import Engine

from reading_club.adapters.celery_transport import CeleryTransport

from catalogue_workers import CatalogueWorkers
from effects import assert_counted
from holding import Hold
from probing import probe

TIMEOUT = 5.0

NOTICED = 30.0
"""Seconds the worker may take to notice a dead pool process: at once, as a
rule, and at its next look at the pool otherwise, every 5 s, later on a busy
machine; still half the worker's visibility timeout."""


async def test_a_message_whose_pool_process_died_comes_back_at_once(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    reader: Engine,
    dune_registered: dict[str, Any],
) -> None:
    # Only the worker's rejection can bring the message back within the test.
    catalogue_workers.env["CLUB_REDELIVERY_TIMEOUT"] = "60"
    [worker] = catalogue_workers.start(1, pool="prefork")
    hold.arm("after_task")
    await catalogue_transport.send_message_serialized(dune_registered)

    child = await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)
    assert child != worker.pid, "the task runs in a pool process, not the worker"
    os.kill(child, signal.SIGKILL)
    hold.release()

    # The worker lives on, rejects the message, and takes it again at once;
    # no other worker, and no visibility timeout, is needed.
    handled = partial(catalogue_workers.assert_finished, dune_registered["id"], 2)
    await asyncio.to_thread(probe, handled, NOTICED)
    assert_counted(reader, "Frank Herbert", 1)
