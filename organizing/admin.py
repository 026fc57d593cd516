"""Django admin of sign-ups (with data requests); organizer accounts and the audit log are ``accounts.admin``.

The sign-up admin lives on the organizer side, beside the audit log it writes to:
its list, change page, data export and deletion each record an ``AuditEvent``.
"Export data" downloads everything stored about the selected people (the same
JSON as ``manage.py signup_data EMAIL --export``); deleting, one or many, goes
through ``signups.services.deletion.signup_delete``, so the cached geocoder answer and the
nominations naming them go too. There is no search box: a search puts a name or
email in the page's URL (and the server's logs).

Who may open the admin at all is decided in ``accounts.access`` (allauth login,
TOTP required); an organizer sees and edits only the people of their states, and
every edit is in the audit log (``accounts.admin_mixins``).
"""

import json

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ScopedAdminMixin
from accounts.models import AuditEvent
from accounts.services import audit_record
from districts.states import BY_USPS
from signups.models import LocationQuality, SignUp
from signups.selectors import signup_export
from signups.services.deletion import signup_delete


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("run", _("Runs for office")), ("volunteer", _("Volunteers"))]

    def queryset(self, request, queryset):
        if self.value() == "run":
            return queryset.runners()
        if self.value() == "volunteer":
            return queryset.volunteers()
        return queryset


# Query values of the sign-up list worth keeping in the audit log; anything else
# (a hand-made URL could carry any text) is logged as "(other)".
KNOWN_VALUES = {"run", "volunteer", *LocationQuality.values, *BY_USPS}


def _list_filters(params) -> dict:
    return {
        key: value if value in KNOWN_VALUES or (value.isdigit() and len(value) <= 6) else "(other)"
        for key, value in params.items()
    }


@admin.register(SignUp)
class SignUpAdmin(ScopedAdminMixin, admin.ModelAdmin):
    # Deletions are recorded as data requests (``_delete``), once each.
    audit_deletions = False
    list_display = ["id", "state", "kinds_display", "location_quality", "confirmed_at", "created_at"]
    list_filter = ["state", KindFilter, "location_quality"]
    list_select_related = False
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    raw_id_fields = ["cd", "sldu", "sldl"]
    readonly_fields = [
        "located_at",
        "districts_assigned_at",
        "confirmation_sent_at",
        "follow_up_queued_at",
        "confirmed_at",
        "unsubscribed_at",
        "created_at",
        "updated_at",
    ]
    actions = ["export_data", "delete_selected"]

    @admin.display(description=_("kind"))
    def kinds_display(self, obj) -> str:
        return ", ".join(obj.kinds)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            audit_record(
                user=request.user,
                action=AuditEvent.Action.ADMIN,
                resource="signups",
                filters=_list_filters(request.GET),
                count=len(changelist.result_list),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(user=request.user, action=AuditEvent.Action.ADMIN, resource=f"signup {object_id}", count=1)
        return response

    @admin.action(description=_("Export data of the selected people (JSON)"))
    def export_data(self, request, queryset):
        people = list(queryset)
        body = json.dumps([signup_export(signup=signup) for signup in people], indent=2, ensure_ascii=False)
        audit_record(
            user=request.user,
            action=AuditEvent.Action.EXPORT_DATA,
            resource="signups",
            filters={"ids": sorted(signup.pk for signup in people)},
            count=len(people),
        )
        response = HttpResponse(body, content_type="application/json")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="signups-export-{stamp}.json"'
        return response

    def delete_model(self, request, obj):
        self._delete(request, obj)

    def delete_queryset(self, request, queryset):
        for signup in queryset:
            self._delete(request, signup)

    def _delete(self, request, signup: SignUp) -> None:
        report = signup_delete(signup=signup)
        audit_record(user=request.user, action=AuditEvent.Action.DELETE, resource=f"signup {report.signup_id}", count=1)
