"""factory_boy factories for accounts. Create inside the association's schema:

    with schema_context("alpha"):
        member = UserFactory(roles=[Role.MEMBER])
"""

from __future__ import annotations

import factory

from tenant_apps.accounts.models import Role, User

DEFAULT_PASSWORD = "Factory-passw0rd-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    roles = factory.LazyFunction(lambda: [Role.MEMBER])
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save(update_fields=["password"])
