"""One key per mailbox, however its address is spelled: what limits the mail a form can send."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from tug_portal.common.mailboxes import (
    InvalidMailbox,
    MailboxField,
    canonical_mailbox,
    mailbox_lock,
)
from tug_portal.meetings.models import System

SPELLINGS_OF_VICTIM = [
    "victim@example.com",
    "Victim@Example.COM",
    '"victim"@example.com',
    '"VICTIM"@example.com',
    '"vic\\tim"@example.com',  # a quoted local part with an escaped "t"
    '"vic\\\ttim"@example.com',  # ... with an escaped tab
    '"vi\\c\\t\\i\\m"@example.com',
    "victim+1@example.com",
    "victim+reminders@example.com",
    '"victim+x"@example.com',
    "VICTIM+a+b@EXAMPLE.com",
    "victim@example.com.",
    "victim@EXAMPLE.com",
]


@pytest.mark.parametrize("address", SPELLINGS_OF_VICTIM)
def test_spellings_of_one_mailbox_have_one_key(address):
    assert canonical_mailbox(address) == "victim@example.com"


def test_lookalike_letters_fold_to_their_plain_form():
    # The Kelvin sign passes Django's validator (its pattern ignores case) and is a "k".
    assert canonical_mailbox("\u212aate@example.com") == canonical_mailbox("kate@example.com")


def test_international_domain_is_keyed_by_its_ascii_form():
    assert canonical_mailbox("ann@exämple.com") == canonical_mailbox("ann@xn--exmple-cua.com")


def test_gmail_ignores_dots_so_the_key_does_too():
    assert canonical_mailbox("v.i.c.t.i.m@googlemail.com") == "victim@gmail.com"
    assert canonical_mailbox("v.ictim@example.com") == "v.ictim@example.com"


def test_different_mailboxes_keep_different_keys():
    assert canonical_mailbox("ann@example.com") != canonical_mailbox("ann@example.org")
    assert canonical_mailbox("ann@example.com") != canonical_mailbox("anne@example.com")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("user@[127.0.0.1]", "an address at a domain name"),
        ("user@[IPv6:::1]", "an address at a domain name"),
        ("user@localhost", "a domain name with a dot"),
        ('""@example.com', "a mailbox name"),
        ("+tag@example.com", "a mailbox name"),
        ("not-an-address", "an email address"),
    ],
)
def test_nonsense_is_refused_with_a_reason(address, reason):
    with pytest.raises(InvalidMailbox, match=reason):
        canonical_mailbox(address)


def test_lock_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="transaction"):
        mailbox_lock("victim@example.com")


@pytest.mark.django_db(transaction=True)
def test_lock_lets_one_transaction_at_a_time_count_for_a_mailbox():
    """Two threads (two database connections) read a count, wait, then write what they read:
    under the lock the second reads what the first wrote, on PostgreSQL as on SQLite."""
    barrier = threading.Barrier(2)

    def count_then_add(code):
        try:
            barrier.wait()
            with transaction.atomic():
                mailbox_lock("victim@example.com")
                seen = System.objects.count()
                time.sleep(0.2)  # widen the window a lost update would need
                System.objects.create(code=code, name=str(seen))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=count_then_add, args=(c,)) for c in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(System.objects.values_list("name", flat=True)) == ["0", "1"]


@pytest.mark.parametrize(
    ("address", "errors"),
    [
        ("not-an-address", ["Enter a valid email address."]),
        ("ann@[127.0.0.1]", ["Enter an address at a domain name, not at an IP address."]),
        ("ann@localhost", ["Enter an address at a domain name with a dot, like example.com."]),
        (
            "a" * 65 + "@example.com",
            ["The part before the “@” can be at most 64 characters (65 here)."],
        ),
    ],
)
def test_mailbox_field_gives_one_clear_message(address, errors):
    with pytest.raises(ValidationError) as refused:
        MailboxField().clean(address)

    assert refused.value.messages == errors


def test_mailbox_field_takes_a_mailbox_name_of_64_characters():
    assert MailboxField().clean("a" * 64 + "@example.com") == "a" * 64 + "@example.com"


def test_mailbox_field_keeps_the_address_as_typed():
    assert MailboxField().clean(' "Vic\\tim"@Example.com ') == '"Vic\\tim"@Example.com'
