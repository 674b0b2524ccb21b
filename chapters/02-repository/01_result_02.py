"""Results: the outcome of an operation that can fail in an expected way.

An operation that may fail for a reason the caller has to deal with returns
``Ok(value)`` or ``Err(error)`` instead of raising. The possible failures are
then part of its signature, and ``match`` makes the caller handle them::

    match await books.by_id(book_id):
        case Ok(book):
            ...
        case Err(error):
            ...

Exceptions remain for what no caller can plan for: bugs and broken
infrastructure.
"""

from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

T = TypeVar("T")
E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    """The operation succeeded and produced ``value``."""

    value: T


@dataclass(frozen=True, slots=True)
class Err(Generic[E]):
    """The operation failed for the expected reason ``error``."""

    error: E


Result: TypeAlias = Ok[T] | Err[E]
"""Either ``Ok[T]`` or ``Err[E]``: ``Result[Book, BookRepositoryError]``."""
