"""The digest's own one-click unsubscribe link: it turns off the digest of one subscription and
leaves its reminders alone. A salt of its own, so a reminders link cannot pass for it (and the
reverse). Like the reminders' links it does not expire (RFC 8058)."""

from django.core import signing

from tug_portal.reminders.tokens import InvalidToken

UNSUBSCRIBE_SALT = "digest.unsubscribe"


def unsubscribe_token(subscription_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscription_id))


def read_unsubscribe_token(token: str) -> int:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature as error:
        raise InvalidToken from error
    if not value.isdigit():
        raise InvalidToken
    return int(value)
