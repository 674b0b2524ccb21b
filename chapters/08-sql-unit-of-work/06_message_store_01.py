"""The message store over one SQL connection and its transaction."""

from typing import Any

from messagebus import (
    AsyncAbstractMessageStoreRepository,
    AsyncEventstreamPublisher,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from reading_club.adapters.sql import tables

ENVELOPE = {"message_id", "created_at", "metadata"}
"""The fields every message has; the ``messages`` table has a column for each."""


class SqlMessageStore(AsyncAbstractMessageStoreRepository):
    """Each message the bus handles becomes a row of the ``messages`` table."""

    def __init__(
        self, connection: AsyncConnection, publisher: AsyncEventstreamPublisher
    ) -> None:
        super().__init__(publisher)
        self.connection = connection

    async def _add(self, message: Message[Any]) -> None:
        await self.connection.execute(
            tables.messages.insert().values(
                message_id=message.message_id,
                created_at=message.created_at,
                name=message.metadata.name,
                schema_version=message.metadata.schema_version,
                published=message.metadata.published,
                payload=message.model_dump(mode="json", exclude=ENVELOPE),
            )
        )
