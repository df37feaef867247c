"""The digest's own one-click unsubscribe link: it turns off the digest of one subscription and
leaves its reminders alone. A salt of its own, so a reminders link cannot pass for it (and the
reverse). Like the reminders' links it does not expire (RFC 8058)."""

from django.core import signing

from tug_portal.reminders.tokens import InvalidToken

UNSUBSCRIBE_SALT = "digest.unsubscribe"


def unsubscribe_token(subscription_id: int, *, salt: str = UNSUBSCRIBE_SALT) -> str:
    return signing.Signer(salt=salt).sign(str(subscription_id))


def read_unsubscribe_token(token: str, *, salt: str = UNSUBSCRIBE_SALT) -> int:
    """The subscription id of a one-click link signed with `salt` (each kind of mail that can
    be stopped alone has a salt of its own: the digest's, the materials mails')."""
    try:
        value = signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature as error:
        raise InvalidToken from error
    if not value.isdigit():
        raise InvalidToken
    return int(value)
