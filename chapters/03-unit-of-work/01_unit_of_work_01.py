"""The unit of work: one business transaction over the club's repositories."""

from messagebus import AsyncAbstractMessageStoreRepository, AsyncAbstractUnitOfWork
from messagebus.ports.observability import AbstractMetricsStore

from reading_club.service.repositories import AbstractBookRepository


class AbstractUnitOfWork(
    AsyncAbstractUnitOfWork[
        AbstractBookRepository,
        AsyncAbstractMessageStoreRepository,
        AbstractMetricsStore,
    ]
):
    """Every repository the application changes, committed or rolled back as one.

    Implementations create their repositories in ``__init__``, as instance
    attributes: messagebus finds them by looking through the instance.
    """

    books: AbstractBookRepository
