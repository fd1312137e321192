"""Escaping that needs no connection: MySQLdb's module-level ``escape_string``,
``string_literal`` and ``escape``.

Without a connection there is no charset and no sql_mode, so this is the
plain backslash style (what the C client's mysql_escape_string does).
Connection methods of the same names use the session-aware escaping of the
compiled core instead; query arguments always go through those.
"""

import re

__all__ = ["escape", "escape_string", "string_literal"]

_BACKSLASHED = {
    b"\0": b"\\0",
    b"\n": b"\\n",
    b"\r": b"\\r",
    b"\\": b"\\\\",
    b"'": b"\\'",
    b'"': b'\\"',
    b"\x1a": b"\\Z",
}
_SPECIAL = re.compile(b"[" + re.escape(b"".join(_BACKSLASHED)) + b"]")


def _as_bytes(s):
    # Like the C client, text is taken as UTF-8 when there is no connection.
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


def escape_string(s):
    """Backslash-escape the characters SQL treats specially; returns bytes."""
    return _SPECIAL.sub(lambda m: _BACKSLASHED[m.group()], _as_bytes(s))


def string_literal(obj):
    """``obj`` as a quoted SQL string literal (bytes); bytes-like objects (bytearray
    and subclasses too) by their contents, anything else via str()."""
    raw = obj if isinstance(obj, (bytes, bytearray)) else str(obj)
    return b"'" + escape_string(raw) + b"'"


def escape(obj, mapping, fallback=string_literal):
    """Encode ``obj`` with the encoder ``mapping`` holds for its exact type.

    The lookup is by ``type(obj)``, not isinstance, as in MySQLdb: a subclass
    without its own entry becomes a string literal of ``str(obj)``.
    """
    try:
        encoder = mapping[type(obj)]
    except KeyError:
        return fallback(obj)
    return encoder(obj, mapping)
