from django.urls import path

from .api import DistrictLookupApi

app_name = "districts"

urlpatterns = [
    path("lookup", DistrictLookupApi.as_view(), name="lookup"),
]
