from __future__ import annotations

from typing import Any

from huiji.audit.models import AuditEntry


def audit_record(*, actor, action: str, target: Any = None, reason: str = "",
                 data: dict | None = None) -> AuditEntry:
    """Write one audit row in the current schema. Call inside the service's transaction so the
    row exists exactly when the change does."""
    return AuditEntry.objects.create(
        # actor may be None (the system: beat, migrations) or an unsaved/anonymous user
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else "system",
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        reason=reason,
        data=data or {},
    )
