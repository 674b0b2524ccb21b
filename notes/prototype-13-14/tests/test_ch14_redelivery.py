"""Chapter 14: redelivery after a killed worker, duplicates, and the inbox."""

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from celery import Celery
from lastuuid import uuid7
from sqlalchemy import delete, func, select

import consumers14
from conftest import MEASURED, RestartableRedis, worker_env
from probing import probe, probe_never
from processes import Process, stop_all
from servers import start_worker, wait_until_ready

NAIVE = "loyalty.book_registered"
INBOX = "loyalty_inbox.book_registered"


@pytest.fixture(scope="session")
def loyalty_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("loyalty") / "loyalty.sqlite"
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar() == "wal"
    consumers14.metadata.create_all(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def loyalty(loyalty_url: str, running_redis: RestartableRedis, redis_client) -> Iterator[sqlalchemy.Engine]:
    engine = sqlalchemy.create_engine(loyalty_url)
    with engine.begin() as connection:
        connection.execute(delete(consumers14.points))
        connection.execute(delete(consumers14.inbox))
    redis_client.delete("loyalty", "deliveries:loyalty", "duplicates:loyalty", "unacked", "unacked_index")
    yield engine
    engine.dispose()


def points(engine: sqlalchemy.Engine, message_id: str) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(consumers14.points).where(
            consumers14.points.c.message_id == message_id
        )
        return connection.execute(query).scalar_one()


def message() -> dict[str, str]:
    return {
        "id": str(uuid7()),
        "created_at": "2026-11-22T00:00:00+00:00",
        "type": "book_registered_v1",
        "payload": json.dumps({"id": str(uuid7()), "title": "Dune"}),
    }


def deliveries(redis_client, key: str = "deliveries:loyalty") -> list[str]:
    return [item.decode() for item in redis_client.lrange(key, 0, -1)]


def spawn_loyalty(tmp_path: Path, name: str, env: dict[str, str]) -> Process:
    directory = tmp_path / name
    directory.mkdir()
    worker, ready = start_worker("consumers14", "loyalty", directory, env)
    try:
        wait_until_ready(worker, ready)
    except BaseException:
        stop_all([worker])
        raise
    return worker


@pytest.fixture
def hold_dir(tmp_path: Path) -> Path:
    path = tmp_path / "hold"
    path.mkdir()
    return path


def env_for(redis_url: str, loyalty_url: str, hold_dir: Path, hold_at: str, vt: float) -> dict[str, str]:
    return worker_env(
        {
            "BROKER_URL": redis_url,
            "LOYALTY_DATABASE_URL": loyalty_url,
            "HOLD_DIR": str(hold_dir),
            "HOLD_AT": hold_at,
            "VISIBILITY_TIMEOUT": str(vt),
            "UNACKED_RESTORE_INTERVAL": "0.2",
            "UNACKED_RESTORE_THROTTLE": os.environ.get("UNACKED_RESTORE_THROTTLE", "10"),
        }
    )


@pytest.mark.parametrize("task", [pytest.param(NAIVE, marks=pytest.mark.red), INBOX])
def test_a_worker_killed_mid_task_gets_the_message_delivered_again(
    task, loyalty, loyalty_url, running_redis, redis_client, club_celery: Celery, tmp_path, hold_dir
) -> None:
    env = env_for(running_redis.url, loyalty_url, hold_dir, "after_commit", vt=1)
    workers: list[Process] = []
    try:
        workers.append(spawn_loyalty(tmp_path, "first", env))
        sent = message()
        club_celery.send_task(task, kwargs={"message": sent}, queue="loyalty", task_id=f"{sent['id']}:loyalty")
        # Mid-task: the effect is committed, the message not yet acknowledged.
        probe(lambda: _assert_holding(hold_dir), 5.0)
        assert points(loyalty, sent["id"]) == 1
        os.killpg(workers[0].popen.pid, signal.SIGKILL)
        workers[0].popen.wait()
        killed = time.monotonic()
        (hold_dir / "release").touch()
        workers.append(spawn_loyalty(tmp_path, "second", env))
        started = time.monotonic() - killed

        def delivered_twice() -> None:
            assert len(deliveries(redis_client)) == 2, deliveries(redis_client)

        probe(delivered_twice, 15.0)
        redelivered = time.monotonic() - killed
        probe_never(lambda: _assert_at_most(loyalty, sent["id"], 2), 0.3)
        effects = points(loyalty, sent["id"])
        MEASURED.append(
            f"ch14 {task} (throttle {env['UNACKED_RESTORE_THROTTLE']}): killed mid-task; second worker ready {started:.2f} s after the kill, "
            f"message delivered again {redelivered:.2f} s after the kill; effects: {effects}; "
            f"duplicates recognised: {len(deliveries(redis_client, 'duplicates:loyalty'))}"
        )
        assert effects == 1, f"the points were awarded {effects} times for one message"
    finally:
        (hold_dir / "release").touch()
        stop_all(workers)


def _assert_holding(hold_dir: Path) -> None:
    assert list(hold_dir.glob("*.holding")), "no task is holding yet"


def _assert_at_most(engine, message_id: str, n: int) -> None:
    assert points(engine, message_id) <= n


@pytest.mark.parametrize("task", [pytest.param(NAIVE, marks=pytest.mark.red), INBOX])
def test_a_message_sent_twice_by_the_relay(task, loyalty, loyalty_url, running_redis, redis_client, club_celery, tmp_path, hold_dir) -> None:
    env = env_for(running_redis.url, loyalty_url, hold_dir, "never", vt=3600)
    worker = spawn_loyalty(tmp_path, "only", env)
    try:
        sent = message()
        for _ in range(2):  # the relay died between sending and marking
            club_celery.send_task(task, kwargs={"message": sent}, queue="loyalty")
        probe(lambda: _assert_deliveries(redis_client, 2), 5.0)
        assert points(loyalty, sent["id"]) == 1
    finally:
        stop_all([worker])


def _assert_deliveries(redis_client, n: int) -> None:
    assert len(deliveries(redis_client)) == n, deliveries(redis_client)


def test_two_workers_receive_the_same_message_at_once(loyalty, loyalty_url, running_redis, redis_client, club_celery, tmp_path, hold_dir) -> None:
    """Both are inside the transaction; the inbox's primary key decides."""
    env = env_for(running_redis.url, loyalty_url, hold_dir, "before_commit", vt=3600)
    workers: list[Process] = []
    try:
        workers = [spawn_loyalty(tmp_path, "one", env), spawn_loyalty(tmp_path, "two", env)]
        sent = message()
        for _ in range(2):
            club_celery.send_task(INBOX, kwargs={"message": sent}, queue="loyalty")
        probe(lambda: _assert_deliveries(redis_client, 2), 5.0)
        pids = {d.split()[1] for d in deliveries(redis_client)}
        assert len(pids) == 2  # two different workers have it at the same time
        (hold_dir / "release").touch()
        probe(lambda: _assert_deliveries(redis_client, 2) or _assert_dup(redis_client), 10.0)
        assert points(loyalty, sent["id"]) == 1
    finally:
        (hold_dir / "release").touch()
        stop_all(workers)


def _assert_dup(redis_client) -> None:
    assert len(deliveries(redis_client, "duplicates:loyalty")) == 1


@pytest.mark.red
def test_a_visibility_timeout_shorter_than_the_task_redelivers_without_any_crash(
    loyalty, loyalty_url, running_redis, redis_client, club_celery, tmp_path, hold_dir
) -> None:
    """Two live workers, visibility timeout 1 s, a task that takes 2 s."""
    env = env_for(running_redis.url, loyalty_url, hold_dir, "after_commit", vt=1)
    workers: list[Process] = []
    try:
        workers = [spawn_loyalty(tmp_path, "one", env), spawn_loyalty(tmp_path, "two", env)]
        sent = message()
        began = time.monotonic()
        club_celery.send_task(NAIVE, kwargs={"message": sent}, queue="loyalty")
        probe(lambda: _assert_holding(hold_dir), 5.0)
        try:
            probe(lambda: _assert_deliveries(redis_client, 2), 3.0)
            MEASURED.append(
                f"ch14 visibility_timeout=1 s, task still running: delivered to the other worker "
                f"{time.monotonic() - began:.2f} s after sending"
            )
        except AssertionError:
            MEASURED.append("ch14 visibility_timeout=1 s, task still running: not delivered again in 3 s")
        (hold_dir / "release").touch()
        time.sleep(0.3)
        assert len(deliveries(redis_client)) == 1, deliveries(redis_client)
    finally:
        (hold_dir / "release").touch()
        stop_all(workers)
