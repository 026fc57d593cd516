"""Public pages, in English at / and in Spanish at /es/ (``i18n_patterns``)."""

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<str:state>/", views.state, name="state"),
    path("find/", views.find, name="find"),
    path("thanks/", views.thanks, name="thanks"),
]
