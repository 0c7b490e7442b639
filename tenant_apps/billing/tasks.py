from celery import shared_task

from tenant_apps.billing.services import orders_expire


@shared_task(name="billing.orders_expire")
def orders_expire_task() -> int:
    return orders_expire()


@shared_task(name="billing.orders_reconcile")
def orders_reconcile_task() -> int:
    from tenant_apps.billing.payments import orders_reconcile

    return orders_reconcile()
