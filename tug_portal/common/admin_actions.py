"""Bounds on the admin's actions: one POST of the list's "Action" menu does a bounded amount of
work (a "select all" across thousands of rows would otherwise run past the worker's timeout)."""

from django.contrib import messages

MAX_ROWS_PER_ACTION = 20


def within_bound(model_admin, request, queryset, limit: int = MAX_ROWS_PER_ACTION) -> bool:
    """True when the selection is small enough; otherwise says so and the action does nothing."""
    selected = queryset.count()
    if selected <= limit:
        return True
    model_admin.message_user(
        request,
        f"Select at most {limit} rows for this action ({selected} selected); nothing was done.",
        messages.ERROR,
    )
    return False
