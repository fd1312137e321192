import contextlib
from collections.abc import Iterator
from typing import Any

from typing_extensions import Self

from ._exceptions import InterfaceError, OperationalError
from .connections import Connection

__all__ = ["ConnectionPool", "PoolClosed", "PoolTimeout"]

class PoolTimeout(OperationalError): ...
class PoolClosed(InterfaceError): ...

class ConnectionPool:
    min_size: int
    max_size: int
    timeout: float
    max_lifetime: float | None
    max_idle: float | None
    reset: bool
    def __init__(
        self,
        min_size: int = 0,
        max_size: int = 10,
        timeout: float = 30.0,
        max_lifetime: float | None = 3600.0,
        max_idle: float | None = 600.0,
        reset: bool = True,
        **connect_kwargs: Any,
    ) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    @contextlib.contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Connection]: ...
    def getconn(self, timeout: float | None = None) -> Connection: ...
    def putconn(self, conn: Connection, reset: bool | None = None) -> None: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def stats(self) -> dict[str, int]: ...
