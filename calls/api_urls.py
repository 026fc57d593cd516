from django.urls import path

from . import api

app_name = "calls-api"

urlpatterns = [
    path("teams/", api.TeamListApi.as_view(), name="teams"),
    path("teams/<int:pk>/", api.TeamDetailApi.as_view(), name="team"),
    path("teams/<int:pk>/stats/", api.TeamStatsApi.as_view(), name="team-stats"),
    path("next/", api.NextApi.as_view(), name="next"),
    path("<int:pk>/outcome/", api.OutcomeApi.as_view(), name="outcome"),
]
