"""What the consumers did, read back from the Redis lists where they record it."""

import json

import redis


class Effects:
    """What the consumers did, as they recorded it in Redis."""

    def __init__(self, client: redis.Redis, queues: list[str]) -> None:
        self.client = client
        self.queues = queues

    def book_ids(self, queue: str) -> list[str]:
        """The ids of the books whose messages the consumer of ``queue`` received."""
        received: list[bytes | str] = self.client.lrange(f"effects:{queue}", 0, -1)
        messages = [json.loads(item) for item in received]
        return [json.loads(message["payload"])["id"] for message in messages]

    def assert_received(self, queue: str, book_id: object) -> None:
        ids = self.book_ids(queue)
        assert str(book_id) in ids, f"{queue} has received {ids}, not {book_id}"

    def assert_not_received(self, book_id: object) -> None:
        for queue in self.queues:
            ids = self.book_ids(queue)
            assert str(book_id) not in ids, f"{queue} has received {book_id}"

    def clear(self) -> None:
        """Empty the consumers' queues and effects.

        A message that a worker has already taken is beyond reach: its effect
        may still land during the next test. Tests look for their own ids.
        """
        effects = [f"effects:{queue}" for queue in self.queues]
        self.client.delete(*self.queues, *effects)
