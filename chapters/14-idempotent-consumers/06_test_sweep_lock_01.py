"""A worker killed in the middle of its sweep: the others still give back
the messages of the dead."""

import asyncio
import os
import signal
import time
from functools import partial
from typing import Any

import psutil
import redis

from reading_club.adapters.celery_transport import CeleryTransport

from catalogue_workers import CatalogueWorkers
from holding import Hold
from probing import probe
from programs import Program

TIMEOUT = 5.0
"""Seconds a worker may take to reach a point of its task, or to give back a
message it may give back: it needs about a second, unless it is broken."""

SWEEP_SEEN_WITHIN = 5.0
"""Seconds to look for an idle worker in its sweep: some 25 sweeps."""

SWEEP_LOCK = "unacked_mutex"
"""The key of the lock a worker takes in Redis for its sweep: kombu's
``unacked_mutex_key``."""


def kill_in_its_sweep(worker: Program, broker: redis.Redis, timeout: float) -> None:
    """Kill ``worker`` with ``SIGKILL`` while it holds the sweep's lock.

    The worker holds the lock for about half a millisecond at each sweep, so
    the looks follow each other with no pause. Once the lock shows, stop the
    worker, and wait until the kernel has stopped it: a release that it sent
    before is then in Redis's socket, and has run by the time Redis answers a
    second look. Kill the worker if the lock is still there; otherwise let it
    go on, and look again.
    """
    process = psutil.Process(worker.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not broker.exists(SWEEP_LOCK):
            continue
        os.killpg(worker.pid, signal.SIGSTOP)
        killed = False
        try:
            while process.status() != psutil.STATUS_STOPPED:
                pass
            if all(broker.exists(SWEEP_LOCK) for _ in range(2)):
                os.killpg(worker.pid, signal.SIGKILL)
                killed = True
                # Looked for at once, well within the shortest lock: the red
                # test would pass if the kill had missed the sweep.
                assert broker.exists(SWEEP_LOCK), f"{worker.name} left no lock"
                worker.kill()  # mirakuru waits for it, and forgets it
                return
        finally:
            if not killed:
                os.killpg(worker.pid, signal.SIGCONT)
    raise AssertionError(f"{worker.name} was not seen in its sweep in {timeout} s")


async def test_a_worker_killed_in_its_sweep_holds_back_no_message(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    catalogue_redis_url: str,
    dune_registered: dict[str, Any],
) -> None:
    # The kernel kills a worker for its memory, in the middle of its sweep.
    [sweeping] = catalogue_workers.start(1)
    with redis.Redis.from_url(catalogue_redis_url) as broker:
        await asyncio.to_thread(kill_in_its_sweep, sweeping, broker, SWEEP_SEEN_WITHIN)

    # Then a worker dies with a message it has not acknowledged.
    [first] = catalogue_workers.start(1)
    hold.arm("after_task")
    await catalogue_transport.send_message_serialized(dune_registered)
    await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)
    first.kill()
    hold.release()

    # A worker that starts gives the message back, as it would have with
    # no lock left behind.
    catalogue_workers.start(1)
    handled = partial(catalogue_workers.assert_finished, dune_registered["id"], 2)
    await asyncio.to_thread(probe, handled, TIMEOUT)
