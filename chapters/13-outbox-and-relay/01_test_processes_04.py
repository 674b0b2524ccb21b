import signal
import sys
from pathlib import Path

import pytest
import redis

from probing import probe
from processes import spawn, stop_all
from servers import RedisServer, start_worker, wait_until_ready

IGNORES_SIGTERM = """
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ignoring SIGTERM", flush=True)
while True:
    signal.pause()
"""


def test_a_missing_program_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no program at /nowhere/redis-server"):
        spawn("redis-server", ["/nowhere/redis-server"], tmp_path / "log")


def test_a_process_that_will_not_stop_is_killed(tmp_path: Path) -> None:
    stubborn = spawn(
        "stubborn", [sys.executable, "-c", IGNORES_SIGTERM], tmp_path / "log"
    )

    def ignoring() -> None:
        assert "ignoring SIGTERM" in stubborn.log.read_text()

    probe(ignoring, timeout=10)

    stop_all([stubborn], timeout=0.1)

    assert stubborn.popen.returncode == -signal.SIGKILL


def test_a_worker_that_cannot_start_fails_at_once_with_its_log(
    tmp_path: Path,
) -> None:
    worker, ready_file = start_worker("no_such_module", "nowhere", tmp_path, {})
    try:
        with pytest.raises(RuntimeError, match="no_such_module"):
            wait_until_ready(worker, ready_file, timeout=30)
    finally:
        stop_all([worker])


def test_redis_keeps_what_it_accepted_across_a_restart(
    broker: RedisServer, redis_client: redis.Redis
) -> None:
    redis_client.delete("accepted")
    redis_client.rpush("accepted", "before the restart")

    broker.stop()
    with pytest.raises(redis.ConnectionError):
        redis_client.ping()
    broker.start()

    assert redis_client.lrange("accepted", 0, -1) == [b"before the restart"]
