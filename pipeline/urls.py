from django.urls import path

from . import views

app_name = "pipeline"

urlpatterns = [
    path("nominate/", views.NominateView.as_view(), name="nominate"),
    path("nominate/thanks/", views.nominated, name="nominated"),
    path("nominate/confirm/<str:token>/", views.NominationConfirmView.as_view(), name="confirm"),
]
