"""Django admin of organizer accounts and the (read-only) audit log.

Who may open the admin at all is decided in ``accounts.access`` (allauth login,
TOTP required); the sign-up admin, which writes to the audit log, is the organizer
side's (``organizing.admin``). Every admin's edits are audited and every admin of
people is limited to the organizer's states (``accounts.admin_mixins``).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .admin_mixins import AuditedAdminMixin
from .models import AuditEvent, User
from .services import organizer_email_vouch


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password", "name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    # Written by logging in and signing up, not by hand.
    readonly_fields = ("last_login", "date_joined")

    def get_readonly_fields(self, request, obj=None):
        # A login email changes only once the new address is verified (ACCOUNT_CHANGE_EMAIL, the
        # organizer's own "Email" page), never by someone typing it here.
        return (
            (*super().get_readonly_fields(request, obj), "email")
            if obj is not None
            else super().get_readonly_fields(request, obj)
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            organizer_email_vouch(user=obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the code that shows people, never by hand."""

    list_display = ["at", "user", "action", "resource", "count"]
    list_filter = ["action", "user"]
    list_select_related = ["user"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
