"""Type conversion, as MySQLdb.converters.

``conversions`` holds two kinds of entries, told apart by the key:

* a Python type -> an encoder ``f(value, mapping)`` returning the SQL literal
  (str or bytes) for query arguments;
* a FIELD_TYPE number -> a decoder for result columns: a callable taking the
  column's text, or a sequence of ``(flag_mask, callable)`` pairs where the
  first pair whose mask matches the column's flags wins and a ``None`` mask
  matches anything (see ``_bytes_or_str``).

Pass a modified copy as ``connect(conv=...)``; never edit this dict in place.
Strings and bytes have no encoder here on purpose: ``Connection.literal``
handles them itself because it needs the connection's charset. The encoders here
that quote text (Thing2Literal, Set2Str, array2Str and the datetime ones) use the
connection-less escaper when called directly; ``Connection.escape`` and
``Connection.literal`` replace them with the session's escaping (charset and
NO_BACKSLASH_ESCAPES) whichever mapping they are found in.
"""

import array
from decimal import Decimal

from ._escape import escape, string_literal
from ._exceptions import ProgrammingError
from .constants import FIELD_TYPE, FLAG
from .times import (
    Date,
    Date_or_None,
    DateTime2literal,
    DateTime_or_None,
    DateTimeDelta2literal,
    DateTimeDeltaType,
    DateTimeType,
    TimeDelta_or_None,
)

NoneType = type(None)
ArrayType = array.array


def Bool2Str(s, d):
    return b"1" if s else b"0"


def Set2Str(s, d):
    """A set as a SET column literal: ``'a,b'`` (element order is the set's)."""
    return string_literal(",".join(s))


def Thing2Str(s, d):
    """Unquoted ``str(s)``; for numbers."""
    return str(s)


def Float2Str(o, d):
    """A float literal the server reads back as a DOUBLE (hence the ``e0``)."""
    text = repr(o)
    if text in ("inf", "-inf", "nan"):
        raise ProgrammingError(f"{text} can not be used with MySQL")
    return text if "e" in text else text + "e0"


def None2NULL(o, d):
    return b"NULL"


def Thing2Literal(o, d):
    """Quoted, escaped ``str(o)``; the catch-all string encoder."""
    return string_literal(o)


def Decimal2Literal(o, d):
    """Fixed-point text, never exponent form, so no precision is lost."""
    return format(o, "f")


def array2Str(o, d):
    # MySQLdb calls the long-gone array.tostring(); tobytes() is its successor.
    return Thing2Literal(o.tobytes(), d)


def escape_sequence(o, d):
    """``(a,b,...)`` of each item encoded with ``d`` (MySQLdb 1.x helper)."""
    return "(" + ",".join(_text(escape(item, d)) for item in o) + ")"


def escape_dict(o, d):
    """Encode each value of a mapping with ``d`` (MySQLdb 1.x helper)."""
    return {key: escape(value, d) for key, value in o.items()}


def _text(literal):
    return literal.decode("utf-8") if isinstance(literal, bytes) else literal


# Text columns: bytes when the column's charset is binary, str otherwise.
_bytes_or_str = ((FLAG.BINARY, bytes), (None, str))

# The column types whose cells are text in the column's charset: the one list
# (the core decodes whatever this module's dicts name; a type they do not name is
# bytes, as in mysqlclient). ENUM and SET columns arrive as STRING with ENUM_FLAG or
# SET_FLAG. JSON is apart: text even when the server labels it binary.
_TEXT_TYPES = (
    FIELD_TYPE.STRING, FIELD_TYPE.VAR_STRING, FIELD_TYPE.VARCHAR,
    FIELD_TYPE.TINY_BLOB, FIELD_TYPE.MEDIUM_BLOB, FIELD_TYPE.LONG_BLOB, FIELD_TYPE.BLOB,
)

_ENCODERS = {
    int: Thing2Str,
    float: Float2Str,
    NoneType: None2NULL,
    ArrayType: array2Str,
    bool: Bool2Str,
    Date: Thing2Literal,
    DateTimeType: DateTime2literal,
    DateTimeDeltaType: DateTimeDelta2literal,
    set: Set2Str,
    Decimal: Decimal2Literal,
}

_INTEGERS = ("TINY", "SHORT", "LONG", "LONGLONG", "INT24", "YEAR")


def _decoders():
    decoders = {getattr(FIELD_TYPE, name): int for name in _INTEGERS}
    decoders.update(
        {
            FIELD_TYPE.FLOAT: float,
            FIELD_TYPE.DOUBLE: float,
            FIELD_TYPE.DECIMAL: Decimal,
            FIELD_TYPE.NEWDECIMAL: Decimal,
            FIELD_TYPE.TIMESTAMP: DateTime_or_None,
            FIELD_TYPE.DATETIME: DateTime_or_None,
            FIELD_TYPE.TIME: TimeDelta_or_None,
            FIELD_TYPE.DATE: Date_or_None,
        }
    )
    # Raw bytes here; Connection swaps in _bytes_or_str (and str for JSON) when
    # use_unicode.
    decoders.update(dict.fromkeys((*_TEXT_TYPES, FIELD_TYPE.JSON), bytes))
    return decoders


conversions = {**_ENCODERS, **_decoders()}
