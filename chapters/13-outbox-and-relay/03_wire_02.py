"""Stored messages as the event stream carries them."""

import json
from typing import Any

from sqlalchemy import Row


def wire_format(row: Row[Any]) -> dict[str, Any]:
    """The message of a ``messages`` row, serialized as messagebus's
    ``MessageSerializer`` serializes a message: the consumers cannot tell a
    relayed message from one that the bus sent."""
    return {
        "id": str(row.message_id),
        "created_at": row.created_at.isoformat(),
        "type": f"{row.name}_v{row.schema_version}",
        # pydantic's JSON: no spaces, and non-ASCII characters as they are.
        "payload": json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False),
    }
