"""Hold points in the club's worker, attached from outside.

The tests start the club's worker program with ``--include hold_points``:
Celery imports this module as the worker starts, and its listeners hold a
task where a test armed the hold (``holding.py``). Nothing of it is in the
club's code.
"""

from typing import Any

from celery.signals import task_postrun
from sqlalchemy import Connection, Engine, event

from holding import hold_if_armed


@event.listens_for(Engine, "commit")
def _before_commit(connection: Connection) -> None:
    """SQLAlchemy calls this as a transaction commits: its writes are made,
    and nobody else sees them yet."""
    hold_if_armed("before_commit")


@task_postrun.connect
def _after_task(**_: Any) -> None:
    """Celery sends this once the task has returned, before a late
    acknowledgement: the effect is committed, and the broker does not know."""
    hold_if_armed("after_task")
