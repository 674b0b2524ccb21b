"""Entry points: where the club is entered from outside, a module each.

A message reaches the club's worker (``worker``, a program of its own);
``schema`` creates the club's tables.
Each entry point builds what it needs through ``reading_club.bootstrap``,
and is the one place that knows both the service layer and the adapters it
uses.
"""
