# `migrate` is `migrate_schemas`, as in django-tenants, but with the template and skip logic.
from tenants.management.commands.migrate_schemas import Command  # noqa: F401
