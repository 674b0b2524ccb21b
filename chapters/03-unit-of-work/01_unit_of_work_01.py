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

    Implementations set their repositories as instance attributes, where
    messagebus finds them by looking through the instance. They create them
    as each transaction begins: a repository remembers the books it has seen,
    and that memory must not outlive the transaction.
    """

    books: AbstractBookRepository
