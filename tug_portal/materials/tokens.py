"""The "materials posted" mails' own one-click unsubscribe link: it stops those mails for one
subscription and leaves its reminders and digest alone (a salt of its own, so no other link
passes for it)."""

from tug_portal.digest import tokens as one_click

SALT = "materials.unsubscribe"


def unsubscribe_token(subscription_id: int) -> str:
    return one_click.unsubscribe_token(subscription_id, salt=SALT)


def read_unsubscribe_token(token: str) -> int:
    return one_click.read_unsubscribe_token(token, salt=SALT)
