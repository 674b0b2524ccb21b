"""The expected ways an operation of the reading club can fail."""

import enum


class BookRepositoryError(enum.Enum):
    """Why a book repository could not do what it was asked."""

    not_found = "not_found"
    """No book has this id."""
    already_registered = "already_registered"
    """A book with this id is already in the catalogue."""
    isbn_taken = "isbn_taken"
    """Another book in the catalogue has this ISBN."""
