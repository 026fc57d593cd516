from django.urls import path

from . import views

app_name = "signups"

urlpatterns = [
    path("run/", views.RunView.as_view(), name="run"),
    path("volunteer/", views.VolunteerView.as_view(), name="volunteer"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("changes/<str:token>/", views.ChangeView.as_view(), name="change"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
