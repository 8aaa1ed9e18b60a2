from __future__ import annotations

from parkportal.models import AccessLog


def log_access(user, subject, action: str = "view") -> None:
    """Record that `user` opened the personal details of `subject` (a model instance)."""
    AccessLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        action=action,
    )
