"""What the consumers did, read back from the Redis lists where they record it."""

import json
from typing import Any

import redis


class Effects:
    """What the consumers did, as they recorded it in Redis."""

    def __init__(self, client: redis.Redis, queues: list[str]) -> None:
        self.client = client
        self.queues = queues

    def book_ids(self, queue: str) -> list[str]:
        """The ids of the books whose messages the consumer of ``queue`` received."""
        return [payload["id"] for payload in self.payloads(queue)]

    def titles(self, queue: str) -> list[str]:
        """The titles of those books, in the order the consumer received them."""
        return [payload["title"] for payload in self.payloads(queue)]

    def payloads(self, queue: str) -> list[dict[str, Any]]:
        received: list[bytes | str] = self.client.lrange(f"effects:{queue}", 0, -1)
        messages = [json.loads(item) for item in received]
        return [json.loads(message["payload"]) for message in messages]

    def assert_received(self, queue: str, book_id: object) -> None:
        ids = self.book_ids(queue)
        assert str(book_id) in ids, f"{queue} has received {ids}, not {book_id}"

    def assert_not_received(self, book_id: object) -> None:
        for queue in self.queues:
            ids = self.book_ids(queue)
            assert str(book_id) not in ids, f"{queue} has received {book_id}"

    def lookups(self, book_id: object) -> list[dict[str, Any]]:
        """What the catalogue found each time it looked ``book_id`` up."""
        recorded: list[bytes | str] = self.client.lrange("lookups:catalogue", 0, -1)
        lookups = [json.loads(item) for item in recorded]
        return [lookup for lookup in lookups if lookup["id"] == str(book_id)]

    def assert_looked_up(self, book_id: object) -> dict[str, Any]:
        lookups = self.lookups(book_id)
        assert len(lookups) == 1, f"the catalogue looked {book_id} up: {lookups}"
        return lookups[0]

    def assert_not_looked_up(self, book_id: object) -> None:
        lookups = self.lookups(book_id)
        assert lookups == [], f"the catalogue looked up {book_id}: {lookups}"

    def message_ids(self, queue: str) -> list[str]:
        """The ids of the messages the consumer of ``queue`` was done with."""
        received: list[bytes | str] = self.client.lrange(f"effects:{queue}", 0, -1)
        return [json.loads(item)["id"] for item in received]

    def deliveries(self, queue: str, message_id: str) -> list[int]:
        """The pids of the workers that started on ``message_id``, in order."""
        return self._pids(f"deliveries:{queue}", message_id)

    def duplicates(self, queue: str, message_id: str) -> list[int]:
        """The pids of the workers that found ``message_id`` handled already."""
        return self._pids(f"duplicates:{queue}", message_id)

    def assert_handled(self, queue: str, message_id: str, times: int) -> None:
        """The consumer of ``queue`` ended ``times`` tasks for ``message_id``,
        with an effect or as a duplicate. A killed worker's task never ends."""
        effects = self.message_ids(queue).count(message_id)
        duplicates = len(self.duplicates(queue, message_id))
        assert effects + duplicates == times, (
            f"{queue} ended {effects} tasks with an effect and {duplicates} as"
            f" duplicates, not {times} in all"
        )

    def _pids(self, key: str, message_id: str) -> list[int]:
        recorded: list[bytes | str] = self.client.lrange(key, 0, -1)
        records = [r.decode() if isinstance(r, bytes) else r for r in recorded]
        pairs = [record.split() for record in records]
        return [int(pid) for id_, pid in pairs if id_ == message_id]

    def clear(self) -> None:
        """Empty the consumers' queues and effects.

        A message that a worker has already taken is beyond reach: its effect
        may still land during the next test. Tests look for their own ids.
        """
        effects = [
            f"{record}:{queue}"
            for record in ("effects", "deliveries", "duplicates")
            for queue in self.queues
        ]
        self.client.delete(*self.queues, *effects, "lookups:catalogue")
