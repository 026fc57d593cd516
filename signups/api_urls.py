from django.urls import path

from .api import SignUpDetailApi, SignUpListCreateApi

app_name = "signups-api"

urlpatterns = [
    path("", SignUpListCreateApi.as_view(), name="list"),
    path("<int:pk>/", SignUpDetailApi.as_view(), name="detail"),
]
