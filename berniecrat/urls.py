from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("organize/", include("organizing.urls")),
    path("organize/tiles/", include("organizing.tile_urls")),
    path("api/v1/districts/", include("districts.urls")),
    path("api/v1/signups/", include("signups.api_urls")),
    path("api/v1/coverage/", include("organizing.api_urls")),
    path("api/v1/candidates/", include("pipeline.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Supporter pages in English at / and in Spanish at /es/.
urlpatterns += i18n_patterns(
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("", include("signups.urls")),
    path("", include("pipeline.urls")),
    prefix_default_language=False,
)
