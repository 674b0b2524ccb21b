"""Entry points: where a request from outside enters the club, end to end.

An entry point opens the unit of work, hands the command to the bus, and
does what must happen around the transaction. It is the one place that
knows both the service layer and the adapters it is given.
"""
