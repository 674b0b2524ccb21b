"""The book-data service, which another team runs: a summary of each book,
by its ISBN, for the club's search index.

It answers ``GET /books/<isbn>`` with ``{"summary": "..."}``. Like any
service over a network, it fails now and then, in two ways that the club's
worker must tell apart: the service could not answer *now* (it is down,
slow, or busy), and asking again later may work; or it answered that the
question is wrong, and asking again will get the same answer.
"""

from dataclasses import dataclass

import httpx


class BookDataUnavailable(Exception):
    """No answer, or "not now": a connection refused or timed out, a 5xx, a
    429 (too many requests). Worth asking again, later."""


class BookDataRefused(Exception):
    """An answer that will not change: the service does not know the ISBN
    (404), or refuses the request (another 4xx). Asking again is no use
    until someone fixes the cause."""


@dataclass(frozen=True)
class BookData:
    """The club's client of the book-data service."""

    http: httpx.Client
    """With the service's address as its ``base_url``, and a timeout."""

    def summary(self, isbn: str) -> str:
        """The summary the service has for ``isbn``."""
        try:
            response = self.http.get(f"/books/{isbn}")
        except httpx.TransportError as error:  # refused, reset, timed out
            raise BookDataUnavailable(f"no answer for {isbn}: {error!r}") from error
        status = response.status_code
        if status == 429 or status >= 500:
            raise BookDataUnavailable(f"answered {status} for {isbn}")
        if status >= 400:
            raise BookDataRefused(f"answered {status} for {isbn}")
        summary: str = response.raise_for_status().json()["summary"]
        return summary
