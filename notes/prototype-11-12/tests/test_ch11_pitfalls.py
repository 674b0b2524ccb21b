"""Chapter 11's pitfalls, each shown by a run against the real Redis."""

import asyncio
import gc
import json
import time
from typing import Any

import redis
from celery import Celery
from celery.signals import after_task_publish
from kombu import Connection, Exchange, Queue

from probing import probe, probe_never
from tests.test_ch11_round_trip import effects


def test_a_weakly_connected_receiver_is_collected_and_never_runs(
    club_celery: Celery, redis_client: redis.Redis
) -> None:
    seen: list[str] = []

    def connect() -> None:
        def record(sender: str, **_: Any) -> None:
            seen.append(sender)

        after_task_publish.connect(record)  # weak=True by default

    connect()
    gc.collect()
    club_celery.send_task("probe.echo", kwargs={"token": "x"}, queue="nobody")
    assert seen == []  # the receiver was garbage: no error, no call
    redis_client.delete("nobody")


def test_before_and_after_task_publish_see_each_send(
    club_celery: Celery, redis_client: redis.Redis
) -> None:
    from celery.signals import before_task_publish

    log: list[tuple[str, str, str]] = []

    def before(sender: str, routing_key: str, **_: Any) -> None:
        log.append(("before", sender, routing_key))

    def after(sender: str, routing_key: str, **_: Any) -> None:
        log.append(("after", sender, routing_key))

    before_task_publish.connect(before, weak=False)
    after_task_publish.connect(after, weak=False)
    try:
        club_celery.send_task("probe.echo", kwargs={"token": "x"}, queue="nobody")
    finally:
        before_task_publish.disconnect(before)
        after_task_publish.disconnect(after)
    assert log == [("before", "probe.echo", "nobody"), ("after", "probe.echo", "nobody")]
    redis_client.delete("nobody")


async def test_a_message_waits_in_its_list_for_a_worker_to_come(
    club_celery: Celery, redis_client: redis.Redis
) -> None:
    """No worker reads "later": the message is an entry of a Redis list meanwhile."""
    club_celery.send_task("probe.echo", kwargs={"token": "x"}, queue="later")
    assert redis_client.llen("later") == 1
    redis_client.delete("later")


def test_redis_fanout_loses_what_is_published_while_nobody_listens(redis_url: str) -> None:
    """kombu's fanout on Redis is PUBLISH: whoever does not listen now misses it."""
    events = Exchange("club_events", type="fanout")
    queue = Queue("fanout_consumer", exchange=events)
    got: list[Any] = []

    def receive(body: Any, message: Any) -> None:
        got.append(body)
        message.ack()

    with Connection(redis_url) as connection:
        producer = connection.Producer()
        producer.publish({"n": 1}, exchange=events, declare=[events])  # nobody listens
        with connection.Consumer(queue, callbacks=[receive]):
            # The consumer SUBSCRIBEs only once it polls: until then, even a
            # consumer that exists misses what is published.
            producer.publish({"n": 2}, exchange=events)
            drain(connection, 0.3)
            producer.publish({"n": 3}, exchange=events)  # subscribed by now
            drain(connection, 0.5)
    assert got == [{"n": 3}]  # 1 and 2 are gone: no list ever held them


def drain(connection: Connection, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection.drain_events(timeout=0.05)
        except TimeoutError:
            pass


def test_one_publish_reaches_two_queues_bound_to_its_routing_key(
    redis_url: str, redis_client: redis.Redis
) -> None:
    """The alternative to two sends: a direct exchange, two queues, one key.

    kombu's Redis transport pushes a copy into each bound queue's list, so
    each consumer has its own durable copy. The bindings live in Redis
    (``_kombu.binding.<exchange>``): a queue not yet declared gets nothing,
    and FLUSHDB erases the bindings.
    """
    events = Exchange("club", type="direct")
    queues = [
        Queue("copy_a", exchange=events, routing_key="book_registered"),
        Queue("copy_b", exchange=events, routing_key="book_registered"),
    ]
    with Connection(redis_url) as connection:
        producer = connection.Producer()
        producer.publish(
            {"n": 1}, exchange=events, routing_key="book_registered", declare=queues
        )
        assert redis_client.llen("copy_a") == 1
        assert redis_client.llen("copy_b") == 1
        bindings = redis_client.smembers("_kombu.binding.club")
        redis_client.delete("copy_a", "copy_b", "_kombu.binding.club")
    assert len(bindings) == 2


async def test_flushdb_leaves_send_task_to_a_named_queue_working(
    club_celery: Celery, workers: object, redis_client: redis.Redis
) -> None:
    """What FLUSHDB does to a running worker and its queue (measured, see the notes)."""
    redis_client.flushdb()
    club_celery.send_task("probe.echo", kwargs={"token": "after-flush"}, queue="notifications")

    def echoed() -> None:
        assert effects_raw(redis_client) == [b"after-flush"]

    await asyncio.to_thread(probe, echoed, 5.0)


def effects_raw(client: redis.Redis) -> list[bytes]:
    return client.lrange("effects:probe", 0, -1)
