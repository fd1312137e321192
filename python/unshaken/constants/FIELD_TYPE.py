"""Column type codes (MYSQL_TYPE_* on the wire, without the prefix)."""

# ruff: noqa: N999 -- the upper-case module name is MySQLdb's public API

DECIMAL = 0
TINY = 1
SHORT = 2
LONG = 3
FLOAT = 4
DOUBLE = 5
NULL = 6
TIMESTAMP = 7
LONGLONG = 8
INT24 = 9
DATE = 10
TIME = 11
DATETIME = 12
YEAR = 13
# 14 (NEWDATE) and 17-19 (TIMESTAMP2, DATETIME2, TIME2) never reach a client.
VARCHAR = 15
BIT = 16
JSON = 245
NEWDECIMAL = 246
ENUM = 247
SET = 248
TINY_BLOB = 249
MEDIUM_BLOB = 250
LONG_BLOB = 251
BLOB = 252
VAR_STRING = 253
STRING = 254
GEOMETRY = 255

# Historical aliases MySQLdb keeps.
CHAR = TINY
INTERVAL = ENUM
