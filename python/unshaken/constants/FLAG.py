"""Column definition flags (``cursor.description_flags`` bits)."""

# ruff: noqa: N999 -- the upper-case module name is MySQLdb's public API

NOT_NULL = 1
PRI_KEY = 2
UNIQUE_KEY = 4
MULTIPLE_KEY = 8
BLOB = 16
UNSIGNED = 32
ZEROFILL = 64
BINARY = 128
ENUM = 256
AUTO_INCREMENT = 512
TIMESTAMP = 1024
SET = 2048
PART_KEY = 16384
NUM = 32768
GROUP = 32768  # same bit as NUM: the server reuses it
UNIQUE = 65536
