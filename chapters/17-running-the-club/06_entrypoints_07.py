"""Entry points: where the club is entered from outside, a module each.

A request registers a book (``api``, over HTTP, through ``books``); a
message reaches the club's worker (``worker``); the relay sends what the
requests stored (``relay``); an operator looks after the dead letters
(``dead_letters``). ``cli`` is the one command that starts each program,
``reading-club``. Each entry point builds its parts through ``bootstrap``
(``cli`` makes its engines itself), and is the one place that knows both
the service layer and the adapters it uses.
"""
