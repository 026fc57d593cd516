from django.urls import path

from . import views

app_name = "signups"

urlpatterns = [
    path("run/", views.RunView.as_view(), name="run"),
    path("volunteer/", views.VolunteerView.as_view(), name="volunteer"),
    path("thanks/", views.thanks, name="thanks"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
