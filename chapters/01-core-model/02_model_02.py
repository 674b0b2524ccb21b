"""The club's domain model."""

import uuid
from typing import NewType

from messagebus import Model

BookId = NewType("BookId", uuid.UUID)
"""Identifies a book. Whoever registers the book chooses it, not the database."""


class Book(Model):
    """A book in the club's catalogue."""

    id: BookId
    title: str
    author: str
    isbn: str
