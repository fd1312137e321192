"""Protocol constants with the names MySQLdb.constants uses."""

__all__ = ["CLIENT", "CR", "ER", "FIELD_TYPE", "FLAG"]
