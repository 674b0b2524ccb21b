"""A broker as slow as a test wants, for the tests of a slow broker.

``SlowProxy`` listens on a loopback port of its own and passes every command
on to Redis at once. Redis's answers come back ``delay`` seconds late; once a
command that holds ``hold_after`` has passed, they do not come back at all:
Redis has done what it was asked, and the client waits. Closing the proxy
closes every connection, and the answers kept go nowhere.
"""

import asyncio
from types import TracebackType
from typing import Self


class SlowProxy:
    def __init__(
        self, upstream_port: int, delay: float = 0.0, hold_after: bytes | None = None
    ) -> None:
        self.upstream_port, self.delay, self.hold_after = (
            upstream_port,
            delay,
            hold_after,
        )
        self.late = asyncio.Event()
        """Set once an answer of Redis is late, or kept."""
        self._holding = False
        self._closing = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not started"
        return f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        self._closing.set()
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._connections, return_exceptions=True)

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
            self._commands(client_in, redis_out),
            self._answers(redis_in, client_out),
            return_exceptions=True,
        )

    async def _commands(
        self, source: asyncio.StreamReader, target: asyncio.StreamWriter
    ) -> None:
        while data := await source.read(65536):
            if self.hold_after is not None and self.hold_after in data:
                self._holding = True
            target.write(data)
            await target.drain()

    async def _answers(
        self, source: asyncio.StreamReader, target: asyncio.StreamWriter
    ) -> None:
        while data := await source.read(65536):
            if self._holding or self.delay:
                self.late.set()
            if self._holding:
                await self._closing.wait()  # kept until the proxy closes
                return
            await asyncio.sleep(self.delay)
            target.write(data)
            await target.drain()
