"""The reading club: a small event-driven application built with messagebus."""
