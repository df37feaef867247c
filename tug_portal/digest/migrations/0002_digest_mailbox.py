"""One digest a week per mailbox: each row is keyed by its mailbox (`mailbox`) and carries the
mailbox's other digest-on subscriptions (`merged`).

The rows already there were keyed by (subscription, week). Each gets the key of its
subscription's mailbox. Where a mailbox has two or more rows of one week (the defect this
fixes: two programs, or two spellings of one address), one keeps the key: the one already tried
(sent, being sent, bounced, or tried and failed: its Message-ID may be out), else the first
due. The others keep no key (NULL: the key's unique constraint, next migration, passes them
over) and stay as they were for the record, but one still waiting is skipped: the mailbox gets
its one digest of the week from the row that kept the key, which the planner's next run gives
the others' sections (it is never tried yet) and the first moment. A row being sent at that
instant (claimed) is left to its worker. Nothing is deleted; no mail is sent twice.
"""

import hashlib
from collections import defaultdict

from django.db import migrations, models
from django.db.models import Case, Value, When

from tug_portal.common.mailboxes import InvalidMailbox, canonical_mailbox

MERGED_AWAY = "one digest per mailbox: its sections go in the mailbox's digest of the week"
KEY_MAX_LENGTH = 320
TRIED = ("sent", "claimed", "bounced")
WAITING = ("pending", "failed")


def mailbox_key(email: str) -> str:
    """`digest.models.mailbox_key` as it was when this migration was written."""
    try:
        key = canonical_mailbox(email)
    except InvalidMailbox:
        key = email.strip().casefold()
    if len(key) > KEY_MAX_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def key_existing_rows(apps, schema_editor):
    Digest = apps.get_model("digest", "Digest")
    Subscription = apps.get_model("reminders", "Subscription")
    subscriptions = Subscription.objects.filter(
        pk__in=Digest.objects.values("subscription_id")
    ).values_list("pk", "subscriber__email")
    by_mailbox = defaultdict(list)
    for pk, email in subscriptions.iterator(chunk_size=2000):
        by_mailbox[mailbox_key(email)].append(pk)
    # A mailbox of one subscription: its rows were one a week already.
    alone = [(pks[0], key) for key, pks in by_mailbox.items() if len(pks) == 1]
    for start in range(0, len(alone), 500):
        part = alone[start : start + 500]
        Digest.objects.filter(subscription_id__in=[pk for pk, _ in part]).update(
            mailbox=Case(
                *(When(subscription_id=pk, then=Value(key)) for pk, key in part),
                output_field=models.CharField(),
            )
        )
    # A mailbox of several: one row a week keeps the key.
    for key, pks in by_mailbox.items():
        if len(pks) == 1:
            continue
        weeks = defaultdict(list)
        for row in Digest.objects.filter(subscription_id__in=pks):
            weeks[row.week].append(row)
        for rows in weeks.values():
            rows.sort(
                key=lambda row: (not (row.state in TRIED or row.attempts), row.due_at, row.pk)
            )
            Digest.objects.filter(pk=rows[0].pk).update(mailbox=key)
            for row in rows[1:]:
                if row.state in WAITING:
                    row.state, row.note, row.next_attempt_at = "skipped", MERGED_AWAY, None
                    row.save(update_fields=["state", "note", "next_attempt_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("digest", "0001_initial"),
        ("reminders", "0002_confirmation_mail_budget"),
    ]

    operations = [
        migrations.AddField(
            model_name="digest",
            name="mailbox",
            field=models.CharField(
                blank=True,
                help_text="The mailbox's key (`common.mailboxes`), not as typed. Empty only on a "
                "second digest of one week from before one digest per mailbox.",
                max_length=320,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="digest",
            name="merged",
            field=models.ManyToManyField(
                blank=True,
                help_text="The mailbox's other digest-on subscriptions whose sections it carries.",
                related_name="digests_merged_into",
                to="reminders.subscription",
            ),
        ),
        migrations.RunPython(key_existing_rows, migrations.RunPython.noop, elidable=True),
    ]
