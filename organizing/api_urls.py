"""Coverage API, included at ``/api/v1/coverage/``."""

from django.urls import path

from .api import CoverageApi, CoverageDistrictsApi

app_name = "coverage-api"

urlpatterns = [
    path("", CoverageApi.as_view(), name="summary"),
    path("districts/", CoverageDistrictsApi.as_view(), name="districts"),
]
