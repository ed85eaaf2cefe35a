"""Persistence: SQLAlchemy 2 Core tables, row <-> domain mapping, repositories and the unit of
work, for SQLite (the embedded default) and PostgreSQL. All SQL of the online judge lives here."""
