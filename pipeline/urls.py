from django.urls import path

from . import views

app_name = "pipeline"

urlpatterns = [
    path("nominate/", views.NominateView.as_view(), name="nominate"),
    path("nominate/thanks/", views.nominated, name="nominated"),
]
