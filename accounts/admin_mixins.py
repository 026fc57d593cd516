"""What every Django admin page of ours inherits: the audit of edits, and the organizer's scope.

``AuditedAdminMixin`` (every ``ModelAdmin``): each record added, changed or deleted in
the admin is an ``AuditEvent`` naming who, which record (model and primary key) and
which fields, never their values. It hooks the admin's own ``log_addition``,
``log_change`` and ``log_deletions``, which Django calls for every edit it makes
(forms, inlines, list edits, the password form, the delete action), so no admin view
can change a record unseen.

``ScopedAdminMixin`` (every ``ModelAdmin`` of people, candidacies, nominations or calls;
its model's QuerySet is an ``accounts.scope.ScopedQuerySet``): the admin applies the
same ``visible_to(scope)`` as every organizer page. The change list, its filters,
autocomplete, and the change, history and delete pages all read ``get_queryset``,
so another state's record is not listed, and its URL answers as if it did not exist
(the admin redirects to its index). A save that would leave the record outside the
organizer's states (a changed state, a new record elsewhere) is refused and rolled back.
"""

from django.core.exceptions import PermissionDenied

from .models import AuditEvent
from .services import audit_record


def changed_fields(message) -> list[str]:
    """The field names in a change message of ``ModelAdmin.construct_change_message``.

    An inline record's fields are ``"Name.field"``; an inline record added or deleted is
    ``"Name (added)"``. The message's ``object`` (a record's ``str()``) is left out: it
    could be a value.
    """
    if not isinstance(message, list):
        return []
    names: list[str] = []
    for part in message:
        for kind, detail in part.items():
            if "name" not in detail:
                names += detail.get("fields", [])
            elif kind == "changed":
                names += [f"{detail['name']}.{field}" for field in detail.get("fields", [])]
            else:
                names.append(f"{detail['name']} ({kind})")
    return names


class AuditedAdminMixin:
    """Every admin edit of this model is an ``AuditEvent`` (before ``admin.ModelAdmin`` in the bases)."""

    # False where the admin's deletion records an event of its own (the sign-up admin's data requests).
    audit_deletions = True

    def _audit(self, request, action: str, obj, fields: list[str]) -> None:
        audit_record(user=request.user, action=action, resource=f"{obj._meta.model_name} {obj.pk}", fields=fields)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, AuditEvent.Action.ADMIN_ADD, obj, changed_fields(message))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, AuditEvent.Action.ADMIN_CHANGE, obj, changed_fields(message))
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        if self.audit_deletions:
            for obj in queryset:
                self._audit(request, AuditEvent.Action.ADMIN_DELETE, obj, [])
        return entries


class ScopedAdminMixin(AuditedAdminMixin):
    """This model's admin shows and edits only the signed-in organizer's states (``visible_to``)."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user.scope)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The admin's change form runs in a transaction: refusing here undoes the save.
        if not self.get_queryset(request).filter(pk=obj.pk).exists():
            raise PermissionDenied("The record would be outside your states.")
