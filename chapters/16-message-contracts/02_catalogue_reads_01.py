"""What the catalogue reads of a message, and the messages it cannot read.

The catalogue declares the fields it uses, and ignores any others (a
tolerant reader): the producer may add a field without breaking it.
Anything it cannot read raises :class:`PoisonMessage`, which the worker
keeps as a dead letter at once: no retry makes a message readable.
"""

import reprlib
import uuid
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

LARGEST_PAYLOAD = 64 * 1024
"""The largest payload the catalogue reads, in bytes. A registration takes a
few hundred; a payload a hundred times larger is a mistake, and reading it
would only hold the worker."""


SHORT = reprlib.Repr()
SHORT.maxstring = 80  # a string of any length, shown in a line at most


class PoisonMessage(Exception):
    """A message that the consumer cannot read, however often it tries."""


AuthorName = Annotated[str, Field(min_length=1)]
"""An author's name, read as it comes, and never empty: the catalogue counts
each name as an author. Not stripped: a reader stricter than the producer's
contract would refuse messages that the contract allows."""


class BookToCount(BaseModel):
    """What the catalogue reads of ``book_registered``: the book, its authors
    to count, and its ISBN to ask the book-data service about."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    authors: list[AuthorName] = Field(min_length=1)
    isbn: str = Field(pattern=r"^[0-9]{13}$")


class Envelope(BaseModel):
    """What every message of the club carries around its payload."""

    id: uuid.UUID
    type: str
    payload: str


@dataclass(frozen=True)
class Received:
    """A message the catalogue could read."""

    message_id: uuid.UUID
    book: BookToCount


READS: dict[str, type[BookToCount]] = {"book_registered_v1": BookToCount}
"""The types of message the catalogue reads, and the model of each."""


def read_book_registered(message: object) -> Received:
    """The book that ``message`` registers; :class:`PoisonMessage` if the
    catalogue cannot read it."""
    try:
        envelope = Envelope.model_validate(message)
    except ValidationError as error:
        raise PoisonMessage(
            f"not a message of the club: {_fields(error, 'message')}"
        ) from None
    reader = READS.get(envelope.type)
    if reader is None:
        raise PoisonMessage(_unknown(envelope.type))
    # A lone surrogate is valid in a JSON string, not in UTF-8: count it.
    size = len(envelope.payload.encode(errors="surrogatepass"))
    if size > LARGEST_PAYLOAD:
        raise PoisonMessage(
            f"a payload of {size} bytes, over the limit of {LARGEST_PAYLOAD}"
        )
    try:
        book = reader.model_validate_json(envelope.payload)
    except ValidationError as error:
        raise PoisonMessage(_payload_problems(envelope.type, error)) from None
    return Received(envelope.id, book)


def _unknown(message_type: str) -> str:
    name, _, version = message_type.rpartition("_v")
    known = sorted(known for known in READS if known.rpartition("_v")[0] == name)
    if known and version.isdigit():
        return (
            f"an unknown version of {name}: {message_type} (reads {', '.join(known)})"
        )
    return f"an unknown type of message: {SHORT.repr(message_type)}"


def _payload_problems(message_type: str, error: ValidationError) -> str:
    problems = error.errors(include_url=False, include_input=False)
    if problems[0]["type"] == "json_invalid":
        return f"a payload that is not JSON: {problems[0]['msg']}"
    return f"a payload that does not fit {message_type}: {_fields(error, 'payload')}"


def _fields(error: ValidationError, whole: str) -> str:
    """Each problem that pydantic found, with the field it found it in."""
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"]) or whole
        problems.append(f"{where}: {problem['msg']}")
    return "; ".join(problems)
