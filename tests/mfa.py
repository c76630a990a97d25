"""Second factor for staff in tests: activate TOTP and compute the current code."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value


def activate_totp(user) -> str:
    """Give `user` an active TOTP authenticator; return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows now for `secret` (RFC 6238)."""
    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
