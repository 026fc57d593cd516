"""Public API, included at ``/api/v1/public/``."""

from django.urls import path

from .api import PublicCoverageApi, PublicDistrictsApi

app_name = "public-api"

urlpatterns = [
    path("coverage/", PublicCoverageApi.as_view(), name="coverage"),
    path("districts/", PublicDistrictsApi.as_view(), name="districts"),
]
