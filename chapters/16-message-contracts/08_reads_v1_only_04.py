"""The catalogue's worker as it was before it read ``book_registered_v2``.

A test starts a worker with ``--include=reads_v1_only`` to deploy the
producer before the consumer: the hook attaches from outside, as the hold
points do, and the club's code knows nothing of it.
"""

from reading_club.entrypoints.catalogue_reads import READS

del READS["book_registered_v2"]
