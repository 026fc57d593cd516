from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.access import admin_has_permission, admin_login
from organizing.audit import audited_urls
from pipeline import api_urls as pipeline_api_urls
from pipeline.api import CandidateListQuery
from public_site import asset_urls as public_asset_urls
from signups import api_urls as signups_api_urls
from signups.api.organizer import SignUpFilterSerializer

from .health import healthz, readyz

# Django's admin behind the organizer rule: allauth's login (its rate limits, the
# TOTP step), and a TOTP authenticator set up (accounts.access).
admin.site.login = admin_login(admin.site.login)
admin.site.has_permission = admin_has_permission

# The organizer APIs that answer with people record each answer in the audit log;
# wrapped here so that signups and pipeline need not know the organizer side.
signups_api = audited_urls(
    signups_api_urls.urlpatterns,
    app_name=signups_api_urls.app_name,
    resources={"list": "signups", "detail": "signup {pk}"},
    queries={"list": SignUpFilterSerializer},
)
candidates_api = audited_urls(
    pipeline_api_urls.urlpatterns,
    app_name=pipeline_api_urls.app_name,
    resources={
        "list": "candidates",
        "detail": "candidate {pk}",
        "matches": "candidate {pk} matches",
        "introductions": "candidate {pk} introductions",
    },
    queries={"list": CandidateListQuery},
)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("organize/", include("organizing.urls")),
    path("organize/", include("pipeline.organizer_urls")),
    path("organize/tiles/", include("organizing.tile_urls")),
    path("api/v1/districts/", include("districts.urls")),
    path("api/v1/signups/", include(signups_api)),
    path("api/v1/coverage/", include("organizing.api_urls")),
    path("api/v1/candidates/", include(candidates_api)),
    path("api/v1/calls/", include("calls.api_urls")),
    path("organize/calls/", include("calls.organizer_urls")),
    path("api/v1/public/", include("public_site.api_urls")),
    path("public/tiles/", include((public_asset_urls.tile_urlpatterns, "public-tiles"))),
    path("public/share/", include((public_asset_urls.share_urlpatterns, "public-share"))),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Supporter pages in English at / and in Spanish at /es/.
urlpatterns += i18n_patterns(
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("", include("signups.urls")),
    path("", include("pipeline.urls")),
    # Callers' pages, in the caller's language like the supporters' (/calls/, /es/calls/).
    path("calls/", include("calls.urls")),
    path("", include("public_site.urls")),
    prefix_default_language=False,
)
