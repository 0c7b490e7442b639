"""Who acts inside an association's schema when a platform operator does something there."""

from __future__ import annotations

from dataclasses import dataclass

from tenant_apps.accounts.models import Role


@dataclass(frozen=True)
class OperatorInSchema:
    """The operator as the staff services of an association's schema see them: the operator
    role (which `staff.manage` lists) and a label for the audit rows, but no account there:
    the operator's id is a public-schema row and must not land in the association's
    `actor` column, where it would name one of its own accounts."""

    label: str
    pk: None = None
    roles: tuple[str, ...] = (Role.OPERATOR,)
    is_authenticated: bool = True
    is_active: bool = True

    def __str__(self) -> str:
        return self.label


def operator_in_schema(acting_user) -> OperatorInSchema:
    return OperatorInSchema(label=f"{acting_user} (platform operator)")
