"""``python -m reading_club``: the ``reading-club`` command, where it is not
installed as a script."""

from reading_club.entrypoints.cli import main

main(prog_name="reading-club")
