"""Hold points in the club's worker, attached from outside: the tests start
the worker program with ``--include hold_points``, and Celery imports this
module as the worker starts. Nothing of it is in the club's code."""

from typing import Any

from celery.signals import task_postrun
from sqlalchemy import Connection, Engine, event

from holding import hold_if_armed


@event.listens_for(Engine, "commit")
def _before_commit(connection: Connection) -> None:
    """As a transaction commits: its writes are made, and unseen by others."""
    hold_if_armed("before_commit")


@task_postrun.connect
def _after_task(**_: Any) -> None:
    """Once the task returned, before a late acknowledgement: the effect is
    committed, and the broker does not know."""
    hold_if_armed("after_task")
