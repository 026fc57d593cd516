"""Django admin for sign-ups: filters by state, kind and location quality, and data requests.

"Export data" downloads everything stored about the selected people (the same JSON
as ``manage.py signup_data EMAIL --export``). Deleting, one or many, goes through
``services.signup_delete`` so the cached geocoder answer goes too. There is no
search box: a search puts a name or email in the page's URL (and the server's logs).
"""

import json

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SignUp
from .selectors import signup_export
from .services import signup_delete


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


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ["id", "state", "kinds_display", "location_quality", "confirmed_at", "created_at"]
    list_filter = ["state", KindFilter, "location_quality"]
    list_select_related = False
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    raw_id_fields = ["cd", "sldu", "sldl"]
    readonly_fields = [
        "located_at",
        "districts_assigned_at",
        "confirmation_claimed_at",
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

    @admin.action(description=_("Export data of the selected people (JSON)"))
    def export_data(self, request, queryset):
        body = json.dumps([signup_export(signup=signup) for signup in queryset], indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="signups-export-{stamp}.json"'
        return response

    def delete_model(self, request, obj):
        signup_delete(signup=obj)

    def delete_queryset(self, request, queryset):
        for signup in queryset:
            signup_delete(signup=signup)
