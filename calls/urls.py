"""Callers' pages, included at ``/calls/`` (and ``/es/calls/``)."""

from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.home, name="home"),
    path("join/<str:token>/", views.join, name="join"),
    path("teams/<int:team_id>/", views.call_page, name="call"),
    path("teams/<int:team_id>/next/", views.next_person, name="next"),
    path("teams/<int:team_id>/calls/<int:call_id>/outcome/", views.record_outcome, name="outcome"),
]
