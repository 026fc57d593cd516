"""Organizers' pages of call teams, included at ``/organize/calls/``."""

from django.urls import path

from . import organizer_views as views

app_name = "callteams"

urlpatterns = [
    path("", views.team_list, name="teams"),
    path("<int:team_id>/", views.team_detail, name="team"),
    path("<int:team_id>/edit/", views.team_edit, name="edit"),
    path("<int:team_id>/invite/", views.invite, name="invite"),
    path("<int:team_id>/members/<int:member_id>/remove/", views.remove_member, name="remove-member"),
    path("<int:team_id>/parked/<int:signup_id>/unpark/", views.unpark, name="unpark"),
    path("<int:team_id>/archive/", views.archive, name="archive"),
    path("<int:team_id>/board/", views.board, name="board"),
]
