"""Entry points: where the club is entered from outside, a module each.

A request registers a book (``books``); a message reaches the club's worker
(``worker``, a program of its own); the relay sends what the requests
stored (``relay``, another program); ``schema`` creates the club's tables.
Each entry point builds its parts through ``reading_club.bootstrap`` (a
command that needs only the database may make its engine itself), and is
the one place that knows both the service layer and the adapters it uses.
"""
