"""The club's message contracts: a JSON Schema for each version of each
message it publishes, and for each version the catalogue reads.

The schemas are generated from the models and committed beside the code,
in ``contracts/``, so that a change to a model shows in review as a change
to a contract. ``python -m reading_club.contracts [DIRECTORY]`` writes them.
"""

import json
import sys
from pathlib import Path
from typing import Any

from messagebus import Message
from pydantic import BaseModel, ConfigDict, create_model
from pydantic.json_schema import JsonSchemaMode

from reading_club.adapters.sql.message_store import ENVELOPE
from reading_club.domain.messages import BookRegistered
from reading_club.entrypoints.catalogue_reads import READS
from reading_club.routes import CATALOGUE

PUBLISHED: tuple[type[Message[Any]], ...] = (BookRegistered,)
"""Every version of every message the club publishes. A version stays here,
with its contract, while a message of it may still be in flight: in the
outbox, in a queue, or among the dead letters."""

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def message_type(message: type[Message[Any]]) -> str:
    """The ``type`` that messages of this class carry: ``<name>_v<version>``."""
    metadata = message.model_fields["metadata"].default
    return f"{metadata.name}_v{metadata.schema_version}"


def published_contract(message: type[Message[Any]]) -> dict[str, Any]:
    """What the club promises to send in the payload of ``message``: exactly
    its fields, each as the model serializes it. A field with a default is
    sent all the same, so the contract requires every field."""
    fields: dict[str, Any] = {
        name: (field.annotation, field)
        for name, field in message.model_fields.items()
        if name not in ENVELOPE
    }
    payload = create_model(
        message_type(message),
        __config__=ConfigDict(
            extra="forbid", json_schema_serialization_defaults_required=True
        ),
        **fields,
    )
    return _schema(payload, mode="serialization")


def read_contract(message_type: str, reader: type[BaseModel]) -> dict[str, Any]:
    """What a consumer accepts in a payload of ``message_type``: the fields
    its model reads."""
    return _schema(reader, mode="validation") | {"title": message_type}


def contracts() -> dict[Path, dict[str, Any]]:
    """Every contract the club owns, by its path in the contracts' folder:
    its own messages' at the top, the catalogue's reads in
    ``consumers/catalogue``. Other consumers hand theirs over."""
    owned = {Path(f"{message_type(m)}.json"): published_contract(m) for m in PUBLISHED}
    for read_type, reader in READS.items():
        path = Path("consumers", CATALOGUE.queue, f"{read_type}.json")
        owned[path] = read_contract(read_type, reader)
    return owned


def as_text(contract: dict[str, Any]) -> str:
    """A contract as it is committed: indented, to read well in a diff."""
    return json.dumps(contract, indent=2, ensure_ascii=False) + "\n"


def write_contracts(directory: Path) -> list[Path]:
    """Write every contract the club owns under ``directory``."""
    written = []
    for path, contract in contracts().items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(as_text(contract), encoding="utf-8")
        written.append(target)
    return written


def _schema(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    schema = model.model_json_schema(mode=mode)
    # Docstrings are written for the code's readers: a contract changes
    # with the fields alone.
    for described in (schema, *schema.get("$defs", {}).values()):
        described.pop("description", None)
    return {"$schema": JSON_SCHEMA, **schema}


if __name__ == "__main__":
    for written in write_contracts(
        Path(sys.argv[1] if len(sys.argv) > 1 else "contracts")
    ):
        print(f"wrote {written}")
