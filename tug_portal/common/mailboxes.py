"""One key per mailbox, however its address is spelled, and a lock per key.

Forms that make the portal send mail (subscription confirmations, agenda requests) are limited
per *mailbox*, not per address typed: otherwise `"victim"@x`, `"vic\\tim"@x`, `Victim+1@x`...
would each get a budget of their own. The key is only for counting: the address stored and
mailed stays as typed.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection

# Providers known to deliver "v.i.c.t.i.m" to "victim"; the key folds the dots there only.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
MAILBOX_NAME_MAX_OCTETS = 64  # RFC 5321, 4.5.3.1.1: the longest local part
QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
INVISIBLE = re.compile(r"[\s\\\"\x00-\x1f\x7f]")


class InvalidMailbox(ValueError):
    """Not an address the portal mails; the message says why, for the form."""


def canonical_mailbox(address: str) -> str:
    """The key of the mailbox `address` reaches: Unicode-folded (NFKC, case), quotes and
    escapes undone, white space and backslashes dropped, `+tag` cut, domain in ASCII (IDNA)
    without a trailing dot. Raises InvalidMailbox for what no form should accept: a
    domain that is an IP literal or has no dot, an empty mailbox name, or no address at all."""
    address = unicodedata.normalize("NFKC", address.strip()).casefold()
    local, at, domain = address.rpartition("@")
    if not (at and local and domain):
        raise InvalidMailbox("Enter an email address, like name@example.com.")
    if domain.startswith("["):
        raise InvalidMailbox("Enter an address at a domain name, not at an IP address.")
    domain = _ascii_domain(domain.rstrip("."))
    if local.startswith('"') and local.endswith('"') and len(local) > 1:
        local = QUOTED_PAIR.sub(r"\1", local[1:-1])
    local = INVISIBLE.sub("", local).partition("+")[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    if not local:
        raise InvalidMailbox("Enter an address with a mailbox name before the “@”.")
    return f"{local}@{domain}"


def _ascii_domain(domain: str) -> str:
    if "." not in domain:
        raise InvalidMailbox("Enter an address at a domain name with a dot, like example.com.")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise InvalidMailbox("Enter an address at a valid domain name.") from error


class MailboxField(forms.EmailField):
    """An email field that also refuses what `canonical_mailbox` refuses (an IP literal, a
    domain without a dot, an empty mailbox name), and a mailbox name no mail server takes (over
    64 octets, RFC 5321: accepted, its owner would be promised a mail that never comes), with
    one clear message."""

    def run_validators(self, value):
        super().run_validators(value)  # Django's check first: one message, not two
        if value in self.empty_values:
            return
        name_length = len(value.rpartition("@")[0].encode())
        if name_length > MAILBOX_NAME_MAX_OCTETS:
            raise ValidationError(
                f"The part before the “@” can be at most {MAILBOX_NAME_MAX_OCTETS} characters "
                f"({name_length} here).",
                code="invalid",
            )
        try:
            canonical_mailbox(value)
        except InvalidMailbox as error:
            raise ValidationError(str(error), code="invalid") from error


def mailbox_lock(key: str) -> None:
    """Hold the mailbox `key` until the current transaction ends, so that counting the mail
    sent to it and recording one more is exact across processes. PostgreSQL: a transaction
    advisory lock on the key's hash (a rare collision only serializes two mailboxes). SQLite:
    the transaction already holds the database's write lock from its start
    (`transaction_mode = IMMEDIATE` in settings), so there is nothing more to take."""
    if not connection.in_atomic_block:
        raise RuntimeError("mailbox_lock() must be called inside a transaction.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"mailbox:{key}"]
            )
