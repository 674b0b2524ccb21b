"""A prefork worker stopped as a process manager stops it: honcho, and a
shell's ``kill -- -PID``, send SIGTERM to the worker's whole process group."""

import asyncio
import os
import signal
from typing import Any

from sqlalchemy import Engine

from reading_club.adapters.celery_transport import CeleryTransport

from catalogue_workers import CatalogueWorkers
from effects import assert_counted
from holding import Hold
from programs import Program

TIMEOUT = 10.0


async def exit_status(worker: Program) -> int:
    """Wait until ``worker`` exits, then forget it: a program that exits
    when told to has not died."""
    assert worker.process is not None, f"{worker.name} was never started"
    status = await asyncio.to_thread(worker.process.wait, TIMEOUT)
    worker.stop()
    return status


async def test_a_worker_stopped_with_its_process_group_finishes_its_task(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    reader: Engine,
    dune_registered: dict[str, Any],
) -> None:
    [worker] = catalogue_workers.start(1, pool="prefork")
    hold.arm("before_commit")  # the task is inside its transaction
    await catalogue_transport.send_message_serialized(dune_registered)
    await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)

    os.killpg(worker.pid, signal.SIGTERM)  # the worker leads its group
    hold.release()

    assert await exit_status(worker) == 0
    died = worker.lines_with("exited prematurely: signal 15 (SIGTERM)")
    assert not died, "a pool process died of the SIGTERM, in the middle of its task"
    catalogue_workers.assert_finished(dune_registered["id"], 1)
    assert_counted(reader, "Frank Herbert", 1)
