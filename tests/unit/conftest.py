"""Unit tests: pure Python logic that needs no server (times, converters, escaping,
constants, the exception table, option files, argument binding, the executemany
regex). Everything that talks to a session lives in ``tests/test_*.py`` and runs
against a real server.
"""
