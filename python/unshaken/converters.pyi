# Types for unshaken.converters. `conversions` maps a Python type to an encoder
# f(value, mapping) -> SQL literal, and a FIELD_TYPE number to a decoder (a callable
# taking the column's text, or (flag_mask, callable) pairs).
import array
from collections.abc import Callable, Mapping
from decimal import Decimal as Decimal
from typing import Any

from typing_extensions import TypeAlias

from .times import (
    Date as Date,
)
from .times import (
    Date_or_None as Date_or_None,
)
from .times import (
    DateTime2literal as DateTime2literal,
)
from .times import (
    DateTime_or_None as DateTime_or_None,
)
from .times import (
    DateTimeDelta2literal as DateTimeDelta2literal,
)
from .times import (
    DateTimeDeltaType as DateTimeDeltaType,
)
from .times import (
    DateTimeType as DateTimeType,
)
from .times import (
    TimeDelta_or_None as TimeDelta_or_None,
)

_Literal: TypeAlias = str | bytes
_Mapping: TypeAlias = Mapping[Any, Any]

NoneType: type[None]
ArrayType: type[array.array[Any]]

def Bool2Str(s: bool, d: _Mapping) -> str: ...
def Set2Str(s: set[str], d: _Mapping) -> _Literal: ...
def Thing2Str(s: object, d: _Mapping) -> str: ...
def Float2Str(o: float, d: _Mapping) -> str: ...
def None2NULL(o: None, d: _Mapping) -> str: ...
def Thing2Literal(o: object, d: _Mapping) -> _Literal: ...
def Decimal2Literal(o: Decimal, d: _Mapping) -> str: ...
def array2Str(o: array.array[Any], d: _Mapping) -> _Literal: ...
def escape_sequence(o: Any, d: _Mapping) -> Any: ...
def escape_dict(o: Mapping[Any, Any], d: _Mapping) -> Any: ...

conversions: dict[Any, Callable[..., Any] | tuple[tuple[int | None, Callable[..., Any]], ...]]
