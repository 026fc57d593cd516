"""The coverage map's URLs, included at ``/organize/tiles/``."""

from django.urls import path

from . import tile_views

app_name = "organizing-tiles"

urlpatterns = [
    path("<str:chamber>/<int:z>/<int:x>/<int:y>.pbf", tile_views.district_tile, name="tile"),
    path("map/<str:chamber>/", tile_views.coverage_map, name="map"),
]
