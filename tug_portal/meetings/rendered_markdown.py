"""Every save of a model with Markdown stores its rendered HTML with it (services.
markdown_fields_render), so that no page, mail or API answer renders Markdown per request.

A save limited to some fields (`update_fields`) that names the Markdown but not its HTML gets
the HTML written right after it, in the same transaction."""

from django.db.models.signals import post_save, pre_save

from . import services


def _render(sender, instance, raw=False, **kwargs):
    if not raw:  # fixtures bring their own rows as they are
        services.markdown_fields_render(instances=[instance])


def _complete_partial_save(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or not update_fields:
        return
    missing = {
        stored: getattr(instance, stored)
        for source, stored in services.RENDERED_MARKDOWN[sender]
        if source in update_fields and stored not in update_fields
    }
    if missing:
        sender.objects.filter(pk=instance.pk).update(**missing)


def connect():
    uid = __name__
    for model in services.RENDERED_MARKDOWN:
        name = model.__name__
        pre_save.connect(_render, sender=model, dispatch_uid=f"{uid}.render.{name}")
        post_save.connect(
            _complete_partial_save, sender=model, dispatch_uid=f"{uid}.partial.{name}"
        )
