"""Public tiles (``/public/tiles/``) and share images (``/public/share/``): one URL for every language."""

from django.urls import path

from . import views

tile_urlpatterns = [
    path("<str:chamber>/<int:z>/<int:x>/<int:y>.pbf", views.tile, name="tile"),
]

share_urlpatterns = [
    path("<str:language>/<str:name>.png", views.share, name="image"),
]
