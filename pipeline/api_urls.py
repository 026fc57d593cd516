from django.urls import path

from . import api

app_name = "pipeline-api"

urlpatterns = [
    path("", api.CandidateListApi.as_view(), name="list"),
    path("<int:pk>/", api.CandidateDetailApi.as_view(), name="detail"),
    path("<int:pk>/matches/", api.CandidateMatchesApi.as_view(), name="matches"),
    path("<int:pk>/introductions/", api.CandidateIntroductionsApi.as_view(), name="introductions"),
]
