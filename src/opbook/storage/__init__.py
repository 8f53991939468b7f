"""Where runs, events and step outputs are kept: protocols plus in-memory, filesystem and
SQLite implementations, behind one ``DagsterInstance``."""
