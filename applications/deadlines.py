"""The deadline rule, with no database: a submission is on time before the instant."""

from datetime import datetime


def effective_deadline(closes_at: datetime, extension_until: datetime | None) -> datetime:
    """An individual extension can only move an application's deadline later."""
    if extension_until and extension_until > closes_at:
        return extension_until
    return closes_at


def is_on_time(moment: datetime, deadline: datetime) -> bool:
    return moment < deadline
