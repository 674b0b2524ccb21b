"""Who receives what the club publishes, and under which task name.

The one place that says it: the relay, the worker, the dead letters' replay
and the tests all read it here. Each consumer is a service with a queue of
its own, because a queue hands each message to one worker only: consumers
sharing a queue would each receive part of the messages.
"""

from reading_club.adapters.celery_transport import Consumer, Routes

NOTIFICATIONS = Consumer(task="notifications.book_registered", queue="notifications")
"""The members' mailing service, which another team runs: it tells the
members of each new book. The club sends it messages and owns nothing else
of it."""

CATALOGUE = Consumer(task="catalogue.book_registered", queue="catalogue")
"""The club's own catalogue, run by the club's worker program
(``reading_club.entrypoints.worker``): it counts the books of each author
and keeps the search index."""

ROUTES: Routes = {
    "book_registered_v1": (NOTIFICATIONS, CATALOGUE),
    "book_registered_v2": (NOTIFICATIONS, CATALOGUE),
}
"""The consumers of each message type, by its serialized ``type``. A message
type that is not here is sent to nobody. The club publishes
``book_registered_v2``; the relay may still find ``v1`` in the outbox."""
