"""The message store over one SQL connection and its transaction."""

import logging
import uuid
from typing import Any

from messagebus import (
    AsyncAbstractMessageStoreRepository,
    AsyncEventstreamPublisher,
    Message,
)
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from reading_club.adapters.sql import tables
from reading_club.logs import current_message

ENVELOPE = {"message_id", "created_at", "metadata"}
"""The fields every message has; the ``messages`` table has a column for each."""

log = logging.getLogger(__name__)


class SqlMessageStore(AsyncAbstractMessageStoreRepository):
    """Each message the bus handles becomes a row of the ``messages`` table."""

    def __init__(
        self, connection: AsyncConnection, publisher: AsyncEventstreamPublisher
    ) -> None:
        super().__init__(publisher)
        self.connection = connection

    async def _add(self, message: Message[Any]) -> None:
        insert = tables.messages.insert().values(
            message_id=message.message_id,
            created_at=message.created_at,
            name=message.metadata.name,
            schema_version=message.metadata.schema_version,
            published=message.metadata.published,
            payload=message.model_dump(mode="json", exclude=ENVELOPE),
        )
        try:
            async with self.connection.begin_nested():
                await self.connection.execute(insert)
        except IntegrityError:
            # A message handled again, a retried command, is stored already.
            if not await self._has(message.message_id):
                raise
            return
        # Before the commit: should the transaction roll back, the request's
        # error follows this line. The message being handled, the request's
        # command, caused this one: the line ties the two ids together.
        message_id = str(message.message_id)
        cause = current_message()
        log.info(
            "storing message %s (%s)",
            message_id,
            message.metadata.name,
            extra={
                "message_id": message_id,
                "caused_by": cause if cause != message_id else None,
            },
        )

    async def _has(self, message_id: uuid.UUID) -> bool:
        query = select(tables.messages.c.message_id).where(
            tables.messages.c.message_id == message_id
        )
        return (await self.connection.execute(query)).first() is not None
