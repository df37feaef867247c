"""Signed links that stand in for an account: whoever holds the mail holds the link.

Confirmation links expire (a stale one must not subscribe anyone); unsubscribe and preferences
links do not, because they sit in mails people read months later (RFC 8058 expects one-click
unsubscribe to keep working). Each kind has its own salt, so one can never pass for another.
"""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "reminders.confirm"
UNSUBSCRIBE_SALT = "reminders.unsubscribe"
PREFERENCES_SALT = "reminders.preferences"


class InvalidToken(Exception):
    """The link was altered, truncated or belongs to another purpose."""


class ExpiredToken(InvalidToken):
    """The link was genuine but is too old."""


def confirm_token(subscription_id: int) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(subscription_id))


def unsubscribe_token(subscription_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscription_id))


def preferences_token(subscriber_id: int) -> str:
    return signing.Signer(salt=PREFERENCES_SALT).sign(str(subscriber_id))


def _as_id(value: str) -> int:
    if not value.isdigit():
        raise InvalidToken
    return int(value)


def read_confirm_token(token: str) -> int:
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token, max_age=settings.REMINDER_CONFIRMATION_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise InvalidToken from error
    return _as_id(value)


def read_unsubscribe_token(token: str) -> int:
    return _read_plain(token, UNSUBSCRIBE_SALT)


def read_preferences_token(token: str) -> int:
    return _read_plain(token, PREFERENCES_SALT)


def _read_plain(token: str, salt: str) -> int:
    try:
        return _as_id(signing.Signer(salt=salt).unsign(token))
    except signing.BadSignature as error:
        raise InvalidToken from error
