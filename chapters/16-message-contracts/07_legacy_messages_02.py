"""Earlier schema versions of the club's messages.

Stored messages, queues and dead letters may still hold them, so each class
here keeps the exact shape it was published with. Add new ones, never edit
the existing ones. The rest of the code sees only the current versions
(:mod:`reading_club.domain.messages`): ``contracts.py`` imports
``BookRegisteredV1`` for its contract; the catalogue parses
``book_registered_v1`` with a model of its own (``catalogue_reads.py``); and
no entry point takes ``RegisterBookV1`` yet, whose ``upgrade`` is for one
that will.
"""

from messagebus import Command, Event, Metadata
from pydantic import Field

from reading_club.domain.messages import Isbn13, NonBlank, RegisterBook
from reading_club.domain.model import BookId


class RegisterBookV1(Command):
    """``register_book`` as first published: a book with a single author."""

    id: BookId
    title: NonBlank
    author: NonBlank
    isbn: Isbn13
    metadata: Metadata = Metadata(name="register_book", schema_version=1)

    def upgrade(self) -> RegisterBook:
        """The same request, in the current schema version."""
        return RegisterBook(
            message_id=self.message_id,
            created_at=self.created_at,
            id=self.id,
            title=self.title,
            authors=[self.author],
            isbn=self.isbn,
        )


class BookRegisteredV1(Event):
    """``book_registered`` as first published: each author a name alone.

    The club no longer publishes it, but messages of it may still be in the
    outbox, in queues and among the dead letters: its contract stays.
    """

    id: BookId
    title: NonBlank
    authors: list[NonBlank] = Field(min_length=1)
    isbn: Isbn13
    metadata: Metadata = Metadata(
        name="book_registered", schema_version=1, published=True
    )
