"""A slow network between a client and Redis, for the tests of a slow broker.

``SlowProxy`` listens on a loopback port of its own, passes every command on
to Redis at once, and every answer back after ``delay`` seconds. Once a
command that holds ``hold_after`` has passed, it keeps Redis's answers: Redis
has done what it was asked, and the client never learns it. It runs on the
test's event loop.
"""

import asyncio
from types import TracebackType
from typing import Self


class SlowProxy:
    def __init__(
        self, upstream_port: int, delay: float = 0.0, *, hold_after: bytes | None = None
    ) -> None:
        self.upstream_port = upstream_port
        self.delay = delay
        self.hold_after = hold_after
        self.delaying = asyncio.Event()
        """Set once an answer of Redis is waiting in the proxy."""
        self._answering = asyncio.Event()
        self._answering.set()
        self._closed = False
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close every connection: a client still waiting for an answer gets a
        closed connection instead, and the answers kept go nowhere."""
        assert self._server is not None
        self._closed = True
        self._server.close()
        for writer in self._writers:
            writer.close()
        self._answering.set()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    async def _connect(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        redis_in, redis_out = await asyncio.open_connection(
            "127.0.0.1", self.upstream_port
        )
        self._writers |= {client_out, redis_out}
        await asyncio.gather(
            self._pass(client_in, redis_out, answers=False),
            self._pass(redis_in, client_out, answers=True),
            return_exceptions=True,
        )

    async def _pass(
        self,
        source: asyncio.StreamReader,
        target: asyncio.StreamWriter,
        *,
        answers: bool,
    ) -> None:
        while not self._closed and (data := await source.read(65536)):
            if self.hold_after is not None and self.hold_after in data:
                self._answering.clear()
            if answers:
                self.delaying.set()
                await self._answering.wait()
                await asyncio.sleep(self.delay)
            if not self._closed:
                target.write(data)
                await target.drain()
        target.close()
