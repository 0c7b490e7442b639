"""`{% load capabilities %}` ... `{% if user|can:"finance.manage" %}`: templates ask the same
table as views and APIs (tenant_apps/accounts/capabilities.py)."""

from django import template

from tenant_apps.accounts import capabilities

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return capabilities.can(user, capability)
