"""Drop cached host lookups when a domain or an association changes."""

from django.core.signals import request_finished
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from huiji.tenancy.resolution import forget_hosts
from tenants.models import Association, Domain


@receiver(pre_save, sender=Domain)
def _remember_old_host(sender, instance: Domain, **_kwargs):
    if instance.pk:
        instance._old_domain = (
            Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        )


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def _forget_domain(sender, instance: Domain, using=None, **_kwargs):
    hosts = (instance.domain, getattr(instance, "_old_domain", None))
    # After commit: a request racing the change must not re-cache the old row.
    transaction.on_commit(lambda: forget_hosts(*hosts), using=using)


@receiver(post_save, sender=Association)
@receiver(post_delete, sender=Association)
def _forget_association(sender, instance: Association, using=None, **_kwargs):
    hosts = list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
    transaction.on_commit(lambda: forget_hosts(*hosts), using=using)


@receiver(request_finished)
def _back_to_the_primary_database(sender, **_kwargs):
    """A request of an association on another database leaves this thread's connection on the
    primary again once its response is sent (streamed responses included)."""
    from tenants.databases import switch_database

    switch_database(None)
