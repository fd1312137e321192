from . import CLIENT as CLIENT
from . import CR as CR
from . import ER as ER
from . import FIELD_TYPE as FIELD_TYPE
from . import FLAG as FLAG

__all__ = ["CLIENT", "CR", "ER", "FIELD_TYPE", "FLAG"]
