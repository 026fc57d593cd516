from django.urls import path

from berniecrat.api import by_method

from .api.intake import SignUpIntakeApi
from .api.organizer import SignUpDetailApi, SignUpListApi

app_name = "signups-api"

urlpatterns = [
    # One URL, two audiences: anyone may POST a sign-up, organizers GET the list with a token.
    path("", by_method(get=SignUpListApi.as_view(), post=SignUpIntakeApi.as_view()), name="list"),
    path("<int:pk>/", SignUpDetailApi.as_view(), name="detail"),
]
