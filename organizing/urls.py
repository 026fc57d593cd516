"""Organizer pages, included at ``/organize/``."""

from django.urls import path

from . import exports, pipeline_views, views

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
    path("pipeline/", pipeline_views.board, name="pipeline-board"),
    path("pipeline/mine/", pipeline_views.mine, name="pipeline-mine"),
    path("candidates/<int:pk>/", pipeline_views.candidate_detail, name="candidate"),
    path("candidates/<int:pk>/stage/", pipeline_views.move, name="candidate-stage"),
    path("candidates/<int:pk>/introduce/", pipeline_views.introduce, name="candidate-introduce"),
]
