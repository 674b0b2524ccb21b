"""Service handlers: what the club does when it receives a message.

The message bus finds them by scanning this package.
"""
