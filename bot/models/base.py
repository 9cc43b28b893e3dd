"""Column helpers every table module uses: enums as text, UTC datetimes, 64-bit Telegram ids."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    String,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.columns import UTCDateTime

E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E], Generic[E]):
    """A StrEnum stored as its plain value in a VARCHAR (no database enum type, so no migration);
    read back as the enum. A value outside the enum is kept as text rather than refused."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """The value as text."""
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """The enum member for a stored value."""
        if value is None:
            return None
        try:
            return self.enum(value)
        except ValueError:
            return value


def enum_column(enum: type[StrEnum], length: int, *, nullable: bool = False, **kw: Any) -> Column[Any]:
    """A column holding one of an enum's values."""
    return Column(EnumText(enum, length), nullable=nullable, **kw)


def utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    """A fresh UTC datetime column (SQLAlchemy columns cannot be shared between tables)."""
    return Column(UTCDateTime(), nullable=nullable, index=index)


def telegram_id(*, nullable: bool = False, index: bool = False, unique: bool = False) -> Column[int]:
    """A 64-bit Telegram identifier column."""
    return Column(BigInteger(), nullable=nullable, index=index, unique=unique)
