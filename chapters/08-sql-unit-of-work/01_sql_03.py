"""The club's storage in a SQL database, through SQLAlchemy Core."""
