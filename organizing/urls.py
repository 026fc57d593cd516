"""Organizer pages, included at ``/organize/``."""

from django.urls import path

from . import exports, views

app_name = "organizing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("activity/", views.activity, name="activity"),
    path("audit/", views.audit_log, name="audit"),
    path("states/<str:state>/", views.state_detail, name="state"),
    path("districts/<str:chamber>/<str:geoid>/", views.district_detail, name="district"),
    path("signups/<int:pk>/", views.signup_detail, name="signup"),
    path("export/people.csv", exports.people_csv, name="export-people"),
    path("export/districts.csv", exports.districts_csv, name="export-districts"),
]
