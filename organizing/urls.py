"""Organizer pages, included at ``/organize/``."""

from django.urls import path

from . import exports, token_views, views

app_name = "organizing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("activity/", views.activity, name="activity"),
    path("audit/", views.audit_log, name="audit"),
    path("states/<str:state>/", views.state_detail, name="state"),
    path("districts/<str:chamber>/<str:geoid>/", views.district_detail, name="district"),
    path("signups/<int:pk>/", views.signup_detail, name="signup"),
    path("export/people.csv", exports.people_csv, name="export-people"),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/revoke/", token_views.token_revoke, name="token-revoke"),
    path("export/districts.csv", exports.districts_csv, name="export-districts"),
]
