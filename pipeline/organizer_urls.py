"""The organizers' pipeline pages, included at ``/organize/`` beside the coverage pages."""

from django.urls import path

from . import organizer_views

app_name = "candidates"

urlpatterns = [
    path("pipeline/", organizer_views.board, name="board"),
    path("pipeline/mine/", organizer_views.mine, name="mine"),
    path("candidates/<int:pk>/", organizer_views.candidate_detail, name="detail"),
    path("candidates/<int:pk>/stage/", organizer_views.move, name="stage"),
    path("candidates/<int:pk>/introduce/", organizer_views.introduce, name="introduce"),
]
